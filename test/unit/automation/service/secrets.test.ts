/**
 * Secrets stay secret: tokens (admin, tenant, rotated) and secret output values never appear in the service's pino
 * log, in events, or anywhere in the SQLite files (database, WAL); a token in a URL is refused and not logged.
 */
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { tokenInQuery } from "../../../../automation/service/app";
import { createLogger } from "../../../../automation/service/logger";
import { ADMIN, TestService, smallSpec, startService } from "../../../../support/serviceApp";

describe("service secrets: logs, events, database", function () {
  this.timeout(30000);
  const lines: string[] = [];
  let t: TestService;
  before(async () => {
    const sink = new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) });
    t = await startService({ delayMs: 5, logger: createLogger(sink, "debug") });
  });
  after(async () => t?.close());

  it("refuses a token in the query string (400 naming the parameter) before authenticating", async () => {
    for (const url of [
      `/v1/tenants?access_token=${ADMIN}`,
      `/v1/health?token=x`,
      `/v1/tenants/acme?x=${encodeURIComponent(ADMIN)}`,
    ]) {
      const r = await t.req("GET", url, { token: null });
      assert.equal(r.status, 400, `${url}: ${r.text}`);
      assert.equal(r.body.code, "token_in_url");
      assert.match(r.body.field, /^querystring\./);
      assert.ok(!r.text.includes(ADMIN));
    }
    assert.equal(tokenInQuery(`/v1/x?${ADMIN}`), "[a parameter named like a token]");
    assert.equal(tokenInQuery("/v1/tenants/acme?showSecrets=true"), undefined);
    assert.equal(tokenInQuery("/v1/operations?limit=5&status=queued"), undefined);
  });

  it("never writes tokens or secret output values to the log, the events or the database files", async () => {
    const c = await t.req("POST", "/v1/tenants", { body: { name: "acme", spec: smallSpec() } });
    assert.equal(c.status, 202);
    const tenantToken: string = c.body.token;
    await t.waitOp(c.body.operation.id);
    const shown = await t.req("GET", "/v1/tenants/acme?showSecrets=true", { token: tenantToken });
    const secretValue: string = shown.body.outputs.kubeconfig;
    assert.match(secretValue, /kubeconfig of tenant-acme/);
    // Hostile and failed requests get logged too.
    await t.req("GET", `/v1/tenants/acme?access_token=${tenantToken}`, { token: tenantToken });
    await t.req("GET", "/v1/tenants/acme", { token: tenantToken.slice(0, -2) + "xx" });
    const rotated = (await t.req("POST", "/v1/tenants/acme/token", { token: tenantToken })).body.token;
    const up = await t.req("PUT", "/v1/tenants/acme/spec", { token: rotated, body: { spec: smallSpec() } });
    await t.waitOp(up.body.operation.id);
    const d = await t.req("DELETE", "/v1/tenants/acme", { token: rotated });
    await t.waitOp(d.body.operation.id);
    const events = await t.svc.store.sql.all("SELECT * FROM events", []);
    await t.svc.close();

    const secrets = {
      admin: ADMIN,
      tenantToken,
      tenantSecretPart: tenantToken.split(".")[2],
      rotated,
      rotatedSecretPart: rotated.split(".")[2],
      secretOutput: secretValue,
      secretOutputLine: "# kubeconfig of tenant-acme",
    };
    const log = lines.join("");
    assert.ok(lines.length > 20 && /incoming request/.test(log), "the log has the requests");
    assert.ok(/\?\[query omitted\]/.test(log), "query strings are not logged");
    const files = readdirSync(t.dir).filter((f) => f.startsWith("basphere.sqlite"));
    assert.ok(files.includes("basphere.sqlite"), files.join(","));
    const db = Buffer.concat(files.map((f) => readFileSync(join(t.dir, f))));
    assert.ok(events.length > 10);
    for (const [what, value] of Object.entries(secrets)) {
      assert.ok(!log.includes(value), `${what} is in the log`);
      assert.ok(!JSON.stringify(events).includes(value), `${what} is in the events`);
      assert.equal(db.indexOf(Buffer.from(value, "utf8")), -1, `${what} is in the SQLite files`);
    }
  });
});
