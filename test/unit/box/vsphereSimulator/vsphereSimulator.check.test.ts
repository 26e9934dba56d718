/**
 * The vSphere provider simulator's Check: inputs checked against the v4.17.0 schema (unknown property, missing
 * required property, wrong type — each failure names the property path), auto-naming, unknown values during a
 * preview, and the range/choice checks of the Terraform schema.
 */
import * as assert from "node:assert/strict";
import { UNKNOWN } from "../../../../box/vsphereSimulator/values";
import {
  FOLDER,
  INV,
  PORT_GROUP,
  SimFixture,
  VM,
  VM_HOST_RULE,
  urn,
  vmInputs,
} from "./vsphereSimulatorHelpers";

describe("vSphere provider simulator: check", () => {
  let sim: SimFixture;
  beforeEach(() => {
    sim = new SimFixture();
  });
  afterEach(() => sim.dispose());

  it("accepts a well-formed VM and returns its inputs with the bridge's __defaults", async () => {
    const r = await sim.provider.check(urn(VM, "web"), {}, vmInputs());
    assert.deepEqual(r.failures, []);
    assert.deepEqual(r.inputs, { ...vmInputs(), __defaults: [] });
  });

  it("names an unknown property, at top level and nested", async () => {
    const f = await sim.failures(
      VM,
      vmInputs({ cpus: 2, disks: [{ label: "disk0", size: 20, sizeGb: 20 }] }),
    );
    assert.deepEqual(
      f
        .filter((l) => l.includes("unknown property"))
        .map((l) => l.split(":")[0])
        .sort(),
      ["cpus", "disks[0].sizeGb"],
    );
    assert.ok(
      f.every((l) => l.includes("vsphere-simulator: ")),
      f.join("\n"),
    );
  });

  it("names a missing required property, at top level and in nested types", async () => {
    const inputs = vmInputs({ resourcePoolId: undefined, networkInterfaces: [{ adapterType: "vmxnet3" }] });
    delete inputs.resourcePoolId;
    (inputs.clone as any).customize.linuxOptions = { hostName: "web" };
    const f = await sim.failures(VM, inputs);
    const missing = f.filter((l) => l.includes("Missing required property")).map((l) => l.split(": ")[0]);
    assert.deepEqual(missing.sort(), [
      "clone.customize.linuxOptions.domain",
      "networkInterfaces[0].networkId",
      "resourcePoolId",
    ]);
    const folder = await sim.failures(FOLDER, { path: "basphere" });
    assert.deepEqual(folder, ["type: vsphere-simulator: Missing required property 'type'"]);
  });

  it("names a property of the wrong type", async () => {
    const f = await sim.failures(
      VM,
      vmInputs({ memory: "2048", numCpus: 2.5, extraConfig: { "guestinfo.a": 1 } }),
    );
    const typed = f.filter((l) => /expected/.test(l)).map((l) => l.split(": ")[0]);
    assert.deepEqual(typed.sort(), ['extraConfig["guestinfo.a"]', "memory", "numCpus"]);
    assert.match(
      f.find((l) => l.startsWith("memory"))!,
      /expected an integer, got "2048"/,
    );
  });

  it("takes unknown values (a preview) as present and unchecked", async () => {
    const inputs = vmInputs({
      resourcePoolId: UNKNOWN,
      networkInterfaces: [{ networkId: UNKNOWN }],
      clone: { templateUuid: UNKNOWN },
      memory: UNKNOWN,
    });
    assert.deepEqual(await sim.failures(VM, inputs), []);
  });

  it("auto-names from the resource name with a stable suffix, kept across updates", async () => {
    const u = urn(PORT_GROUP, "lan");
    const inputs = { distributedVirtualSwitchUuid: INV.switchUuid, vlanId: 10 };
    const a = await sim.provider.check(u, {}, inputs);
    const b = await sim.provider.check(u, {}, inputs);
    assert.match(String(a.inputs.name), /^lan-[0-9a-f]{7}$/);
    assert.equal(a.inputs.name, b.inputs.name, "deterministic");
    assert.deepEqual(a.inputs.__defaults, ["name"]);
    const again = await sim.provider.check(u, a.inputs, { ...inputs, vlanId: 11 });
    assert.equal(again.inputs.name, a.inputs.name, "an update keeps the generated name");
    const explicit = await sim.provider.check(u, {}, { ...inputs, name: "tenant-acme-lan1" });
    assert.deepEqual(explicit.inputs.__defaults, []);
  });

  it("refuses a VLAN outside 0-4094 and conflicting VLAN settings", async () => {
    for (const vlanId of [-1, 4095]) {
      const f = await sim.failures(PORT_GROUP, {
        name: "p",
        distributedVirtualSwitchUuid: INV.switchUuid,
        vlanId,
      });
      assert.deepEqual(f, [
        `vlanId: vsphere-simulator: expected vlanId to be in the range (0 - 4094), got ${vlanId}`,
      ]);
    }
    assert.deepEqual(
      await sim.failures(PORT_GROUP, { name: "p", distributedVirtualSwitchUuid: INV.switchUuid, vlanId: 0 }),
      [],
    );
    const ranges = await sim.failures(PORT_GROUP, {
      name: "p",
      distributedVirtualSwitchUuid: INV.switchUuid,
      vlanRanges: [{ minVlan: 100, maxVlan: 5000 }],
      vlanId: 5,
    });
    assert.deepEqual(ranges.map((l) => l.split(": ")[0]).sort(), ["vlanRanges", "vlanRanges[0].maxVlan"]);
  });

  it("refuses a port group on a switch that does not exist", async () => {
    const f = await sim.failures(PORT_GROUP, {
      name: "p",
      distributedVirtualSwitchUuid: "50 00 00 00",
      vlanId: 5,
    });
    assert.deepEqual(f, [
      'distributedVirtualSwitchUuid: vsphere-simulator: error fetching DVS: distributed virtual switch with UUID "50 00 00 00" not found',
    ]);
  });

  it("checks choices and combinations of a VM-host rule", async () => {
    const base = { computeClusterId: INV.cluster, name: "r", vmGroupName: "g" };
    assert.deepEqual(await sim.failures(VM_HOST_RULE, base), [
      "affinityHostGroupName: vsphere-simulator: one of affinity_host_group_name or anti_affinity_host_group_name must be specified",
    ]);
    const both = await sim.failures(VM_HOST_RULE, {
      ...base,
      affinityHostGroupName: "a",
      antiAffinityHostGroupName: "b",
    });
    assert.equal(both.length, 1);
    assert.match(both[0], /^antiAffinityHostGroupName: .*conflicts with affinity_host_group_name/);
    assert.deepEqual(
      await sim.failures(VM_HOST_RULE, {
        ...base,
        computeClusterId: "domain-c99",
        affinityHostGroupName: "a",
      }),
      ["computeClusterId: vsphere-simulator: cannot locate cluster: cluster 'domain-c99' not found"],
    );
  });

  it("checks a folder's type and datacenter", async () => {
    assert.deepEqual(await sim.failures(FOLDER, { path: "x", type: "vms", datacenterId: INV.datacenter }), [
      "type: vsphere-simulator: expected type to be one of [datacenter, host, vm, datastore, network], got vms",
    ]);
    assert.deepEqual(await sim.failures(FOLDER, { path: "x", type: "vm" }), [
      "datacenterId: vsphere-simulator: datacenter_id cannot be empty when creating a folder of type vm",
    ]);
    assert.deepEqual(await sim.failures(FOLDER, { path: "x", type: "vm", datacenterId: "datacenter-99" }), [
      "datacenterId: vsphere-simulator: cannot locate datacenter: datacenter 'datacenter-99' not found",
    ]);
  });

  it("checks the VM's sizes and choices as vSphere and the provider do", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        { memory: 2050 },
        "memory: vsphere-simulator: memory must be a multiple of 4 MB and at least 4 MB, got 2050",
      ],
      [
        { memory: 0 },
        "memory: vsphere-simulator: memory must be a multiple of 4 MB and at least 4 MB, got 0",
      ],
      [{ numCpus: 0 }, "numCpus: vsphere-simulator: expected numCpus to be in the range (1 - 768), got 0"],
      [
        { numCpus: 6, numCoresPerSocket: 4 },
        "numCpus: vsphere-simulator: num_cpus (6) must be evenly divisible by num_cores_per_socket (4)",
      ],
      [
        { numCpus: 96 },
        "numCpus: vsphere-simulator: the number of virtual CPUs (96) exceeds the 64 logical CPUs of host esx01.lab.local",
      ],
      [
        { firmware: "uefi" },
        "firmware: vsphere-simulator: expected firmware to be one of [bios, efi], got uefi",
      ],
      [
        { hardwareVersion: 22 },
        "hardwareVersion: vsphere-simulator: expected hardwareVersion to be in the range (4 - 21), got 22",
      ],
    ];
    for (const [over, expected] of cases)
      assert.deepEqual(await sim.failures(VM, vmInputs(over)), [expected], JSON.stringify(over));
  });

  it("checks NICs and disks", async () => {
    assert.deepEqual(
      await sim.failures(VM, vmInputs({ networkInterfaces: [], clone: { templateUuid: INV.ubuntu.uuid } })),
      [
        "networkInterfaces: vsphere-simulator: network_interface parameter is required when not deploying from ovf template",
      ],
    );
    assert.deepEqual(await sim.failures(VM, vmInputs({ disks: [] })), [
      "disks: vsphere-simulator: there must be at least one disk specified",
      "disks: vsphere-simulator: not enough disks in configuration - you need at least 1 to use this template (current: 0)",
    ]);
    const twice = await sim.failures(
      VM,
      vmInputs({
        disks: [
          { label: "disk0", size: 20 },
          { label: "disk0", size: 10, unitNumber: 1 },
        ],
      }),
    );
    assert.deepEqual(twice, ["disks[1].label: vsphere-simulator: disk: duplicate name disk0"]);
    const mac = await sim.failures(
      VM,
      vmInputs({
        networkInterfaces: [{ networkId: INV.wan, useStaticMac: true, macAddress: "00:50:56:80:00:01" }],
      }),
    );
    assert.equal(mac.length, 1);
    assert.match(mac[0], /^networkInterfaces\[0\]\.macAddress: .*outside VMware's static range/);
    assert.deepEqual(
      await sim.failures(VM, vmInputs({ networkInterfaces: [{ networkId: "dvportgroup-999999" }] })),
      ["networkInterfaces[0].networkId: vsphere-simulator: network 'dvportgroup-999999' not found"],
    );
  });
});
