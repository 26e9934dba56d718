/**
 * Two stacks of one program operated at the same time from separate workspaces (same program folder, same
 * PULUMI_HOME: the workspace.json race of pulumi#8186 is guarded), and the error when the engine is missing.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { EngineMissingError } from "../../../automation/engine/command";
import { Engine } from "../../../automation/engine/engine";
import { engineEnvironment } from "../../../automation/engine/environment";
import { PASSPHRASE, Sandbox, filesIn, requireEngine } from "../../../support/engine";

describe("engine e2e: two stacks at the same time", function () {
  this.timeout(180000);
  let sandbox: Sandbox;

  before(async () => {
    await requireEngine();
    sandbox = new Sandbox("concurrency");
  });

  after(() => sandbox?.dispose());

  it("creates, updates and destroys two stacks in parallel", async () => {
    const workDir = sandbox.program("files");
    // Two engines = two LocalWorkspaces on the same program folder and PULUMI_HOME.
    const [e1, e2] = await Promise.all([
      Engine.open({ environment: sandbox.environment, workDir }),
      Engine.open({ environment: sandbox.environment, workDir }),
    ]);
    const [s1, s2] = await Promise.all([e1.stack("one"), e2.stack("two")]);
    const dirs = { one: path.join(sandbox.dir, "out-one"), two: path.join(sandbox.dir, "out-two") };
    await Promise.all([
      s1.setConfig({ "files:dir": dirs.one, "files:records": JSON.stringify({ x: "1", y: "2" }) }),
      s2.setConfig({ "files:dir": dirs.two, "files:records": JSON.stringify({ z: "3" }) }),
    ]);

    const spans: Record<string, [number, number]> = {};
    const timed = async <T>(name: string, p: () => Promise<T>): Promise<T> => {
      const start = Date.now();
      const r = await p();
      spans[name] = [start, Date.now()];
      return r;
    };
    const [r1, r2] = await Promise.all([timed("one", () => s1.up()), timed("two", () => s2.up())]);
    assert.deepEqual(r1.resourceChanges, { create: 3 });
    assert.deepEqual(r2.resourceChanges, { create: 2 });
    assert.deepEqual(filesIn(dirs.one), ["x", "y"]);
    assert.deepEqual(filesIn(dirs.two), ["z"]);
    assert.ok(
      spans.one[0] < spans.two[1] && spans.two[0] < spans.one[1],
      `the two ups overlapped in time (${JSON.stringify(spans)})`,
    );

    // Both stacks exist, each with its own state; the shared workspace.json is intact.
    const names = (await s1.stack.workspace.listStacks()).map((s) => s.name).sort();
    assert.deepEqual(names, ["one", "two"]);
    const wsDir = path.join(sandbox.environment.pulumiHome, "workspaces");
    for (const f of fs.readdirSync(wsDir)) JSON.parse(fs.readFileSync(path.join(wsDir, f), "utf8"));

    await Promise.all([s1.destroy(), s2.destroy()]);
    assert.deepEqual(filesIn(dirs.one), []);
    assert.deepEqual(filesIn(dirs.two), []);
  });

  it("fails with the instruction to run `npm run engine` when the engine is missing", async () => {
    const fakeRoot = path.join(sandbox.dir, "no-engine");
    fs.mkdirSync(fakeRoot);
    const environment = engineEnvironment({ projectRoot: fakeRoot, passphrase: PASSPHRASE });
    await assert.rejects(
      Engine.open({ environment, workDir: sandbox.program("files", "files-no-engine") }),
      (err: Error) => err instanceof EngineMissingError && /npm run engine/.test(err.message),
    );
  });
});
