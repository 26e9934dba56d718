/**
 * What our language host (tools/pulumi-engine/cmd/pulumi-language-nodejs) hands to a program, seen from the
 * program: a project whose Pulumi.yaml has `main: app/` (like the service's project file), `runtime.options.nodeargs`,
 * config and secret config, stdout/stderr forwarding, program failures, and a parent environment that carries stale
 * PULUMI_NODEJS_* variables (e.g. an engine started from inside another Pulumi program).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { Engine, EngineStack } from "../../../automation/engine/engine";
import { listProcesses } from "../../../automation/engine/processes";
import { EngineOperationError } from "../../../automation/engine/operation";
import { Sandbox, requireEngine } from "../../../support/engine";

const STALE = {
  PULUMI_NODEJS_DRY_RUN: "true",
  PULUMI_NODEJS_STACK: "stale-stack",
  PULUMI_NODEJS_PROJECT: "stale-project",
  PULUMI_NODEJS_SYNC: "/nonexistent/sync",
  PULUMI_CONFIG: '{"engine-probe:config:greeting":"stale"}',
};

describe("language host (real engine)", function () {
  this.timeout(180000);
  let sandbox: Sandbox;
  let engine: Engine;
  let stack: EngineStack;
  let programDir: string;
  const saved: Record<string, string | undefined> = {};

  before(async () => {
    await requireEngine();
    for (const [k, v] of Object.entries(STALE)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    sandbox = new Sandbox("probe");
    engine = await sandbox.engine("probe");
    programDir = path.join(engine.workDir, "app");
    stack = await engine.stack("dev");
    await stack.setConfig({
      "engine-probe:greeting": "hello",
      "engine-probe:token": { value: "pr0be-s3cret", secret: true },
    });
  });

  after(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    try {
      if (engine) await engine.removeStack("dev", { force: true });
    } finally {
      sandbox?.dispose();
    }
  });

  it("sets secret config without putting the value on any command line", async () => {
    const secret = "cmdline-" + "pr0be-s3cret-2";
    const seen: string[] = [];
    let watching = true;
    const watch = (async () => {
      while (watching) {
        for (const p of listProcesses())
          if (p.argv.some((a) => a.includes(secret))) seen.push(p.argv.join(" "));
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    try {
      await stack.setConfig({
        "engine-probe:other": { value: secret, secret: true },
        "engine-probe:plain": "p",
      });
    } finally {
      watching = false;
      await watch;
    }
    assert.deepEqual(seen, [], "the secret was visible in a process's argv");
    const cfg = await stack.stack.getAllConfig();
    assert.deepEqual(cfg["engine-probe:other"], { value: secret, secret: true });
    assert.deepEqual(cfg["engine-probe:plain"], { value: "p", secret: false });
    const file = fs.readFileSync(path.join(engine.workDir, "Pulumi.dev.yaml"), "utf8");
    assert.doesNotMatch(file, /pr0be-s3cret-2/, "stored encrypted");
  });

  it("runs `main: app/` with the engine's run mode, names, config and nodeargs, ignoring stale PULUMI_NODEJS_*", async () => {
    const output: string[] = [];
    const events: EngineEvent[] = [];
    const result = await stack.up({ onOutput: (t) => output.push(t), onEvent: (e) => events.push(e) });
    assert.equal(result.resourceChanges.create, 1, "the stack resource");

    const outputs = await stack.outputs();
    const value = (k: string) => outputs[k]?.value;
    assert.equal(value("dryRun"), false, "an up is not a preview, whatever PULUMI_NODEJS_DRY_RUN says");
    assert.equal(value("project"), "engine-probe");
    assert.equal(value("stack"), "dev");
    assert.equal(value("organization"), "organization");
    assert.equal(value("rootDirectory"), fs.realpathSync(engine.workDir), "root = folder of Pulumi.yaml");
    assert.equal(value("cwd"), fs.realpathSync(programDir), "the program runs in the `main` folder");
    assert.deepEqual(value("execArgv"), ["--max-old-space-size=321", "--stack-size=2000"]);
    assert.equal(value("greeting"), "hello");
    assert.equal(value("sync"), "", "no stale --sync directory");
    assert.deepEqual(outputs.token, { value: "pr0be-s3cret", secret: true });

    // The program's stdout and stderr reach the engine, which shows them as diagnostics.
    const diagnostics = events.map((e) => e.diagnosticEvent?.message ?? "").join("");
    assert.match(diagnostics, /probe: stdout line/);
    assert.match(diagnostics, /probe: stderr line/);
    assert.match(diagnostics, /probe: dryRun=false/);
    assert.doesNotMatch(output.join("") + diagnostics, /pr0be-s3cret/, "the secret is never shown");
  });

  it("previews with dry-run set, every event type forwarded, secrets masked in events", async () => {
    const events: EngineEvent[] = [];
    await stack.preview({ onEvent: (e) => events.push(e) });
    const diagnostics = events.map((e) => e.diagnosticEvent?.message ?? "").join("");
    assert.match(diagnostics, /probe: dryRun=true/, "the program sees a preview");
    assert.doesNotMatch(JSON.stringify(events), /pr0be-s3cret/, "no secret in any event");
    assert.ok(
      events.some((e) => e.preludeEvent),
      "prelude event forwarded",
    );
    assert.ok(
      events.some((e) => e.summaryEvent),
      "summary event forwarded",
    );
    assert.ok(
      events.some((e) => e.cancelEvent),
      "the closing cancel event forwarded",
    );
  });

  it("runs a project whose `main` points outside its folder, like the service's project file", async () => {
    // automation/service writes <data>/project/Pulumi.yaml with `main` relative to the program folder.
    const projectDir = path.join(sandbox.dir, "data", "project");
    fs.mkdirSync(projectDir, { recursive: true });
    const main = path.relative(projectDir, programDir);
    assert.match(main, /^\.\.\//, "main goes up and out of the project folder");
    const doc = fs
      .readFileSync(path.join(engine.workDir, "Pulumi.yaml"), "utf8")
      .replace(/^main: .*$/m, `main: ${main}`);
    fs.writeFileSync(path.join(projectDir, "Pulumi.yaml"), doc);
    const service = await Engine.open({ environment: sandbox.environment, workDir: projectDir });
    const svc = await service.stack("svc");
    try {
      await svc.setConfig({
        "engine-probe:greeting": "from the service",
        "engine-probe:token": { value: "t", secret: true },
      });
      await svc.up();
      const outputs = await svc.outputs();
      assert.equal(outputs.cwd.value, fs.realpathSync(programDir));
      assert.equal(outputs.rootDirectory.value, fs.realpathSync(projectDir));
      assert.equal(outputs.greeting.value, "from the service");
      assert.ok(
        fs.existsSync(path.join(projectDir, "Pulumi.svc.yaml")),
        "stack config beside the project file",
      );
    } finally {
      await service.removeStack("svc", { force: true });
    }
  });

  it("reports a program error once (bail), naming the error, without the secret", async () => {
    await stack.setConfig({ "engine-probe:fail": "true" });
    const err = await stack.up().then(
      () => assert.fail("up must fail"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof EngineOperationError);
    assert.match(err.message, /probe failed on purpose/);
    assert.doesNotMatch(
      err.message,
      /Program exited with non-zero exit code/,
      "bail: the SDK already reported it",
    );
    assert.doesNotMatch(err.message + err.stdout + err.stderr, /pr0be-s3cret/);
  });

  it("reports the exit code of a program that exits on its own", async () => {
    await stack.setConfig({ "engine-probe:fail": "false", "engine-probe:exit": "true" });
    const err = await stack.up().then(
      () => assert.fail("up must fail"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof EngineOperationError);
    assert.match(err.message, /exit code: 7|exited with code 7|non-zero exit code: 7/);
  });
});
