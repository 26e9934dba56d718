/**
 * Several clusters per tenant through the API: a Dev and a Prod cluster get their own endpoint floating IP, VIP and
 * IPAM range; removing Dev releases only its floating IP (after the up that removed it) and moves nothing of Prod;
 * a spec with the single `cluster` is stored as a one-element `clusters` that keeps its namespace and addresses.
 */
import assert from "node:assert/strict";
import { TestService, startService } from "../../../../support/serviceApp";

const devProd = () => ({
  clusters: [
    {
      name: "dev",
      bootstrap: "talos",
      network: "lan2",
      controlPlane: { replicas: 1 },
      workers: { replicas: 1 },
    },
    {
      name: "prod",
      network: "lan1",
      addressing: "ipam",
      controlPlane: { replicas: 3 },
      workers: { replicas: 2 },
    },
  ],
  floatingIps: [
    { name: "dev-api", target: "cluster:dev" },
    { name: "prod-api", target: "cluster:prod" },
  ],
});

describe("service: several clusters per tenant", function () {
  this.timeout(30000);
  let t: TestService;
  beforeEach(async () => {
    t = await startService({ delayMs: 5 });
  });
  afterEach(async () => {
    t.driver.release();
    await t.close();
  });

  const floatingIps = async () =>
    Object.fromEntries(
      (await t.svc.store.allocationsOf("acme"))
        .filter((a) => a.pool === "floatingIp")
        .map((a) => [a.key, a.value]),
    );

  it("Dev and Prod: own endpoints and pinned addresses; removing Dev releases only its allocation", async () => {
    const c = await t.req("POST", "/v1/tenants", { body: { name: "acme", spec: devProd() } });
    assert.equal(c.status, 202, c.text);
    await t.waitOp(c.body.operation.id);
    const stored = (await t.req("GET", "/v1/tenants/acme")).body.spec;
    assert.deepEqual(
      stored.clusters.map((x: any) => [x.name, x.vip, x.ipamRange]),
      [
        ["dev", "10.0.2.10", undefined],
        ["prod", "10.0.1.10", "10.0.1.100-10.0.1.124"],
      ],
    );
    const before = await floatingIps();
    assert.deepEqual(Object.keys(before).sort(), ["dev-api", "prod-api"]);

    const spec = devProd();
    spec.clusters.shift();
    spec.floatingIps.shift();
    const u = await t.req("PUT", "/v1/tenants/acme/spec", { body: { spec } });
    assert.equal(u.status, 202, u.text);
    assert.equal((await t.waitOp(u.body.operation.id)).status, "succeeded");
    assert.deepEqual(
      await floatingIps(),
      { "prod-api": before["prod-api"] },
      "only Dev's floating IP released",
    );
    const prod = (await t.req("GET", "/v1/tenants/acme")).body.spec.clusters;
    assert.deepEqual(
      prod.map((x: any) => [x.name, x.vip, x.ipamRange]),
      [["prod", "10.0.1.10", "10.0.1.100-10.0.1.124"]],
    );
    const config = t.driver.of("up").at(-1)!.config!["basphere:tenant"] as { clusters: { name: string }[] };
    assert.deepEqual(
      config.clusters.map((x) => x.name),
      ["prod"],
    );
  });

  it("the single cluster is stored as a one-element list in its old namespace, with its VIP and whole IPAM range", async () => {
    const c = await t.req("POST", "/v1/tenants", {
      body: {
        name: "acme",
        spec: { cluster: { addressing: "ipam" }, floatingIps: [{ name: "api", target: "cluster" }] },
      },
    });
    assert.equal(c.status, 202, c.text);
    await t.waitOp(c.body.operation.id);
    const spec = (await t.req("GET", "/v1/tenants/acme")).body.spec;
    assert.equal(spec.cluster, undefined);
    assert.deepEqual(
      spec.clusters.map((x: any) => [x.name, x.namespace, x.vip, x.ipamRange]),
      [["acme", "tenant-acme", "10.0.1.10", "10.0.1.100-10.0.1.199"]],
    );
    assert.equal(spec.floatingIps[0].target, "cluster:acme");
  });

  it("a config error in a spec sent with `cluster` names the field the client wrote", async () => {
    const r = await t.req("POST", "/v1/tenants", {
      body: {
        name: "acme",
        spec: {
          cluster: { podCidr: "192.168.0.0/16" },
          floatingIps: [{ name: "api", target: "cluster" }],
        },
      },
    });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.field, "body.spec.cluster.podCidr");
  });

  it("LAN capacity exceeded is a 400 naming the field; nothing is stored", async () => {
    const spec = devProd();
    spec.clusters[0] = {
      name: "dev",
      network: "lan1",
      controlPlane: { replicas: 3 },
      workers: { replicas: 50 },
    } as any;
    (spec.clusters[1] as any).network = "lan1";
    (spec.clusters[1] as any).addressing = "dhcp";
    const r = await t.req("POST", "/v1/tenants", { body: { name: "acme", spec } });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.field, "body.spec.clusters[1].workers.replicas");
    assert.match(r.body.message, /DHCP clusters on lan1 need 62 leases .* DHCP pool holds 51/);
    assert.equal((await t.req("GET", "/v1/tenants/acme")).status, 404);
  });
});
