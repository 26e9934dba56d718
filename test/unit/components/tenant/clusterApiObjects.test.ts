import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { ClusterRenderInput, renderClusterObjects } from "../../../../components/tenant/clusterApiObjects";
import { renderKubeVipManifest } from "../../../../components/tenant/kubeVip";
import { validateAgainstCrd } from "./crdValidator";
import { clusterRenderInput } from "./fixtures";

const input = clusterRenderInput;

const ipam: ClusterRenderInput["addressing"] = {
  mode: "ipam",
  range: { first: "10.0.1.100", last: "10.0.1.199" },
  prefix: 24,
  gateway: "10.0.1.1",
  nameservers: ["10.0.1.1"],
};

describe("Cluster API object renderers", () => {
  for (const [label, inp] of [
    ["DHCP, 3+2", input()],
    [
      "IPAM, 1+0, SSH keys, identity",
      input({
        addressing: ipam,
        controlPlane: { replicas: 1, cpus: 2, memoryMiB: 4096, diskGiB: 40 },
        workers: { replicas: 0, cpus: 2, memoryMiB: 4096, diskGiB: 40 },
        sshAuthorizedKeys: ["ssh-ed25519 AAAA x"],
        vsphere: { ...input().vsphere, identityName: "tenant-id" },
      }),
    ],
  ] as const) {
    it(`every object validates against its CRD (${label})`, () => {
      const objs = renderClusterObjects(inp);
      const list = Object.values(objs).filter(Boolean);
      assert.equal(list.length, inp.addressing.mode === "ipam" ? 9 : 8);
      for (const o of list) assert.deepEqual(validateAgainstCrd(o!), [], `${o!.kind} ${o!.metadata.name}`);
    });
  }

  describe("bootstrap talos", () => {
    const talos = () =>
      input({ bootstrap: { kind: "talos", talosVersion: "v1.11.5" }, template: "talos-v1.11.5", mtu: 1450 });

    it("every object validates against its CRD: TalosControlPlane and TalosConfigTemplate instead of kubeadm's", () => {
      const o = renderClusterObjects(talos());
      const list = Object.values(o).filter(Boolean);
      assert.deepEqual(list.map((x) => x!.kind).sort(), [
        "Cluster",
        "MachineDeployment",
        "MachineHealthCheck",
        "TalosConfigTemplate",
        "TalosControlPlane",
        "VSphereCluster",
        "VSphereMachineTemplate",
        "VSphereMachineTemplate",
      ]);
      for (const x of list) assert.deepEqual(validateAgainstCrd(x!), [], `${x!.kind} ${x!.metadata.name}`);
      assert.equal(o.kubeadmControlPlane, undefined);
      assert.equal(o.kubeadmConfigTemplate, undefined);
    });

    it("the Cluster and MachineDeployment point at the Talos providers; the control plane at its machine template", () => {
      const o = renderClusterObjects(talos());
      assert.deepEqual(o.cluster.spec.controlPlaneRef, {
        apiGroup: "controlplane.cluster.x-k8s.io",
        kind: "TalosControlPlane",
        name: "acme-control-plane",
      });
      assert.deepEqual(o.machineDeployment.spec.template.spec.bootstrap.configRef, {
        apiGroup: "bootstrap.cluster.x-k8s.io",
        kind: "TalosConfigTemplate",
        name: "acme-worker",
      });
      const cp = o.talosControlPlane!;
      assert.equal(cp.apiVersion, "controlplane.cluster.x-k8s.io/v1alpha3");
      assert.deepEqual(cp.spec.infrastructureTemplate, {
        apiVersion: "infrastructure.cluster.x-k8s.io/v1beta2",
        kind: "VSphereMachineTemplate",
        name: o.controlPlaneTemplate.metadata.name,
        namespace: "tenant-acme",
      });
      assert.equal(cp.spec.replicas, 3);
      assert.equal(cp.spec.version, "v1.34.2");
      assert.equal(cp.spec.controlPlaneConfig.controlplane.talosVersion, "v1.11.5");
      assert.equal(o.talosConfigTemplate!.spec.template.spec.generateType, "worker");
    });

    it("control planes hold Talos's VIP on the kube-vip address and both endpoints in the SANs; workers no VIP", () => {
      const o = renderClusterObjects(talos());
      const cpPatches = o.talosControlPlane!.spec.controlPlaneConfig.controlplane.configPatches;
      const at = (patches: any[], p: string) => patches.find((x) => x.path === p)?.value;
      assert.deepEqual(at(cpPatches, "/machine/network/interfaces"), [
        { deviceSelector: { physical: true }, dhcp: true, mtu: 1450, vip: { ip: "10.0.1.10" } },
      ]);
      assert.deepEqual(at(cpPatches, "/cluster/apiServer/certSANs"), ["192.168.200.110", "10.0.1.10"]);
      assert.deepEqual(at(cpPatches, "/cluster/externalCloudProvider"), { enabled: true });
      const wPatches = o.talosConfigTemplate!.spec.template.spec.configPatches;
      assert.deepEqual(at(wPatches, "/machine/network/interfaces"), [
        { deviceSelector: { physical: true }, dhcp: true, mtu: 1450 },
      ]);
      assert.equal(at(wPatches, "/cluster/apiServer/certSANs"), undefined);
      // No kube-vip static pod: Talos brings its own VIP.
      assert.doesNotMatch(JSON.stringify(o), /kube-vip/);
    });

    it("the CRD check catches a Talos object without its required generateType", () => {
      const bad = structuredClone(renderClusterObjects(talos()).talosConfigTemplate!);
      delete bad.spec.template.spec.generateType;
      assert.match(validateAgainstCrd(bad).join(), /generateType/);
    });
  });

  it("the validator is not a rubber stamp: it rejects wrong objects", () => {
    const o = renderClusterObjects(input());
    const bad1 = structuredClone(o.workerTemplate);
    bad1.spec.template.spec.numCPUs = 1;
    assert.match(validateAgainstCrd(bad1).join(), /numCPUs must be >= 2/);
    const bad2 = structuredClone(o.kubeadmControlPlane!);
    bad2.spec.kubeadmConfigSpec.clusterConfiguration.controllerManager.extraArgs = {
      "cloud-provider": "external",
    };
    assert.match(validateAgainstCrd(bad2).join(), /extraArgs must be array/);
    const bad3 = structuredClone(o.cluster);
    bad3.spec.controlPlaneRef = {
      apiVersion: "controlplane.cluster.x-k8s.io/v1beta2",
      kind: "KubeadmControlPlane",
      name: "x",
    };
    assert.ok(validateAgainstCrd(bad3).length > 0);
    const bad4 = structuredClone(o.workerTemplate);
    bad4.spec.template.spec.storagePolicyName = "";
    assert.match(validateAgainstCrd(bad4).join(), /storagePolicyName must NOT have fewer than 1/);
    const bad5 = structuredClone(o.machineHealthCheck);
    bad5.spec.remediation.triggerIf.unhealthyLessThanOrEqualTo = true;
    assert.ok(validateAgainstCrd(bad5).length > 0);
    assert.match(
      validateAgainstCrd({ apiVersion: "cluster.x-k8s.io/v1alpha9", kind: "Cluster", spec: {} }).join(),
      /has no version v1alpha9/,
    );
  });

  it("puts the floating IP in controlPlaneEndpoint and both addresses in the certificate SANs", () => {
    const o = renderClusterObjects(input());
    assert.deepEqual(o.vsphereCluster.spec.controlPlaneEndpoint, { host: "192.168.200.110", port: 6443 });
    assert.deepEqual(o.kubeadmControlPlane!.spec.kubeadmConfigSpec.clusterConfiguration.apiServer.certSANs, [
      "192.168.200.110",
      "10.0.1.10",
    ]);
  });

  it("runs kube-vip on the LAN address, not the floating IP", () => {
    const o = renderClusterObjects(input());
    const file = o.kubeadmControlPlane!.spec.kubeadmConfigSpec.files.find(
      (f: any) => f.path === "/etc/kubernetes/manifests/kube-vip.yaml",
    );
    const pod = parse(file.content);
    const env = Object.fromEntries(pod.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    assert.equal(env.address, "10.0.1.10");
    assert.equal(env.port, "6443");
    assert.equal(env.cp_enable, "true");
    assert.equal(env.vip_arp, "true");
    assert.ok(file.content.length <= 10240, "file content fits the CRD's maxLength");
  });

  it("uses the replica counts and sizes", () => {
    const o = renderClusterObjects(input());
    assert.equal(o.kubeadmControlPlane!.spec.replicas, 3);
    assert.equal(o.machineDeployment.spec.replicas, 2);
    assert.equal(o.controlPlaneTemplate.spec.template.spec.numCPUs, 2);
    assert.equal(o.workerTemplate.spec.template.spec.numCPUs, 4);
    assert.equal(o.workerTemplate.spec.template.spec.memoryMiB, 8192);
    assert.equal(o.workerTemplate.spec.template.spec.diskGiB, 60);
  });

  it("wires references between the objects by name", () => {
    const o = renderClusterObjects(input());
    assert.equal(o.cluster.spec.controlPlaneRef.name, o.kubeadmControlPlane!.metadata.name);
    assert.equal(o.cluster.spec.infrastructureRef.name, o.vsphereCluster.metadata.name);
    assert.equal(
      o.kubeadmControlPlane!.spec.machineTemplate.spec.infrastructureRef.name,
      o.controlPlaneTemplate.metadata.name,
    );
    assert.equal(
      o.machineDeployment.spec.template.spec.infrastructureRef.name,
      o.workerTemplate.metadata.name,
    );
    assert.equal(
      o.machineDeployment.spec.template.spec.bootstrap.configRef.name,
      o.kubeadmConfigTemplate!.metadata.name,
    );
    assert.deepEqual(o.machineHealthCheck.spec.selector.matchLabels, {
      "cluster.x-k8s.io/deployment-name": o.machineDeployment.metadata.name,
    });
    assert.deepEqual(
      o.machineDeployment.spec.selector.matchLabels,
      o.machineDeployment.spec.template.metadata.labels,
    );
  });

  it("DHCP nodes use dhcp4; IPAM nodes take addresses from the InClusterIPPool", () => {
    const d = renderClusterObjects(input()).workerTemplate.spec.template.spec.network.devices[0];
    assert.equal(d.dhcp4, true);
    assert.equal(d.networkName, "tenant-acme-lan1");
    const o = renderClusterObjects(input({ addressing: ipam }));
    const dev = o.controlPlaneTemplate.spec.template.spec.network.devices[0];
    assert.equal(dev.dhcp4, false);
    assert.deepEqual(dev.addressesFromPools, [
      { apiGroup: "ipam.cluster.x-k8s.io", kind: "InClusterIPPool", name: o.ipPool!.metadata.name },
    ]);
    assert.deepEqual(o.ipPool!.spec, {
      addresses: ["10.0.1.100-10.0.1.199"],
      prefix: 24,
      gateway: "10.0.1.1",
    });
  });

  it("kube-vip manifest is valid YAML with the pinned image", () => {
    const pod = parse(renderKubeVipManifest({ address: "10.0.2.10", interface: "eth0" }));
    assert.match(pod.spec.containers[0].image, /^ghcr\.io\/kube-vip\/kube-vip:v\d+\.\d+\.\d+$/);
    assert.ok(pod.spec.containers[0].env.some((e: any) => e.name === "vip_interface" && e.value === "eth0"));
  });
});
