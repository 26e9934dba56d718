/**
 * The vSphere invoke bindings (getX / getXOutput) under the mock runtime: invoke tokens, argument names (checked
 * against the provider schema), typed results from the mock inventory (checked against the schema too), and the
 * provider plugin version each invoke requests.
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import * as vsphere from "../../../../providers/vsphere";
import { functionName, loadSchema } from "../../../../providers/vsphere/generate";
import {
  checkInvokeArgs,
  checkInvokeResult,
  formatProblems,
} from "../../../../providers/vsphere/schemaCheck";
import { defaultInventory, harness, resolve } from "../../../harness";
import { recordWireVersions, WireVersions } from "./wire";

const schema = loadSchema();
const inv = defaultInventory().data;

type Invoke = (args: any, opts?: any) => Promise<Record<string, any>>;
type InvokeOutput = (args: any, opts?: any) => pulumi.Output<Record<string, any>>;

/** Arguments and the fields of the expected result, per function (default mock inventory). */
const samples: Record<string, { args: Record<string, unknown>; expect: Record<string, unknown> }> = {
  getDatacenter: { args: { name: "dc1" }, expect: { id: "datacenter-3" } },
  getComputeCluster: {
    args: { name: "cluster1", datacenterId: "datacenter-3" },
    expect: { id: "domain-c8", resourcePoolId: "resgroup-8" },
  },
  getHost: {
    args: { name: "esx01.lab.local", datacenterId: "datacenter-3" },
    expect: { id: "host-101", resourcePoolId: "resgroup-8" },
  },
  getDatastore: { args: { name: "vsan-ds", datacenterId: "datacenter-3" }, expect: { id: "datastore-21" } },
  getDistributedVirtualSwitch: {
    args: { name: "dvs-main", datacenterId: "datacenter-3" },
    expect: { id: inv.distributedSwitch.uuid, uplinks: ["uplink1", "uplink2"] },
  },
  getNetwork: {
    args: {
      name: "pg-wan",
      datacenterId: "datacenter-3",
      distributedVirtualSwitchUuid: inv.distributedSwitch.uuid,
    },
    expect: { id: "dvportgroup-2000", type: "DistributedVirtualPortgroup" },
  },
  getResourcePool: {
    args: { name: "cluster1/Resources", datacenterId: "datacenter-3" },
    expect: { id: "resgroup-8" },
  },
  getFolder: { args: { path: "/dc1/vm/basphere" }, expect: { id: "group-v100" } },
  getVirtualMachine: {
    args: { name: "talos-v1.11.5", datacenterId: "datacenter-3" },
    expect: { id: inv.templates[0].uuid, guestId: "other5xLinux64Guest", firmware: "efi" },
  },
  getContentLibrary: { args: { name: "basphere-images" }, expect: { id: inv.contentLibraries![0].id } },
  getContentLibraryItem: {
    args: { libraryId: inv.contentLibraries![0].id, name: "talos-v1.11.5", type: "ovf" },
    expect: { id: inv.contentLibraries![0].items[0].id },
  },
};

function fns(token: string): { name: string; invoke: Invoke; invokeOutput: InvokeOutput } {
  const name = functionName(token);
  const mod = vsphere as unknown as Record<string, unknown>;
  assert.equal(typeof mod[name], "function", `providers/vsphere does not export ${name}`);
  assert.equal(typeof mod[`${name}Output`], "function", `providers/vsphere does not export ${name}Output`);
  return { name, invoke: mod[name] as Invoke, invokeOutput: mod[`${name}Output`] as InvokeOutput };
}

describe("providers/vsphere functions", () => {
  let wire: WireVersions;
  beforeEach(() => {
    wire = recordWireVersions();
  });
  afterEach(() => wire.restore());

  it("covers every function of the provider schema with getX, getXOutput and a sample", () => {
    for (const token of Object.keys(schema.functions)) {
      const { name } = fns(token);
      assert.ok(samples[name], `no test sample for ${name}`);
    }
  });

  for (const token of Object.keys(schema.functions)) {
    const name = functionName(token);
    describe(name, () => {
      it(`invokes ${token} with schema argument names and gets a schema-shaped result (Promise form)`, async () => {
        const { invoke } = fns(token);
        const { args, expect } = samples[name];
        const result = await harness.run(() => invoke(args));
        assert.equal(harness.invokes.length, 1);
        assert.equal(harness.invokes[0].token, token);
        assert.deepEqual(harness.invokes[0].args, args);
        let problems = checkInvokeArgs(schema, token, harness.invokes[0].args);
        assert.equal(problems.length, 0, formatProblems(problems));
        for (const [k, v] of Object.entries(expect)) assert.deepEqual(result[k], v, `${name}().${k}`);
        problems = checkInvokeResult(schema, token, result);
        assert.equal(problems.length, 0, formatProblems(problems));
        assert.deepEqual(wire.invokes, [{ token, version: "4.17.0" }]);
      });

      it("Output form: same token, arguments may be Outputs, result is an Output", async () => {
        const { invokeOutput } = fns(token);
        const { args, expect } = samples[name];
        const outArgs = Object.fromEntries(Object.entries(args).map(([k, v]) => [k, pulumi.output(v)]));
        const out = await harness.run(() => invokeOutput(outArgs));
        assert.ok(pulumi.Output.isInstance(out));
        const result = (await resolve(out))!;
        assert.equal(harness.invokes.length, 1);
        assert.equal(harness.invokes[0].token, token);
        assert.deepEqual(harness.invokes[0].args, args);
        for (const [k, v] of Object.entries(expect)) assert.deepEqual(result[k], v, `${name}Output().${k}`);
        assert.deepEqual(wire.invokes, [{ token, version: "4.17.0" }]);
      });
    });
  }

  it("typed results feed resources (datacenter → cluster → VM clone) like @pulumi/vsphere", async () => {
    const vm = await harness.run(() => {
      const dc = vsphere.getDatacenterOutput({ name: "dc1" });
      const cluster = vsphere.getComputeClusterOutput({ name: "cluster1", datacenterId: dc.id });
      const template = vsphere.getVirtualMachineOutput({ name: "talos-v1.11.5", datacenterId: dc.id });
      const net = vsphere.getNetworkOutput({ name: "pg-wan", datacenterId: dc.id });
      return new vsphere.VirtualMachine("node", {
        resourcePoolId: cluster.resourcePoolId,
        numCpus: 2,
        memory: 4096,
        guestId: template.guestId,
        firmware: template.apply((t) => t.firmware ?? "efi"),
        networkInterfaces: [{ networkId: net.id, adapterType: template.networkInterfaceTypes[0] }],
        disks: [{ label: "disk0", size: template.disks[0].size }],
        clone: { templateUuid: template.id },
      });
    });
    const rec = harness.get("node", "VirtualMachine");
    assert.equal(rec.inputs.resourcePoolId, "resgroup-8");
    assert.equal(rec.inputs.clone.templateUuid, inv.templates[0].uuid);
    assert.equal(rec.inputs.guestId, "other5xLinux64Guest");
    assert.deepEqual(rec.inputs.networkInterfaces, [
      { networkId: "dvportgroup-2000", adapterType: "vmxnet3" },
    ]);
    assert.deepEqual(rec.inputs.disks, [{ label: "disk0", size: 10 }]);
    assert.ok(await resolve(vm.uuid));
    assert.deepEqual(harness.invokes.map((i) => i.token.split(":").pop()).sort(), [
      "getComputeCluster",
      "getDatacenter",
      "getNetwork",
      "getVirtualMachine",
    ]);
    assert.ok(wire.invokes.every((i) => i.version === "4.17.0"));
  });

  it("a lookup of something the inventory lacks rejects with the name in the message", async () => {
    await assert.rejects(
      harness.run(() => vsphere.getNetwork({ name: "pg-nope", datacenterId: "datacenter-3" })),
      /pg-nope/,
    );
  });

  it("getDatacenter, getResourcePool and getVirtualMachine take optional arguments, as in the SDK", async () => {
    const dc = await harness.run(() => vsphere.getDatacenter());
    assert.equal(dc.id, "datacenter-3");
    assert.deepEqual(harness.invokes[0].args, {});
  });
});
