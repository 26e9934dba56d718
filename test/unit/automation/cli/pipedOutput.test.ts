import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expectedListLines, runCli, startStubService, STUB_TOKEN, stubTenants } from "./helpers";

/**
 * Every printing command writes its whole output into a pipe, as into a file: the process used to exit before a
 * pipe drained (piped output stopped at 64 KiB). The outputs here are larger than a pipe's buffer.
 */
describe("basphere output is whole when piped", function () {
  this.timeout(240_000);
  let dir: string;
  let n = 0;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "basphere-pipe-"));
  });

  /** The command's stdout piped and redirected to a file: both whole and equal (but for the plan's timing). */
  async function pipedAndFile(args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
    const piped = await runCli(args, { env });
    assert.equal(piped.code, 0, piped.stderr);
    const file = join(dir, `out-${n++}`);
    const redirected = await runCli(args, { env, stdoutFile: file });
    assert.equal(redirected.code, 0, redirected.stderr);
    const untimed = (s: string) => s.replace(/"durationMs": [0-9.]+/, '"durationMs": 0');
    assert.equal(untimed(piped.stdout), untimed(redirected.stdout), `${args.join(" ")}: piped vs file`);
    return piped.stdout;
  }

  let planJson: string;
  it("plan --json (tenant-full, > 64 KiB)", async () => {
    planJson = await pipedAndFile(["plan", "--config", "stacks/Pulumi.tenant-full.yaml", "--json"]);
    assert.ok(Buffer.byteLength(planJson) > 65536, `only ${Buffer.byteLength(planJson)} bytes`);
    const plan = JSON.parse(planJson);
    assert.ok(Array.isArray(plan.resources) && plan.resources.length > 0);
  });

  it("plan (text tree)", async () => {
    const out = await pipedAndFile(["plan", "--config", "stacks/Pulumi.tenant-full.yaml"]);
    assert.ok(out.endsWith("\n") && out.split("\n").length > 10);
  });

  it("preview-diff", async () => {
    const head = join(dir, "head.json");
    writeFileSync(head, planJson);
    const out = await pipedAndFile(["preview-diff", "--head", head]);
    assert.ok(out.length > 0);
  });

  for (const kind of ["oci", "onprem", "tenant", "box"]) {
    it(`config-schema --kind ${kind} (JSON and Markdown)`, async () => {
      JSON.parse(await pipedAndFile(["config-schema", "--kind", kind]));
      assert.match(await pipedAndFile(["config-schema", "--kind", kind, "--markdown"]), /^# Stack config/);
    });
  }

  describe("against a stub service", () => {
    const tenants = stubTenants(2000);
    let stub: { url: string; server: Server };
    before(async () => {
      stub = await startStubService(tenants);
    });
    after(() => stub.server.close());

    it("tenants list (> 64 KiB)", async () => {
      const out = await pipedAndFile(["tenants", "list"], {
        BASPHERE_URL: stub.url,
        BASPHERE_TOKEN: STUB_TOKEN,
      });
      assert.ok(Buffer.byteLength(out) > 65536, `only ${Buffer.byteLength(out)} bytes`);
      assert.equal(out, expectedListLines(tenants));
    });
  });
});
