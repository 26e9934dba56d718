/**
 * A tenant deleted and created again under the same name is a new incarnation: its token opens none of the old
 * incarnation's operations (403, as for another tenant's), the old token opens nothing of the new one (401), and the
 * admin still sees both.
 */
import assert from "node:assert/strict";
import { ADMIN, TestService, smallSpec, startService } from "../../../../support/serviceApp";

describe("service tenant incarnations (delete, then create again under the same name)", function () {
  this.timeout(30000);
  let t: TestService;
  let oldToken = "";
  let newToken = "";
  let oldIds: string[] = [];
  let newUp = "";
  let oldTenantId = "";
  let newTenantId = "";

  before(async () => {
    t = await startService({ delayMs: 5 });
    const a = await t.req("POST", "/v1/tenants", { body: { name: "acme", spec: smallSpec() } });
    assert.equal(a.status, 202, a.text);
    oldToken = a.body.token;
    oldTenantId = a.body.tenant.id;
    await t.waitOp(a.body.operation.id);
    const refresh = await t.req("POST", "/v1/tenants/acme/refresh", { token: oldToken });
    assert.equal(refresh.status, 202, refresh.text);
    await t.waitOp(refresh.body.operation.id);
    const del = await t.req("DELETE", "/v1/tenants/acme", { token: oldToken });
    assert.equal(del.status, 202, del.text);
    assert.equal((await t.waitOp(del.body.operation.id)).status, "succeeded");
    assert.equal((await t.req("GET", "/v1/tenants/acme")).status, 404);
    oldIds = [a.body.operation.id, refresh.body.operation.id, del.body.operation.id];

    const b = await t.req("POST", "/v1/tenants", { body: { name: "acme", spec: smallSpec() } });
    assert.equal(b.status, 202, b.text);
    newToken = b.body.token;
    newTenantId = b.body.tenant.id;
    newUp = b.body.operation.id;
    await t.waitOp(newUp);
  });
  after(async () => t.close());

  it("the new incarnation has a new id, and every operation names its incarnation", async () => {
    assert.ok(oldTenantId && newTenantId && oldTenantId !== newTenantId);
    for (const id of oldIds)
      assert.equal((await t.req("GET", `/v1/operations/${id}`)).body.tenantId, oldTenantId);
    assert.equal((await t.req("GET", `/v1/operations/${newUp}`)).body.tenantId, newTenantId);
    assert.equal((await t.req("GET", "/v1/tenants/acme", { token: newToken })).body.id, newTenantId);
  });

  it("the new token gets 403 on every route of every old operation", async () => {
    for (const id of oldIds) {
      for (const [method, url] of [
        ["GET", `/v1/operations/${id}`],
        ["GET", `/v1/operations/${id}/events`],
        ["GET", `/v1/operations/${id}/events/stream`],
        ["POST", `/v1/operations/${id}/cancel`],
      ]) {
        const r = await t.req(method, url, { token: newToken });
        assert.equal(r.status, 403, `${method} ${url}: ${r.text.slice(0, 200)}`);
        assert.equal(r.body.code, "forbidden");
        assert.doesNotMatch(r.text, /"items"|"kind"/, "no operation data in the refusal");
      }
    }
  });

  it("the new token sees its own operations, and the tenant's list holds only the new incarnation's", async () => {
    const own = await t.req("GET", `/v1/operations/${newUp}`, { token: newToken });
    assert.equal(own.status, 200);
    const events = await t.req("GET", `/v1/operations/${newUp}/events`, { token: newToken });
    assert.equal(events.status, 200);
    assert.ok(events.body.items.length > 0);
    for (const token of [newToken, ADMIN]) {
      const list = await t.req("GET", "/v1/tenants/acme/operations", { token });
      assert.equal(list.status, 200, list.text);
      assert.deepEqual(
        list.body.items.map((o: any) => o.id),
        [newUp],
      );
    }
  });

  it("the old token opens nothing of the new incarnation (401), nor its own old operations", async () => {
    for (const [method, url] of [
      ["GET", "/v1/tenants/acme"],
      ["GET", "/v1/tenants/acme/operations"],
      ["POST", "/v1/tenants/acme/refresh"],
      ["POST", "/v1/tenants/acme/token"],
      ["DELETE", "/v1/tenants/acme"],
      ["GET", `/v1/operations/${newUp}`],
      ["GET", `/v1/operations/${newUp}/events`],
      ["GET", `/v1/operations/${newUp}/events/stream`],
      ["POST", `/v1/operations/${newUp}/cancel`],
      ["GET", `/v1/operations/${oldIds[0]}`],
    ]) {
      const r = await t.req(method, url, { token: oldToken });
      assert.equal(r.status, 401, `${method} ${url}: ${r.text.slice(0, 200)}`);
    }
    assert.equal((await t.req("GET", "/v1/tenants/acme")).body.status, "ready", "nothing was deleted");
  });

  it("the admin sees both incarnations' operations and events", async () => {
    const all = await t.req("GET", "/v1/operations?tenant=acme");
    assert.equal(all.status, 200);
    assert.deepEqual(all.body.items.map((o: any) => o.id).sort(), [...oldIds, newUp].sort());
    for (const id of [...oldIds, newUp]) {
      const r = await t.req("GET", `/v1/operations/${id}/events`);
      assert.equal(r.status, 200);
      assert.ok(r.body.items.length > 0, `events of ${id}`);
    }
  });

  it("a rotated token of the new incarnation still sees only the new incarnation", async () => {
    const rot = await t.req("POST", "/v1/tenants/acme/token", { token: newToken });
    assert.equal(rot.status, 200, rot.text);
    newToken = rot.body.token;
    assert.equal((await t.req("GET", `/v1/operations/${oldIds[0]}`, { token: newToken })).status, 403);
    assert.equal((await t.req("GET", `/v1/operations/${newUp}`, { token: newToken })).status, 200);
  });
});
