import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { parseAllDocuments } from "yaml";
import { harness, resolve, defaultInventory } from "../../../harness";
import { ManagementCluster, ManagementClusterArgs } from "../../../../components/onprem/managementCluster";
import { HOSTS } from "./fixtures";

const VM = "vsphere:index/virtualMachine:VirtualMachine";

function args(over: Partial<ManagementClusterArgs> = {}, hosts = HOSTS): ManagementClusterArgs {
  return {
    clusterName: "mgmt",
    computeClusterId: "domain-c8",
    resourcePoolId: "resgroup-8",
    datastoreId: "datastore-21",
    folder: "basphere/mgmt",
    networkId: "dvportgroup-2000",
    hosts: hosts.map((name, i) => ({ name, id: `host-${101 + i}` })),
    template: { uuid: "tmpl-uuid", guestId: "other5xLinux64Guest", firmware: "efi" },
    omni: {
      endpoint: "https://omni.basphere.example",
      machineApiUrl: "grpc://omni.basphere.example:8090",
      joinToken: pulumi.secret("join-secret-token"),
      serviceAccountKey: pulumi.secret("sa-key"),
    },
    ...over,
  };
}

const byTier = (tier: string) =>
  harness.ofType(VM).filter((v) => String(v.inputs.annotation).includes(`tier ${tier}.`));

describe("onprem: ManagementCluster", () => {
  let mc: ManagementCluster;
  before(async () => {
    mc = await harness.run(() => new ManagementCluster("management", args()));
  });

  it("creates the three tiers with the exact sizes", () => {
    const cp = byTier("controlplane");
    const lb = byTier("lb");
    const workers = byTier("worker");
    assert.equal(cp.length, 3);
    assert.equal(lb.length, 6);
    assert.equal(workers.length, 3);
    for (const v of cp)
      assert.deepEqual([v.inputs.numCpus, v.inputs.memory, v.inputs.disks[0].size], [4, 8192, 40]);
    for (const v of lb)
      assert.deepEqual([v.inputs.numCpus, v.inputs.memory, v.inputs.disks[0].size], [2, 4096, 20]);
    for (const v of workers)
      assert.deepEqual([v.inputs.numCpus, v.inputs.memory, v.inputs.disks[0].size], [16, 32768, 200]);
    assert.equal(harness.ofType(VM).length, 12);
  });

  it("clones every VM from the Talos template with disk UUIDs on", () => {
    for (const v of harness.ofType(VM)) {
      assert.equal(v.inputs.clone.templateUuid, "tmpl-uuid");
      assert.equal(v.inputs.enableDiskUuid, true);
      assert.equal(v.inputs.extraConfig["disk.enableUUID"], "TRUE");
      assert.equal(v.inputs.folder, "basphere/mgmt");
      assert.deepEqual(v.inputs.networkInterfaces, [
        { networkId: "dvportgroup-2000", adapterType: "vmxnet3" },
      ]);
    }
  });

  it("puts the Omni join documents in guestinfo.talos.config, as a secret", () => {
    const v = harness.get("mgmt-cp-1", "VirtualMachine");
    assert.ok(v.secretInputs.includes("extraConfig"), "extraConfig must be secret (it holds the join token)");
    const text = Buffer.from(v.inputs.extraConfig["guestinfo.talos.config"], "base64").toString("utf8");
    const d = parseAllDocuments(text).map((x) => x.toJS());
    assert.deepEqual(
      d.map((x) => x.kind),
      ["SideroLinkConfig", "EventSinkConfig", "KmsgLogConfig"],
    );
    assert.equal(d[0].apiUrl, "grpc://omni.basphere.example:8090?jointoken=join-secret-token");
    const meta = Buffer.from(v.inputs.extraConfig["guestinfo.metadata"], "base64").toString("utf8");
    assert.match(meta, /local-hostname: mgmt-cp-1/);
  });

  it("places one LB VM on each host, pinned by a VM group, a host group and a mandatory VM-host rule", () => {
    const groups = harness.ofType("ComputeClusterVmGroup");
    const hostGroups = harness.ofType("ComputeClusterHostGroup");
    const rules = harness.ofType("ComputeClusterVmHostRule");
    assert.equal(rules.length, 6);
    HOSTS.forEach((host, i) => {
      const short = host.split(".")[0];
      const vm = harness.get(`mgmt-lb-${short}`, "VirtualMachine");
      assert.equal(vm.inputs.hostSystemId, `host-${101 + i}`);
      const group = groups.find((g) => g.inputs.virtualMachineIds?.includes(vm.state.uuid));
      assert.ok(group, `no VM group holds ${vm.name}`);
      assert.equal(group.inputs.virtualMachineIds.length, 1);
      const rule = rules.find((r) => r.inputs.vmGroupName === group.inputs.name);
      assert.ok(rule, `no rule for ${group.inputs.name}`);
      assert.equal(rule.inputs.mandatory, true);
      assert.equal(rule.inputs.computeClusterId, "domain-c8");
      const hg = hostGroups.find((h) => h.inputs.name === rule.inputs.affinityHostGroupName);
      assert.deepEqual(hg?.inputs.hostSystemIds, [`host-${101 + i}`]);
    });
  });

  it("keeps control-plane nodes and workers apart with anti-affinity rules", () => {
    const rules = harness.ofType("ComputeClusterVmAntiAffinityRule");
    assert.equal(rules.length, 2);
    const ids = (tier: string) =>
      byTier(tier)
        .map((v) => v.state.uuid)
        .sort();
    const cpRule = rules.find((r) => r.inputs.name.includes("controlplane"))!;
    const wRule = rules.find((r) => r.inputs.name.includes("worker"))!;
    assert.deepEqual([...cpRule.inputs.virtualMachineIds].sort(), ids("controlplane"));
    assert.deepEqual([...wRule.inputs.virtualMachineIds].sort(), ids("worker"));
    assert.equal(cpRule.inputs.mandatory, true);
  });

  it("labels each machine in Omni with its tier through omnictl", () => {
    const cmd = harness.get("mgmt-lb-esx03-omni-labels", "Command");
    const vm = harness.get("mgmt-lb-esx03", "VirtualMachine");
    assert.ok(cmd.inputs.create.includes(vm.state.uuid));
    assert.match(cmd.inputs.create, /basphere\.io\/tier: lb/);
    assert.match(cmd.inputs.create, /basphere\.io\/cluster: mgmt/);
    assert.ok(cmd.secretInputs.includes("environment"));
    assert.equal(cmd.inputs.environment.OMNI_SERVICE_ACCOUNT_KEY, "sa-key");
  });

  it("syncs the template with omnictl: re-runs on template changes, deletes on destroy, credentials from secrets", () => {
    const sync = harness.get("mgmt-template-sync", "Command");
    assert.equal(
      sync.inputs.create,
      sync.inputs.update,
      "changes must update, not replace (replacing would delete the cluster)",
    );
    assert.ok(sync.inputs.create.includes(mc.template.trimEnd()));
    assert.match(sync.inputs.create, /omnictl cluster template validate/);
    assert.match(sync.inputs.create, /omnictl cluster template sync/);
    assert.match(sync.inputs.delete, /omnictl cluster template delete/);
    assert.equal(sync.inputs.triggers.length, 1);
    assert.equal(sync.inputs.environment.BASPHERE_TEMPLATE_SHA256, sync.inputs.triggers[0]);
    assert.equal(sync.inputs.environment.OMNI_ENDPOINT, "https://omni.basphere.example");
    assert.ok(sync.secretInputs.includes("environment"));
    // Sync waits for every machine label and DRS rule.
    const labelUrns = harness
      .ofType("Command")
      .filter((c) => c.name.endsWith("-omni-labels"))
      .map((c) => c.urn);
    assert.equal(labelUrns.length, 12);
    for (const u of labelUrns) assert.ok(sync.dependsOn.includes(u), `sync does not wait for ${u}`);
  });

  it("fetches a service-account kubeconfig with omnictl after the sync, as a secret", async () => {
    const kc = harness.get("mgmt-kubeconfig", "Command");
    assert.match(kc.inputs.create, /omnictl kubeconfig -c mgmt --service-account/);
    assert.ok(kc.dependsOn.includes(harness.get("mgmt-template-sync", "Command").urn));
    assert.ok(kc.options.additionalSecretOutputs.includes("stdout"));
    assert.equal(kc.inputs.logging, "stderr");
    assert.equal(await pulumi.isSecret(mc.kubeconfig), true);
    assert.match((await resolve(mc.kubeconfig))!, /kind: Config/);
  });

  it("follows the host list: 4 hosts give 4 LB nodes and 4 rules; sizes and counts are configurable", async () => {
    const four = HOSTS.slice(0, 4);
    await harness.run(
      () =>
        new ManagementCluster(
          "management",
          args(
            {
              controlPlane: { count: 5, cpus: 6 },
              workers: { count: 2, memoryMb: 32768 },
              kubeconfig: "given",
            },
            four,
          ),
        ),
      defaultInventory({ hostCount: 4 }),
    );
    assert.equal(byTier("lb").length, 4);
    assert.equal(harness.ofType("ComputeClusterVmHostRule").length, 4);
    assert.equal(byTier("controlplane").length, 5);
    assert.ok(byTier("controlplane").every((v) => v.inputs.numCpus === 6 && v.inputs.memory === 8192));
    assert.ok(byTier("worker").every((v) => v.inputs.memory === 32768));
    // 5 control-plane VMs on 4 hosts cannot be strictly apart: the rule becomes a preference.
    const cpRule = harness
      .ofType("ComputeClusterVmAntiAffinityRule")
      .find((r) => r.inputs.name.includes("controlplane"))!;
    assert.equal(cpRule.inputs.mandatory, false);
    // A given kubeconfig replaces the omnictl kubeconfig command.
    assert.equal(harness.ofType("Command").filter((c) => c.name === "mgmt-kubeconfig").length, 0);
  });

  it("rejects no hosts and an even control-plane count with a clear message", async () => {
    await assert.rejects(
      harness.run(() => new ManagementCluster("management", args({}, []))),
      /hosts is empty/,
    );
    await assert.rejects(
      harness.run(() => new ManagementCluster("management", args({ controlPlane: { count: 4 } }))),
      /controlPlane\.count must be odd/,
    );
  });
});
