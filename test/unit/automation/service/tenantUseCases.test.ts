/**
 * The tenant use cases without HTTP: what the routes call. Create answers the token once and stores it hashed, the
 * view masks secret outputs except for the owner, errors name the field, and nothing is queued for a refused spec.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { demandOfSpec } from "../../../../automation/allocator/demand";
import { Context } from "../../../../automation/service/context";
import { ApiError } from "../../../../automation/service/errors";
import { Metrics } from "../../../../automation/service/metrics";
import {
  tenantConfigValidator,
  tenantSpecPinner,
  tenantSpecValidator,
} from "../../../../automation/service/specValidation";
import { SECRET_PLACEHOLDER, TenantUseCases, withName } from "../../../../automation/service/tenantUseCases";
import { SqliteStore } from "../../../../automation/store/sqliteStore";
import { OperationBus } from "../../../../automation/worker/bus";
import { Worker } from "../../../../automation/worker/worker";
import { FakeDriver } from "../../../../support/fakeDriver";
import { smallSpec, tempDir } from "../../../../support/serviceApp";

describe("tenant use cases", () => {
  let dir: string;
  let store: SqliteStore;
  let driver: FakeDriver;
  let uc: TenantUseCases;
  beforeEach(() => {
    dir = tempDir("basphere-usecases-");
    store = new SqliteStore({ path: join(dir, "db.sqlite") });
    driver = new FakeDriver({ delayMs: 1, validate: false });
    const ctx: Context = {
      store,
      worker: new Worker({ store, driver }),
      bus: new OperationBus(),
      driver,
      validateSpec: tenantSpecValidator,
      validateConfig: tenantConfigValidator,
      pinSpec: tenantSpecPinner,
      demandOf: demandOfSpec,
      metrics: new Metrics(),
    };
    uc = new TenantUseCases(ctx);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates: one queued up, the token once and only its hash stored, allocations in the view", async () => {
    const out = await uc.create("acme", smallSpec(), "admin");
    assert.equal(out.operation.kind, "up");
    assert.equal(out.operation.status, "queued");
    assert.match(out.token, /^bspt\./);
    const rows = await store.sql.all("SELECT token_hash FROM tenants");
    assert.equal(rows.length, 1);
    assert.ok(!JSON.stringify(rows).includes(out.token.split(".").at(-1)!));
    const alloc = out.tenant.allocations as { floatingIps: { name: string }[]; lan1VlanId: number };
    assert.deepEqual(
      alloc.floatingIps.map((f) => f.name),
      ["web"],
    );
    assert.equal(typeof alloc.lan1VlanId, "number");
    assert.equal((out.tenant.spec as { name: string }).name, "acme", "the spec is named after its tenant");
  });

  it("refuses a spec naming another tenant, naming the field, and queues nothing", async () => {
    await assert.rejects(
      uc.create("acme", { ...smallSpec(), name: "other" }, "admin"),
      (e: ApiError) => e.statusCode === 400 && e.issues[0]?.field === "body.spec.name",
    );
    assert.deepEqual(await store.listTenants(), []);
    assert.throws(() => withName({ name: "b" }, "a"), /body\.spec\.name: must equal the tenant name "a"/);
    assert.deepEqual(withName({}, "a"), { name: "a" });
  });

  it("shows secret outputs masked, and to the owner read from the stack", async () => {
    await uc.create("acme", smallSpec(), "admin");
    const [op] = await store.claimNext(1);
    await driver.up(
      "tenant-acme",
      { "basphere:tenant": { name: "acme" }, "basphere:allocations": { routerWanAddress: "x" } } as any,
      () => undefined,
      new AbortController().signal,
    );
    await store.finishOperation(op.id, "succeeded", {});
    await store.updateTenant("acme", { outputs: { tenantName: "acme" }, secretOutputKeys: ["kubeconfig"] });
    const t = (await store.getTenant("acme"))!;
    assert.equal(((await uc.show(t, false)).outputs as any).kubeconfig, SECRET_PLACEHOLDER);
    assert.match(((await uc.show(t, true)).outputs as any).kubeconfig, /kubeconfig of tenant-acme/);
  });

  it("rotates the token: a new one each time, the stored hash follows", async () => {
    const { token } = await uc.create("acme", smallSpec(), "admin");
    const t = (await store.getTenant("acme"))!;
    const before = (await store.tenantCredential("acme"))!.tokenHash;
    const a = await uc.rotateToken(t);
    assert.notEqual(a.token, token);
    assert.match(a.token, /^bspt\.acme\./);
    assert.notEqual((await store.tenantCredential("acme"))!.tokenHash, before);
  });
});
