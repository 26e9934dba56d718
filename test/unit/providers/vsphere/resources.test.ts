/**
 * The vSphere resource bindings under the mock runtime: type tokens, the property names sent to the provider
 * (checked against the provider schema, nested types included), required-input errors, secrets, outputs, and the
 * provider plugin version each registration requests.
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import * as vsphere from "../../../../providers/vsphere";
import { loadSchema } from "../../../../providers/vsphere/generate";
import { checkResourceInputs, formatProblems } from "../../../../providers/vsphere/schemaCheck";
import { harness, resolve } from "../../../harness";
import { recordWireVersions, WireVersions } from "./wire";

const schema = loadSchema();
const TALOS_UUID = "4d7a6c1e-0b8f-4a51-a1c2-9e0d5b7f3a21";

type AnyResourceClass = new (
  name: string,
  args: any,
  opts?: pulumi.CustomResourceOptions,
) => pulumi.CustomResource;

/** A realistic argument set for every resource in the schema, keyed by class name. */
const samples: Record<string, Record<string, unknown>> = {
  VirtualMachine: {
    name: "router-a",
    resourcePoolId: "resgroup-8",
    datastoreId: "datastore-21",
    hostSystemId: "host-101",
    folder: "basphere/tenant-a",
    numCpus: 2,
    memory: 4096,
    guestId: "freebsd14_64Guest",
    firmware: "efi",
    networkInterfaces: [
      { networkId: "dvportgroup-2000" },
      { networkId: "dvportgroup-3001", adapterType: "vmxnet3" },
    ],
    disks: [{ label: "disk0", size: 40, thinProvisioned: true }],
    clone: { templateUuid: TALOS_UUID },
  },
  DistributedPortGroup: {
    name: "tenant-a-lan",
    distributedVirtualSwitchUuid: "50 2a 6b 1f 0c 9e 44 d2-8a 61 3b 0e 7f 52 c1 90",
    vlanId: 2101,
    allowPromiscuous: false,
    activeUplinks: ["uplink1", "uplink2"],
  },
  ComputeClusterVmGroup: {
    name: "mgmt-lb",
    computeClusterId: "domain-c8",
    virtualMachineIds: ["uuid-1", "uuid-2"],
  },
  ComputeClusterHostGroup: {
    name: "hosts-a",
    computeClusterId: "domain-c8",
    hostSystemIds: ["host-101", "host-102"],
  },
  ComputeClusterVmHostRule: {
    name: "lb-on-hosts-a",
    computeClusterId: "domain-c8",
    vmGroupName: "mgmt-lb",
    affinityHostGroupName: "hosts-a",
    mandatory: false,
  },
  ComputeClusterVmAntiAffinityRule: {
    name: "spread-cp",
    computeClusterId: "domain-c8",
    virtualMachineIds: ["uuid-1", "uuid-2", "uuid-3"],
    mandatory: true,
  },
  Folder: { path: "basphere/tenant-a", type: "vm", datacenterId: "datacenter-3" },
  ResourcePool: {
    name: "tenant-a",
    parentResourcePoolId: "resgroup-8",
    cpuShareLevel: "normal",
    memoryLimit: 65536,
  },
  TagCategory: {
    name: "basphere-tenant",
    cardinality: "SINGLE",
    associableTypes: ["VirtualMachine", "Folder"],
  },
  Tag: { name: "tenant-a", categoryId: "urn:vmomi:InventoryServiceCategory:1f5a:GLOBAL" },
};

/** Asserts that `actual` holds everything in `expected` (extra object fields in `actual` are allowed). */
function assertContains(actual: unknown, expected: unknown, path: string): void {
  if (expected !== null && typeof expected === "object") {
    assert.ok(
      actual !== null && typeof actual === "object",
      `${path}: expected an object, got ${JSON.stringify(actual)}`,
    );
    assert.equal(Array.isArray(actual), Array.isArray(expected), `${path}: array-ness differs`);
    if (Array.isArray(expected))
      assert.equal((actual as unknown[]).length, expected.length, `${path}.length`);
    for (const [k, v] of Object.entries(expected)) assertContains((actual as any)[k], v, `${path}.${k}`);
  } else {
    assert.deepEqual(actual, expected, path);
  }
}

/** Resource classes by schema token, from the public index (as callers import them). */
function classFor(token: string): AnyResourceClass {
  const name = token.split(":").pop()!;
  const cls = (vsphere as unknown as Record<string, AnyResourceClass & { __pulumiType?: string }>)[name];
  assert.ok(cls, `providers/vsphere does not export ${name}`);
  assert.equal(cls.__pulumiType, token, `${name}.__pulumiType`);
  return cls;
}

describe("providers/vsphere resources", () => {
  let wire: WireVersions;
  beforeEach(() => {
    wire = recordWireVersions();
  });
  afterEach(() => wire.restore());

  it("covers every resource of the provider schema with a binding and a sample", () => {
    for (const token of Object.keys(schema.resources)) {
      classFor(token);
      assert.ok(samples[token.split(":").pop()!], `no test sample for ${token}`);
    }
  });

  for (const token of Object.keys(schema.resources)) {
    const name = token.split(":").pop()!;
    describe(name, () => {
      it(`registers ${token} with schema property names, requesting plugin vsphere 4.17.0`, async () => {
        const cls = classFor(token);
        const args = samples[name];
        await harness.run(() => new cls(`sample-${name}`, args));
        const recs = harness.ofType(token);
        assert.equal(recs.length, 1);
        const rec = recs[0];
        assert.equal(rec.type, token);
        assert.equal(rec.custom, true);
        // Everything we passed arrives under the same names, and every name sent is in the provider schema.
        assert.deepEqual(rec.inputs, args);
        const problems = checkResourceInputs(schema, token, rec.inputs);
        assert.equal(problems.length, 0, formatProblems(problems));
        assert.equal(wire.resources.get(`${token}::sample-${name}`), "4.17.0");
      });

      const required = schema.resources[token].requiredInputs ?? [];
      for (const prop of required) {
        it(`throws naming '${prop}' when that required input is missing`, () => {
          const cls = classFor(token);
          const args = { ...samples[name] };
          delete args[prop];
          assert.throws(() => new cls(`missing-${prop}`, args), {
            message: `Missing required property '${prop}'`,
          });
        });
      }

      it("declares every schema property as a readable output", async () => {
        const cls = classFor(token);
        const res = await harness.run(() => new cls(`outputs-${name}`, samples[name]));
        for (const prop of Object.keys(schema.resources[token].properties)) {
          assert.ok(pulumi.Output.isInstance((res as any)[prop]), `${name}.${prop} is not an Output`);
        }
        for (const [prop, value] of Object.entries(samples[name])) {
          // The provider may add computed fields (e.g. a NIC's macAddress); what we set must come back unchanged.
          assertContains(await resolve((res as any)[prop]), value, `${name}.${prop}`);
        }
      });
    });
  }
});

describe("providers/vsphere VirtualMachine", () => {
  let wire: WireVersions;
  beforeEach(() => {
    wire = recordWireVersions();
  });
  afterEach(() => wire.restore());

  const talosNode = (): vsphere.VirtualMachineArgs => ({
    name: "cp-1",
    resourcePoolId: "resgroup-8",
    hostSystemId: "host-102",
    datastoreId: "datastore-21",
    folder: "basphere/mgmt",
    numCpus: 4,
    memory: 8192,
    guestId: "other5xLinux64Guest",
    firmware: "efi",
    enableDiskUuid: true,
    waitForGuestNetTimeout: 0,
    waitForGuestIpTimeout: 5,
    extraConfig: {
      "guestinfo.talos.config": pulumi.secret("bWFjaGluZTogY29uZmln"),
      "guestinfo.talos.platform": "vmware",
    },
    networkInterfaces: [
      { networkId: "dvportgroup-2000", adapterType: "vmxnet3" },
      { networkId: "dvportgroup-3001" },
      { networkId: "dvportgroup-3002", useStaticMac: true, macAddress: "00:50:56:aa:bb:01" },
    ],
    disks: [
      { label: "disk0", size: 40, thinProvisioned: true, unitNumber: 0 },
      { label: "data", size: 100, unitNumber: 1, eagerlyScrub: false },
    ],
    clone: { templateUuid: TALOS_UUID, linkedClone: false, timeout: 30 },
  });

  it("sends a clone with 3 NICs under the provider's property names", async () => {
    const vm = await harness.run(() => new vsphere.VirtualMachine("cp-1", talosNode()));
    const rec = harness.get("cp-1", "VirtualMachine");
    assert.equal(rec.type, "vsphere:index/virtualMachine:VirtualMachine");
    assert.equal(rec.inputs.numCpus, 4);
    assert.equal(rec.inputs.memory, 8192);
    assert.equal(rec.inputs.enableDiskUuid, true);
    assert.equal(rec.inputs.waitForGuestNetTimeout, 0);
    assert.equal(rec.inputs.waitForGuestIpTimeout, 5);
    assert.equal(rec.inputs.hostSystemId, "host-102");
    assert.equal(rec.inputs.resourcePoolId, "resgroup-8");
    assert.equal(rec.inputs.datastoreId, "datastore-21");
    assert.equal(rec.inputs.folder, "basphere/mgmt");
    assert.deepEqual(
      rec.inputs.networkInterfaces.map((n: any) => n.networkId),
      ["dvportgroup-2000", "dvportgroup-3001", "dvportgroup-3002"],
    );
    assert.equal(rec.inputs.networkInterfaces[2].useStaticMac, true);
    assert.deepEqual(rec.inputs.clone, { templateUuid: TALOS_UUID, linkedClone: false, timeout: 30 });
    assert.equal(rec.inputs.extraConfig["guestinfo.talos.platform"], "vmware");
    assert.deepEqual(
      rec.inputs.disks.map((d: any) => [d.label, d.size]),
      [
        ["disk0", 40],
        ["data", 100],
      ],
    );
    const problems = checkResourceInputs(schema, rec.type, rec.inputs);
    assert.equal(problems.length, 0, formatProblems(problems));
    // A secret nested in extraConfig stays secret on the wire and in the output.
    assert.ok(rec.secretInputs.includes("extraConfig"));
    assert.equal(await pulumi.isSecret(vm.extraConfig), true);
    assert.equal(wire.resources.get("vsphere:index/virtualMachine:VirtualMachine::cp-1"), "4.17.0");
  });

  it("exposes the provider's computed outputs (uuid, moid, addresses, power state)", async () => {
    const vm = await harness.run(() => new vsphere.VirtualMachine("cp-2", talosNode()));
    const rec = harness.get("cp-2", "VirtualMachine");
    assert.equal(await resolve(vm.uuid), rec.state.uuid);
    assert.match(String(await resolve(vm.uuid)), /^[0-9a-f]{8}-[0-9a-f]{4}-/);
    assert.equal(await resolve(vm.id), rec.state.uuid);
    assert.match(String(await resolve(vm.moid)), /^vm-\d+$/);
    assert.match(String(await resolve(vm.defaultIpAddress)), /^192\.168\.200\.\d+$/);
    assert.deepEqual(await resolve(vm.guestIpAddresses), rec.state.guestIpAddresses);
    assert.equal(await resolve(vm.powerState), "on");
    const nics = await resolve(vm.networkInterfaces);
    assert.equal(nics?.length, 3);
    assert.match(String(nics?.[0].macAddress), /^00:50:56:/);
    assert.equal(await resolve(vm.numCpus), 4);
  });

  it("marks the schema's secret customisation fields (e.g. linuxOptions.scriptText) as secrets", async () => {
    const args = talosNode();
    args.clone = {
      templateUuid: TALOS_UUID,
      customize: {
        linuxOptions: { hostName: "cp-1", domain: "lab.local", scriptText: "#!/bin/sh\necho s3cr3t" },
        networkInterfaces: [{ ipv4Address: "10.0.0.5", ipv4Netmask: 24 }],
        ipv4Gateway: "10.0.0.1",
      },
    };
    const vm = await harness.run(() => new vsphere.VirtualMachine("cust", args));
    const rec = harness.get("cust", "VirtualMachine");
    assert.ok(rec.secretInputs.includes("clone"), `secret inputs: ${rec.secretInputs.join(",")}`);
    assert.equal(rec.inputs.clone.customize.linuxOptions.scriptText, "#!/bin/sh\necho s3cr3t");
    assert.equal(rec.inputs.clone.customize.linuxOptions.hostName, "cp-1");
    assert.equal(await pulumi.isSecret(vm.clone), true);
    const problems = checkResourceInputs(schema, rec.type, rec.inputs);
    assert.equal(problems.length, 0, formatProblems(problems));
  });

  it("leaves a clone without secret fields in the clear", async () => {
    await harness.run(() => new vsphere.VirtualMachine("plain", { ...talosNode(), extraConfig: undefined }));
    assert.deepEqual(harness.get("plain", "VirtualMachine").secretInputs, []);
  });

  it("marks a secret field arriving inside an Output-valued clone", async () => {
    const clone = pulumi.output({
      templateUuid: TALOS_UUID,
      customize: { windowsOptions: { computerName: "w1", adminPassword: "P@ss" } },
    });
    await harness.run(
      () => new vsphere.VirtualMachine("outclone", { ...talosNode(), extraConfig: undefined, clone }),
    );
    assert.deepEqual(harness.get("outclone", "VirtualMachine").secretInputs, ["clone"]);
  });

  it("requires resourcePoolId, naming it", () => {
    const { resourcePoolId: _omit, ...rest } = talosNode();
    assert.throws(
      () => new vsphere.VirtualMachine("bad", rest as vsphere.VirtualMachineArgs),
      /'resourcePoolId'/,
    );
  });

  it("a caller's version option overrides the pinned one (as in the SDK)", async () => {
    await harness.run(() => new vsphere.Folder("f", { path: "x", type: "vm" }, { version: "4.16.0" }));
    assert.equal(wire.resources.get("vsphere:index/folder:Folder::f"), "4.16.0");
  });

  it("reads an existing VM with VirtualMachine.get, keeping the token and version", async () => {
    const vm = await harness.run(() =>
      vsphere.VirtualMachine.get("existing", "4217a1b3-0000-4000-a000-000000000001"),
    );
    assert.ok(vsphere.VirtualMachine.isInstance(vm));
    assert.equal(wire.reads.get("vsphere:index/virtualMachine:VirtualMachine::existing"), "4.17.0");
    assert.equal(await resolve(vm.id), "4217a1b3-0000-4000-a000-000000000001");
    assert.equal(vsphere.VirtualMachine.isInstance(new vsphere.Tag("t", { categoryId: "c" })), false);
  });
});

describe("providers/vsphere DRS groups and rules wire together by name", () => {
  it("a VM/host rule can reference the groups' outputs", async () => {
    const { vms } = await harness.run(() => {
      const vms = new vsphere.ComputeClusterVmGroup("lb-vms", {
        name: "basphere-lb",
        computeClusterId: "domain-c8",
        virtualMachineIds: ["u1", "u2"],
      });
      const hosts = new vsphere.ComputeClusterHostGroup("lb-hosts", {
        name: "basphere-lb-hosts",
        computeClusterId: "domain-c8",
        hostSystemIds: ["host-101", "host-102"],
      });
      const rule = new vsphere.ComputeClusterVmHostRule("lb-rule", {
        name: "basphere-lb-on-hosts",
        computeClusterId: "domain-c8",
        vmGroupName: vms.name,
        affinityHostGroupName: hosts.name,
        mandatory: true,
      });
      return { vms, rule };
    });
    const rule = harness.get("lb-rule", "ComputeClusterVmHostRule");
    assert.equal(rule.inputs.vmGroupName, "basphere-lb");
    assert.equal(rule.inputs.affinityHostGroupName, "basphere-lb-hosts");
    assert.equal(rule.dependsOn.length, 2, "the rule depends on both groups");
    assert.equal(await resolve(vms.id), "domain-c8:basphere-lb");
  });
});
