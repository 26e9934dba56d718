/**
 * Authorisation matrix: every route × {no token, a wrong token, another tenant's token, the owner's token, the
 * admin token}. Denied → exactly 401 or 403 with the error body; allowed → anything but 401/403.
 */
import assert from "node:assert/strict";
import { ADMIN, TestService, smallSpec, startService } from "../../../../support/serviceApp";

type Who = "none" | "bad" | "other" | "owner" | "admin";
const WHO: Who[] = ["none", "bad", "other", "owner", "admin"];

interface Route {
  method: string;
  url: (op: string) => string;
  body?: unknown;
  /** Who is allowed. */
  allowed: Who[];
}

const tenantRoutes: Who[] = ["owner", "admin"];
const ROUTES: Route[] = [
  { method: "GET", url: () => "/v1/health", allowed: WHO },
  { method: "GET", url: () => "/v1/ready", allowed: WHO },
  { method: "GET", url: () => "/v1/openapi.json", allowed: WHO },
  { method: "GET", url: () => "/v1/metrics", allowed: ["admin"] },
  { method: "GET", url: () => "/v1/tenants", allowed: ["admin"] },
  {
    method: "POST",
    url: () => "/v1/tenants",
    body: { name: "newbie", spec: smallSpec() },
    allowed: ["admin"],
  },
  { method: "GET", url: () => "/v1/operations", allowed: ["admin"] },
  { method: "GET", url: () => "/v1/tenants/acme", allowed: tenantRoutes },
  { method: "GET", url: () => "/v1/tenants/acme?showSecrets=true", allowed: ["owner"] },
  { method: "PUT", url: () => "/v1/tenants/acme/spec", body: { spec: smallSpec() }, allowed: tenantRoutes },
  {
    method: "POST",
    url: () => "/v1/tenants/acme/preview",
    body: { spec: smallSpec() },
    allowed: tenantRoutes,
  },
  { method: "POST", url: () => "/v1/tenants/acme/refresh", allowed: tenantRoutes },
  { method: "GET", url: () => "/v1/tenants/acme/operations", allowed: tenantRoutes },
  { method: "GET", url: (op) => `/v1/operations/${op}`, allowed: tenantRoutes },
  { method: "GET", url: (op) => `/v1/operations/${op}/events`, allowed: tenantRoutes },
  { method: "GET", url: (op) => `/v1/operations/${op}/events/stream`, allowed: tenantRoutes },
  { method: "POST", url: (op) => `/v1/operations/${op}/cancel`, allowed: tenantRoutes },
  { method: "DELETE", url: () => "/v1/tenants/acme", allowed: tenantRoutes },
  // last: rotating the token changes the owner's token (the test follows it)
  { method: "POST", url: () => "/v1/tenants/acme/token", allowed: tenantRoutes },
];

describe("service authorisation matrix", function () {
  this.timeout(30000);
  let t: TestService;
  const tokens: Record<Who, string | null> = {
    none: null,
    bad: "bspt.acme.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    other: "",
    owner: "",
    admin: ADMIN,
  };
  let op = "";

  before(async () => {
    t = await startService({ delayMs: 5 });
    const a = await t.req("POST", "/v1/tenants", { body: { name: "acme", spec: smallSpec() } });
    const b = await t.req("POST", "/v1/tenants", { body: { name: "beta", spec: smallSpec() } });
    tokens.owner = a.body.token;
    tokens.other = b.body.token;
    op = a.body.operation.id;
    await t.waitOp(op);
    await t.waitOp(b.body.operation.id);
  });
  after(async () => t.close());

  for (const route of ROUTES) {
    it(`${route.method} ${route.url(":id")}`, async () => {
      for (const who of WHO) {
        // a fresh queued operation for the cancel route, so that the admin's call is not a 409
        const target = route.url(op).includes("/cancel")
          ? (await t.req("POST", "/v1/tenants/acme/refresh")).body.operation.id
          : op;
        const r = await t.req(route.method, route.url(target), { token: tokens[who], body: route.body });
        const allowed = route.allowed.includes(who);
        if (allowed) {
          assert.ok(
            r.status !== 401 && r.status !== 403,
            `${who} should be allowed, got ${r.status} ${r.text.slice(0, 200)}`,
          );
          assert.ok(r.status < 500, `${who}: ${r.status} ${r.text.slice(0, 200)}`);
          if (route.url(op).endsWith("/token")) tokens.owner = r.body.token ?? tokens.owner;
        } else {
          const expected = who === "none" || who === "bad" ? 401 : 403;
          assert.equal(
            r.status,
            expected,
            `${who} on ${route.method} ${route.url(op)}: ${r.text.slice(0, 200)}`,
          );
          assert.equal(r.body.statusCode, expected);
          assert.ok(r.body.message.length > 0);
          if (expected === 401) assert.match(String(r.headers["www-authenticate"]), /^Bearer/);
        }
      }
    });
  }

  it("a denied request never reached the engine or the store", async () => {
    const creates = t.driver.of("up").map((c) => c.stack);
    assert.ok(!creates.includes("tenant-newbie") || (await t.svc.store.getTenant("newbie")) !== undefined);
    const byOthers = (await t.svc.store.listOperations({ limit: 500 })).filter(
      (o) => o.requestedBy === "tenant:beta" && o.tenant === "acme",
    );
    assert.deepEqual(byOthers, []);
  });

  it("the token of one tenant never opens another even with a forged name part", async () => {
    const forged = String(tokens.other).replace(/^bspt\.beta\./, "bspt.acme.");
    const r = await t.req("GET", "/v1/tenants/beta", { token: forged });
    assert.equal(r.status, 401);
  });
});
