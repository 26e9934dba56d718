/**
 * The CLI's API client over real HTTP (127.0.0.1): JSON calls, errors carrying the service's message, and
 * following an operation's SSE stream to its end.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ApiClient, ApiRequestError, parseSseBlock } from "../../../../automation/cli/client";
import { formatEvent, readSpecFile } from "../../../../automation/cli/tenants";
import { ADMIN, TestService, smallSpec, startService } from "../../../../support/serviceApp";

describe("CLI API client", function () {
  this.timeout(20000);
  let t: TestService;
  let base: string;
  before(async () => {
    t = await startService({ delayMs: 100 });
    base = await t.svc.listen(0, "127.0.0.1");
  });
  after(async () => t.close());

  it("creates a tenant and follows its operation's events to the end", async () => {
    const c = new ApiClient(base, ADMIN);
    const r = await c.request("POST", "/v1/tenants", { name: "acme", spec: smallSpec() });
    const seen: string[] = [];
    const fin = await c.follow(r.operation.id, (e) => seen.push(e.event));
    assert.equal(fin.status, "succeeded");
    assert.equal(seen[0], "operation.started");
    assert.ok(seen.includes("engine.summary") && seen.at(-1) === "operation.succeeded", seen.join(","));
    assert.equal(
      formatEvent({
        event: "engine.resourcePre",
        data: { time: "2026-01-01T10:11:12Z", data: { message: "create x" } },
      }),
      "10:11:12  create x",
    );
  });

  it("turns error bodies into errors naming the code and field", async () => {
    const c = new ApiClient(base, ADMIN);
    await assert.rejects(
      c.request("POST", "/v1/tenants", { name: "BAD", spec: {} }),
      (e: unknown) => e instanceof ApiRequestError && e.status === 400 && e.body?.field === "body.name",
    );
    await assert.rejects(new ApiClient(base, "nope").request("GET", "/v1/tenants"), /401 unauthorized/);
    await assert.rejects(
      new ApiClient("http://127.0.0.1:9", ADMIN).request("GET", "/v1/tenants"),
      /cannot reach the service/,
    );
  });

  it("parses SSE blocks and reads spec files (plain spec or stack config file)", () => {
    assert.deepEqual(parseSseBlock('id: 3\nevent: x\ndata: {"a":1}'), { id: 3, event: "x", data: { a: 1 } });
    assert.equal(parseSseBlock(": keepalive"), undefined);
    const f = join(t.dir, "spec.yaml");
    writeFileSync(f, "config:\n  basphere:kind: tenant\n  basphere:tenant:\n    name: small\n    vms: []\n");
    assert.deepEqual(readSpecFile(f), { name: "small", vms: [] });
    writeFileSync(f, "- 1\n");
    assert.throws(() => readSpecFile(f), /must hold a YAML\/JSON object/);
  });
});
