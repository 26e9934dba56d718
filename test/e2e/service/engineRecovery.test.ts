/**
 * Engine.recover's side of the service's crash recovery (automation/engine): orphaned engine processes named by the
 * caller are killed with everything they started — only when they really are this engine's CLI on that stack —
 * and a stack that does not exist is neither created by recovery nor by removal.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as path from "node:path";
import { Engine, EngineStack } from "../../../automation/engine/engine";
import { EngineOperationError } from "../../../automation/engine/operation";
import { ProcessRef, isSameProcess, processRef, sessionMembers } from "../../../automation/engine/processes";
import { Sandbox, filesIn, recordCreatesInFlight, requireEngine, waitFor } from "../../../support/engine";

describe("engine e2e: recovery of orphaned engine processes", function () {
  this.timeout(120000);
  let sandbox: Sandbox;
  let engine: Engine;
  let stack: EngineStack;
  let outDir: string;

  before(async () => {
    await requireEngine();
    sandbox = new Sandbox("orphans");
    outDir = path.join(sandbox.dir, "out");
    engine = await sandbox.engine("files");
  });

  after(() => sandbox?.dispose());

  it("neither recover nor removeStack creates a stack that does not exist", async () => {
    const report = await engine.recover("never-created");
    assert.deepEqual(report.actions, ["nothing to recover (the stack does not exist)"]);
    await engine.removeStack("never-created");
    assert.equal(await engine.hasStack("never-created"), false);
    const stacksDir = path.join(engine.environment.backendDir, ".pulumi", "stacks", engine.project);
    assert.deepEqual(filesIn(stacksDir), []);
  });

  it("leaves a process alone that is not this engine's CLI on the stack", async () => {
    const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      const ref = await waitFor("sleep to start", () => processRef(sleeper.pid!));
      const report = await engine.recover("never-created", { orphans: [ref] });
      assert.deepEqual(report.killedProcesses, []);
      assert.equal(isSameProcess(ref), true, "the unrelated process still runs");
    } finally {
      sleeper.kill("SIGKILL");
    }
  });

  it("kills a live orphaned CLI with its whole session, then clears the lock and pending creates", async () => {
    stack = await engine.stack("orphan");
    await stack.setConfig({
      "files:dir": outDir,
      "files:records": JSON.stringify({ a: "1", b: "2" }),
      // Creates hang until the kill: with a few seconds' delay they could finish between seeing them in flight and
      // the kill on a busy machine, and recover would rightly find no pending operation (the flake seen before).
      "files:delayMs": "600000",
    });
    let ref: ProcessRef | undefined;
    const up = stack.up({ onSpawn: (p) => (ref = p) }).then(
      () => assert.fail("the killed up must not succeed"),
      (e: unknown) => e,
    );
    const checkpoint = path.join(
      engine.environment.backendDir,
      ".pulumi",
      "stacks",
      engine.project,
      "orphan.json",
    );
    await waitFor("creates of the records in flight", () =>
      recordCreatesInFlight(checkpoint).length > 0 ? true : undefined,
    );
    assert.ok(ref, "onSpawn reported the pulumi process");
    const pid = ref.pid;
    const startTime = ref.startTime;
    // pulumi, language host, program, provider: on a busy machine the last may still be starting.
    const session = await waitFor(
      "the whole engine session (pulumi, language host, program, provider)",
      () => {
        const members = sessionMembers(pid, startTime);
        return members.length >= 4 ? members : undefined;
      },
    );
    assert.ok(session.length >= 4);

    const report = await engine.recover("orphan", { orphans: [ref] });
    assert.equal(report.killedProcesses.length, 1);
    assert.equal(report.killedProcesses[0].pid, ref.pid);
    assert.deepEqual(sessionMembers(ref.pid, ref.startTime), [], "nothing of the session is left");
    const err = await up;
    assert.ok(err instanceof EngineOperationError && err.signal === "SIGKILL", String(err));
    assert.equal(report.removedLocks.length, 1, JSON.stringify(report));
    assert.ok(report.droppedPendingOperations.length >= 1, JSON.stringify(report));
    assert.deepEqual(await engine.locks("orphan"), []);

    await stack.setConfig({ "files:delayMs": "0" });
    await stack.up();
    assert.deepEqual(filesIn(outDir), ["a", "b"]);
    await stack.destroy();
    await engine.removeStack("orphan");
    assert.equal(await engine.hasStack("orphan"), false);
  });
});
