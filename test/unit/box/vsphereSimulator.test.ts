/**
 * The vSphere provider simulator in-process: schema checks naming the property, the vCenter rules, the object life
 * cycle (create, read, update, delete, refresh of a deleted object), replacement diffs and data sources.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { VsphereSimulator } from "../../../box/vsphere/provider";
import { SimStore } from "../../../box/vsphere/store";
import { readVsphereSimulator } from "../../../box/vsphere/install";

const urn = (type: string, name: string) => `urn:pulumi:box::basphere::${type}::${name}`;
const VM = "vsphere:index/virtualMachine:VirtualMachine";
const PG = "vsphere:index/distributedPortGroup:DistributedPortGroup";
const FOLDER = "vsphere:index/folder:Folder";
const VMGROUP = "vsphere:index/computeClusterVmGroup:ComputeClusterVmGroup";
const RULE = "vsphere:index/computeClusterVmHostRule:ComputeClusterVmHostRule";

describe("vSphere provider simulator", () => {
  let dir: string;
  let sim: VsphereSimulator;
  let dc: any;
  let template: any;
  let cluster: any;
  let dvs: any;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "vsphere-sim-"));
    sim = new VsphereSimulator(new SimStore(path.join(dir, "state.sqlite")));
    dc = (await sim.invoke("vsphere:index/getDatacenter:getDatacenter", { name: "dc1" })).outputs;
    template = (
      await sim.invoke("vsphere:index/getVirtualMachine:getVirtualMachine", {
        name: "ubuntu-24.04-cloud",
        datacenterId: dc.id,
      })
    ).outputs;
    cluster = (await sim.invoke("vsphere:index/getComputeCluster:getComputeCluster", { name: "cluster1" }))
      .outputs;
    dvs = (
      await sim.invoke("vsphere:index/getDistributedVirtualSwitch:getDistributedVirtualSwitch", {
        name: "dvs-main",
        datacenterId: dc.id,
      })
    ).outputs;
  });
  afterEach(() => {
    sim.store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const vmInputs = (over: Record<string, unknown> = {}) => ({
    name: "web",
    resourcePoolId: cluster.resourcePoolId,
    numCpus: 2,
    memory: 2048,
    folder: "basphere",
    networkInterfaces: [{ networkId: "dvportgroup-2000" }],
    disks: [{ label: "disk0", size: 20 }],
    clone: { templateUuid: template.id, customize: { networkInterfaces: [{ ipv4Address: "10.0.1.20" }] } },
    ...over,
  });

  async function folder(p = "basphere") {
    return sim.create(urn(FOLDER, p), { path: p, type: "vm", datacenterId: dc.id });
  }

  it("check names an unknown property, a missing required one and a wrong type", async () => {
    const r = await sim.check(urn(VM, "a"), {}, { name: "x", numCpus: "two", memoryMib: 1024 });
    const byProp = Object.fromEntries(r.failures!.map((f) => [f.property, f.reason]));
    assert.match(byProp.memoryMib, /not a property/);
    assert.match(byProp.numCpus, /integer/);
    assert.match(byProp.resourcePoolId, /required/);
  });

  it("check accepts values not known yet (preview) and refuses a VLAN outside 0-4094", async () => {
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const ok = await sim.check(urn(VM, "a"), {}, vmInputs({ numCpus: unknown }));
    assert.deepEqual(ok.failures, []);
    const bad = await sim.check(
      urn(PG, "p"),
      {},
      { name: "p", distributedVirtualSwitchUuid: dvs.id, vlanId: 4095 },
    );
    assert.deepEqual(
      bad.failures!.map((f) => f.property),
      ["vlanId"],
    );
  });

  it("creates, reads, updates and deletes a VM cloned from a template; refresh of a deleted VM finds nothing", async () => {
    await folder();
    const c = await sim.create(urn(VM, "web"), vmInputs());
    assert.equal(c.outs.defaultIpAddress, "10.0.1.20");
    assert.match(c.outs.moid, /^vm-\d+$/);
    const r = await sim.read(c.id, urn(VM, "web"));
    assert.equal(r.id, c.id);
    assert.equal(r.props.memory, 2048);
    const u = await sim.update(c.id, urn(VM, "web"), vmInputs(), vmInputs({ memory: 4096 }));
    assert.equal(u.outs.memory, 4096);
    assert.equal((await sim.read(c.id, urn(VM, "web"))).props.memory, 4096);
    await sim.delete(c.id, urn(VM, "web"));
    assert.equal((await sim.read(c.id, urn(VM, "web"))).id, "");
  });

  it("refuses what a vCenter refuses: duplicate name in a folder, missing template, missing folder, unknown network", async () => {
    await folder();
    await sim.create(urn(VM, "web"), vmInputs());
    await assert.rejects(sim.create(urn(VM, "web2"), vmInputs()), /already exists/);
    await assert.rejects(
      sim.create(urn(VM, "x"), vmInputs({ name: "x", clone: { templateUuid: "no-such-uuid" } })),
      /templateUuid no-such-uuid/,
    );
    await assert.rejects(
      sim.create(urn(VM, "y"), vmInputs({ name: "y", folder: "nope" })),
      /folder nope not found/,
    );
    await assert.rejects(
      sim.create(urn(VM, "z"), vmInputs({ name: "z", networkInterfaces: [{ networkId: "dvportgroup-1" }] })),
      /networkInterfaces\[0\]\.networkId/,
    );
    await assert.rejects(
      sim.create(urn(FOLDER, "a/b/c"), { path: "a/b/c", type: "vm" }),
      /parent folder a\/b/,
    );
  });

  it("a port group in use and a non-empty folder cannot be deleted", async () => {
    const f = await folder();
    const pg = await sim.create(urn(PG, "lan1"), {
      name: "lan1",
      distributedVirtualSwitchUuid: dvs.id,
      vlanId: 100,
    });
    const vm = await sim.create(urn(VM, "web"), vmInputs({ networkInterfaces: [{ networkId: pg.id }] }));
    await assert.rejects(sim.delete(pg.id, urn(PG, "lan1")), /in use/);
    await assert.rejects(sim.delete(f.id, urn(FOLDER, "basphere")), /not empty/);
    await sim.delete(vm.id, urn(VM, "web"));
    await sim.delete(pg.id, urn(PG, "lan1"));
    await sim.delete(f.id, urn(FOLDER, "basphere"));
    const left = readVsphereSimulator(path.join(dir, "state.sqlite"));
    assert.deepEqual([left.virtualMachines, left.portGroups, left.folders, left.other], [[], [], [], []]);
  });

  it("a rule naming a missing group is refused; with the group it is created", async () => {
    await folder();
    const vm = await sim.create(urn(VM, "web"), vmInputs());
    const rule = {
      computeClusterId: cluster.id,
      name: "pin",
      vmGroupName: "g1",
      affinityHostGroupName: undefined,
    };
    await assert.rejects(sim.create(urn(RULE, "pin"), rule), /vmGroupName: cluster group g1 not found/);
    await sim.create(urn(VMGROUP, "g1"), {
      computeClusterId: cluster.id,
      name: "g1",
      virtualMachineIds: [vm.id],
    });
    await sim.create(urn(RULE, "pin"), rule);
    await assert.rejects(
      sim.create(urn(VMGROUP, "g2"), {
        computeClusterId: cluster.id,
        name: "g2",
        virtualMachineIds: ["vm-nope"],
      }),
      /virtualMachineIds\[0\]/,
    );
  });

  it("diff: memory updates in place, another template or switch replaces", async () => {
    const a = vmInputs();
    assert.deepEqual(await sim.diff("id", urn(VM, "web"), a, vmInputs({ memory: 4096 })), {
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    const other = vmInputs({ clone: { templateUuid: "other" } });
    assert.deepEqual((await sim.diff("id", urn(VM, "web"), a, other)).replaces, ["clone"]);
    const pg = { name: "p", distributedVirtualSwitchUuid: dvs.id, vlanId: 100 };
    assert.deepEqual(
      (await sim.diff("id", urn(PG, "p"), pg, { ...pg, distributedVirtualSwitchUuid: "x" })).replaces,
      ["distributedVirtualSwitchUuid"],
    );
    assert.equal((await sim.diff("id", urn(VM, "web"), a, vmInputs())).changes, false);
  });

  it("ids derive from the URN and inputs, not from creation order", async () => {
    await folder();
    const one = await sim.create(urn(VM, "a"), vmInputs({ name: "a" }));
    const other = new VsphereSimulator(new SimStore(path.join(dir, "second.sqlite")));
    await other.create(urn(FOLDER, "basphere"), { path: "basphere", type: "vm", datacenterId: dc.id });
    await other.create(urn(VM, "b"), vmInputs({ name: "b" }));
    const again = await other.create(urn(VM, "a"), vmInputs({ name: "a" }));
    assert.equal(again.id, one.id);
    assert.equal(again.outs.moid, one.outs.moid);
    other.store.close();
  });

  it("data sources answer from the inventory and name what is missing", async () => {
    await assert.rejects(
      sim.invoke("vsphere:index/getDatacenter:getDatacenter", { name: "dc9" }),
      /vSphere provider SIMULATOR.*datacenter "dc9" not found/,
    );
    const bad = await sim.invoke("vsphere:index/getNetwork:getNetwork", { nme: "x" });
    assert.deepEqual(bad.failures!.map((f) => f.property).sort(), ["name", "nme"]);
    const pg = await sim.create(urn(PG, "lan1"), {
      name: "tenant-a-lan1",
      distributedVirtualSwitchUuid: dvs.id,
    });
    const net = await sim.invoke("vsphere:index/getNetwork:getNetwork", { name: "tenant-a-lan1" });
    assert.equal(net.outputs.id, pg.id);
  });
});
