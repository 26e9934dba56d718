/**
 * A crash of the engine mid-up (SIGKILL of the whole `pulumi` process tree) leaves the stack locked with pending
 * operations; Engine.recover clears both and the next up succeeds.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Engine, EngineStack } from "../../../automation/engine/engine";
import { EngineOperationError } from "../../../automation/engine/operation";
import { findEngineProcesses, isAlive, killTree, processTree } from "../../../automation/engine/processes";
import { Sandbox, filesIn, recordCreatesInFlight, requireEngine, waitFor } from "../../../support/engine";

describe("engine e2e: crash and recovery", function () {
  this.timeout(180000);
  let sandbox: Sandbox;
  let engine: Engine;
  let stack: EngineStack;
  let outDir: string;

  before(async () => {
    await requireEngine();
    sandbox = new Sandbox("crash");
    outDir = path.join(sandbox.dir, "out");
    engine = await sandbox.engine("files");
    stack = await engine.stack("crash");
    await stack.setConfig({
      "files:dir": outDir,
      "files:records": JSON.stringify({ a: "1", b: "2", c: "3" }),
      // Every create takes 3 s, so the kill lands while creates are in flight.
      "files:delayMs": "3000",
    });
  });

  after(() => sandbox?.dispose());

  it("cancels an up through an AbortSignal: the engine stops gracefully and releases the lock", async () => {
    const controller = new AbortController();
    const up = stack.up({
      signal: controller.signal,
      onEvent: (e) => {
        if (e.resourcePreEvent?.metadata.type === "pulumi-nodejs:dynamic:Resource") controller.abort();
      },
    });
    const err = await up.then(
      () => assert.fail("the cancelled up must not succeed"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof EngineOperationError, String(err));
    assert.equal(err.cancelled, true);
    assert.equal(err.signal, null, "the CLI exited by itself after SIGINT, it was not killed");
    assert.deepEqual(await engine.locks("crash"), [], "a graceful cancel leaves no lock");
    // The creates that were in flight finished (the engine waits for them) or never started; none is half-done.
    const result = await stack.up();
    assert.deepEqual(filesIn(outDir), ["a", "b", "c"]);
    assert.equal((result.resourceChanges.create ?? 0) + (result.resourceChanges.same ?? 0), 4);
    await stack.destroy();
    assert.deepEqual(filesIn(outDir), []);
  });

  it("kills the engine mid-up, recovers the lock and pending operations, then up succeeds", async () => {
    const checkpoint = path.join(
      engine.environment.backendDir,
      ".pulumi",
      "stacks",
      engine.project,
      "crash.json",
    );
    // Creates hang until the kill, so the checkpoint still holds them as pending when the engine dies (with a
    // short delay the creates could finish between reading the checkpoint and the kill on a busy machine).
    await stack.setConfig({ "files:delayMs": "600000" });
    const up = stack.up();
    const upFailed = up.then(
      () => assert.fail("the killed up must not succeed"),
      (err: unknown) => err,
    );

    // Wait until the engine has recorded in-flight creates in the state, then kill the CLI and all it started.
    const inFlight = await waitFor("creates of the records in flight", () => {
      const ops = recordCreatesInFlight(checkpoint);
      return ops.length > 0 ? ops : undefined;
    });
    const [cli] = findEngineProcesses(engine.environment.binDir, "crash");
    assert.ok(cli, "the pulumi process of the up was found");
    const tree = processTree(cli.pid);
    assert.ok(tree.length >= 3, `pulumi, the language host and node run (${tree.map((p) => p.argv[0])})`);
    killTree(cli.pid, "SIGKILL");
    const err = await upFailed;
    assert.ok(err instanceof EngineOperationError, String(err));
    assert.equal(err.signal, "SIGKILL");
    await waitFor("the killed processes to be gone", () =>
      tree.every((p) => !isAlive(p.pid)) ? true : undefined,
    );

    // What the killed engine left in the state (read again now that nothing writes it): recover must drop exactly
    // these. If a flake ever finds none here, the engine finished its creates before the kill landed.
    const left: { resource?: { urn?: string } }[] =
      JSON.parse(fs.readFileSync(checkpoint, "utf8")).checkpoint?.latest?.pending_operations ?? [];
    assert.ok(
      left.length >= 1,
      `the checkpoint still holds the pending operations after the kill (before it: ${JSON.stringify(inFlight)})`,
    );

    // The crash left a lock: a new operation is refused.
    assert.equal((await engine.locks("crash")).length, 1);
    await assert.rejects(stack.up(), (e: unknown) => e instanceof EngineOperationError && e.locked);

    // A kill can also land between fileblob's two writes of a blob: its attribute sidecar rewritten in place (cut),
    // the state not yet renamed over. Leave exactly that, and every read of the stack fails until recover repairs it.
    const attrs = `${checkpoint}.attrs`;
    assert.ok(fs.existsSync(attrs), "the backend keeps an attribute sidecar beside the state");
    fs.writeFileSync(attrs, "");
    await assert.rejects(stack.stack.exportStack(), /failed to load checkpoint: EOF/);

    const report = await engine.recover("crash");
    assert.equal(report.removedLocks.length, 1);
    assert.deepEqual(
      report.droppedPendingOperations.map((o) => o.urn).sort(),
      left.map((o) => o.resource?.urn).sort(),
      `recover drops what the checkpoint held after the kill: ${JSON.stringify(report)}`,
    );
    for (const op of report.droppedPendingOperations) {
      assert.equal(op.type, "creating");
      assert.match(op.urn, /pulumi-nodejs:dynamic:Resource::[abc]$/);
    }
    assert.ok(report.actions.some((a) => a.startsWith("removed 1 lock file")));
    assert.ok(report.repairedFiles?.includes(attrs), JSON.stringify(report));
    assert.ok(
      report.actions.some((a) => a.startsWith("removed 1 cut attribute file")),
      JSON.stringify(report),
    );
    assert.deepEqual(await engine.locks("crash"), []);

    await stack.setConfig({ "files:delayMs": "0" });
    const result = await stack.up();
    assert.ok((result.resourceChanges.create ?? 0) >= 1, JSON.stringify(result.resourceChanges));
    assert.deepEqual(filesIn(outDir), ["a", "b", "c"]);

    const again = await engine.recover("crash");
    assert.deepEqual(again.actions, ["nothing to recover"]);
    await stack.destroy();
    assert.deepEqual(filesIn(outDir), []);
  });
});
