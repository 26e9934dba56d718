/**
 * The vSphere provider simulator's data sources: every function of the schema answers from the box inventory
 * with a result the schema accepts, finds what programs created, checks its arguments like a resource's inputs,
 * and fails for a missing name as the provider does.
 */
import * as assert from "node:assert/strict";
import { BOX_INVENTORY, BOX_NAMES } from "../../../../box/inventory";
import { FUNCTIONS } from "../../../../box/vsphereSimulator/functions";
import { loadSchema } from "../../../../providers/vsphere/generate";
import { checkInvokeResult, formatProblems } from "../../../../providers/vsphere/schemaCheck";
import { FOLDER, INV, PORT_GROUP, SimFixture, VM, rejects, vmInputs } from "./vsphereSimulatorHelpers";

const schema = loadSchema();
const fn = (name: string) => `vsphere:index/${name}:${name}`;

describe("vSphere provider simulator: data sources", () => {
  let sim: SimFixture;
  beforeEach(() => {
    sim = new SimFixture();
  });
  afterEach(() => sim.dispose());

  const invoke = async (name: string, args: Record<string, unknown>) => {
    const r = await sim.provider.invoke(fn(name), args);
    assert.deepEqual(r.failures ?? [], [], `${name} failures`);
    const problems = checkInvokeResult(schema, fn(name), r.outputs);
    assert.equal(problems.length, 0, formatProblems(problems));
    return r.outputs as Record<string, any>;
  };

  it("answers every function of the schema", () => {
    assert.deepEqual(Object.keys(FUNCTIONS).sort(), Object.keys(schema.functions).sort());
  });

  it("answers the lookups of the onprem and box stacks from the inventory", async () => {
    const dc = await invoke("getDatacenter", { name: BOX_NAMES.datacenter });
    assert.equal(dc.id, INV.datacenter);
    assert.deepEqual(
      dc.virtualMachines,
      BOX_INVENTORY.templates.map((t) => t.name),
    );
    assert.equal((await invoke("getDatacenter", {})).id, INV.datacenter, "the default datacenter");
    const cc = await invoke("getComputeCluster", { name: BOX_NAMES.computeCluster, datacenterId: dc.id });
    assert.deepEqual([cc.id, cc.resourcePoolId], [INV.cluster, INV.pool]);
    const ds = await invoke("getDatastore", { name: BOX_NAMES.datastore, datacenterId: dc.id });
    assert.equal(ds.id, INV.datastore);
    assert.equal(ds.stats.capacity, String(20 * 2 ** 40));
    const dvs = await invoke("getDistributedVirtualSwitch", {
      name: BOX_NAMES.distributedSwitch,
      datacenterId: dc.id,
    });
    assert.equal(dvs.id, INV.switchUuid, "a switch's id is its UUID");
    assert.deepEqual(dvs.uplinks, ["uplink1", "uplink2"]);
    const wan = await invoke("getNetwork", {
      name: BOX_NAMES.wanPortGroup,
      datacenterId: dc.id,
      distributedVirtualSwitchUuid: dvs.id,
    });
    assert.deepEqual([wan.id, wan.type], [INV.wan, "DistributedVirtualPortgroup"]);
    assert.equal((await invoke("getNetwork", { name: "VM Network" })).type, "Network");
    const hosts = [];
    for (const name of BOX_NAMES.hosts)
      hosts.push((await invoke("getHost", { name, datacenterId: dc.id })).id);
    assert.deepEqual(hosts, INV.hosts);
    const pool = await invoke("getResourcePool", { name: "cluster1/Resources", datacenterId: dc.id });
    assert.equal(pool.id, INV.pool);
    assert.equal((await invoke("getFolder", { path: "/dc1/vm" })).id, BOX_INVENTORY.datacenter.folders.vm);
  });

  it("describes every template with what the components read (guest, firmware, SCSI type, disks, NICs)", async () => {
    for (const t of BOX_INVENTORY.templates) {
      const r = await invoke("getVirtualMachine", { name: t.name, datacenterId: INV.datacenter });
      assert.equal(r.id, t.uuid, "a VM's id is its BIOS UUID");
      assert.deepEqual(
        [r.uuid, r.moid, r.guestId, r.firmware, r.scsiType, r.hardwareVersion],
        [t.uuid, t.moid, t.guestId, t.firmware, t.scsiType, t.hardwareVersion],
      );
      assert.deepEqual(
        r.disks.map((d: any) => [d.label, d.size]),
        t.disks.map((d) => [d.label, d.size]),
      );
      assert.deepEqual(r.networkInterfaceTypes, t.networkInterfaceTypes);
    }
    const byUuid = await invoke("getVirtualMachine", { uuid: INV.talos.uuid });
    assert.equal(byUuid.moid, INV.talos.moid);
  });

  it("finds what programs created: a port group, a VM in a folder, a folder by its absolute path", async () => {
    const f = await sim.create(FOLDER, "f", { path: "basphere", type: "vm", datacenterId: INV.datacenter });
    const pg = await sim.create(PORT_GROUP, "p", {
      name: "tenant-acme-lan1",
      distributedVirtualSwitchUuid: INV.switchUuid,
      vlanId: 2101,
    });
    const vm = await sim.create(VM, "web", vmInputs());
    assert.equal((await invoke("getNetwork", { name: "tenant-acme-lan1" })).id, pg.id);
    assert.equal((await invoke("getFolder", { path: "/dc1/vm/basphere" })).id, f.id);
    const found = await invoke("getVirtualMachine", { name: "tenant-acme-web" });
    assert.equal(found.id, vm.id);
    assert.equal(found.defaultIpAddress, "10.0.2.20");
    assert.equal(
      (await invoke("getVirtualMachine", { name: "basphere/tenant-acme-web" })).id,
      vm.id,
      "by path",
    );
  });

  it("fails for a missing name as the provider does", async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      [
        "getDatacenter",
        { name: "dc9" },
        /^vsphere-simulator: error fetching datacenter: datacenter 'dc9' not found$/,
      ],
      ["getComputeCluster", { name: "cluster9" }, /error loading cluster: cluster 'cluster9' not found/],
      [
        "getHost",
        { name: "esx99.lab.local", datacenterId: INV.datacenter },
        /error fetching host: host 'esx99.lab.local' not found/,
      ],
      ["getDatastore", { name: "ds9" }, /error fetching datastore: datastore 'ds9' not found/],
      [
        "getDistributedVirtualSwitch",
        { name: "dvs9" },
        /error fetching distributed virtual switch: network 'dvs9' not found/,
      ],
      ["getNetwork", { name: "pg-nope" }, /^vsphere-simulator: network pg-nope not found$/],
      [
        "getResourcePool",
        { name: "cluster1/Resources/nope" },
        /resource pool 'cluster1\/Resources\/nope' not found/,
      ],
      ["getFolder", { path: "basphere" }, /cannot locate folder: folder 'basphere' not found/],
      [
        "getVirtualMachine",
        { name: "ubuntu-99" },
        /error fetching virtual machine: vm 'ubuntu-99' not found/,
      ],
      ["getContentLibrary", { name: "nope" }, /unable to find content library \(nope\)/],
      [
        "getContentLibraryItem",
        { libraryId: BOX_INVENTORY.contentLibraries[0].id, name: "talos-v1.11.5", type: "iso" },
        /unable to find content library item \(talos-v1.11.5\)/,
      ],
      ["getHost", { datacenterId: INV.datacenter }, /default host resolves to multiple instances/],
      [
        "getHost",
        { name: "esx01.lab.local", datacenterId: "datacenter-9" },
        /datacenter 'datacenter-9' not found/,
      ],
    ];
    for (const [name, args, re] of cases) await rejects(sim.provider.invoke(fn(name), args), re);
  });

  it("checks arguments like inputs: unknown, missing required, wrong type", async () => {
    const r = await sim.provider.invoke(fn("getHost"), { name: 7, cluster: "c" });
    assert.deepEqual((r.failures ?? []).map((f) => f.property).sort(), ["cluster", "datacenterId", "name"]);
    assert.ok((r.failures ?? []).every((f) => f.reason.startsWith("vsphere-simulator: ")));
    assert.equal(r.outputs, undefined);
  });

  it("finds content library items of the right type", async () => {
    const lib = await invoke("getContentLibrary", { name: "basphere-images" });
    const item = await invoke("getContentLibraryItem", {
      libraryId: lib.id,
      name: "talos-v1.11.5",
      type: "ovf",
    });
    assert.equal(item.id, BOX_INVENTORY.contentLibraries[0].items[0].id);
  });
});
