/**
 * The OpenAPI 3.1 document as a contract clients are generated from: every route of the API is there (and nothing
 * else) with an operationId, its success and error responses (the Error body), the security each one really
 * enforces (public routes say `security: []`), `servers`, a limit on every list and string of the inputs, and it
 * passes Redocly's `recommended` lint with no error or warning.
 */
import assert from "node:assert/strict";
import { createConfig, lintFromString } from "@redocly/openapi-core";
import { TestService, startService } from "../../../../support/serviceApp";

/** Redocly's `recommended` ruleset on a document: `severity ruleId message (pointer)` for each problem. */
async function lint(doc: unknown): Promise<string[]> {
  const config = await createConfig({ extends: ["recommended"] });
  const problems = await lintFromString({
    source: JSON.stringify(doc),
    absoluteRef: "/openapi.json",
    config,
  });
  return problems.map((p) => `${p.severity} ${p.ruleId} ${p.message} (${p.location?.[0]?.pointer ?? ""})`);
}

/** Every JSON pointer under `schema` (resolving local `#/components/schemas/*` refs once) to a string or array without a bound. */
function unbounded(doc: any, schema: any, at: string, seen = new Set<string>()): string[] {
  if (!schema || typeof schema !== "object") return [];
  if (typeof schema.$ref === "string") {
    if (seen.has(schema.$ref)) return [];
    seen.add(schema.$ref);
    const target = schema.$ref.replace("#/components/schemas/", "");
    return unbounded(doc, doc.components.schemas[target], `${at}→${target}`, seen);
  }
  const out: string[] = [];
  const types = ([] as string[]).concat(schema.type ?? []);
  if (
    types.includes("string") &&
    schema.maxLength === undefined &&
    schema.enum === undefined &&
    schema.const === undefined
  )
    out.push(`${at}: string without maxLength`);
  if (types.includes("array") && schema.maxItems === undefined) out.push(`${at}: array without maxItems`);
  for (const [k, v] of Object.entries(schema.properties ?? {}))
    out.push(...unbounded(doc, v, `${at}.${k}`, seen));
  if (schema.items) out.push(...unbounded(doc, schema.items, `${at}[]`, seen));
  for (const k of ["anyOf", "oneOf", "allOf"])
    for (const [i, v] of (schema[k] ?? []).entries()) out.push(...unbounded(doc, v, `${at}/${k}${i}`, seen));
  return out;
}

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
  ["get", "/v1/tenants/{name}/drift", 200, false],
  ["put", "/v1/tenants/{name}/drift/policy", 200, false],
  ["post", "/v1/tenants/{name}/drift/check", 202, false],
  ["post", "/v1/tenants/{name}/reconcile", 202, false],
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
    assert.ok(doc.servers?.length > 0, "servers");
    const ids = ROUTES.map(([m, p]) => doc.paths[p][m].operationId);
    assert.ok(
      ids.every((id) => typeof id === "string" && /^[a-z][A-Za-z]+$/.test(id)),
      JSON.stringify(ids),
    );
    assert.equal(new Set(ids).size, ids.length, "operationIds are unique");
    for (const [m, p, ok, pub] of ROUTES) {
      const op = doc.paths[p][m];
      const where = `${m} ${p}`;
      assert.ok(op.summary && op.tags?.length, `${where}: summary and tag`);
      for (const [status, res] of Object.entries(op.responses as Record<string, any>)) {
        if (Number(status) < 400 || (p === "/v1/ready" && status === "503")) continue;
        assert.equal(
          res.content?.["application/json"]?.schema?.$ref,
          "#/components/schemas/Error",
          `${where} ${status}: the Error body`,
        );
        assert.ok(res.description && res.description !== "Default Response", `${where} ${status}: described`);
      }
      for (const code of ["400", "431"]) assert.ok(op.responses[code], `${where}: ${code} documented`);
      if (op.requestBody)
        for (const code of ["413", "415"]) assert.ok(op.responses[code], `${where}: ${code}`);
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
      const r = await t.req(m.toUpperCase(), url, op.requestBody ? { body: {} } : {});
      assert.ok(!(r.status === 404 && /no route/.test(r.text)), `${where} is routed`);
    }
  });

  it("bounds every list and string a client sends (maxItems, maxLength), the tenant spec included", async () => {
    const doc = (await t.req("GET", "/v1/openapi.json", { token: null })).body;
    const spec = doc.components.schemas.TenantSpec;
    assert.equal(spec.properties.vms.maxItems, 40);
    assert.equal(spec.properties.floatingIps.items.properties.ports.maxItems, 32);
    assert.equal(spec.properties.cluster.properties.sshAuthorizedKeys.maxItems, 16);
    assert.equal(spec.properties.vpn.properties.reach.maxItems, 3);
    assert.equal(spec.additionalProperties, false, "unknown fields are refused");
    const problems: string[] = [];
    for (const [p, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [m, op] of Object.entries(ops)) {
        for (const param of op.parameters ?? []) {
          const s = param.schema;
          if (s.type === "integer" && (s.minimum === undefined || s.maximum === undefined))
            problems.push(`${m} ${p} ${param.name}: integer without bounds`);
          problems.push(...unbounded(doc, s, `${m} ${p} ${param.in}.${param.name}`));
        }
        const body = op.requestBody?.content?.["application/json"]?.schema;
        if (body) problems.push(...unbounded(doc, body, `${m} ${p} body`));
      }
    }
    assert.deepEqual(problems, []);
  });

  it("passes Redocly's recommended lint with no error or warning", async function () {
    this.timeout(20000);
    const doc = (await t.req("GET", "/v1/openapi.json", { token: null })).body;
    assert.deepEqual(await lint(doc), []);
    // The linter does look: the same document without an operationId, servers and a 4xx response is refused.
    const broken = structuredClone(doc);
    delete broken.servers;
    delete broken.paths["/v1/health"].get.operationId;
    for (const code of ["400", "431"]) delete broken.paths["/v1/health"].get.responses[code];
    const found = (await lint(broken)).map((l) => l.split(" ").slice(0, 2).join(" "));
    for (const rule of [
      "error no-empty-servers",
      "warn operation-operationId",
      "warn operation-4xx-response",
    ])
      assert.ok(found.includes(rule), `${rule} in ${JSON.stringify(found)}`);
  });
});
