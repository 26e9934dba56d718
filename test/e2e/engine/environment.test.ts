/**
 * The offline engine environment (automation/engine/environment.ts) and the `npm run engine` script's answers when
 * the engine is up to date or cannot be built. No engine run here.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pinnedEngineVersion } from "../../../automation/engine/command";
import { engineEnvironment, shellExports } from "../../../automation/engine/environment";
import { PROJECT_ROOT } from "./helpers";

describe("engine environment", () => {
  it("defines the offline variables under the data folder", () => {
    const e = engineEnvironment({
      projectRoot: PROJECT_ROOT,
      dataDir: "/tmp/basphere-data",
      passphrase: "pw",
    });
    assert.equal(e.env.PULUMI_BACKEND_URL, "file:///tmp/basphere-data/pulumi-state");
    assert.equal(e.env.PULUMI_HOME, "/tmp/basphere-data/pulumi-home");
    assert.equal(e.env.PULUMI_SKIP_UPDATE_CHECK, "true");
    assert.equal(e.env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION, "true");
    assert.equal(e.env.PULUMI_CONFIG_PASSPHRASE, "pw");
    assert.equal(e.engineRoot, path.join(PROJECT_ROOT, ".pulumi-root"));
    const pathDirs = e.env.PATH.split(path.delimiter);
    assert.equal(pathDirs[0], path.join(PROJECT_ROOT, ".pulumi-root", "bin"));
    assert.equal(pathDirs[1], path.dirname(process.execPath), "the running node comes before any other node");
  });

  it("requires a passphrase unless told not to, naming the variable", () => {
    const saved = { p: process.env.PULUMI_CONFIG_PASSPHRASE, f: process.env.PULUMI_CONFIG_PASSPHRASE_FILE };
    delete process.env.PULUMI_CONFIG_PASSPHRASE;
    delete process.env.PULUMI_CONFIG_PASSPHRASE_FILE;
    try {
      assert.throws(() => engineEnvironment({ projectRoot: PROJECT_ROOT }), /PULUMI_CONFIG_PASSPHRASE/);
      const e = engineEnvironment({ projectRoot: PROJECT_ROOT, requirePassphrase: false });
      assert.equal(e.env.PULUMI_CONFIG_PASSPHRASE, undefined);
      const f = engineEnvironment({ projectRoot: PROJECT_ROOT, passphraseFile: "pass.txt" });
      assert.equal(f.env.PULUMI_CONFIG_PASSPHRASE_FILE, path.resolve("pass.txt"));
    } finally {
      if (saved.p !== undefined) process.env.PULUMI_CONFIG_PASSPHRASE = saved.p;
      if (saved.f !== undefined) process.env.PULUMI_CONFIG_PASSPHRASE_FILE = saved.f;
    }
  });

  it("prints shell exports without the passphrase, quoted for sh", () => {
    const e = engineEnvironment({
      projectRoot: PROJECT_ROOT,
      dataDir: "/tmp/it's here",
      passphrase: "do-not-print",
    });
    const text = shellExports(e);
    assert.doesNotMatch(text, /do-not-print|PULUMI_CONFIG_PASSPHRASE/);
    const r = spawnSync("sh", ["-c", `${text}\nprintf '%s' "$PULUMI_HOME"`], { encoding: "utf8" });
    assert.equal(r.stdout, "/tmp/it's here/pulumi-home");
  });

  it("reads the pinned engine version from the wrapper module", () => {
    assert.match(pinnedEngineVersion(PROJECT_ROOT), /^3\.\d+\.\d+$/);
  });
});

describe("npm run engine (scripts/engine.sh)", function () {
  this.timeout(60000);
  const script = path.join(PROJECT_ROOT, "scripts", "engine.sh");

  it("says exactly what to install when there is neither Go nor pulumi", () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "basphere-engine-bin-"));
    try {
      const r = spawnSync("bash", [script], {
        encoding: "utf8",
        env: {
          PATH: "/usr/bin:/bin",
          HOME: os.tmpdir(),
          BASPHERE_ENGINE_BIN: bin,
          BASPHERE_GO_FALLBACK: "/nonexistent/go",
        },
      });
      assert.equal(r.status, 1, r.stderr);
      const v = pinnedEngineVersion(PROJECT_ROOT);
      assert.match(r.stderr, /Go >= 1\.26/);
      assert.match(r.stderr, new RegExp(`Pulumi CLI v${v.replace(/\./g, "\\.")} or newer`));
      assert.match(r.stderr, /npm run engine/);
      assert.deepEqual(fs.readdirSync(bin), [], "nothing half-installed");
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  it("does nothing when the engine already reports the pinned version", function () {
    const bin = path.join(PROJECT_ROOT, ".pulumi-root", "bin");
    if (!fs.existsSync(path.join(bin, "pulumi"))) {
      throw new Error("the engine is missing: run `npm run engine`");
    }
    const r = spawnSync("bash", [script], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /up to date/);
  });
});
