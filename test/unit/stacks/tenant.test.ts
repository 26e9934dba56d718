import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { RecordedResource, defaultInventory, harness, resolve } from "../../harness";
import { validateAgainstCrd } from "../components/tenant/crdValidator";
import { exampleValues, loadExample } from "../components/tenant/fixtures";

type Outputs = Record<string, pulumi.Input<unknown>>;

/** Runs the tenant stack program under the mocks with the given config values. */
async function runTenant(values: Record<string, any>): Promise<Outputs> {
  const stack = require("../../../stacks/tenant") as { run(c: any): Promise<Outputs> };
  return harness.run(() => stack.run({ values, secretKeys: new Set() }));
}

const opn = (kind: string) => harness.ofType(`pulumi-nodejs:dynamic/opnsense:${kind}`);
/** Cluster API, CAPV and IPAM objects (the CPI's ClusterResourceSet, an add-on, is checked on its own). */
const capiObjects = () =>
  harness.resources.filter(
    (r) =>
      r.type.startsWith("kubernetes:") &&
      /x-k8s\.io\//.test(r.type) &&
      !r.type.includes(":addons.cluster.x-k8s.io/"),
  );

describe("tenant stack (full example, under mocks)", function () {
  this.timeout(60_000);
  let out: Outputs;
  let resources: RecordedResource[];

  before(async () => {
    out = await runTenant(loadExample("full").values);
    resources = [...harness.resources];
  });

  it("creates LAN1 and LAN2 port groups with the tenant's VLANs on the distributed switch", () => {
    const pgs = harness.ofType("vsphere:index/distributedPortGroup:DistributedPortGroup");
    assert.equal(pgs.length, 2);
    const inv = defaultInventory().data;
    const byName = Object.fromEntries(pgs.map((p) => [p.inputs.name, p.inputs]));
    assert.equal(byName["tenant-full-lan1"].vlanId, 2201);
    assert.equal(byName["tenant-full-lan2"].vlanId, 2202);
    for (const p of pgs) assert.equal(p.inputs.distributedVirtualSwitchUuid, inv.distributedSwitch.uuid);
  });

  it("clones the router from the golden template: 2 vCPU, 4 GB, 100 GB, NICs WAN, LAN1, LAN2", () => {
    const vm = harness.get("tenant-full-router-vm", "VirtualMachine");
    const inv = defaultInventory().data;
    assert.equal(vm.inputs.name, "tenant-full-router");
    assert.equal(vm.inputs.numCpus, 2);
    assert.equal(vm.inputs.memory, 4096);
    assert.equal(vm.inputs.disks[0].size, 100);
    assert.equal(
      vm.inputs.clone.templateUuid,
      inv.templates.find((t) => t.name === "opnsense-26.7-golden")!.uuid,
    );
    const pgIds = Object.fromEntries(
      harness.ofType("DistributedPortGroup").map((p) => [p.inputs.name, p.state.key ?? p.state.id]),
    );
    const nics = vm.inputs.networkInterfaces.map((n: any) => n.networkId);
    assert.equal(nics.length, 3);
    assert.equal(nics[0], "dvportgroup-2000", "WAN port group (VLAN 2000) first");
    assert.equal(nics[1], pgIds["tenant-full-lan1"]);
    assert.equal(nics[2], pgIds["tenant-full-lan2"]);
    assert.equal(vm.inputs.networkInterfaces[0].useStaticMac, true);
    assert.match(vm.inputs.networkInterfaces[0].macAddress, /^00:50:56:[0-3]/);
  });

  it("waits for the router API, rotates the template key, and configures with the rotated key", () => {
    const ready = harness.get("tenant-full-router-api-ready");
    const rotation = harness.get("tenant-full-router-api-key");
    assert.equal(ready.type, "pulumi-nodejs:dynamic/basphere:RouterApiReady");
    assert.ok(rotation.dependsOn.includes(ready.urn), "rotation waits for the API");
    assert.ok(ready.secretInputs.includes("connection"), "bootstrap connection is secret");
    assert.equal(
      ready.inputs.connection.url,
      "https://192.168.200.31",
      "router API on the allocated WAN address",
    );
    assert.equal(rotation.inputs.connection.apiKey, "golden-template-api-key");
    for (const r of [
      ...opn("DhcpSubnet"),
      ...opn("FirewallRule"),
      ...opn("VirtualIp"),
      ...opn("WireguardServer"),
    ]) {
      assert.equal(r.inputs.connection.apiKey, rotation.state.apiKey, `${r.name} uses the rotated key`);
      assert.ok(r.secretInputs.includes("connection"), `${r.name} keeps the connection secret`);
    }
  });

  it("serves DHCP on both LANs from .200-.250, leaving room for static and virtual addresses", () => {
    const dhcp = Object.fromEntries(opn("DhcpSubnet").map((d) => [d.inputs.interface, d.inputs]));
    assert.deepEqual(Object.keys(dhcp).sort(), ["lan", "opt1"]);
    assert.equal(dhcp.lan.subnet, "10.0.1.0/24");
    assert.deepEqual(dhcp.lan.pools, ["10.0.1.200-10.0.1.250"]);
    assert.deepEqual(dhcp.lan.routers, ["10.0.1.1"]);
    assert.equal(dhcp.opt1.subnet, "10.0.2.0/24");
    assert.deepEqual(dhcp.opt1.pools, ["10.0.2.200-10.0.2.250"]);
  });

  it("NATs both LANs out and lets them out; the WAN opens only floating-IP ports and WireGuard", () => {
    const snat = opn("SourceNatRule")
      .map((r) => r.inputs)
      .filter((s) => s.interface === "wan");
    assert.deepEqual(snat.map((s) => s.sourceNet).sort(), ["10.0.1.0/24", "10.0.2.0/24"]);
    assert.ok(snat.every((s) => s.target === "wanip"));
    const rules = opn("FirewallRule").map((r) => r.inputs);
    const out = rules.filter((r) => r.interface === "lan" || r.interface === "opt1");
    assert.deepEqual(out.map((r) => `${r.interface}:${r.sourceNet}:${r.action}`).sort(), [
      "lan:10.0.1.0/24:pass",
      "opt1:10.0.2.0/24:pass",
    ]);
    const wan = rules.filter((r) => r.interface === "wan");
    assert.ok(wan.every((r) => r.action === "pass" && r.direction === "in"));
    const wg = wan.filter((r) => r.destinationNet === "wanip");
    assert.deepEqual(
      wg.map((r) => [r.protocol, r.destinationPort]),
      [["UDP", "51820"]],
    );
    // api: 6443; bastion: 22 + NodePorts; web-1/web-2: 80 + 443 each.
    const fipRules = wan
      .filter((r) => r.destinationNet !== "wanip")
      .map((r) => `${r.destinationNet}:${r.destinationPort}`)
      .sort();
    assert.deepEqual(fipRules, [
      "10.0.1.10:6443",
      "10.0.1.20:22",
      "10.0.1.20:30000-32767",
      "10.0.2.20:443",
      "10.0.2.20:80",
      "10.0.2.21:443",
      "10.0.2.21:80",
    ]);
  });

  it("creates 5 VMs with their sizes and static addresses in the LAN static ranges", () => {
    const vms = harness.ofType("VirtualMachine").filter((v) => v.name !== "tenant-full-router-vm");
    assert.equal(vms.length, 5);
    const by = Object.fromEntries(vms.map((v) => [v.inputs.name, v.inputs]));
    assert.equal(by["tenant-full-db"].numCpus, 8);
    assert.equal(by["tenant-full-db"].memory, 32768);
    assert.equal(by["tenant-full-db"].disks[0].size, 500);
    const addr = (n: string) => by[`tenant-full-${n}`].clone.customize.networkInterfaces[0].ipv4Address;
    assert.equal(addr("db"), "10.0.2.30");
    assert.equal(addr("web-1"), "10.0.2.20");
    assert.equal(addr("web-2"), "10.0.2.21");
    assert.equal(addr("bastion"), "10.0.1.20");
    assert.equal(addr("ci"), "10.0.1.21");
    assert.equal(by["tenant-full-web-1"].clone.customize.ipv4Gateway, "10.0.2.1");
    const pgIds = Object.fromEntries(
      harness.ofType("DistributedPortGroup").map((p) => [p.inputs.name, p.state.key ?? p.state.id]),
    );
    assert.equal(by["tenant-full-db"].networkInterfaces[0].networkId, pgIds["tenant-full-lan2"]);
    assert.equal(by["tenant-full-ci"].networkInterfaces[0].networkId, pgIds["tenant-full-lan1"]);
  });

  it("holds 4 floating IPs as WAN virtual IPs with 1:1 NAT to their targets", async () => {
    const vips = opn("VirtualIp").map((v) => v.inputs);
    assert.deepEqual(vips.map((v) => v.address).sort(), [
      "192.168.200.110/32",
      "192.168.200.111/32",
      "192.168.200.112/32",
      "192.168.200.113/32",
    ]);
    assert.ok(vips.every((v) => v.interface === "wan" && v.mode === "ipalias"));
    const nat = Object.fromEntries(opn("OneToOneNat").map((n) => [n.inputs.external, n.inputs]));
    assert.equal(nat["192.168.200.111"].internal, "10.0.1.20");
    assert.equal(nat["192.168.200.112"].internal, "10.0.2.20");
    const table = (await resolve(out.floatingIps)) as Record<string, any>;
    assert.deepEqual(table["web-2"], {
      address: "192.168.200.113",
      target: "10.0.2.21",
      targetKind: "vm:web-2",
    });
    assert.deepEqual(table.api, { address: "192.168.200.110", target: "10.0.1.10", targetKind: "cluster" });
  });

  it("maps the cluster endpoint's floating IP to the kube-vip address with NAT reflection and puts it in the SANs", () => {
    const nat = opn("OneToOneNat").find((n) => n.inputs.external === "192.168.200.110")!;
    assert.equal(nat.inputs.internal, "10.0.1.10");
    assert.equal(nat.inputs.natReflection, "enable");
    const kcp = harness.ofType("kubernetes:controlplane.cluster.x-k8s.io/v1beta2:KubeadmControlPlane");
    assert.equal(kcp.length, 1);
    const spec = kcp[0].inputs.spec;
    assert.ok(spec.kubeadmConfigSpec.clusterConfiguration.apiServer.certSANs.includes("192.168.200.110"));
    const vc = harness.ofType("kubernetes:infrastructure.cluster.x-k8s.io/v1beta2:VSphereCluster")[0].inputs
      .spec;
    assert.deepEqual(vc.controlPlaneEndpoint, { host: "192.168.200.110", port: 6443 });
    const vipFile = spec.kubeadmConfigSpec.files.find((f: any) => f.path.endsWith("kube-vip.yaml"));
    const env = parse(vipFile.content).spec.containers[0].env;
    assert.equal(env.find((e: any) => e.name === "address").value, "10.0.1.10");
  });

  it("every Cluster API, CAPV and IPAM object it emits validates against the CRDs", () => {
    const objs = capiObjects();
    assert.deepEqual(objs.map((o) => o.inputs.kind).sort(), [
      "Cluster",
      "InClusterIPPool",
      "KubeadmConfigTemplate",
      "KubeadmControlPlane",
      "MachineDeployment",
      "MachineHealthCheck",
      "VSphereCluster",
      "VSphereMachineTemplate",
      "VSphereMachineTemplate",
    ]);
    for (const o of objs) {
      assert.equal(o.inputs.metadata.namespace, "tenant-full");
      assert.deepEqual(
        validateAgainstCrd({ apiVersion: o.inputs.apiVersion, kind: o.inputs.kind, spec: o.inputs.spec }),
        [],
        `${o.inputs.kind} ${o.name}`,
      );
    }
  });

  it("sizes the cluster 3+3 on LAN1 with IPAM addresses from .100-.199, on the tenant's port group", () => {
    const kcp = harness.ofType("KubeadmControlPlane")[0].inputs.spec;
    assert.equal(kcp.replicas, 3);
    const md = harness.ofType("MachineDeployment")[0].inputs.spec;
    assert.equal(md.replicas, 3);
    const pool = harness.ofType("InClusterIPPool")[0].inputs.spec;
    assert.deepEqual(pool.addresses, ["10.0.1.100-10.0.1.199"]);
    const tmpls = harness.ofType("VSphereMachineTemplate").map((t) => t.inputs.spec.template.spec);
    for (const t of tmpls) {
      assert.equal(t.network.devices[0].networkName, "tenant-full-lan1");
      assert.equal(t.network.devices[0].mtu, 1450);
      assert.equal(t.server, "vcenter.lab.local");
      assert.equal(t.folder, "/dc1/vm/basphere/tenant-full");
      assert.equal(t.numCPUs, 4);
    }
  });

  it("uses a Kubernetes provider built from the onprem kubeconfig and waits for the control plane", () => {
    const prov = harness.ofType("pulumi:providers:kubernetes");
    assert.equal(prov.length, 1);
    assert.match(prov[0].inputs.kubeconfig, /mock management kubeconfig/);
    assert.ok(prov[0].secretInputs.includes("kubeconfig"));
    for (const o of capiObjects())
      assert.ok(o.options.provider?.startsWith(`${prov[0].urn}::`), `${o.name} on the management cluster`);
    const cluster = harness.ofType("kubernetes:cluster.x-k8s.io/v1beta2:Cluster")[0];
    assert.equal(
      cluster.inputs.metadata.annotations["pulumi.com/waitFor"],
      "jsonpath={.status.initialization.controlPlaneInitialized}=true",
    );
    // The Cluster comes last (deleted first); nothing waits on the control plane before the Cluster exists.
    for (const o of capiObjects())
      if (o !== cluster) assert.ok(cluster.dependsOn.includes(o.urn), `Cluster after ${o.name}`);
    const kcp = harness.ofType("KubeadmControlPlane")[0];
    assert.ok(!kcp.dependsOn.includes(cluster.urn));
    // Owned by the program: a hand edit is taken back at the next up (server-side apply with force).
    assert.deepEqual(kcp.inputs.metadata.annotations, { "pulumi.com/patchForce": "true" });
    // The kubeconfig is read only after the Cluster reports an initialised control plane.
    const read = harness.get("tenant-full-cluster-kubeconfig", "kubernetes:core/v1:Secret");
    assert.equal(read.inputs.data, undefined, "a read, not a managed Secret");
  });

  it("outputs the cluster endpoint and the kubeconfig from <cluster>-kubeconfig as a secret", async () => {
    assert.equal(await resolve(out.clusterEndpoint), "https://192.168.200.110:6443");
    assert.ok(await pulumi.isSecret(out.kubeconfig as pulumi.Output<string>));
    const kc = parse((await resolve(out.kubeconfig)) as string);
    assert.equal(kc.kind, "Config");
    assert.match(kc["current-context"], /-admin@/);
  });

  it("runs WireGuard on the WAN with 10 peers, generating key pairs for those without a public key", async () => {
    const server = opn("WireguardServer");
    assert.equal(server.length, 1);
    assert.equal(server[0].inputs.port, 51820);
    assert.deepEqual(server[0].inputs.tunnelAddress, ["10.99.0.1/24"]);
    const peers = opn("WireguardPeer");
    assert.equal(peers.length, 10);
    assert.equal(
      harness.ofType("pulumi-nodejs:dynamic/basphere:WireguardKeyPair").length,
      6,
      "alice, carol, erin, grace, ivan, judy",
    );
    const bob = peers.find((p) => p.inputs.name === "bob")!;
    assert.equal(bob.inputs.publicKey, "SD9EsDed4bMy1cZbvSYCS3dQEBBOZJEEyZ/KJzgHDwY=");
    assert.deepEqual(bob.inputs.tunnelAddress, ["10.99.0.3/32"]);
    const judy = peers.find((p) => p.inputs.name === "judy")!;
    assert.deepEqual(judy.inputs.tunnelAddress, ["10.99.0.50/32"]);
    assert.ok(peers.every((p) => p.inputs.serverUuid === server[0].state.uuid));
    assert.equal(await resolve(out.wireguardEndpoint), "192.168.200.31:51820");
  });

  it("outputs wg-quick configurations per peer as a secret, reaching floating IPs and LANs", async () => {
    assert.ok(await pulumi.isSecret(out.wireguardPeerConfigs as pulumi.Output<unknown>));
    const cfgs = (await resolve(out.wireguardPeerConfigs)) as Record<string, string>;
    assert.equal(Object.keys(cfgs).length, 10);
    const alice = cfgs.alice;
    const serverKey = opn("WireguardServer")[0].state.publicKey;
    const aliceKey = harness.get("tenant-full-vpn-key-alice").state;
    assert.match(alice, new RegExp(`^PrivateKey = ${aliceKey.privateKey.replace(/[+/]/g, "\\$&")}$`, "m"));
    assert.match(alice, /^Address = 10\.99\.0\.2\/32$/m);
    assert.match(alice, new RegExp(`^PublicKey = ${serverKey.replace(/[+/]/g, "\\$&")}$`, "m"));
    assert.match(alice, /^Endpoint = 192\.168\.200\.31:51820$/m);
    const allowed = alice.match(/^AllowedIPs = (.*)$/m)![1].split(", ");
    assert.deepEqual(allowed.sort(), [
      "10.0.1.0/24",
      "10.0.2.0/24",
      "10.99.0.0/24",
      "192.168.200.110/32",
      "192.168.200.111/32",
      "192.168.200.112/32",
      "192.168.200.113/32",
    ]);
    assert.match(
      cfgs.bob,
      /^PrivateKey = <the private key/m,
      "no private key for a peer that brought its own",
    );
    // The router passes what pf sees after the VPN redirects: the floating IPs' targets, and the LANs.
    const reach = opn("Alias").find((a) => a.inputs.name === "tenant_vpn_reach")!;
    assert.deepEqual([...reach.inputs.content].sort(), [
      "10.0.1.0/24",
      "10.0.1.10/32",
      "10.0.1.20/32",
      "10.0.2.0/24",
      "10.0.2.20/32",
      "10.0.2.21/32",
    ]);
  });

  it("exports the router WAN address", async () => {
    assert.equal(await resolve(out.routerWanAddress), "192.168.200.31");
    assert.ok(resources.length > 50);
  });
});

describe("tenant stack changes and variants", function () {
  this.timeout(60_000);

  it("removing a floating IP removes its virtual IP, 1:1 NAT and rules, and leaves the others alone", async () => {
    await runTenant(loadExample("full").values);
    const before = new Map(
      harness.resources
        .filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/opnsense:"))
        .map((r) => [r.name, r.inputs]),
    );
    const v = exampleValues("full");
    v.tenant.floatingIps = v.tenant.floatingIps.filter((f: any) => f.name !== "web-2");
    v.allocations.floatingIps = v.allocations.floatingIps.filter((f: any) => f.name !== "web-2");
    await runTenant(v);
    const after = new Map(
      harness.resources
        .filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/opnsense:"))
        .map((r) => [r.name, r.inputs]),
    );
    const gone = [...before.keys()].filter((k) => !after.has(k)).sort();
    assert.deepEqual(gone, [
      "tenant-full-fip-web-2-binat",
      "tenant-full-fip-web-2-in-tcp-443",
      "tenant-full-fip-web-2-in-tcp-80",
      "tenant-full-fip-web-2-reflect",
      "tenant-full-fip-web-2-vip",
      "tenant-full-fip-web-2-vpn-tcp-443",
      "tenant-full-fip-web-2-vpn-tcp-80",
    ]);
    assert.deepEqual(
      [...after.keys()].filter((k) => !before.has(k)),
      [],
    );
    for (const name of [
      "tenant-full-fip-web-1-vip",
      "tenant-full-fip-web-1-binat",
      "tenant-full-fip-api-binat",
      "tenant-full-fip-bastion-vip",
    ]) {
      assert.deepEqual(after.get(name), before.get(name), `${name} unchanged`);
    }
    // The router no longer passes VPN traffic to the removed target, and clients no longer route its address.
    assert.ok(!after.get("tenant-full-vpn-reach")!.content.includes("10.0.2.21/32"));
    assert.ok(before.get("tenant-full-vpn-reach")!.content.includes("10.0.2.21/32"));
  });

  it("the small example has no cluster, one VM with one floating IP and two peers", async () => {
    const out = await runTenant(loadExample("small").values);
    assert.equal(capiObjects().length, 0);
    assert.equal(harness.ofType("pulumi:providers:kubernetes").length, 0);
    assert.equal(harness.ofType("VirtualMachine").length, 2);
    assert.equal(opn("VirtualIp").length, 1);
    assert.equal(opn("WireguardPeer").length, 2);
    assert.equal(await resolve(out.clusterEndpoint), undefined);
    const fip = (await resolve(out.floatingIps)) as Record<string, any>;
    assert.deepEqual(fip.web, { address: "192.168.200.101", target: "10.0.1.20", targetKind: "vm:web" });
  });

  it("without an allocated WAN address the router uses the address its VM reports", async () => {
    const v = exampleValues("small");
    delete v.allocations.routerWanAddress;
    const out = await runTenant(v);
    const vm = harness.get("tenant-small-router-vm", "VirtualMachine");
    assert.equal(await resolve(out.routerWanAddress), vm.state.defaultIpAddress);
    assert.equal(
      harness.get("tenant-small-router-api-ready").inputs.connection.url,
      `https://${vm.state.defaultIpAddress}`,
    );
  });

  it("DHCP cluster with one control plane: no IP pool, dhcp4 on the nodes, still valid", async () => {
    const v = exampleValues("full");
    v.tenant.cluster.addressing = "dhcp";
    v.tenant.cluster.controlPlane.replicas = 1;
    v.tenant.cluster.network = "lan2";
    await runTenant(v);
    assert.equal(harness.ofType("InClusterIPPool").length, 0);
    assert.equal(harness.ofType("KubeadmControlPlane")[0].inputs.spec.replicas, 1);
    for (const o of capiObjects())
      assert.deepEqual(validateAgainstCrd({ ...o.inputs, spec: o.inputs.spec } as any), [], o.name);
    const nat = opn("OneToOneNat").find((n) => n.inputs.external === "192.168.200.110")!;
    assert.equal(nat.inputs.internal, "10.0.2.10", "kube-vip on LAN2 now");
  });

  it("a Talos cluster (1 control plane, DHCP) plans with the Talos providers' objects, each valid for its CRD", async () => {
    const v = exampleValues("full");
    Object.assign(v.tenant.cluster, { bootstrap: "talos", addressing: "dhcp" });
    v.tenant.cluster.controlPlane.replicas = 1;
    delete v.tenant.cluster.sshAuthorizedKeys;
    delete v.tenant.cluster.template;
    await runTenant(v);
    assert.equal(harness.ofType("KubeadmControlPlane").length, 0);
    assert.equal(harness.ofType("KubeadmConfigTemplate").length, 0);
    const [cp] = harness.ofType("TalosControlPlane");
    assert.equal(cp.inputs.spec.replicas, 1);
    assert.equal(cp.inputs.spec.controlPlaneConfig.controlplane.talosVersion, "v1.11.5");
    assert.equal(harness.ofType("TalosConfigTemplate").length, 1);
    const templates = harness.ofType("VSphereMachineTemplate");
    for (const t of templates) assert.equal(t.inputs.spec.template.spec.template, "talos-v1.11.5");
    for (const o of capiObjects())
      assert.deepEqual(validateAgainstCrd({ ...o.inputs, spec: o.inputs.spec } as any), [], o.name);
  });

  it("two clusters (multi example): each in its namespace with its bootstrap, endpoint and kubeconfig", async () => {
    const out = await runTenant(exampleValues("multi"));
    const inNs = (type: string) =>
      Object.fromEntries(
        harness.ofType(type).map((r) => [r.inputs.metadata.namespace, r.inputs.metadata.name]),
      );
    assert.deepEqual(inNs("TalosControlPlane"), { "tenant-multi-dev": "dev-control-plane" });
    assert.deepEqual(inNs("KubeadmControlPlane"), { "tenant-multi-prod": "prod-control-plane" });
    assert.deepEqual(inNs("InClusterIPPool"), { "tenant-multi-prod": "prod-nodes" });
    assert.deepEqual(harness.ofType("InClusterIPPool")[0].inputs.spec.addresses, ["10.0.1.100-10.0.1.124"]);
    for (const o of capiObjects())
      assert.deepEqual(validateAgainstCrd({ ...o.inputs, spec: o.inputs.spec } as any), [], o.name);
    // Each endpoint: its floating IP's 1:1 NAT to its own VIP on its LAN.
    const nat = Object.fromEntries(opn("OneToOneNat").map((n) => [n.inputs.external, n.inputs.internal]));
    assert.equal(nat["192.168.200.120"], "10.0.2.10", "dev on LAN2");
    assert.equal(nat["192.168.200.121"], "10.0.1.10", "prod on LAN1");
    assert.deepEqual(await resolve(out.clusters), {
      dev: { endpoint: "https://192.168.200.120:6443" },
      prod: { endpoint: "https://192.168.200.121:6443" },
    });
    assert.ok(await pulumi.isSecret(out.clusterKubeconfigs as pulumi.Output<unknown>));
    const kcs = (await resolve(out.clusterKubeconfigs)) as Record<string, string>;
    assert.deepEqual(Object.keys(kcs).sort(), ["dev", "prod"]);
    assert.equal(out.clusterEndpoint, undefined, "no single-cluster output with two clusters");
  });

  it("reads the onprem stack named by basphere:onpremStack", async () => {
    const v = exampleValues("small");
    v.onpremStack = "organization/basphere/onprem";
    await runTenant(v);
    const ref = harness.ofType("pulumi:pulumi:StackReference");
    assert.equal(ref.length, 1);
    assert.equal(ref[0].inputs.name, "organization/basphere/onprem");
  });

  it("bad config fails before any resource, naming the key", async () => {
    const v = exampleValues("full");
    v.tenant.vms[1].name = "bastion";
    v.routerApiKey = "only-the-key";
    await assert.rejects(runTenant(v), (e: Error) => {
      assert.match(e.message, /basphere:tenant\.vms\[1\]\.name: duplicate VM name "bastion"/);
      assert.match(e.message, /basphere:routerApiSecret: is required with routerApiKey/);
      return true;
    });
    assert.equal(harness.resources.length, 0);
  });

  it("offline plan of the full example: one run after the first takes <= 100 ms (goal)", async () => {
    const values = loadExample("full").values;
    /** Median wall and CPU time of 5 runs after a warm-up. */
    const measure = async () => {
      await runTenant(values);
      const wall: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        await runTenant(values);
        const c = process.cpuUsage(c0);
        wall.push(performance.now() - t0);
        cpu.push((c.user + c.system) / 1000);
      }
      return { wall: wall.sort((a, b) => a - b)[2], cpu: cpu.sort((a, b) => a - b)[2] };
    };
    const normal = await measure();
    // The SDK captures a stack trace for every promise it makes (runtime/debuggable.js); without them:
    const limit = Error.stackTraceLimit;
    let noTraces;
    try {
      Error.stackTraceLimit = 0;
      noTraces = await measure();
    } finally {
      Error.stackTraceLimit = limit;
    }
    const load = require("node:os").loadavg()[0].toFixed(1);
    console.log(
      `      tenant-full offline plan (${harness.resources.length} resources, load ${load}): ` +
        `median ${normal.wall.toFixed(0)} ms wall / ${normal.cpu.toFixed(0)} ms CPU; ` +
        `with Error.stackTraceLimit=0 ${noTraces.wall.toFixed(0)} ms wall / ${noTraces.cpu.toFixed(0)} ms CPU`,
    );
    assert.ok(normal.cpu < 1000, `a plan run should take well under a second of CPU, took ${normal.cpu} ms`);
  });
});
