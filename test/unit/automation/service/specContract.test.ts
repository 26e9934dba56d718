/**
 * The API and the tenant program agree on what a valid tenant is: the API checks a spec with the program's own
 * schema (model/tenant/spec.ts) *and with the allocations the allocator hands it* (`tenantConfigSchema`), so that
 * nothing the API accepts fails in the program for schema reasons. The fake engine checks every stack config
 * exactly like the tenant program (`programConfigIssues`), so an accepted spec whose operation fails is a defect.
 */
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import * as YAML from "yaml";
import { PROJECT_ROOT } from "../../../../support/engine";
import { programConfigIssues } from "../../../../support/fakeDriver";
import { TestService, smallSpec, startService } from "../../../../support/serviceApp";
import { allocationsSchema, tenantConfigSchema } from "../../../../model/tenant/allocations";

const CIDRS = [
  "10.244.0.0/16",
  "10.96.0.0/16",
  "192.168.0.0/16",
  "192.168.200.0/24",
  "172.16.0.0/12",
  "10.0.0.0/8",
];
const LANS = ["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24", "192.168.200.0/24", "10.0.1.128/25"];

/** Mostly `undefined` (the default), sometimes one of `values`. */
const rarely = <T>(...values: T[]) =>
  fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 4 },
    { arbitrary: fc.constantFrom(...values), weight: 1 },
  );

/** Specs near the edge of validity: overlapping networks, WAN-swallowing pod networks, dangling targets. */
const specArb = fc
  .record({
    vmNames: fc.uniqueArray(fc.constantFrom("web", "db", "api", "bastion"), { maxLength: 3 }),
    vmLan: fc.array(fc.constantFrom("lan1", "lan2"), { minLength: 4, maxLength: 4 }),
    vmAddress: fc.array(rarely(15, 20, 21, 50, 99, 100), { minLength: 4, maxLength: 4 }),
    lan1: rarely(...LANS),
    lan2: rarely(...LANS),
    cluster: fc.option(
      fc.record({
        podCidr: rarely(...CIDRS),
        serviceCidr: rarely(...CIDRS),
        cp: fc.constantFrom(1, 3),
        endpoint: fc.boolean(),
      }),
      { nil: undefined },
    ),
    /** Floating IPs on VMs (by index into vmNames; out of range: a dangling target). */
    fipVms: fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
    fipExtra: rarely("10.0.1.50", "10.0.9.9", "10.0.1.1", "cluster"),
    vpn: fc.option(fc.constantFrom("10.99.0.0/24", "10.99.0.0/24", "10.0.1.0/24", "192.168.200.0/28"), {
      nil: undefined,
    }),
  })
  .map((r) => {
    const spec: Record<string, unknown> = {};
    if (r.lan1 || r.lan2)
      spec.network = { ...(r.lan1 ? { lan1Cidr: r.lan1 } : {}), ...(r.lan2 ? { lan2Cidr: r.lan2 } : {}) };
    spec.vms = r.vmNames.map((name, i) => ({
      name,
      network: r.vmLan[i],
      ...(r.vmAddress[i] !== undefined
        ? { address: `10.0.${r.vmLan[i] === "lan1" ? 1 : 2}.${r.vmAddress[i]}` }
        : {}),
    }));
    const targets: string[] = r.fipVms.map((i) => r.vmNames[i] ?? "nosuchvm");
    if (r.cluster) {
      spec.cluster = {
        controlPlane: { replicas: r.cluster.cp },
        ...(r.cluster.podCidr ? { podCidr: r.cluster.podCidr } : {}),
        ...(r.cluster.serviceCidr ? { serviceCidr: r.cluster.serviceCidr } : {}),
      };
      if (r.cluster.endpoint) targets.push("cluster");
    }
    if (r.fipExtra) targets.push(r.fipExtra);
    spec.floatingIps = targets.map((target, i) => ({ name: `f${i}`, target }));
    if (r.vpn) spec.vpn = { tunnelCidr: r.vpn, peers: [{ name: "alice" }] };
    return spec;
  });

describe("service spec contract with the tenant program", function () {
  this.timeout(120000);
  let t: TestService;
  before(async () => {
    t = await startService({ delayMs: 0, concurrency: 2 });
  });
  after(async () => t.close());

  it("accepts every example tenant spec, and the program accepts the config the service writes", async () => {
    const dir = join(PROJECT_ROOT, "stacks");
    const files = readdirSync(dir).filter((f) => /^Pulumi\.tenant-.*\.yaml$/.test(f));
    assert.ok(files.length >= 2, files.join(","));
    for (const f of files) {
      const doc = YAML.parse(readFileSync(join(dir, f), "utf8"));
      const spec = doc.config["basphere:tenant"];
      // The hand-written allocations of the example follow the same schema as the service's.
      assert.ok(allocationsSchema.safeParse(doc.config["basphere:allocations"]).success, f);
      const r = await t.req("POST", "/v1/tenants", { body: { name: spec.name, spec } });
      assert.equal(r.status, 202, `${f}: ${r.text}`);
      const op = await t.waitOp(r.body.operation.id);
      assert.equal(op.status, "succeeded", `${f}: ${op.error}`);
      const up = t.driver.of("up").find((c) => c.stack === `tenant-${spec.name}`)!;
      assert.deepEqual(programConfigIssues(up.config!), []);
      // Field names and types of basphere:allocations are exactly the program's.
      const a = up.config!["basphere:allocations"];
      assert.deepEqual(allocationsSchema.parse(a), a);
    }
  });

  it("refuses, before storing anything, a spec the program would refuse with its allocations (pod network over the WAN pool)", async () => {
    const before = await t.svc.store.counts();
    const spec = smallSpec({
      cluster: { podCidr: "192.168.0.0/16" },
      floatingIps: [
        { name: "web", target: "web" },
        { name: "api", target: "cluster" },
      ],
    });
    const r = await t.req("POST", "/v1/tenants", { body: { name: "wanpod", spec } });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.field, "body.spec.cluster.podCidr");
    assert.match(r.body.message, /contains the tenant's WAN address 192\.168\.200\./);
    assert.equal(await t.svc.store.getTenant("wanpod"), undefined);
    assert.deepEqual(await t.svc.store.counts(), before, "nothing stored, nothing allocated");
    // The same through a spec replace and a preview of an existing tenant.
    const ok = await t.req("POST", "/v1/tenants", { body: { name: "okpod", spec: smallSpec() } });
    assert.equal(ok.status, 202);
    await t.waitOp(ok.body.operation.id);
    const allocs = await t.svc.store.allocationsOf("okpod");
    for (const [method, url] of [
      ["PUT", "/v1/tenants/okpod/spec"],
      ["POST", "/v1/tenants/okpod/preview"],
    ]) {
      const x = await t.req(method, url, { body: { spec } });
      assert.equal(x.status, 400, `${method} ${url}: ${x.text}`);
      assert.equal(x.body.field, "body.spec.cluster.podCidr");
    }
    assert.equal((await t.svc.store.getTenant("okpod"))!.specVersion, 1);
    assert.deepEqual(
      await t.svc.store.allocationsOf("okpod"),
      allocs,
      "the refused replace allocated nothing",
    );
  });

  it("property: whatever the API accepts, tenantConfigSchema accepts with the allocations the allocator produced", async () => {
    let accepted = 0;
    let refused = 0;
    let n = 0;
    await fc.assert(
      fc.asyncProperty(specArb, async (spec) => {
        const name = `p${n++}`;
        const r = await t.req("POST", "/v1/tenants", { body: { name, spec } });
        if (r.status === 400) {
          refused++;
          assert.match(r.body.field, /^body\.spec/, r.text);
          assert.equal(await t.svc.store.getTenant(name), undefined);
          return;
        }
        assert.equal(r.status, 202, r.text);
        accepted++;
        const op = await t.waitOp(r.body.operation.id);
        const up = t.driver.of("up").find((c) => c.stack === `tenant-${name}`);
        assert.ok(up, `${name}: the up reached the engine`);
        const config = JSON.parse(JSON.stringify(up.config));
        const parsed = tenantConfigSchema.safeParse({
          tenant: config["basphere:tenant"],
          allocations: config["basphere:allocations"],
        });
        assert.ok(parsed.success, `${JSON.stringify(spec)}: ${JSON.stringify(parsed.error?.issues)}`);
        assert.equal(op.status, "succeeded", op.error);
        // Free the pools for the next run.
        const d = await t.req("DELETE", `/v1/tenants/${name}`);
        assert.equal((await t.waitOp(d.body.operation.id)).status, "succeeded");
      }),
      { numRuns: 150, seed: 20260101 },
    );
    assert.ok(accepted >= 20 && refused >= 20, `accepted ${accepted}, refused ${refused}`);
  });
});
