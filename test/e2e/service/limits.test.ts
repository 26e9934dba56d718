/**
 * A tenant spec at every documented limit (the most VMs, floating IPs, port rules, SSH keys, peers, the longest
 * names and strings) through the real engine: create → `up` → delete on the e2e program. The spec reaches the
 * engine in the stack's settings file, not on a command line, so its size never meets the kernel's argument limits
 * (a spec with 10,000 ports used to fail with E2BIG at `pulumi config set-all`); the program reads it whole.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { Service, createService } from "../../../automation/service/wiring";
import { Emulator, startEmulator } from "../../../providers/opnsense/emulator";
import { maxSpec } from "../../../support/serviceApp";
import {
  ADMIN_TOKEN,
  ServiceSandbox,
  client,
  emulatedAliases,
  emulatedVips,
  programEnv,
  requireEngine,
  waitOperation,
} from "../../../support/service";
import { MAX_FLOATING_IPS, MAX_VMS } from "../../../model/tenant/limits";

describe("service e2e: a spec at every limit through the real engine", function () {
  this.timeout(300000);
  let sandbox: ServiceSandbox;
  let emulator: Emulator;
  let svc: Service;
  let req: ReturnType<typeof client>;
  const saved: Record<string, string | undefined> = {};
  const spec = maxSpec();
  const name = spec.name as string;

  before(async () => {
    await requireEngine();
    emulator = await startEmulator();
    sandbox = new ServiceSandbox("limits");
    for (const [k, v] of Object.entries(programEnv(emulator))) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    svc = await createService({
      dataDir: sandbox.dataDir,
      adminToken: ADMIN_TOKEN,
      workDir: sandbox.programDir,
      pollIntervalMs: 50,
      drainMs: 0,
      env: {},
    });
    req = client(await svc.listen(0));
  });

  after(async () => {
    await svc?.close();
    await emulator?.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    sandbox?.dispose();
  });

  it("creates it: the program gets the whole spec and makes every record", async () => {
    const started = Date.now();
    const r = await req("POST", "/v1/tenants", { body: { name, spec } });
    assert.equal(r.status, 202, JSON.stringify(r.body).slice(0, 2000));
    const op = await waitOperation(req, r.body.operation.id, 240000);
    console.log(`      create at every limit: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.equal(op.status, "succeeded", op.error);
    assert.deepEqual(op.result.changes, { create: 1 + MAX_FLOATING_IPS + MAX_VMS });
    assert.equal(emulatedVips(emulator).length, MAX_FLOATING_IPS);
    assert.equal(Object.keys(emulatedAliases(emulator)).length, MAX_VMS);

    // The config file the engine read holds the spec the API validated, in full.
    const file = path.join(sandbox.dataDir, "project", `Pulumi.tenant-${name}.yaml`);
    const text = fs.readFileSync(file, "utf8");
    const written = JSON.parse(YAML.parse(text).config["basphere:tenant"]);
    assert.ok(text.length > 64 * 1024, `${text.length} bytes of config`);
    assert.deepEqual(
      written.floatingIps.map((f: { ports: unknown[] }) => f.ports.length),
      Array(MAX_FLOATING_IPS).fill(32),
    );
    // The single `cluster` sent is stored as a one-element `clusters` (the same cluster, its names kept).
    assert.equal(written.clusters[0].sshAuthorizedKeys.join("").length, 16 * 2048);
    const t = (await req("GET", `/v1/tenants/${name}`)).body;
    assert.equal(t.status, "ready");
    assert.deepEqual(
      t.outputs.floatingIps,
      Object.fromEntries(t.allocations.floatingIps.map((f: any) => [f.name, f.address])),
    );
  });

  it("deletes it: destroy, stack removed, the router empty, allocations released", async () => {
    const r = await req("DELETE", `/v1/tenants/${name}`);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const op = await waitOperation(req, r.body.operation.id, 240000);
    assert.equal(op.status, "succeeded", op.error);
    assert.deepEqual(op.result.changes, { delete: 1 + MAX_FLOATING_IPS + MAX_VMS });
    for (const [collection, records] of Object.entries(emulator.state.collections))
      assert.deepEqual(records, {}, `collection ${collection} is empty`);
    assert.deepEqual(sandbox.stacks(), []);
    assert.deepEqual((await svc.store.counts()).allocations, { vlan: 0, routerWan: 0, floatingIp: 0 });
  });
});
