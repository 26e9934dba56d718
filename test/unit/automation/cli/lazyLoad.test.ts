import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expectedListLines, runCli, startStubService, STUB_TOKEN, stubTenants } from "./helpers";

/** Preload script: records every module the process loads (resolved path, or the request of a built-in). */
const RECORDER = `
const Module = require("node:module");
const { writeFileSync } = require("node:fs");
const seen = new Set();
const load = Module._load;
Module._load = function (request, parent) {
  try { seen.add(Module._resolveFilename(request, parent)); } catch { seen.add(request); }
  return load.apply(this, arguments);
};
process.on("exit", () => writeFileSync(process.env.BASPHERE_TEST_MODULES, [...seen].join("\\n")));
`;

const SYSTEM_NODE = "/usr/bin/node";

describe("basphere client commands load only the HTTP client", function () {
  this.timeout(60_000);
  const tenants = stubTenants(3);
  let stub: { url: string; server: Server };
  let dir: string;
  before(async () => {
    stub = await startStubService(tenants);
    dir = mkdtempSync(join(tmpdir(), "basphere-cli-"));
    writeFileSync(join(dir, "record.cjs"), RECORDER);
  });
  after(() => stub.server.close());

  const env = () => ({ BASPHERE_URL: stub.url, BASPHERE_TOKEN: STUB_TOKEN });

  it("`tenants list` loads no store, service, fastify, Pulumi or node:sqlite", async () => {
    const out = join(dir, "modules.txt");
    const r = await runCli(["tenants", "list"], {
      nodeArgs: ["--require", join(dir, "record.cjs")],
      env: { ...env(), BASPHERE_TEST_MODULES: out },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, expectedListLines(tenants));
    const loaded = readFileSync(out, "utf8").split("\n");
    // The recorder works: it saw the client and commander.
    assert.ok(
      loaded.some((m) => m.endsWith(join("automation", "cli", "client.js"))),
      loaded.join("\n"),
    );
    assert.ok(loaded.some((m) => m.includes(join("node_modules", "commander"))));
    const forbidden = [
      /[\\/]automation[\\/]store[\\/]/,
      /[\\/]automation[\\/]service[\\/]/,
      /[\\/]automation[\\/](engine|worker|plan|allocator)[\\/]/,
      /[\\/](stacks|components|providers|box)[\\/]/,
      /[\\/]node_modules[\\/](fastify|@fastify|pino|zod|@pulumi)[\\/]/,
      /^(node:)?sqlite$/,
    ];
    const bad = loaded.filter((m) => forbidden.some((f) => f.test(m)));
    assert.deepEqual(bad, []);
  });

  it("`config-schema --kind onprem` loads the onprem schema, not the program, Pulumi or the providers", async () => {
    const out = join(dir, "modules-schema.txt");
    const r = await runCli(["config-schema", "--kind", "onprem", "--markdown"], {
      nodeArgs: ["--require", join(dir, "record.cjs")],
      env: { BASPHERE_TEST_MODULES: out },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /basphere:automationService/);
    const loaded = readFileSync(out, "utf8").split("\n");
    assert.ok(
      loaded.some((m) => m.endsWith(join("stacks", "onpremConfig.js"))),
      loaded.join("\n"),
    );
    const bad = loaded.filter((m) =>
      [/[\\/]stacks[\\/]onprem\.js$/, /[\\/]providers[\\/]/, /[\\/]node_modules[\\/]@pulumi[\\/]/].some((f) =>
        f.test(m),
      ),
    );
    assert.deepEqual(bad, []);
  });

  it("`tenants list` works under the machine's Node 20 (/usr/bin/node, no node:sqlite)", async function () {
    if (!existsSync(SYSTEM_NODE)) this.skip();
    const version = execFileSync(SYSTEM_NODE, ["--version"], { encoding: "utf8" }).trim();
    const r = await runCli(["tenants", "list"], { node: SYSTEM_NODE, env: env() });
    assert.equal(r.code, 0, `${version}: ${r.stderr}`);
    assert.equal(r.stdout, expectedListLines(tenants));
    assert.equal(r.stderr, "");
  });

  it("`tenants list` reports the service's error and exits 1 (wrong token)", async () => {
    const r = await runCli(["tenants", "list"], { env: { ...env(), BASPHERE_TOKEN: "wrong" } });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, "basphere: 401 unauthorized: missing or invalid token\n");
  });
});
