/**
 * What the simulated vCenter (and the provider in front of it) rejects: duplicate names in a folder, on a switch
 * and in a cluster; clones of missing templates and clones that do not fit their template; references to objects
 * that do not exist (datastore, resource pool, network, folder, host, DRS groups, VMs); deletes vCenter refuses
 * (a folder with contents, a port group in use, a group a rule uses, a pool with VMs); shrinking disks and
 * downgrading hardware on update. Each rejection leaves the vCenter unchanged.
 */
import * as assert from "node:assert/strict";
import { readSimulatorState } from "../../../../box/vsphereSimulator/status";
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

describe("vSphere provider simulator: what vCenter rejects", () => {
  let sim: SimFixture;
  beforeEach(async () => {
    sim = new SimFixture();
    await sim.create(FOLDER, "root", { path: "basphere", type: "vm", datacenterId: INV.datacenter });
  });
  afterEach(() => sim.dispose());

  /** Create (without the check, as after a preview) expecting a rejection; the vCenter must not change. */
  async function refused(type: string, inputs: Record<string, unknown>, re: RegExp): Promise<void> {
    const before = JSON.stringify(readSimulatorState(sim.file));
    const checked = await sim.provider.check(urn(type, "refused"), {}, inputs);
    await rejects(sim.provider.create(urn(type, "refused"), checked.inputs), re);
    assert.equal(JSON.stringify(readSimulatorState(sim.file)), before, "nothing changed");
  }

  it("refuses a duplicate name in one folder (VMs and folders alike), not in another", async () => {
    await sim.create(VM, "web", vmInputs());
    await refused(
      VM,
      vmInputs(),
      /error cloning virtual machine: The name 'tenant-acme-web' already exists\./,
    );
    await refused(
      FOLDER,
      { path: "basphere/tenant-acme-web", type: "vm", datacenterId: INV.datacenter },
      /The name 'tenant-acme-web' already exists/,
    );
    await refused(
      FOLDER,
      { path: "/basphere/", type: "vm", datacenterId: INV.datacenter },
      /The name 'basphere' already exists/,
    );
    await sim.create(FOLDER, "t", { path: "basphere/tenant-acme", type: "vm", datacenterId: INV.datacenter });
    await sim.create(VM, "web2", vmInputs({ folder: "basphere/tenant-acme" }));
    // The same folder name under another type's root is fine.
    await sim.create(FOLDER, "h", { path: "basphere", type: "host", datacenterId: INV.datacenter });
  });

  it("refuses a rename onto a taken name", async () => {
    const a = await sim.create(VM, "a", vmInputs({ name: "a" }));
    await sim.create(VM, "b", vmInputs({ name: "b" }));
    await rejects(
      sim.provider.update(a.id, a.urn, a.outs, { ...a.inputs, name: "b" }),
      /error renaming virtual machine: The name 'b' already exists/,
    );
  });

  it("refuses a duplicate port group name on one switch, including the inventory's WAN port group", async () => {
    await sim.create(PORT_GROUP, "lan", {
      name: "tenant-acme-lan1",
      distributedVirtualSwitchUuid: INV.switchUuid,
      vlanId: 2101,
    });
    await refused(
      PORT_GROUP,
      { name: "tenant-acme-lan1", distributedVirtualSwitchUuid: INV.switchUuid, vlanId: 2102 },
      /error creating portgroup: The name 'tenant-acme-lan1' already exists\./,
    );
    await refused(
      PORT_GROUP,
      { name: "pg-wan", distributedVirtualSwitchUuid: INV.switchUuid },
      /The name 'pg-wan' already exists/,
    );
  });

  it("refuses a VLAN outside 0-4094 even without a check", async () => {
    await rejects(
      sim.provider.create(urn(PORT_GROUP, "p"), {
        name: "p",
        distributedVirtualSwitchUuid: INV.switchUuid,
        vlanId: 4095,
      }),
      /expected vlanId to be in the range \(0 - 4094\), got 4095/,
    );
  });

  it("refuses a clone of a template that does not exist", async () => {
    const missing = "42000000-0000-0000-0000-000000000000";
    const f = await sim.failures(VM, vmInputs({ clone: { templateUuid: missing } }));
    assert.deepEqual(f, [
      `clone.templateUuid: vsphere-simulator: cannot locate virtual machine or template with UUID "${missing}": virtual machine with UUID "${missing}" not found`,
    ]);
    await refused(
      VM,
      vmInputs({ clone: { templateUuid: missing } }),
      /cannot locate virtual machine or template/,
    );
  });

  it("refuses a clone that does not fit its template: guest ID, disk size, customization", async () => {
    assert.deepEqual(await sim.failures(VM, vmInputs({ guestId: undefined })), [
      `guestId: vsphere-simulator: invalid guest ID "" for clone. Please set it to "${INV.ubuntu.guestId}"`,
    ]);
    assert.deepEqual(await sim.failures(VM, vmInputs({ disks: [{ label: "disk0", size: 10 }] })), [
      "disks[0].size: vsphere-simulator: disk.0: disk name disk0 must be at least the same size of source when cloning (expected: >= 20 GiB)",
    ]);
    const noLinux = vmInputs();
    delete (noLinux.clone as any).customize.linuxOptions;
    assert.deepEqual(await sim.failures(VM, noLinux), [
      "clone.customize.linuxOptions: vsphere-simulator: linux_options must exist in VM customization options for Linux operating systems",
    ]);
    const router = vmInputs({
      guestId: INV.router.guestId,
      disks: [{ label: "disk0", size: 100 }],
      clone: { templateUuid: INV.router.uuid, customize: { linuxOptions: { hostName: "r", domain: "d" } } },
    });
    assert.deepEqual(await sim.failures(VM, router), [
      "clone.customize: vsphere-simulator: Customization of the guest operating system 'freebsd14_64Guest' is not supported in this configuration.",
    ]);
    const linked = vmInputs({ clone: { templateUuid: INV.ubuntu.uuid, linkedClone: true } });
    assert.match((await sim.failures(VM, linked))[0], /must have a snapshot to be used as a linked clone/);
  });

  it("refuses references to a datastore, resource pool, network, host or folder that does not exist", async () => {
    assert.deepEqual(await sim.failures(VM, vmInputs({ datastoreId: "datastore-9" })), [
      "datastoreId: vsphere-simulator: error locating datastore for VM: datastore 'datastore-9' not found",
    ]);
    assert.deepEqual(await sim.failures(VM, vmInputs({ resourcePoolId: "resgroup-999" })), [
      "resourcePoolId: vsphere-simulator: could not find resource pool ID \"resgroup-999\": resource pool 'resgroup-999' not found",
    ]);
    assert.deepEqual(await sim.failures(VM, vmInputs({ hostSystemId: "host-999" })), [
      "hostSystemId: vsphere-simulator: error locating host system at ID \"host-999\": host 'host-999' not found",
    ]);
    assert.deepEqual(await sim.failures(VM, vmInputs({ datastoreId: undefined })), [
      "datastoreId: vsphere-simulator: one of datastore_id datastore_cluster_id must be specified",
    ]);
    await refused(
      VM,
      vmInputs({ folder: "basphere/tenant-nope" }),
      /error locating folder: folder '\/dc1\/vm\/basphere\/tenant-nope' not found/,
    );
    await refused(
      FOLDER,
      { path: "nope/child", type: "vm", datacenterId: INV.datacenter },
      /folder '\/dc1\/vm\/nope' not found/,
    );
    await refused(
      POOL,
      { name: "p", parentResourcePoolId: "resgroup-999" },
      /resource pool 'resgroup-999' not found/,
    );
  });

  it("refuses invalid memory and CPU numbers at create too", async () => {
    await refused(VM, vmInputs({ memory: 1022 }), /memory must be a multiple of 4 MB/);
    await refused(VM, vmInputs({ numCpus: 3, numCoresPerSocket: 2 }), /evenly divisible/);
    await refused(VM, vmInputs({ memory: 1048576 }), /memory 1048576 MB exceeds the 524288 MB of host/);
  });

  it("refuses DRS groups and rules naming what does not exist, and duplicates in one cluster", async () => {
    const vm = await sim.create(VM, "a", vmInputs({ name: "a" }));
    const ghost = "42ffffff-0000-0000-0000-000000000000";
    assert.deepEqual(
      await sim.failures(VM_GROUP, { computeClusterId: INV.cluster, name: "g", virtualMachineIds: [ghost] }),
      [
        `virtualMachineIds[0]: vsphere-simulator: cannot locate virtual machine with UUID "${ghost}": virtual machine with UUID "${ghost}" not found`,
      ],
    );
    await refused(
      VM_GROUP,
      { computeClusterId: INV.cluster, name: "g", virtualMachineIds: [ghost] },
      /cannot locate virtual machine/,
    );
    await refused(
      HOST_GROUP,
      { computeClusterId: INV.cluster, name: "h", hostSystemIds: ["host-999"] },
      /host 'host-999' not found/,
    );
    await refused(
      VM_HOST_RULE,
      { computeClusterId: INV.cluster, name: "r", vmGroupName: "nope", affinityHostGroupName: "nope-h" },
      /no VM group "nope" in cluster cluster1/,
    );
    await sim.create(VM_GROUP, "g", { computeClusterId: INV.cluster, name: "g", virtualMachineIds: [vm.id] });
    await refused(
      VM_HOST_RULE,
      { computeClusterId: INV.cluster, name: "r", vmGroupName: "g", affinityHostGroupName: "nope-h" },
      /no host group "nope-h"/,
    );
    await refused(
      VM_HOST_RULE,
      { computeClusterId: INV.cluster, name: "r", vmGroupName: "g", affinityHostGroupName: "g" },
      /unique group name "g" in cluster "cluster1" is not a host group/,
    );
    await refused(
      HOST_GROUP,
      { computeClusterId: INV.cluster, name: "g", hostSystemIds: [INV.hosts[0]] },
      /a VM group named "g" already exists/,
    );
    await sim.create(HOST_GROUP, "h", {
      computeClusterId: INV.cluster,
      name: "h",
      hostSystemIds: [INV.hosts[0]],
    });
    await sim.create(VM_HOST_RULE, "r", {
      computeClusterId: INV.cluster,
      name: "r",
      vmGroupName: "g",
      affinityHostGroupName: "h",
    });
    await refused(
      ANTI_AFFINITY,
      { computeClusterId: INV.cluster, name: "r", virtualMachineIds: [vm.id, vm.id] },
      /a rule named "r" already exists/,
    );
    assert.match(
      (
        await sim.failures(ANTI_AFFINITY, {
          computeClusterId: INV.cluster,
          name: "x",
          virtualMachineIds: [vm.id],
        })
      )[0],
      /needs at least 2 virtual machines/,
    );
  });

  it("refuses deletes vCenter refuses: a folder with contents, a port group in use, a group in use, a pool with VMs", async () => {
    const tenant = await sim.create(FOLDER, "t", {
      path: "basphere/tenant-acme",
      type: "vm",
      datacenterId: INV.datacenter,
    });
    const pg = await sim.create(PORT_GROUP, "lan", {
      name: "lan",
      distributedVirtualSwitchUuid: INV.switchUuid,
      vlanId: 5,
    });
    const pool = await sim.create(POOL, "p", { name: "tenants", parentResourcePoolId: INV.pool });
    const vm = await sim.create(
      VM,
      "web",
      vmInputs({
        folder: "basphere/tenant-acme",
        resourcePoolId: pool.id,
        networkInterfaces: [{ networkId: pg.id }],
      }),
    );
    await rejects(
      sim.provider.delete(tenant.id, tenant.urn, tenant.outs),
      /folder is not empty, please remove all items before deleting/,
    );
    await rejects(
      sim.provider.delete(pg.id, pg.urn, pg.outs),
      new RegExp(`The resource '${pg.id}' is in use`),
    );
    await rejects(sim.provider.delete(pool.id, pool.urn, pool.outs), /still has children resources/);
    const g = await sim.create(VM_GROUP, "g", {
      computeClusterId: INV.cluster,
      name: "g",
      virtualMachineIds: [vm.id],
    });
    await sim.create(HOST_GROUP, "h", {
      computeClusterId: INV.cluster,
      name: "h",
      hostSystemIds: [INV.hosts[1]],
    });
    await sim.create(VM_HOST_RULE, "r", {
      computeClusterId: INV.cluster,
      name: "r",
      vmGroupName: "g",
      affinityHostGroupName: "h",
    });
    await rejects(sim.provider.delete(g.id, g.urn, g.outs), /VM group "g" is in use by rule "r"/);
    // In dependency order, everything goes.
    await sim.provider.delete(vm.id, vm.urn, vm.outs);
    for (const o of [pg, pool, tenant]) await sim.provider.delete(o.id, o.urn, o.outs);
  });

  it("refuses shrinking a disk, downgrading hardware and emptying a VM group on update", async () => {
    const vm = await sim.create(VM, "web", vmInputs({ disks: [{ label: "disk0", size: 40 }] }));
    await rejects(
      sim.provider.update(vm.id, vm.urn, vm.outs, { ...vm.inputs, disks: [{ label: "disk0", size: 30 }] }),
      /virtual disk "disk0": virtual disks cannot be shrunk \(old: 40 new: 30\)/,
    );
    await rejects(
      sim.provider.update(vm.id, vm.urn, vm.outs, { ...vm.inputs, hardwareVersion: 15 }),
      /Cannot downgrade virtual hardware version. current: 19, target: 15/,
    );
    const g = await sim.create(VM_GROUP, "g", {
      computeClusterId: INV.cluster,
      name: "g",
      virtualMachineIds: [vm.id],
    });
    await rejects(
      sim.provider.update(g.id, g.urn, g.outs, { ...g.inputs, virtualMachineIds: [] }),
      /the resultant set of virtual machines in the vm group cannot be empty/,
    );
  });

  it("refuses tags their category does not allow, and duplicate category names", async () => {
    const cat = await sim.create(CATEGORY, "c", {
      name: "env",
      cardinality: "SINGLE",
      associableTypes: ["VirtualMachine"],
    });
    const prod = await sim.create(TAG, "p", { name: "prod", categoryId: cat.id });
    const dev = await sim.create(TAG, "d", { name: "dev", categoryId: cat.id });
    assert.match(
      (
        await sim.failures(FOLDER, { path: "x", type: "vm", datacenterId: INV.datacenter, tags: [prod.id] })
      )[0],
      /cannot be attached to a Folder/,
    );
    assert.match((await sim.failures(VM, vmInputs({ tags: [prod.id, dev.id] })))[0], /cardinality SINGLE/);
    await refused(
      CATEGORY,
      { name: "env", cardinality: "MULTIPLE", associableTypes: ["Folder"] },
      /a category named env exists/,
    );
    await rejects(
      sim.provider.update(cat.id, cat.urn, cat.outs, { ...cat.inputs, associableTypes: ["Folder"] }),
      /cannot remove type "VirtualMachine" \(removal of associable types is not supported\)/,
    );
  });
});
