/**
 * Several plugin processes on one state file at once (the engine starts one per operation; operations of
 * different tenants run together): every create lands, ids stay unique, and of several processes racing to create
 * the same name on one switch exactly one wins while the others get vCenter's duplicate-name error.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../../../support/engine";
import { readSimulatorState } from "../../../../box/vsphereSimulator/status";
import { INV, PORT_GROUP } from "./vsphereSimulatorHelpers";

const WORKERS = 4;
const EACH = 30;

/** A worker process: creates EACH port groups of its own and one contended name, prints the outcomes as JSON. */
function worker(file: string, n: number): Promise<{ own: string[]; contended: string }> {
  const provider = path.join(PROJECT_ROOT, "dist", "box", "vsphereSimulator", "provider.js");
  const script = `
    const { VsphereSimulatorProvider } = require(${JSON.stringify(provider)});
    const p = new VsphereSimulatorProvider({ statePath: ${JSON.stringify(file)}, log: () => {} });
    const make = async (res, name, vlanId) => {
      const urn = "urn:pulumi:tenant-${n}::basphere::${PORT_GROUP}::" + res;
      const c = await p.check(urn, {}, { name, distributedVirtualSwitchUuid: ${JSON.stringify(INV.switchUuid)}, vlanId });
      try { return (await p.create(urn, c.inputs)).id; } catch (e) { return "error: " + e.message; }
    };
    (async () => {
      const own = [];
      for (let i = 0; i < ${EACH}; i++) own.push(await make("lan" + i, "w${n}-lan" + i, 100 + i));
      const contended = await make("contended", "contended", 999);
      process.stdout.write(JSON.stringify({ own, contended }));
    })();`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += String(d)));
    child.stderr.on("data", (d) => (err += String(d)));
    child.on("exit", (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`worker ${n}: ${err}`)),
    );
  });
}

describe("vSphere provider simulator: several processes on one state file", function () {
  this.timeout(60000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "vsphere-sim-conc-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("keeps every create, unique ids, and one winner for a contended name", async () => {
    const file = path.join(dir, "state.sqlite");
    const results = await Promise.all(Array.from({ length: WORKERS }, (_, n) => worker(file, n)));
    const own = results.flatMap((r) => r.own);
    assert.equal(own.length, WORKERS * EACH);
    assert.ok(
      own.every((id) => /^dvportgroup-\d+$/.test(id)),
      own.filter((id) => !id.startsWith("dvportgroup-")).join("\n"),
    );
    const winners = results.filter((r) => r.contended.startsWith("dvportgroup-"));
    assert.equal(winners.length, 1, results.map((r) => r.contended).join("\n"));
    for (const r of results.filter((x) => x !== winners[0]))
      assert.match(
        r.contended,
        /^error: vsphere-simulator: error creating portgroup: The name 'contended' already exists\.$/,
      );
    const state = readSimulatorState(file)!;
    const managed = state.portGroups.filter((p) => !p.inventory);
    assert.equal(managed.length, WORKERS * EACH + 1);
    assert.equal(new Set(managed.map((p) => p.id)).size, managed.length, "ids unique");
    assert.equal(state.vms.filter((v) => v.template).length, 4, "seeded once");
  });
});
