/**
 * The real engine on a program of dynamic resources (one file per record): preview, up, a no-op up, an update of
 * one record, outputs with a secret, destroy, stack removal.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { EngineStack } from "../../../automation/engine/engine";
import { Sandbox, filesIn, requireEngine } from "../../../support/engine";

const FILE_TYPE = "pulumi-nodejs:dynamic:Resource";

/** The ops the engine announced (resourcePreEvent) for resources of `type`, by resource name. */
function plannedOps(events: EngineEvent[], type: string): Record<string, string> {
  const ops: Record<string, string> = {};
  for (const e of events) {
    const m = e.resourcePreEvent?.metadata;
    if (m && m.type === type) ops[m.urn.split("::").pop()!] = m.op;
  }
  return ops;
}

describe("engine e2e: dynamic resources writing files", function () {
  this.timeout(180000);
  let sandbox: Sandbox;
  let stack: EngineStack;
  let outDir: string;

  before(async () => {
    await requireEngine();
    sandbox = new Sandbox("files");
    outDir = path.join(sandbox.dir, "out");
    const engine = await sandbox.engine("files");
    stack = await engine.stack("dev");
    await stack.setConfig({
      "files:dir": outDir,
      "files:records": JSON.stringify({ a: "alpha", b: "bravo" }),
      "files:token": { value: "s3cr3t-token", secret: true },
    });
  });

  after(() => sandbox?.dispose());

  it("previews the creates without touching anything", async () => {
    const events: EngineEvent[] = [];
    const result = await stack.preview({ onEvent: (e) => events.push(e) });
    assert.deepEqual(plannedOps(events, FILE_TYPE), { a: "create", b: "create" });
    assert.deepEqual(result.resourceChanges, { create: 3 }, "the stack and two files are to be created");
    assert.deepEqual(filesIn(outDir), []);
  });

  it("creates the records on up", async () => {
    const events: EngineEvent[] = [];
    const result = await stack.up({ onEvent: (e) => events.push(e) });
    assert.deepEqual(result.resourceChanges, { create: 3 });
    assert.deepEqual(filesIn(outDir), ["a", "b"]);
    assert.equal(fs.readFileSync(path.join(outDir, "a"), "utf8"), "alpha");
    assert.equal(fs.readFileSync(path.join(outDir, "b"), "utf8"), "bravo");
    assert.ok(
      events.some((e) => e.summaryEvent),
      "a summary event was received",
    );
  });

  it("reads outputs, keeping the secret marked", async () => {
    const outputs = await stack.outputs();
    assert.deepEqual(outputs.ids.value, ["a", "b"]);
    assert.equal(outputs.dir.value, outDir);
    assert.equal(outputs.token.secret, true);
    assert.equal(outputs.token.value, "s3cr3t-token");
  });

  it("changes nothing on a second up", async () => {
    const before = fs.statSync(path.join(outDir, "a")).mtimeMs;
    const result = await stack.up();
    assert.deepEqual(result.resourceChanges, { same: 3 });
    assert.equal(fs.statSync(path.join(outDir, "a")).mtimeMs, before);
  });

  it("updates only the record whose spec changed", async () => {
    const aBefore = fs.statSync(path.join(outDir, "a")).mtimeMs;
    await stack.setConfig({ "files:records": JSON.stringify({ a: "alpha", b: "bravo-2" }) });
    const events: EngineEvent[] = [];
    const result = await stack.up({ onEvent: (e) => events.push(e) });
    assert.deepEqual(result.resourceChanges, { same: 2, update: 1 });
    assert.deepEqual(plannedOps(events, FILE_TYPE), { a: "same", b: "update" });
    assert.equal(fs.readFileSync(path.join(outDir, "b"), "utf8"), "bravo-2");
    assert.equal(fs.statSync(path.join(outDir, "a")).mtimeMs, aBefore, "record a was not rewritten");
  });

  it("refresh finds no drift, then destroy leaves nothing behind", async () => {
    const refreshed = await stack.refresh();
    assert.deepEqual(refreshed.resourceChanges, { same: 3 });
    const destroyed = await stack.destroy();
    assert.deepEqual(destroyed.resourceChanges, { delete: 3 });
    assert.deepEqual(filesIn(outDir), []);
    const outputs = await stack.outputs();
    assert.deepEqual(outputs, {});
  });

  it("removes the stack", async () => {
    const engine = stack.engine;
    await engine.removeStack("dev");
    const list = await (await engine.stack("other")).stack.workspace.listStacks();
    assert.deepEqual(
      list.map((s) => s.name),
      ["other"],
    );
  });
});
