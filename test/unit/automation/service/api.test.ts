/**
 * The API contract, route by route: status codes, bodies, and error bodies naming the field.
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import Ajv2020 from "ajv/dist/2020";
import { DEFAULT_POOLS } from "../../../../automation/allocator/pools";
import { createLogger } from "../../../../automation/service/logger";
import { ADMIN, TestService, smallSpec, startService } from "../../../../support/serviceApp";

const UNKNOWN_OP = "00000000-0000-4000-8000-000000000000";

function assertError(r: { status: number; body: any }, status: number, field?: string | RegExp) {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.statusCode, status);
  assert.equal(typeof r.body.code, "string");
  assert.ok(typeof r.body.message === "string" && r.body.message.length > 0);
  if (field instanceof RegExp) assert.match(r.body.field, field);
  else if (field) assert.equal(r.body.field, field, JSON.stringify(r.body));
}

describe("service API contract", function () {
  this.timeout(20000);
  let t: TestService;
  let acme: { token: string; op: string };
  before(async () => {
    t = await startService({ delayMs: 5 });
    const r = await t.req("POST", "/v1/tenants", { body: { name: "acme", spec: smallSpec() } });
    acme = { token: r.body.token, op: r.body.operation.id };
    await t.waitOp(acme.op);
  });
  after(async () => t.close());

  describe("POST /v1/tenants", () => {
    it("202: tenant, allocations, operation, a token shown once; Location names the operation", async () => {
      const r = await t.req("POST", "/v1/tenants", { body: { name: "beta", spec: smallSpec() } });
      assert.equal(r.status, 202);
      assert.equal(r.headers.location, `/v1/operations/${r.body.operation.id}`);
      assert.match(r.body.token, /^bspt\.beta\.[A-Za-z0-9_-]{43}$/);
      assert.equal(r.body.tenant.status, "creating");
      assert.equal(r.body.tenant.spec.name, "beta");
      assert.equal(r.body.operation.kind, "up");
      assert.deepEqual(Object.keys(r.body.tenant.allocations).sort(), [
        "floatingIps",
        "lan1VlanId",
        "lan2VlanId",
        "routerWanAddress",
      ]);
      assert.notEqual(r.body.tenant.allocations.lan1VlanId, 2000);
      assert.equal((await t.waitOp(r.body.operation.id)).status, "succeeded");
      const raw = (await t.svc.store.sql.get(
        "SELECT token_hash FROM tenants WHERE name = 'beta'",
        [],
      )) as any;
      assert.match(raw.token_hash, /^[0-9a-f]{64}$/);
      assert.ok(!JSON.stringify(raw).includes(r.body.token.split(".")[2]), "token stored hashed");
    });
    it("400 naming the field: missing name, bad name, missing spec, unknown property", async () => {
      assertError(await t.req("POST", "/v1/tenants", { body: { spec: {} } }), 400, "body.name");
      assertError(
        await t.req("POST", "/v1/tenants", { body: { name: "Bad_Name", spec: {} } }),
        400,
        "body.name",
      );
      assertError(
        await t.req("POST", "/v1/tenants", { body: { name: "x".repeat(21), spec: {} } }),
        400,
        "body.name",
      );
      assertError(await t.req("POST", "/v1/tenants", { body: { name: "ok" } }), 400, "body.spec");
      assertError(
        await t.req("POST", "/v1/tenants", { body: { name: "ok", spec: {}, admin: true } }),
        400,
        "body.admin",
      );
      assertError(await t.req("POST", "/v1/tenants", { body: { name: "ok", spec: "x" } }), 400, "body.spec");
    });
    it("400 naming the spec field the tenant spec schema rejects", async () => {
      const r = await t.req("POST", "/v1/tenants", {
        body: { name: "gamma", spec: smallSpec({ floatingIps: [{ name: "web", target: "nosuchvm" }] }) },
      });
      assertError(r, 400, "body.spec.floatingIps[0].target");
      assert.match(r.body.message, /does not exist/);
      assertError(
        await t.req("POST", "/v1/tenants", {
          body: { name: "gamma", spec: { vms: [{ name: "a", cpus: "two" }] } },
        }),
        400,
        "body.spec.vms[0].cpus",
      );
      assertError(
        await t.req("POST", "/v1/tenants", { body: { name: "gamma", spec: { name: "other" } } }),
        400,
        "body.spec.name",
      );
      assert.equal(await t.svc.store.getTenant("gamma"), undefined);
    });
    it("409 for a duplicate name", async () => {
      assertError(await t.req("POST", "/v1/tenants", { body: { name: "acme", spec: {} } }), 409, "body.name");
    });
    it("413 over the body limit, 415 for a non-JSON body, 400 for broken JSON", async () => {
      const big = { name: "big", spec: { vms: [{ name: "a", template: "x".repeat(300 * 1024) }] } };
      assertError(await t.req("POST", "/v1/tenants", { body: big }), 413, "body");
      assertError(
        await t.req("POST", "/v1/tenants", { body: "name=x", headers: { "content-type": "text/plain" } }),
        415,
        "headers.content-type",
      );
      assertError(
        await t.req("POST", "/v1/tenants", {
          body: '{"name":',
          headers: { "content-type": "application/json" },
        }),
        400,
        "body",
      );
    });
  });

  describe("GET /v1/tenants and /v1/tenants/:name", () => {
    it("lists tenants (admin)", async () => {
      const r = await t.req("GET", "/v1/tenants");
      assert.equal(r.status, 200);
      assert.ok(r.body.items.some((x: any) => x.name === "acme" && x.status === "ready"));
    });
    it("shows a tenant with outputs; secret outputs masked", async () => {
      const r = await t.req("GET", "/v1/tenants/acme", { token: acme.token });
      assert.equal(r.status, 200);
      assert.equal(r.body.status, "ready");
      assert.equal(r.body.appliedVersion, 1);
      assert.equal(r.body.outputs.kubeconfig, "[secret]");
      assert.deepEqual(r.body.secretOutputKeys, ["kubeconfig"]);
      assert.equal(r.body.outputs.routerWanAddress, r.body.allocations.routerWanAddress);
    });
    it("reveals secret outputs to the owner with ?showSecrets=true, never to the admin", async () => {
      const r = await t.req("GET", "/v1/tenants/acme?showSecrets=true", { token: acme.token });
      assert.equal(r.status, 200);
      assert.match(r.body.outputs.kubeconfig, /kubeconfig of tenant-acme/);
      assertError(await t.req("GET", "/v1/tenants/acme?showSecrets=true"), 403, "querystring.showSecrets");
      const stored =
        JSON.stringify(await t.svc.store.sql.all("SELECT * FROM tenants", [])) +
        JSON.stringify(await t.svc.store.sql.all("SELECT * FROM events", []));
      assert.ok(!stored.includes("kubeconfig of"), "secret output values are never stored");
    });
    it("404 unknown tenant, 400 bad name or query", async () => {
      assertError(await t.req("GET", "/v1/tenants/nosuch"), 404);
      assertError(await t.req("GET", "/v1/tenants/No_Such"), 400, "params.name");
      assertError(await t.req("GET", "/v1/tenants/acme?showSecrets=maybe"), 400, "querystring.showSecrets");
      assertError(await t.req("GET", "/v1/tenants/acme?x=1"), 400, "querystring.x");
    });
  });

  describe("PUT /v1/tenants/:name/spec", () => {
    it("202: new spec version, allocations topped up, surplus released after the up", async () => {
      const two = smallSpec({
        vms: [{ name: "web" }, { name: "db" }],
        floatingIps: [
          { name: "web", target: "web" },
          { name: "db", target: "db" },
        ],
      });
      const r = await t.req("PUT", "/v1/tenants/acme/spec", { token: acme.token, body: { spec: two } });
      assert.equal(r.status, 202);
      assert.equal(r.body.tenant.specVersion, 2);
      assert.equal(r.body.tenant.status, "updating");
      assert.deepEqual(r.body.tenant.allocations.floatingIps.map((f: any) => f.name).sort(), ["db", "web"]);
      const webAddr = r.body.tenant.allocations.floatingIps.find((f: any) => f.name === "web").address;
      await t.waitOp(r.body.operation.id);
      const back = await t.req("PUT", "/v1/tenants/acme/spec", {
        token: acme.token,
        body: { spec: smallSpec() },
      });
      assert.equal(back.body.tenant.allocations.floatingIps.length, 2, "kept until the up succeeds");
      await t.waitOp(back.body.operation.id);
      const now = await t.req("GET", "/v1/tenants/acme");
      assert.deepEqual(
        now.body.allocations.floatingIps,
        [{ name: "web", address: webAddr }],
        "web keeps its address",
      );
      assert.equal(now.body.appliedVersion, 3);
    });
    it("400 naming the field, 404 unknown tenant", async () => {
      assertError(
        await t.req("PUT", "/v1/tenants/acme/spec", { body: { spec: { vms: 3 } } }),
        400,
        "body.spec.vms",
      );
      assertError(await t.req("PUT", "/v1/tenants/acme/spec", { body: {} }), 400, "body.spec");
      assertError(await t.req("PUT", "/v1/tenants/nosuch/spec", { body: { spec: {} } }), 404);
    });
  });

  describe("preview and refresh", () => {
    it("POST preview: runs a preview of the proposed spec without changing the tenant", async () => {
      const before = (await t.req("GET", "/v1/tenants/acme")).body;
      const spec = smallSpec({
        vms: [{ name: "web" }, { name: "api" }],
        floatingIps: [
          { name: "web", target: "web" },
          { name: "api", target: "api" },
        ],
      });
      const r = await t.req("POST", "/v1/tenants/acme/preview", { token: acme.token, body: { spec } });
      assert.equal(r.status, 202);
      assert.equal(r.body.operation.kind, "preview");
      const op = await t.waitOp(r.body.operation.id);
      assert.equal(op.status, "succeeded");
      assert.match(op.result.diff, /to create/);
      const call = t.driver.of("preview").at(-1)!;
      assert.deepEqual(
        (call.config!["basphere:tenant"] as any).vms.map((v: any) => v.name),
        ["web", "api"],
      );
      assert.equal(
        call.config!["basphere:allocations"].floatingIps.length,
        2,
        "tentative allocation for the new floating IP",
      );
      const after = (await t.req("GET", "/v1/tenants/acme")).body;
      assert.equal(after.specVersion, before.specVersion);
      assert.deepEqual(after.allocations, before.allocations, "a preview allocates nothing");
      assertError(
        await t.req("POST", "/v1/tenants/acme/preview", { body: { spec: { vms: "x" } } }),
        400,
        "body.spec.vms",
      );
      assertError(await t.req("POST", "/v1/tenants/nosuch/preview", { body: {} }), 404);
    });
    it("POST refresh: 202 and a refresh reaches the engine", async () => {
      const r = await t.req("POST", "/v1/tenants/acme/refresh", { token: acme.token });
      assert.equal(r.status, 202);
      assert.equal((await t.waitOp(r.body.operation.id)).status, "succeeded");
      assert.equal(t.driver.of("refresh").at(-1)!.stack, "tenant-acme");
      assertError(await t.req("POST", "/v1/tenants/nosuch/refresh"), 404);
    });
  });

  describe("operations and events", () => {
    it("GET /v1/operations/:id, 404 unknown, 400 malformed id", async () => {
      const r = await t.req("GET", `/v1/operations/${acme.op}`, { token: acme.token });
      assert.equal(r.status, 200);
      assert.equal(r.body.kind, "up");
      assertError(await t.req("GET", `/v1/operations/${UNKNOWN_OP}`), 404);
      assertError(await t.req("GET", "/v1/operations/not-a-uuid"), 400, "params.id");
    });
    it("GET /v1/tenants/:name/operations newest first, paged; GET /v1/operations filters (admin)", async () => {
      const r = await t.req("GET", "/v1/tenants/acme/operations?limit=2", { token: acme.token });
      assert.equal(r.status, 200);
      assert.equal(r.body.items.length, 2);
      const older = await t.req("GET", `/v1/tenants/acme/operations?limit=500&before=${r.body.items[1].id}`, {
        token: acme.token,
      });
      assert.equal(older.body.items.at(-1).id, acme.op);
      assertError(await t.req("GET", "/v1/tenants/acme/operations?limit=0"), 400, "querystring.limit");
      const all = await t.req("GET", "/v1/operations?status=succeeded&tenant=acme");
      assert.equal(all.status, 200);
      assert.ok(
        all.body.items.length >= 3 &&
          all.body.items.every((o: any) => o.status === "succeeded" && o.tenant === "acme"),
      );
      assertError(await t.req("GET", "/v1/operations?status=done"), 400, "querystring.status");
    });
    it("GET events as JSON pages", async () => {
      const p1 = await t.req("GET", `/v1/operations/${acme.op}/events?limit=2`, { token: acme.token });
      assert.equal(p1.status, 200);
      assert.deepEqual(
        p1.body.items.map((e: any) => e.seq),
        [1, 2],
      );
      assert.equal(p1.body.next, 2);
      const rest = await t.req("GET", `/v1/operations/${acme.op}/events?after=2&limit=1000`, {
        token: acme.token,
      });
      assert.equal(rest.body.next, null);
      assert.equal(rest.body.items.at(-1).type, "operation.succeeded");
      assertError(await t.req("GET", `/v1/operations/${acme.op}/events?after=-1`), 400, "querystring.after");
    });
    it("GET events/stream: SSE of every event, then `end`; resumes after Last-Event-ID", async () => {
      const r = await t.req("GET", `/v1/operations/${acme.op}/events/stream`, { token: acme.token });
      assert.equal(r.status, 200);
      assert.match(r.headers["content-type"], /^text\/event-stream/);
      const ids = [...r.text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
      assert.deepEqual(
        ids,
        ids.map((_, i) => i + 1),
      );
      assert.match(r.text, /event: operation\.succeeded\n/);
      assert.match(r.text, /event: end\ndata: \{.*"status":"succeeded"/);
      const resumed = await t.req("GET", `/v1/operations/${acme.op}/events/stream`, {
        token: acme.token,
        headers: { "last-event-id": String(ids.length - 1) },
      });
      assert.deepEqual(
        [...resumed.text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1])),
        [ids.length],
      );
    });
    it("SSE follows a running operation live", async () => {
      t.driver.delayMs = 150;
      const r = await t.req("POST", "/v1/tenants/acme/refresh");
      const s = await t.req("GET", `/v1/operations/${r.body.operation.id}/events/stream`);
      t.driver.delayMs = 5;
      assert.match(
        s.text,
        /event: operation\.started[\s\S]*event: engine\.summary[\s\S]*event: operation\.succeeded[\s\S]*event: end/,
      );
    });
    it("POST cancel: 409 once finished, 404 unknown", async () => {
      assertError(await t.req("POST", `/v1/operations/${acme.op}/cancel`), 409);
      assertError(await t.req("POST", `/v1/operations/${UNKNOWN_OP}/cancel`), 404);
    });
  });

  describe("tokens and delete", () => {
    it("POST token rotates: the old token stops working", async () => {
      const r = await t.req("POST", "/v1/tenants/acme/token", { token: acme.token });
      assert.equal(r.status, 200);
      assertError(await t.req("GET", "/v1/tenants/acme", { token: acme.token }), 401);
      assert.equal((await t.req("GET", "/v1/tenants/acme", { token: r.body.token })).status, 200);
      acme.token = r.body.token;
    });
    it("DELETE: destroy, remove the stack, release allocations, in that order; then 404", async () => {
      const before = await t.svc.store.allocationsOf("acme");
      assert.ok(before.length >= 4);
      // Hold the engine so the delete is still running while the conflicting requests arrive.
      t.driver.hold();
      const r = await t.req("DELETE", "/v1/tenants/acme", { token: acme.token });
      assert.equal(r.status, 202);
      assert.equal(r.body.tenant.status, "deleting");
      assertError(await t.req("DELETE", "/v1/tenants/acme"), 409);
      assertError(await t.req("PUT", "/v1/tenants/acme/spec", { body: { spec: {} } }), 409);
      t.driver.release();
      const op = await t.waitOp(r.body.operation.id);
      assert.equal(op.status, "succeeded");
      assert.equal(op.result.releasedAllocations, before.length);
      const steps = t.driver
        .of()
        .filter((c) => c.stack === "tenant-acme")
        .slice(-2)
        .map((c) => c.method);
      assert.deepEqual(steps, ["destroy", "removeStack"]);
      const types = (await t.req("GET", `/v1/operations/${op.id}/events?limit=1000`)).body.items.map(
        (e: any) => e.type,
      );
      assert.ok(
        types.indexOf("stack.destroyed") < types.indexOf("stack.removed") &&
          types.indexOf("stack.removed") < types.indexOf("allocations.released"),
      );
      assertError(await t.req("GET", "/v1/tenants/acme"), 404);
      assert.deepEqual(await t.svc.store.allocationsOf("acme"), []);
      assertError(await t.req("DELETE", "/v1/tenants/acme"), 404);
    });
  });

  describe("system", () => {
    it("health 200, ready 200 with checks", async () => {
      assert.deepEqual((await t.req("GET", "/v1/health", { token: null })).body, { status: "ok" });
      const r = await t.req("GET", "/v1/ready", { token: null });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { ready: true, checks: { store: "ok", worker: "ok", engine: "ok" } });
    });
    it("metrics in Prometheus text format", async () => {
      const r = await t.req("GET", "/v1/metrics");
      assert.equal(r.status, 200);
      assert.match(r.headers["content-type"], /^text\/plain; version=0\.0\.4/);
      assert.match(r.text, /^# TYPE basphere_http_requests_total counter$/m);
      assert.match(r.text, /^basphere_operations_finished_total\{kind="up",status="succeeded"\} \d+$/m);
      assert.match(r.text, /^basphere_pool_size\{pool="vlan"\} 1896$/m);
      assert.match(r.text, /^basphere_worker_concurrency 2$/m);
      assert.match(r.text, /^basphere_queue_depth \d+$/m);
      assert.match(r.text, /^basphere_worker_running \d+$/m);
      assert.match(r.text, /^# TYPE basphere_operation_duration_seconds histogram$/m);
      for (const line of r.text.trim().split("\n"))
        assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? [0-9.e+-]+)$/, line);
    });
    it("OpenAPI 3.1 document lists every route and is a valid JSON Schema 2020-12 world; /docs serves the page", async () => {
      const r = await t.req("GET", "/v1/openapi.json", { token: null });
      assert.equal(r.status, 200);
      assert.equal(r.body.openapi, "3.1.0");
      for (const p of [
        "/v1/tenants",
        "/v1/tenants/{name}",
        "/v1/tenants/{name}/spec",
        "/v1/tenants/{name}/preview",
        "/v1/tenants/{name}/refresh",
        "/v1/operations/{id}/events/stream",
        "/v1/metrics",
        "/v1/ready",
      ]) {
        assert.ok(r.body.paths[p], p);
      }
      assert.ok(r.body.components.schemas.TenantSpec, "tenant spec schema published");
      const ajv = new Ajv2020({ strict: false });
      for (const [name, schema] of Object.entries(r.body.components.schemas))
        assert.ok(ajv.validateSchema(schema as object), name);
      const docs = await t.req("GET", "/docs/", { token: null });
      assert.equal(docs.status, 200);
      assert.match(docs.text, /swagger/i);
    });
    it("unknown route: 404 with the error body", async () => {
      assertError(await t.req("GET", "/v1/nothing"), 404);
    });
  });

  describe("pool exhaustion and engine absence", () => {
    it("409 naming the pool, nothing stored", async () => {
      const s = await startService({
        pools: { ...DEFAULT_POOLS, floatingIp: { first: "192.168.200.100", last: "192.168.200.100" } },
      });
      try {
        assert.equal(
          (await s.req("POST", "/v1/tenants", { body: { name: "a", spec: smallSpec() } })).status,
          202,
        );
        const r = await s.req("POST", "/v1/tenants", { body: { name: "b", spec: smallSpec() } });
        assertError(r, 409, "pool.floatingIp");
        assert.equal(r.body.code, "pool_exhausted");
        assert.equal(await s.svc.store.getTenant("b"), undefined);
        assert.equal((await s.svc.store.counts()).allocations.vlan, 2);
      } finally {
        await s.close();
      }
    });
    it("without an engine: reads work, operations 503 engine_unavailable, readiness 503", async () => {
      const s = await startService({ driver: null as any });
      try {
        const r = await s.req("POST", "/v1/tenants", { body: { name: "a", spec: smallSpec() } });
        assertError(r, 503);
        assert.equal(r.body.code, "engine_unavailable");
        assert.equal(await s.svc.store.getTenant("a"), undefined);
        const ready = await s.req("GET", "/v1/ready", { token: null });
        assert.equal(ready.status, 503);
        assert.match(ready.body.checks.engine, /no engine driver/);
        assert.equal((await s.req("GET", "/v1/tenants")).status, 200);
      } finally {
        await s.close();
      }
    });
  });

  it("the logger redacts Authorization headers, tokens and secret fields", () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) });
    const log = createLogger(sink);
    log.info(
      {
        req: { headers: { authorization: `Bearer ${ADMIN}` } },
        token: "bspt.a.secret",
        outputs: { kubeconfig: "apiVersion: v1", wireguard: "[Interface]" },
      },
      "x",
    );
    const out = lines.join("");
    assert.ok(
      !out.includes(ADMIN) &&
        !out.includes("bspt.a.secret") &&
        !out.includes("apiVersion") &&
        !out.includes("[Interface]"),
      out,
    );
    // token, kubeconfig, wireguard redacted; the request is logged without its headers at all.
    assert.equal((out.match(/\[redacted\]/g) ?? []).length, 3);
  });
});
