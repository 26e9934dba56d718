/**
 * The offline engine environment (automation/engine/environment.ts) and the `npm run engine` script's answers when
 * the engine is up to date or cannot be built. No engine run here.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EngineMissingError, pinnedEngineVersion, pulumiCommand } from "../../../automation/engine/command";
import { engineEnvironment, shellExports } from "../../../automation/engine/environment";
import { PROJECT_ROOT } from "../../../support/engine";

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

/** Tools scripts/engine.sh uses; the scratch PATH holds only these (so no Go and no pulumi, whatever the machine has). */
const SCRIPT_TOOLS = [
  "bash",
  "awk",
  "head",
  "tr",
  "cut",
  "sort",
  "dirname",
  "readlink",
  "cmp",
  "install",
  "mkdir",
  "cat",
  "date",
  "ln",
  "rm",
  "find",
  "touch",
  "printf",
  "env",
];

describe("npm run engine (scripts/engine.sh)", function () {
  this.timeout(60000);
  const script = path.join(PROJECT_ROOT, "scripts", "engine.sh");
  let scratch: string;
  let tools: string;
  let out: string;
  const version = () => `v${pinnedEngineVersion(PROJECT_ROOT)}`;

  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "basphere-engine-sh-"));
    tools = path.join(scratch, "tools");
    out = path.join(scratch, "out");
    fs.mkdirSync(tools);
    for (const t of SCRIPT_TOOLS) {
      const found = spawnSync("bash", ["-c", `command -v ${t}`], { encoding: "utf8" }).stdout.trim();
      if (found.startsWith("/")) fs.symlinkSync(found, path.join(tools, t));
    }
  });
  afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

  /** A fake CLI folder: `pulumi` (and its language host unless `hostless`) printing `v`. */
  function fakeCli(name: string, v: string, hostless = false): string {
    const dir = path.join(scratch, name);
    fs.mkdirSync(dir);
    const names = hostless ? ["pulumi"] : ["pulumi", "pulumi-language-nodejs"];
    for (const n of names) fs.writeFileSync(path.join(dir, n), `#!/bin/sh\necho ${v}\n`, { mode: 0o755 });
    return dir;
  }

  function run(pathDirs: string[]) {
    return spawnSync(path.join(tools, "bash"), [script], {
      encoding: "utf8",
      env: {
        PATH: [...pathDirs, tools].join(":"),
        HOME: scratch,
        BASPHERE_ENGINE_BIN: out,
        BASPHERE_GO_FALLBACK: "/nonexistent/go",
      },
    });
  }

  function assertInstallMessage(r: ReturnType<typeof run>) {
    assert.equal(r.status, 1, r.stderr);
    const v = version().replace(/\./g, "\\.");
    assert.match(r.stderr, /Go >= 1\.26/);
    assert.match(
      r.stderr,
      new RegExp(`Pulumi CLI ${v} or newer on PATH, including its pulumi-language-nodejs`),
    );
    assert.match(r.stderr, /npm run engine/);
  }

  it("says exactly what to install when there is neither Go nor pulumi", () => {
    const r = run([]);
    assertInstallMessage(r);
    assert.deepEqual(fs.readdirSync(out), [], "nothing half-installed");
  });

  it("does not use a pulumi on PATH older than the pin", () => {
    const old = fakeCli("old", "v3.100.0");
    const r = run([old]);
    assert.match(r.stderr, /older than v3\.\d+\.\d+; not using it/);
    assertInstallMessage(r);
    assert.deepEqual(fs.readdirSync(out), [], "no link to the old CLI");
  });

  it("does not use a newer pulumi on PATH without its language host", () => {
    const r = run([fakeCli("hostless", "v3.999.0", true)]);
    assert.match(r.stderr, /has no pulumi-language-nodejs beside it/);
    assertInstallMessage(r);
  });

  it("links a newer pulumi from PATH, and drops the links once that CLI is older than the pin", () => {
    const cli = fakeCli("newer", "v3.999.0");
    let r = run([cli]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readlinkSync(path.join(out, "pulumi")), path.join(cli, "pulumi"));
    assert.equal(
      fs.readlinkSync(path.join(out, "pulumi-language-nodejs")),
      path.join(cli, "pulumi-language-nodejs"),
    );
    assert.ok(fs.existsSync(path.join(out, "pulumi-resource-pulumi-nodejs")));
    r = run([cli]);
    assert.match(r.stderr, /up to date/);
    // The CLI on PATH is replaced by an older one: not used any more, and not left linked.
    fs.writeFileSync(path.join(cli, "pulumi"), "#!/bin/sh\necho v3.100.0\n");
    r = run([cli]);
    assertInstallMessage(r);
    assert.deepEqual(fs.readdirSync(out), ["pulumi-resource-pulumi-nodejs"]);
  });

  it("skips the build when the binaries report the pin and no wrapper source is newer; rebuilds otherwise", () => {
    const built = fakeCli("built", version());
    fs.cpSync(built, out, { recursive: true });
    const later = new Date(Date.now() + 3600_000); // newer than every source
    for (const f of ["pulumi", "pulumi-language-nodejs"]) fs.utimesSync(path.join(out, f), later, later);
    let r = run([]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /up to date/);
    // A language host built before its sources changed must be rebuilt, although it reports the right version.
    const old = new Date(2000, 0, 1);
    fs.utimesSync(path.join(out, "pulumi-language-nodejs"), old, old);
    r = run([]);
    assert.doesNotMatch(r.stderr, /up to date/);
    assertInstallMessage(r); // it tried to build: no Go here
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

describe("engine version check (automation/engine/command.ts)", () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "basphere-engine-version-"));
    fs.mkdirSync(path.join(root, "tools", "pulumi-engine"), { recursive: true });
    fs.copyFileSync(
      path.join(PROJECT_ROOT, "tools", "pulumi-engine", "go.mod"),
      path.join(root, "tools", "pulumi-engine", "go.mod"),
    );
    fs.mkdirSync(path.join(root, ".pulumi-root", "bin"), { recursive: true });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  function fakeEngine(pulumiScript: string): void {
    const bin = path.join(root, ".pulumi-root", "bin");
    fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\n${pulumiScript}\n`, { mode: 0o755 });
    for (const f of ["pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"])
      fs.writeFileSync(path.join(bin, f), "#!/bin/sh\n", { mode: 0o755 });
  }

  it("refuses a CLI older than the pin, telling to run `npm run engine`", async () => {
    fakeEngine("echo v3.100.0");
    const e = engineEnvironment({ projectRoot: root, requirePassphrase: false });
    await assert.rejects(
      pulumiCommand(e),
      (err: Error) =>
        err instanceof EngineMissingError &&
        err.message.includes(`reports version 3.100.0, older than the pinned ${pinnedEngineVersion(root)}`) &&
        /npm run engine/.test(err.message),
    );
  });

  it("reports a CLI that does not run, telling to run `npm run engine`", async () => {
    fakeEngine("echo 'exec format error' >&2; exit 126");
    const e = engineEnvironment({ projectRoot: root, requirePassphrase: false });
    await assert.rejects(
      pulumiCommand(e),
      (err: Error) =>
        err instanceof EngineMissingError &&
        /does not run/.test(err.message) &&
        /npm run engine/.test(err.message),
    );
  });

  it("names the missing binary", async () => {
    fakeEngine("echo v3.999.0");
    fs.rmSync(path.join(root, ".pulumi-root", "bin", "pulumi-language-nodejs"));
    const e = engineEnvironment({ projectRoot: root, requirePassphrase: false });
    await assert.rejects(
      pulumiCommand(e),
      (err: Error) =>
        err instanceof EngineMissingError && /pulumi-language-nodejs not found/.test(err.message),
    );
  });
});
