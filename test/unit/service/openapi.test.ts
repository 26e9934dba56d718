/**
 * The OpenAPI 3.1 document, structurally: every route of the API is there (and nothing else), with its success and
 * error responses, and the security each one really enforces (public routes say `security: []`).
 */
import assert from "node:assert/strict";
import { TestService, startService } from "./helpers";

/** method path → success status, public? */
const ROUTES: [string, string, number, boolean][] = [
  ["get", "/v1/health", 200, true],
  ["get", "/v1/ready", 200, true],
  ["get", "/v1/metrics", 200, false],
  ["post", "/v1/tenants", 202, false],
  ["get", "/v1/tenants", 200, false],
  ["get", "/v1/tenants/{name}", 200, false],
  ["put", "/v1/tenants/{name}/spec", 202, false],
  ["delete", "/v1/tenants/{name}", 202, false],
  ["post", "/v1/tenants/{name}/preview", 202, false],
  ["post", "/v1/tenants/{name}/refresh", 202, false],
  ["post", "/v1/tenants/{name}/token", 200, false],
  ["get", "/v1/tenants/{name}/operations", 200, false],
  ["get", "/v1/operations", 200, false],
  ["get", "/v1/operations/{id}", 200, false],
  ["post", "/v1/operations/{id}/cancel", 202, false],
  ["get", "/v1/operations/{id}/events", 200, false],
  ["get", "/v1/operations/{id}/events/stream", 200, false],
];

describe("service OpenAPI document", function () {
  let t: TestService;
  before(async () => {
    t = await startService();
  });
  after(async () => t.close());

  it("documents every route with its responses and security, and nothing else", async () => {
    const doc = (await t.req("GET", "/v1/openapi.json", { token: null })).body;
    assert.equal(doc.openapi, "3.1.0");
    assert.ok(doc.info?.title && doc.info?.version);
    assert.deepEqual(doc.security, [{ bearer: [] }]);
    assert.equal(doc.components.securitySchemes.bearer.scheme, "bearer");
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(
      ([p, ops]) =>
        Object.keys(ops)
          .filter((m) => ["get", "put", "post", "delete", "patch"].includes(m))
          .map((m) => `${m} ${p}`),
    );
    assert.deepEqual(documented.sort(), ROUTES.map(([m, p]) => `${m} ${p}`).sort());
    for (const [m, p, ok, pub] of ROUTES) {
      const op = doc.paths[p][m];
      const where = `${m} ${p}`;
      assert.ok(op.summary && op.tags?.length, `${where}: summary and tag`);
      assert.ok(op.responses[String(ok)], `${where}: ${ok} documented`);
      if (pub) assert.deepEqual(op.security, [], `${where}: public`);
      else {
        assert.equal(op.security, undefined, `${where}: inherits the bearer requirement`);
        for (const code of ["400", "401", "403"])
          assert.ok(op.responses[code], `${where}: ${code} documented`);
      }
      for (const param of (p.match(/\{(\w+)\}/g) ?? []).map((x) => x.slice(1, -1)))
        assert.ok(
          op.parameters?.some((x: any) => x.in === "path" && x.name === param && x.required === true),
          `${where}: path parameter ${param}`,
        );
      // Every route the document lists answers (no 404 from the router): authenticated calls with dummy params.
      const url = p.replace("{name}", "nosuch").replace("{id}", "00000000-0000-4000-8000-000000000000");
      const r = await t.req(m.toUpperCase(), url, m === "get" || m === "delete" ? {} : { body: {} });
      assert.ok(!(r.status === 404 && /no route/.test(r.text)), `${where} is routed`);
    }
  });
});
