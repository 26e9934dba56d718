/**
 * Cancel semantics of automation/engine on the real engine (AbortSignal before start, while queued, after the end),
 * listeners that throw, and recovery refusing to break a lock that a live pulumi process holds.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { Engine, EngineStack, StackBusyError } from "../../../automation/engine/engine";
import { EngineOperationError } from "../../../automation/engine/operation";
import { Sandbox, filesIn, requireEngine, waitFor } from "../../../support/engine";

describe("engine cancel, listeners and lock recovery (real engine)", function () {
  this.timeout(180000);
  let sandbox: Sandbox;
  let engine: Engine;
  let stack: EngineStack;
  let outDir: string;

  before(async () => {
    await requireEngine();
    sandbox = new Sandbox("cancel");
    engine = await sandbox.engine("files");
    outDir = path.join(sandbox.dir, "out");
    stack = await engine.stack("cancel");
    await stack.setConfig({
      "files:dir": outDir,
      "files:records": JSON.stringify({ a: "1", b: "2" }),
      "files:delayMs": "1500",
    });
  });

  after(async () => {
    try {
      if (engine) await engine.removeStack("cancel", { force: true });
    } finally {
      sandbox?.dispose();
    }
  });

  it("an AbortSignal aborted before the call starts nothing", async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(
      stack.up({ signal: controller.signal }),
      (e: unknown) => e instanceof EngineOperationError && e.cancelled && /did not start/.test(e.message),
    );
    assert.deepEqual(filesIn(outDir), []);
    assert.deepEqual(await engine.locks("cancel"), []);
  });

  it("an operation aborted while queued behind another one is rejected at once and never runs", async () => {
    const first = stack.up();
    const controller = new AbortController();
    let secondStarted = false;
    const second = stack.destroy({ signal: controller.signal, onSpawn: () => (secondStarted = true) });
    const t0 = Date.now();
    controller.abort();
    await assert.rejects(second, (e: unknown) => e instanceof EngineOperationError && e.cancelled);
    assert.ok(Date.now() - t0 < 1000, "rejected without waiting for the running up");
    const result = await first;
    assert.equal(result.resourceChanges.create, 3);
    assert.equal(secondStarted, false, "the aborted destroy never started a pulumi process");
    assert.deepEqual(filesIn(outDir), ["a", "b"]);
  });

  it("aborting after an operation ended changes nothing", async () => {
    const controller = new AbortController();
    const result = await stack.preview({ signal: controller.signal });
    controller.abort();
    assert.equal(result.resourceChanges.same, 3);
    const again = await stack.preview();
    assert.equal(again.resourceChanges.same, 3);
  });

  it("a listener that throws neither crashes the process nor stops the engine half-way", async () => {
    await stack.setConfig({ "files:records": JSON.stringify({ a: "1", b: "2", c: "3" }) });
    await assert.rejects(
      stack.up({
        onEvent: () => {
          throw new Error("listener bug");
        },
      }),
      /up on stack cancel succeeded, but a listener \(onEvent\/onOutput\) threw: listener bug/,
    );
    assert.deepEqual(filesIn(outDir), ["a", "b", "c"], "the up ran to its end");
    assert.deepEqual(await engine.locks("cancel"), []);
  });

  it("recovery refuses to remove the lock of a live pulumi process, and works once it has ended", async () => {
    // A second engine on the same backend and program: its operations are not queued behind ours.
    const other = await Engine.open({ environment: engine.environment, workDir: engine.workDir });
    const otherStack = await other.stack("cancel");
    await stack.setConfig({ "files:records": JSON.stringify({ a: "10", b: "20", c: "30" }) });
    const running = otherStack.up();
    const lock = await waitFor("the running up's lock", async () => (await engine.locks("cancel"))[0]);
    await assert.rejects(
      engine.recover("cancel"),
      (e: unknown) =>
        e instanceof StackBusyError &&
        e.message.includes(`pid ${lock.pid}`) &&
        /running pulumi/.test(e.message),
    );
    assert.deepEqual(
      (await engine.locks("cancel")).map((l) => l.file),
      [lock.file],
      "the live process keeps its lock",
    );
    const result = await running;
    assert.equal(result.resourceChanges.update, 3);
    const report = await engine.recover("cancel");
    assert.deepEqual(report.actions, ["nothing to recover"]);
    await stack.destroy();
    assert.deepEqual(filesIn(outDir), []);
  });
});
