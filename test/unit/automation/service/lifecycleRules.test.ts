/**
 * Lifecycle rules through the API: a failed destroy keeps the tenant and its allocations (status failed, the reason
 * named) and a retry finishes the delete; an `up` that ends while a delete waits leaves the tenant `deleting` and
 * no spec change slips in behind the delete; a spec replace while an operation is queued is queued after it (one
 * per stack); a second create of the same name is a 409.
 */
import assert from "node:assert/strict";
import { TestService, smallSpec, startService } from "../../../../support/serviceApp";

describe("service lifecycle rules", function () {
  this.timeout(30000);
  let t: TestService;
  beforeEach(async () => {
    t = await startService({ delayMs: 5 });
  });
  afterEach(async () => {
    t.driver.release();
    await t.close();
  });

  it("a failed destroy keeps the tenant and its allocations, says why; a retried delete completes", async () => {
    const c = await t.req("POST", "/v1/tenants", { body: { name: "acme", spec: smallSpec() } });
    await t.waitOp(c.body.operation.id);
    const held = await t.svc.store.allocationsOf("acme");
    t.driver.failures.set("tenant-acme", "vsphere: cannot delete vm web");
    const d = await t.req("DELETE", "/v1/tenants/acme");
    const op = await t.waitOp(d.body.operation.id);
    assert.equal(op.status, "failed");
    assert.match(op.error, /cannot delete vm web/);
    assert.ok(!t.driver.of("removeStack").length, "the stack is not removed after a failed destroy");
    const tenant = (await t.req("GET", "/v1/tenants/acme")).body;
    assert.equal(tenant.status, "failed");
    assert.match(tenant.lastError, /^delete .* failed: vsphere: cannot delete vm web/);
    assert.deepEqual(await t.svc.store.allocationsOf("acme"), held, "allocations kept");
    t.driver.failures.delete("tenant-acme");
    const again = await t.req("DELETE", "/v1/tenants/acme");
    assert.equal(again.status, 202);
    assert.equal((await t.waitOp(again.body.operation.id)).status, "succeeded");
    assert.deepEqual(await t.svc.store.allocationsOf("acme"), []);
  });

  it("an up that ends while a delete waits leaves the tenant deleting; nothing is queued behind the delete", async () => {
    const c = await t.req("POST", "/v1/tenants", { body: { name: "acme", spec: smallSpec() } });
    await t.waitOp(c.body.operation.id);
    t.driver.hold();
    const up = await t.req("PUT", "/v1/tenants/acme/spec", { body: { spec: smallSpec() } });
    while (t.driver.running === 0) await new Promise((r) => setTimeout(r, 5));
    const d = await t.req("DELETE", "/v1/tenants/acme");
    assert.equal(d.status, 202);
    t.driver.delayMs = 1500; // the destroy, which starts once the up ended, is still running while we look
    t.driver.release();
    assert.equal((await t.waitOp(up.body.operation.id)).status, "succeeded");
    assert.equal((await t.req("GET", "/v1/tenants/acme")).body.status, "deleting");
    for (const [m, u, b] of [
      ["PUT", "/v1/tenants/acme/spec", { spec: smallSpec() }],
      ["POST", "/v1/tenants/acme/refresh", undefined],
      ["POST", "/v1/tenants/acme/preview", {}],
    ] as const) {
      const r = await t.req(m, u, { body: b });
      assert.equal(r.status, 409, `${m} ${u}: ${r.text}`);
    }
    assert.equal((await t.waitOp(d.body.operation.id)).status, "succeeded");
  });

  it("a spec replace while an operation is queued is queued after it; one operation per stack; 409 for a second create", async () => {
    t.driver.hold();
    const c = await t.req("POST", "/v1/tenants", { body: { name: "acme", spec: smallSpec() } });
    const dup = await t.req("POST", "/v1/tenants", { body: { name: "acme", spec: smallSpec() } });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.field, "body.name");
    const r = await t.req("POST", "/v1/tenants/acme/refresh");
    const p = await t.req("PUT", "/v1/tenants/acme/spec", {
      body: { spec: smallSpec({ vms: [{ name: "web", cpus: 4 }] }) },
    });
    assert.equal(p.status, 202);
    const ops = (await t.req("GET", "/v1/tenants/acme/operations")).body.items;
    assert.deepEqual(
      ops.map((o: any) => [o.kind, o.status]),
      [
        ["up", "queued"],
        ["refresh", "queued"],
        ["up", "running"],
      ],
    );
    t.driver.release();
    for (const id of [c.body.operation.id, r.body.operation.id, p.body.operation.id])
      assert.equal((await t.waitOp(id)).status, "succeeded");
    assert.equal(t.driver.maxPerStack, 1);
    const calls = t.driver
      .of()
      .filter((x) => x.method !== "outputs")
      .map((x) => x.method);
    assert.deepEqual(calls, ["up", "refresh", "up"]);
  });
});
