/**
 * Addresses that never move, through the API: the service writes every VM's and peer's address into the spec it
 * stores and hands the stack, keeps them across spec replaces that insert, remove or reorder entries, and does not
 * hand a removed entry's address to a new one before an `up` without it has succeeded.
 */
import assert from "node:assert/strict";
import { TestService, startService } from "../../../../support/serviceApp";

const vms = (...names: string[]) => names.map((name) => ({ name }));
type Vm = { name: string; address?: string };

describe("service: addresses never move", function () {
  this.timeout(30000);
  let t: TestService;
  beforeEach(async () => {
    t = await startService({ delayMs: 5 });
  });
  afterEach(async () => {
    t.driver.release();
    await t.close();
  });

  /** Addresses by VM name in the stored spec (GET) and in the config the last `up` handed the stack. */
  async function addresses(): Promise<{ stored: Record<string, string>; stack: Record<string, string> }> {
    const stored = (await t.req("GET", "/v1/tenants/acme")).body.spec.vms as Vm[];
    const stack = (t.driver.of("up").at(-1)!.config!["basphere:tenant"] as { vms: Vm[] }).vms;
    const byName = (l: Vm[]) => Object.fromEntries(l.map((v) => [v.name, v.address!]));
    return { stored: byName(stored), stack: byName(stack) };
  }

  it("a VM inserted at the head keeps the others where they are, in the stored spec and the stack", async () => {
    const c = await t.req("POST", "/v1/tenants", {
      body: { name: "acme", spec: { vms: vms("bastion", "ci") } },
    });
    assert.equal(c.status, 202, c.text);
    await t.waitOp(c.body.operation.id);
    assert.deepEqual((await addresses()).stored, { bastion: "10.0.1.20", ci: "10.0.1.21" });

    // The tenant sends its spec as first written (no addresses), with a VM in front.
    const u = await t.req("PUT", "/v1/tenants/acme/spec", {
      body: { spec: { vms: vms("web", "bastion", "ci") } },
    });
    assert.equal(u.status, 202, u.text);
    await t.waitOp(u.body.operation.id);
    const want = { web: "10.0.1.22", bastion: "10.0.1.20", ci: "10.0.1.21" };
    assert.deepEqual(await addresses(), { stored: want, stack: want });
  });

  it("a removed VM's address stays held until the up without it succeeds", async () => {
    const c = await t.req("POST", "/v1/tenants", { body: { name: "acme", spec: { vms: vms("a", "b") } } });
    await t.waitOp(c.body.operation.id);
    t.driver.failures.set("tenant-acme", "vsphere: datastore full");
    const removed = await t.req("PUT", "/v1/tenants/acme/spec", { body: { spec: { vms: vms("b") } } });
    assert.equal((await t.waitOp(removed.body.operation.id)).status, "failed");
    // The up that removes a failed: a may still exist with 10.0.1.20, so c gets another address.
    t.driver.failures.delete("tenant-acme");
    const added = await t.req("PUT", "/v1/tenants/acme/spec", { body: { spec: { vms: vms("b", "c") } } });
    assert.equal((await t.waitOp(added.body.operation.id)).status, "succeeded");
    assert.deepEqual((await addresses()).stored, { b: "10.0.1.21", c: "10.0.1.22" });
    // That up succeeded: a's address is free again.
    const more = await t.req("PUT", "/v1/tenants/acme/spec", { body: { spec: { vms: vms("b", "c", "d") } } });
    await t.waitOp(more.body.operation.id);
    assert.deepEqual((await addresses()).stored, { b: "10.0.1.21", c: "10.0.1.22", d: "10.0.1.20" });
  });

  it("an explicit address a kept VM holds is a 400 naming the field; nothing is stored", async () => {
    const c = await t.req("POST", "/v1/tenants", { body: { name: "acme", spec: { vms: vms("a") } } });
    await t.waitOp(c.body.operation.id);
    const r = await t.req("PUT", "/v1/tenants/acme/spec", {
      body: { spec: { vms: [{ name: "a" }, { name: "b", address: "10.0.1.20" }] } },
    });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.field, "body.spec.vms[1].address");
    assert.match(r.body.message, /held by VM "a", which keeps it/);
    assert.equal((await t.req("GET", "/v1/tenants/acme")).body.specVersion, 1);
  });

  it("a preview of a changed spec shows the pinned addresses the up would use", async () => {
    const c = await t.req("POST", "/v1/tenants", { body: { name: "acme", spec: { vms: vms("a", "b") } } });
    await t.waitOp(c.body.operation.id);
    const p = await t.req("POST", "/v1/tenants/acme/preview", {
      body: { spec: { vms: vms("new", "b", "a") } },
    });
    assert.equal(p.status, 202, p.text);
    await t.waitOp(p.body.operation.id);
    const config = t.driver.of("preview").at(-1)!.config!["basphere:tenant"] as { vms: Vm[] };
    assert.deepEqual(
      config.vms.map((v) => [v.name, v.address]),
      [
        ["new", "10.0.1.22"],
        ["b", "10.0.1.21"],
        ["a", "10.0.1.20"],
      ],
    );
  });
});
