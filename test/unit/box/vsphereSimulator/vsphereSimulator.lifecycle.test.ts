/**
 * The vSphere provider simulator's create/read/update/delete and diff, in-process: outputs that match the
 * schema, in-place updates and replacements as the provider decides them, refresh of a deleted object, deletes
 * of missing objects, secrets kept secret, ids derived from the URN, and one vCenter shared by two providers on
 * the same state file (two plugin processes).
 */
import * as assert from "node:assert/strict";
import { loadSchema } from "../../../../providers/vsphere/generate";
import { checkResourceOutputs, formatProblems } from "../../../../providers/vsphere/schemaCheck";
import { readSimulatorState } from "../../../../box/vsphereSimulator/status";
import { SECRET_SIG, SIG_KEY, unwrapProps } from "../../../../box/vsphereSimulator/values";
import {
  ANTI_AFFINITY,
  CATEGORY,
  FOLDER,
  HOST_GROUP,
  INV,
  POOL,
  PORT_GROUP,
  SimFixture,
  TAG,
  VM,
  VM_GROUP,
  VM_HOST_RULE,
  rejects,
  urn,
  vmInputs,
} from "./vsphereSimulatorHelpers";

const schema = loadSchema();

function assertSchemaOutputs(type: string, outs: Record<string, unknown>): void {
  const problems = checkResourceOutputs(schema, type, unwrapProps(outs));
  assert.equal(problems.length, 0, formatProblems(problems));
}

describe("vSphere provider simulator: lifecycle", () => {
  let sim: SimFixture;
  beforeEach(() => {
    sim = new SimFixture();
  });
  afterEach(() => sim.dispose());

  const folder = () =>
    sim.create(FOLDER, "root", { path: "basphere", type: "vm", datacenterId: INV.datacenter });
  const portGroup = (name = "tenant-acme-lan1", vlanId = 2101) =>
    sim.create(PORT_GROUP, name, { name, distributedVirtualSwitchUuid: INV.switchUuid, vlanId });

  it("creates a folder, a port group and a cloned VM with vSphere-style ids and schema-complete outputs", async () => {
    const f = await folder();
    assert.match(f.id, /^group-v\d+$/);
    assert.deepEqual(f.outs, { path: "basphere", type: "vm", datacenterId: INV.datacenter });
    const pg = await portGroup();
    assert.match(pg.id, /^dvportgroup-\d+$/);
    assert.equal(pg.outs.key, pg.id);
    assert.equal(pg.outs.vlanId, 2101);
    assert.deepEqual(pg.outs.activeUplinks, ["uplink1", "uplink2"], "inherited from the switch");
    assertSchemaOutputs(PORT_GROUP, pg.outs);
    const vm = await sim.create(VM, "web", vmInputs({ networkInterfaces: [{ networkId: pg.id }] }));
    assert.match(vm.id, /^42[0-9a-f]{6}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(vm.outs.uuid, vm.id);
    assert.match(String(vm.outs.moid), /^vm-\d+$/);
    assert.equal(vm.outs.defaultIpAddress, "10.0.2.20", "from the customization's static IPv4");
    assert.deepEqual(vm.outs.guestIpAddresses, ["10.0.2.20"]);
    assert.equal(vm.outs.powerState, "on");
    assert.equal(vm.outs.annotation, INV.ubuntu.annotation, "inherited from the template");
    assert.equal(vm.outs.hardwareVersion, INV.ubuntu.hardwareVersion);
    assert.ok(INV.hosts.includes(String(vm.outs.hostSystemId)));
    const nic = (vm.outs.networkInterfaces as any[])[0];
    assert.match(nic.macAddress, /^00:50:56:[89ab][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}$/, "a generated MAC");
    assert.equal(nic.adapterType, "vmxnet3", "the provider's default");
    assertSchemaOutputs(VM, vm.outs);
    const read = await sim.provider.read(vm.id, vm.urn);
    assert.deepEqual(read, { id: vm.id, props: vm.outs }, "a refresh sees exactly what create returned");
  });

  it("reports no address for an uncustomized clone (like vcsim)", async () => {
    await folder();
    const vm = await sim.create(VM, "r", vmInputs({ clone: { templateUuid: INV.ubuntu.uuid } }));
    assert.equal(vm.outs.defaultIpAddress, "");
    assert.deepEqual(vm.outs.guestIpAddresses, []);
    assert.equal(vm.outs.vmwareToolsStatus, "guestToolsNotRunning");
  });

  it("derives ids from the URN: the same program on a fresh vCenter gets the same ids", async () => {
    const a = await folder();
    const other = new SimFixture();
    try {
      const b = await other.create(FOLDER, "root", {
        path: "basphere",
        type: "vm",
        datacenterId: INV.datacenter,
      });
      assert.equal(b.id, a.id);
    } finally {
      other.dispose();
    }
  });

  it("diffs like the provider: no change for the same inputs or unset computed values, an update for memory", async () => {
    await folder();
    const vm = await sim.create(VM, "web", vmInputs());
    assert.deepEqual(await sim.provider.diff(vm.id, vm.urn, vm.outs, vm.inputs), {
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    const noAnnotation = { ...vm.inputs };
    delete noAnnotation.annotation;
    assert.equal((await sim.provider.diff(vm.id, vm.urn, vm.outs, noAnnotation)).changes, false);
    const bigger = await sim.provider.check(vm.urn, vm.inputs, vmInputs({ memory: 4096 }));
    const d = await sim.provider.diff(vm.id, vm.urn, vm.outs, bigger.inputs);
    assert.deepEqual(d, { changes: true, replaces: [], deleteBeforeReplace: false });
    const unsetCpus = { ...vm.inputs };
    delete unsetCpus.numCpus;
    assert.equal(
      (await sim.provider.diff(vm.id, vm.urn, vm.outs, unsetCpus)).changes,
      true,
      "unset = default 1",
    );
    const up = await sim.provider.update(vm.id, vm.urn, vm.outs, bigger.inputs);
    assert.equal(up.outs.memory, 4096);
    assert.equal(up.outs.uuid, vm.id);
    assert.deepEqual(
      (up.outs.networkInterfaces as any[])[0].macAddress,
      (vm.outs.networkInterfaces as any[])[0].macAddress,
    );
    assert.equal((await sim.provider.diff(vm.id, vm.urn, up.outs, bigger.inputs)).changes, false);
    assert.deepEqual((await sim.provider.read(vm.id, vm.urn)).props, up.outs);
    assertSchemaOutputs(VM, up.outs);
  });

  it("replaces a VM whose clone changes (except clone.timeout), deleting first when its name is explicit", async () => {
    await folder();
    const vm = await sim.create(VM, "web", vmInputs());
    const other = vmInputs({ clone: { ...(vmInputs().clone as object), templateUuid: INV.talos.uuid } });
    assert.deepEqual(await sim.provider.diff(vm.id, vm.urn, vm.outs, other), {
      changes: true,
      replaces: ["clone"],
      deleteBeforeReplace: true,
    });
    const timeout = vmInputs({ clone: { ...(vmInputs().clone as object), timeout: 60 } });
    assert.deepEqual(await sim.provider.diff(vm.id, vm.urn, vm.outs, timeout), {
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    const trigger = await sim.provider.diff(vm.id, vm.urn, vm.outs, { ...vm.inputs, replaceTrigger: "2" });
    assert.deepEqual(trigger.replaces, ["replaceTrigger"]);
  });

  it("replaces a port group moved to another switch, renames one in place", async () => {
    const pg = await portGroup();
    const moved = await sim.provider.diff(pg.id, pg.urn, pg.outs, {
      ...pg.inputs,
      distributedVirtualSwitchUuid: "50 11",
    });
    assert.deepEqual(moved.replaces, ["distributedVirtualSwitchUuid"]);
    const renamed = await sim.provider.diff(pg.id, pg.urn, pg.outs, {
      ...pg.inputs,
      name: "tenant-acme-lan9",
    });
    assert.deepEqual(renamed, { changes: true, replaces: [], deleteBeforeReplace: false });
    const up = await sim.provider.update(pg.id, pg.urn, pg.outs, {
      ...pg.inputs,
      name: "tenant-acme-lan9",
      vlanId: 2109,
    });
    assert.equal(up.outs.vlanId, 2109);
    assert.equal(up.outs.configVersion, "2");
    assert.deepEqual(
      await sim.provider.diff(pg.id, pg.urn, up.outs, {
        ...pg.inputs,
        name: "tenant-acme-lan9",
        vlanId: 2109,
      }),
      {
        changes: false,
        replaces: [],
        deleteBeforeReplace: false,
      },
    );
  });

  it("replaces a folder whose type changes; moves one whose path changes, its VMs following", async () => {
    const f = await folder();
    const tenant = await sim.create(FOLDER, "t", {
      path: "basphere/tenant-acme",
      type: "vm",
      datacenterId: INV.datacenter,
    });
    const vm = await sim.create(VM, "web", vmInputs({ folder: "basphere/tenant-acme" }));
    assert.deepEqual((await sim.provider.diff(f.id, f.urn, f.outs, { ...f.inputs, type: "host" })).replaces, [
      "type",
    ]);
    const moved = { ...tenant.inputs, path: "basphere/tenant-acme-2/" };
    const d = await sim.provider.diff(tenant.id, tenant.urn, tenant.outs, moved);
    assert.deepEqual(d, { changes: true, replaces: [], deleteBeforeReplace: false });
    await sim.provider.update(tenant.id, tenant.urn, tenant.outs, moved);
    assert.equal((await sim.provider.read(tenant.id, tenant.urn)).props?.path, "basphere/tenant-acme-2");
    assert.equal((await sim.provider.read(vm.id, vm.urn)).props?.folder, "basphere/tenant-acme-2");
  });

  it("reads a deleted object as gone (no id) and refuses to delete it again", async () => {
    const pg = await portGroup();
    await sim.provider.delete(pg.id, pg.urn, pg.outs);
    assert.deepEqual(await sim.provider.read(pg.id, pg.urn), { id: "", props: {} });
    await rejects(sim.provider.delete(pg.id, pg.urn, pg.outs), /could not find portgroup/);
    await rejects(sim.provider.update(pg.id, pg.urn, pg.outs, pg.inputs), /could not find portgroup/);
    assert.deepEqual((await sim.provider.read("vm-123456", urn(VM, "ghost"))).id, "");
  });

  it("keeps secret inputs secret in the outputs (extraConfig, nested customization fields)", async () => {
    await folder();
    const secret = (value: unknown) => ({ [SIG_KEY]: SECRET_SIG, value });
    const inputs = vmInputs({ extraConfig: secret({ "guestinfo.talos.config": "c2VjcmV0" }) });
    (inputs.clone as any).customize.linuxOptions.scriptText = secret("#!/bin/sh\necho s3cr3t");
    const vm = await sim.create(VM, "web", inputs);
    assert.deepEqual(vm.outs.extraConfig, secret({ "guestinfo.talos.config": "c2VjcmV0" }));
    assert.deepEqual(
      (vm.outs.clone as any).customize.linuxOptions.scriptText,
      secret("#!/bin/sh\necho s3cr3t"),
    );
    assert.equal((await sim.provider.diff(vm.id, vm.urn, vm.outs, vm.inputs)).changes, false);
    assert.ok(
      !sim.lines.join("\n").includes("s3cr3t") && !sim.lines.join("\n").includes("c2VjcmV0"),
      "never logged",
    );
  });

  it("runs the DRS objects of the management cluster: groups, a VM-host rule and an anti-affinity rule", async () => {
    await folder();
    const a = await sim.create(VM, "a", vmInputs({ name: "lb-1" }));
    const b = await sim.create(VM, "b", vmInputs({ name: "lb-2" }));
    const g = await sim.create(VM_GROUP, "g", {
      computeClusterId: INV.cluster,
      name: "lb-1-vms",
      virtualMachineIds: [a.id],
    });
    assert.equal(g.id, `${INV.cluster}:lb-1-vms`);
    const h = await sim.create(HOST_GROUP, "h", {
      computeClusterId: INV.cluster,
      name: "lb-1-host",
      hostSystemIds: [INV.hosts[0]],
    });
    const rule = await sim.create(VM_HOST_RULE, "pin", {
      computeClusterId: INV.cluster,
      name: "lb-1-on-esx01",
      vmGroupName: "lb-1-vms",
      affinityHostGroupName: "lb-1-host",
      mandatory: true,
      enabled: true,
    });
    assert.match(rule.id, new RegExp(`^${INV.cluster}:\\d+$`));
    const apart = await sim.create(ANTI_AFFINITY, "apart", {
      computeClusterId: INV.cluster,
      name: "lb-apart",
      virtualMachineIds: [a.id, b.id],
    });
    assert.equal(apart.outs.enabled, true, "the provider's default");
    assert.equal(apart.outs.mandatory, false);
    for (const [t, o] of [
      [VM_GROUP, g],
      [HOST_GROUP, h],
      [VM_HOST_RULE, rule],
      [ANTI_AFFINITY, apart],
    ] as const)
      assertSchemaOutputs(t, o.outs);
    const reordered = { ...apart.inputs, virtualMachineIds: [b.id, a.id] };
    assert.equal(
      (await sim.provider.diff(apart.id, apart.urn, apart.outs, reordered)).changes,
      false,
      "a set",
    );
    assert.deepEqual(
      (await sim.provider.diff(g.id, g.urn, g.outs, { ...g.inputs, name: "other" })).replaces,
      ["name"],
    );
    // Deleting a VM takes it out of its groups and rules: a refresh shows the drift.
    await sim.provider.delete(a.id, a.urn, a.outs);
    assert.deepEqual((await sim.provider.read(g.id, g.urn)).props?.virtualMachineIds, []);
    assert.deepEqual((await sim.provider.read(apart.id, apart.urn)).props?.virtualMachineIds, [b.id]);
    const state = readSimulatorState(sim.file)!;
    assert.deepEqual(
      state.rules.map((r) => [r.kind, r.name]),
      [
        ["vmHost", "lb-1-on-esx01"],
        ["antiAffinity", "lb-apart"],
      ],
    );
  });

  it("creates resource pools with the provider's share levels, and tags", async () => {
    const pool = await sim.create(POOL, "p", {
      name: "tenants",
      parentResourcePoolId: INV.pool,
      cpuShareLevel: "high",
    });
    assert.match(pool.id, /^resgroup-\d+$/);
    assert.equal(pool.outs.cpuShares, 8000);
    assert.equal(pool.outs.memoryShares, 163840);
    assertSchemaOutputs(POOL, pool.outs);
    const cat = await sim.create(CATEGORY, "c", {
      name: "tenant",
      cardinality: "SINGLE",
      associableTypes: ["VirtualMachine", "Folder"],
    });
    assert.match(cat.id, /^urn:vmomi:InventoryServiceCategory:[0-9a-f-]{36}:GLOBAL$/);
    const t = await sim.create(TAG, "t", { name: "acme", categoryId: cat.id });
    assert.match(t.id, /^urn:vmomi:InventoryServiceTag:[0-9a-f-]{36}:GLOBAL$/);
    await sim.create(FOLDER, "f", { path: "tagged", type: "vm", datacenterId: INV.datacenter, tags: [t.id] });
    assertSchemaOutputs(CATEGORY, cat.outs);
    assertSchemaOutputs(TAG, t.outs);
  });

  it("shares one vCenter between providers on the same file (one per plugin process)", async () => {
    const second = sim.open();
    try {
      await folder();
      const name = "tenant-acme-lan1";
      const u = urn(PORT_GROUP, "lan", "tenant-b");
      const c = await second.check(u, {}, { name, distributedVirtualSwitchUuid: INV.switchUuid, vlanId: 7 });
      await sim.create(PORT_GROUP, "lan", { name, distributedVirtualSwitchUuid: INV.switchUuid, vlanId: 6 });
      await rejects(second.create(u, c.inputs), /The name 'tenant-acme-lan1' already exists/);
      const net = await second.invoke("vsphere:index/getNetwork:getNetwork", {
        name,
        distributedVirtualSwitchUuid: INV.switchUuid,
      });
      assert.match(String(net.outputs.id), /^dvportgroup-\d+$/, "the other process sees it");
    } finally {
      second.store.close();
    }
  });
});
