/**
 * Stack state in PostgreSQL (the CLI's DIY backend for postgres:// URLs), as several service replicas use it: two
 * engines with data folders of their own share one database. What one replica did, the other sees and continues —
 * state, outputs and secrets (the stack's secrets salt comes from the checkpoint, not from a local file) — and no
 * checkpoint is written to either disk.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Engine, EngineStack } from "../../../automation/engine/engine";
import { engineEnvironment } from "../../../automation/engine/environment";
import { PROJECT_ROOT, Sandbox, filesIn, requireEngine } from "../../../support/engine";
import { TestPostgres, pulumiStateKeys, startPostgres } from "../../../support/postgres";

const PASSPHRASE = "replicas-share-this-passphrase";

describe("engine e2e: stack state in PostgreSQL shared by two replicas", function () {
  this.timeout(240000);
  let pg: TestPostgres;
  let url: string;
  let sandbox: Sandbox;
  let outDir: string;
  const engines: Engine[] = [];
  const stacks: EngineStack[] = [];

  /** An engine of replica `i`: its own data folder and program copy, the shared database as backend. */
  async function replica(i: number): Promise<Engine> {
    const environment = engineEnvironment({
      projectRoot: PROJECT_ROOT,
      dataDir: path.join(sandbox.dir, `replica-${i}`),
      passphrase: PASSPHRASE,
      backendUrl: url,
    });
    return Engine.open({ environment, workDir: sandbox.program("files", `program-${i}`) });
  }
  const config = (records: Record<string, string>) => ({
    "files:dir": outDir,
    "files:records": JSON.stringify(records),
    "files:token": { value: "s3cr3t-token", secret: true },
  });
  const stateKeys = () => pulumiStateKeys(url);

  before(async () => {
    await requireEngine();
    pg = await startPostgres();
    url = (await pg.database("state")) + "?sslmode=disable";
    sandbox = new Sandbox("pgstate");
    outDir = path.join(sandbox.dir, "out");
    engines.push(await replica(0), await replica(1));
  });
  after(async () => {
    sandbox?.dispose();
    await pg?.stop();
  });

  it("replica 0 creates the stack; its checkpoint is in the database, not on its disk", async () => {
    stacks[0] = await engines[0].stack("shared");
    await stacks[0].setConfig(config({ a: "alpha", b: "bravo" }));
    assert.deepEqual((await stacks[0].up()).resourceChanges, { create: 3 });
    assert.deepEqual(filesIn(outDir), ["a", "b"]);
    const keys = await stateKeys();
    assert.ok(
      keys.some((k) => /stacks\/engine-files\/shared\.json/.test(k)),
      `checkpoint of the stack in pulumi_state: ${keys.join(", ")}`,
    );
    const local = path.join(engines[0].environment.backendDir, ".pulumi");
    assert.equal(fs.existsSync(local), false, "no file backend in the data folder");
  });

  it("replica 1, with an empty data folder, sees the stack, its outputs and its secret, and changes nothing", async () => {
    assert.equal(await engines[1].hasStack("shared"), true);
    stacks[1] = await engines[1].stack("shared");
    const outputs = await stacks[1].outputs();
    assert.deepEqual(outputs.ids.value, ["a", "b"]);
    assert.equal(outputs.token.secret, true);
    assert.equal(
      outputs.token.value,
      "s3cr3t-token",
      "decrypted with the shared passphrase and the stack's salt",
    );
    await stacks[1].setConfig(config({ a: "alpha", b: "bravo" }));
    assert.deepEqual((await stacks[1].up()).resourceChanges, { same: 3 });
  });

  it("each continues what the other did: replica 1 adds a record, replica 0 sees it and removes one", async () => {
    await stacks[1].setConfig(config({ a: "alpha", b: "bravo", c: "charlie" }));
    assert.deepEqual((await stacks[1].up()).resourceChanges, { create: 1, same: 3 });
    assert.deepEqual((await stacks[0].outputs()).ids.value, ["a", "b", "c"]);
    await stacks[0].setConfig(config({ a: "alpha", c: "charlie" }));
    assert.deepEqual((await stacks[0].up()).resourceChanges, { delete: 1, same: 3 });
    assert.deepEqual(filesIn(outDir), ["a", "c"]);
  });

  it("replica 1 destroys and removes the stack; its checkpoint leaves the database (the CLI keeps its backups)", async () => {
    await stacks[1].destroy();
    await engines[1].removeStack("shared");
    assert.equal(await engines[0].hasStack("shared"), false);
    assert.deepEqual(filesIn(outDir), []);
    const keys = await stateKeys();
    assert.deepEqual(
      keys.filter((k) => /stacks\/engine-files\/shared\.json$/.test(k)),
      [],
    );
    assert.ok(
      keys.some((k) => k.includes("/backups/engine-files/shared/")),
      "backups as on the file backend",
    );
  });
});
