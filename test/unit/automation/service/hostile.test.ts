/**
 * At least 200 generated malformed or hostile requests (wrong types, huge or deeply nested bodies, path traversal
 * in names, unicode, SQL-like strings, broken JSON, wrong media types, bad queries), sent with the admin token so
 * that they get past authentication: every one must get a 4xx with a message, none a 5xx, and none may reach the
 * engine or leave anything in the store.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { TestService, startService } from "../../../../support/serviceApp";

const hostileStrings = [
  "../../etc/passwd",
  "..%2F..%2Fetc%2Fpasswd",
  "%2e%2e%2f",
  "acme/../beta",
  "'; DROP TABLE tenants; --",
  '" OR 1=1 --',
  "acme' OR 'a'='a",
  "Robert'); DELETE FROM allocations;--",
  "ａｃｍｅ",
  "acmé",
  "💥",
  "\u0000",
  "a\u202eb",
  "tenant\nname",
  "<script>alert(1)</script>",
  "${jndi:ldap://x}",
  "A".repeat(5000),
  "-leading-dash",
  "UPPER",
  "",
  " ",
];

interface Req {
  method: string;
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
}

const enc = (s: string) => encodeURIComponent(s);
const nonObject = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.anything(), { maxLength: 3 }),
);
const hostile = fc.oneof(
  fc.constantFrom(...hostileStrings),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }),
  fc.string({ unit: "binary", minLength: 1, maxLength: 30 }),
);
/** Names that can never be valid tenant names. */
const badName = hostile.filter((s) => !/^[a-z](?:[a-z0-9-]{0,18}[a-z0-9])?$/.test(s));

/** Specs that the tenant spec schema must refuse: each has at least one field of a wrong type or value. */
const badSpec = fc.oneof(
  nonObject.map((v) => ({ vms: v })).filter((s) => !Array.isArray(s.vms) || s.vms.length > 0),
  fc.record({ cluster: nonObject }),
  fc.record({ network: fc.record({ lan1Cidr: hostile }) }),
  fc.record({ floatingIps: fc.constant([{ name: "x", target: "nosuchvm" }]) }),
  fc
    .record({ vms: fc.array(fc.record({ name: hostile }), { minLength: 1, maxLength: 2 }) })
    .filter((s) => s.vms.some((v) => !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v.name) || v.name.length > 40)),
  fc.record({ vms: fc.constant([{ name: "a", cpus: "lots" }]) }),
  fc.record({ vpn: fc.record({ port: fc.oneof(fc.integer({ max: 1023 }), fc.constant("51820")) }) }),
  fc.record({ name: hostile.filter((s) => s !== "acme") }),
);

const requests: fc.Arbitrary<Req> = fc.oneof(
  // bad names in the body
  badName.map((name) => ({ method: "POST", url: "/v1/tenants", body: { name, spec: {} } })),
  // wrong types at the top of the body
  fc
    .record({ name: nonObject, spec: fc.anything() })
    .map((body) => ({ method: "POST", url: "/v1/tenants", body })),
  nonObject.map((body) => ({
    method: "POST",
    url: "/v1/tenants",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  })),
  // hostile specs with a good name
  badSpec.map((spec) => ({ method: "POST", url: "/v1/tenants", body: { name: "acme", spec } })),
  badSpec.map((spec) => ({ method: "POST", url: "/v1/tenants/acme/preview", body: { spec } })),
  // hostile names in the path, on every tenant route
  fc
    .tuple(
      badName,
      fc.constantFrom(
        "GET ",
        "PUT /spec",
        "DELETE ",
        "POST /preview",
        "POST /refresh",
        "POST /token",
        "GET /operations",
      ),
    )
    .map(([n, r]) => {
      const [method, suffix] = r.split(" ");
      return {
        method,
        url: `/v1/tenants/${enc(n)}${suffix}`,
        body: method === "PUT" ? { spec: {} } : undefined,
      };
    }),
  // hostile operation ids
  fc
    .tuple(hostile, fc.constantFrom("", "/events", "/events/stream", "/cancel"))
    .map(([id, s]) => ({ method: s === "/cancel" ? "POST" : "GET", url: `/v1/operations/${enc(id)}${s}` })),
  // bad queries
  fc
    .tuple(fc.constantFrom("limit", "before", "status", "tenant", "x"), hostile)
    .map(([k, v]) => ({ method: "GET", url: `/v1/operations?${k}=${enc(v)}` })),
  hostile.map((v) => ({ method: "GET", url: `/v1/tenants/nosuch?showSecrets=${enc(v)}` })),
  // broken JSON, wrong media types, unknown properties
  fc
    .string({ maxLength: 40 })
    .filter((s) => {
      try {
        JSON.parse(s);
        return false;
      } catch {
        return true;
      }
    })
    .map((s) => ({
      method: "POST",
      url: "/v1/tenants",
      body: s,
      headers: { "content-type": "application/json" },
    })),
  fc
    .constantFrom(
      "text/plain",
      "application/x-www-form-urlencoded",
      "application/xml",
      "multipart/form-data; boundary=x",
    )
    .map((ct) => ({
      method: "POST",
      url: "/v1/tenants",
      body: "name=acme",
      headers: { "content-type": ct },
    })),
  fc
    .dictionary(
      fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== "name" && k !== "spec"),
      fc.anything(),
      { minKeys: 1, maxKeys: 3 },
    )
    .map((extra) => ({ method: "POST", url: "/v1/tenants", body: { name: "acme", spec: {}, ...extra } })),
);

/** Fixed cases that a generator would rarely hit: huge and deeply nested bodies. */
const fixed: Req[] = [
  {
    method: "POST",
    url: "/v1/tenants",
    body: { name: "acme", spec: { vms: [{ name: "a", template: "x".repeat(1024 * 1024) }] } },
  },
  {
    method: "POST",
    url: "/v1/tenants",
    body: JSON.stringify({ name: "acme", spec: JSON.parse("[".repeat(2000) + "]".repeat(2000)) }),
    headers: { "content-type": "application/json" },
  },
  {
    method: "POST",
    url: "/v1/tenants",
    body: "[".repeat(100000),
    headers: { "content-type": "application/json" },
  },
  {
    method: "POST",
    url: "/v1/tenants",
    body: { name: "acme", spec: { vms: Array.from({ length: 5000 }, (_, i) => ({ name: `vm${i}` })) } },
  },
  { method: "GET", url: "/v1/tenants/" + "a".repeat(5000) },
  { method: "GET", url: "/v1/tenants/..%2F..%2F" },
  { method: "GET", url: "/v1/tenants/%00" },
  {
    method: "POST",
    url: "/v1/tenants",
    body: {
      name: "acme",
      spec: { __proto__: { admin: true }, constructor: { prototype: { x: 1 } }, vms: "x" },
    },
  },
];

describe("service under hostile input", function () {
  this.timeout(60000);
  let t: TestService;
  before(async () => {
    t = await startService();
  });
  after(async () => t.close());

  it("answers every malformed request with a 4xx and a message; nothing reaches the engine or the store", async () => {
    const generated = fc.sample(requests, { numRuns: 260, seed: 424242 });
    const all = [...generated, ...fixed];
    assert.ok(all.length >= 200);
    const statuses = new Map<number, number>();
    for (const r of all) {
      const res = await t.req(r.method, r.url, { body: r.body, headers: r.headers });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const what = `${r.method} ${r.url.slice(0, 120)} ${JSON.stringify(r.body)?.slice(0, 200)} → ${res.status} ${res.text.slice(0, 300)}`;
      assert.ok(res.status >= 400 && res.status < 500, what);
      assert.ok(res.body && typeof res.body.message === "string" && res.body.message.length > 0, what);
      assert.equal(res.body.statusCode, res.status, what);
    }
    assert.deepEqual(t.driver.calls, [], "the engine saw nothing");
    const counts = await t.svc.store.counts();
    assert.equal(
      Object.values(counts.tenants).reduce((a, b) => a + b, 0),
      0,
    );
    assert.equal(
      Object.values(counts.operations).reduce((a, b) => a + b, 0),
      0,
    );
    assert.equal(
      Object.values(counts.allocations).reduce((a, b) => a + b, 0),
      0,
    );
    assert.ok((statuses.get(400) ?? 0) > 100, JSON.stringify([...statuses]));
  });
});
