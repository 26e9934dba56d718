/**
 * The real engine (.pulumi-root/bin) running a program of the project's vSphere bindings against the vSphere
 * provider simulator installed as `pulumi-resource-vsphere` on the engine's PATH: preview changes nothing, up
 * creates the folder, port group and cloned VM in the simulated vCenter, a memory change updates the VM in place,
 * refresh finds nothing changed, a VM deleted behind the engine's back is found gone by refresh and recreated by
 * up, and destroy leaves the vCenter as it was seeded. Bad provider config and bad inputs fail the preview with
 * the simulator's message naming the key or property.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { Engine, EngineStack } from "../../../automation/engine/engine";
import { engineEnvironment } from "../../../automation/engine/environment";
import { installVsphereSimulator } from "../../../box/vsphereSimulator/install";
import { seedObjects } from "../../../box/vsphereSimulator/seed";
import { SimulatorState, readSimulatorState } from "../../../box/vsphereSimulator/status";
import { SimulatorStore } from "../../../box/vsphereSimulator/store";
import { PASSPHRASE, PROJECT_ROOT, requireEngine } from "../../../support/engine";

const PROJECT = "engine-vsphere-sim";

/** The managed part of a state (what a program can change), without the file and seed time. */
function managed(s: SimulatorState | undefined): unknown {
  assert.ok(s, "the simulator has a state file");
  const { file: _file, seededAt: _seededAt, ...rest } = s;
  return rest;
}

/** The ops the engine announced, by resource name (vSphere resources only). */
function ops(events: EngineEvent[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of events) {
    const m = e.resourcePreEvent?.metadata;
    if (m && m.type.startsWith("vsphere:index/")) out[m.urn.split("::").pop()!] = m.op;
  }
  return out;
}

describe("engine e2e: the vSphere provider simulator as pulumi-resource-vsphere", function () {
  this.timeout(300000);
  let dir: string;
  let statePath: string;
  let engine: Engine;
  let stack: EngineStack;
  let seeded: unknown;

  before(async () => {
    await requireEngine();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "basphere-vsphere-sim-e2e-"));
    statePath = path.join(dir, "vsphere-simulator.sqlite");
    SimulatorStore.open(statePath, () => seedObjects()).close();
    seeded = managed(readSimulatorState(statePath));
    const pluginDir = path.join(dir, "plugins");
    installVsphereSimulator(pluginDir, statePath);
    const program = path.join(dir, "program");
    fs.cpSync(path.join(PROJECT_ROOT, "test", "e2e", "box", "vsphereSimulatorProgram"), program, {
      recursive: true,
    });
    fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(program, "node_modules"), "dir");
    const environment = engineEnvironment({
      projectRoot: PROJECT_ROOT,
      dataDir: path.join(dir, "data"),
      passphrase: PASSPHRASE,
      pluginPath: [pluginDir],
    });
    engine = await Engine.open({ environment, workDir: program });
    stack = await engine.stack("e2e");
    await stack.setConfig({
      [`${PROJECT}:providers`]: path.join(PROJECT_ROOT, "dist", "providers", "vsphere"),
      [`${PROJECT}:memory`]: "2048",
      "vsphere:vsphereServer": "vcsim.box.invalid",
      "vsphere:user": "e2e@vsphere.local",
      "vsphere:password": { value: "e2e-vsphere-password-not-logged", secret: true },
      "vsphere:allowUnverifiedSsl": "true",
    });
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("previews three creates and changes nothing in the vCenter", async () => {
    const events: EngineEvent[] = [];
    const r = await stack.preview({ onEvent: (e) => events.push(e) });
    assert.deepEqual(ops(events), { "e2e-folder": "create", "e2e-lan": "create", "e2e-vm": "create" });
    assert.deepEqual(r.resourceChanges, { create: 4 });
    assert.deepEqual(managed(readSimulatorState(statePath)), seeded);
  });

  it("creates the folder, the port group and the cloned VM on up", async () => {
    const r = await stack.up();
    assert.deepEqual(r.resourceChanges, { create: 4 });
    const out = await stack.outputs();
    const state = readSimulatorState(statePath)!;
    const vm = state.vms.find((v) => v.name === "e2e-vm")!;
    assert.ok(vm, "the VM exists in the simulated vCenter");
    assert.equal(out.vmId.value, vm.id);
    assert.match(String(out.vmId.value), /^42[0-9a-f]{6}-/);
    assert.match(String(out.vmMoid.value), /^vm-\d+$/);
    assert.equal(out.vmAddress.value, "10.0.1.20");
    assert.deepEqual([vm.folder, vm.memory, vm.numCpus, vm.powerState], ["e2e", 2048, 2, "on"]);
    const lan = state.portGroups.find((p) => p.name === "e2e-lan")!;
    assert.deepEqual([lan.id, lan.vlanId], [out.lanId.value, 3001]);
    assert.deepEqual(vm.networkIds, [lan.id]);
    assert.deepEqual(
      state.folders.map((f) => [f.path, f.id]),
      [["e2e", out.folderId.value]],
    );
    const log = r.stdout + r.stderr;
    assert.ok(!log.includes("e2e-vsphere-password-not-logged"), "the provider password is not in the output");
  });

  it("changes nothing on a second up", async () => {
    const r = await stack.up();
    assert.deepEqual(r.resourceChanges, { same: 4 });
  });

  it("updates the VM in place when its memory changes", async () => {
    const before = (await stack.outputs()).vmId.value;
    await stack.setConfig({ [`${PROJECT}:memory`]: "4096" });
    const events: EngineEvent[] = [];
    const r = await stack.up({ onEvent: (e) => events.push(e) });
    assert.deepEqual(r.resourceChanges, { same: 3, update: 1 });
    assert.equal(ops(events)["e2e-vm"], "update");
    const out = await stack.outputs();
    assert.equal(out.vmId.value, before, "the same VM");
    assert.equal(out.vmMemory.value, 4096);
    assert.equal(readSimulatorState(statePath)!.vms.find((v) => v.name === "e2e-vm")!.memory, 4096);
  });

  it("finds nothing changed on refresh", async () => {
    const r = await stack.refresh();
    assert.deepEqual(r.resourceChanges, { same: 4 });
  });

  it("finds a VM deleted behind its back gone on refresh, and up creates it again", async () => {
    const id = String((await stack.outputs()).vmId.value);
    const store = SimulatorStore.open(statePath, () => seedObjects());
    try {
      store.transaction(() => store.remove(id));
    } finally {
      store.close();
    }
    const r = await stack.refresh();
    assert.deepEqual(r.resourceChanges, { same: 3, delete: 1 });
    const up = await stack.up();
    assert.deepEqual(up.resourceChanges, { same: 3, create: 1 });
    const again = String((await stack.outputs()).vmId.value);
    assert.notEqual(again, id, "a new VM gets a new UUID");
  });

  /** The error of a preview of a fresh stack with `config` (which must fail). */
  async function failedPreview(name: string, config: Record<string, string>): Promise<string> {
    const bad = await engine.stack(name);
    await bad.setConfig({
      [`${PROJECT}:providers`]: path.join(PROJECT_ROOT, "dist", "providers", "vsphere"),
      ...config,
    });
    const err = await bad.preview().then(
      () => assert.fail("the preview should fail"),
      (e: Error) => e,
    );
    return err.message;
  }

  it("fails a preview on an unknown provider config key or a missing password, naming them", async () => {
    const message = await failedPreview("e2e-badconfig", {
      [`${PROJECT}:memory`]: "2048",
      "vsphere:vsphereServr": "vcsim.box.invalid",
      "vsphere:user": "e2e@vsphere.local",
    });
    assert.match(
      message,
      /vsphere-simulator: could not validate provider configuration: Invalid or unknown key\. Examine values at 'vsphere:vsphereServr'/,
    );
    assert.match(message, /vsphere-simulator: Missing required configuration variable 'vsphere:password'/);
  });

  it("fails a preview on an input vCenter refuses, naming the property", async () => {
    const message = await failedPreview("e2e-badinput", {
      [`${PROJECT}:memory`]: "2050",
      "vsphere:vsphereServer": "vcsim.box.invalid",
      "vsphere:user": "e2e@vsphere.local",
      "vsphere:password": "x",
    });
    assert.match(
      message,
      /e2e-vm.*vsphere-simulator: memory must be a multiple of 4 MB and at least 4 MB, got 2050/s,
    );
  });

  it("destroy leaves the vCenter as it was seeded", async () => {
    const r = await stack.destroy();
    assert.deepEqual(r.resourceChanges, { delete: 4 });
    assert.deepEqual(managed(readSimulatorState(statePath)), seeded);
  });
});
