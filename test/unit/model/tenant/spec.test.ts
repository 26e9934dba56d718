import * as assert from "node:assert/strict";
import { ConfigError, parseConfig } from "../../../../stacks/config";
import {
  clusterTemplateOf,
  floatingIpPorts,
  talosVersionOf,
  tenantClusterSpecSchema,
  tenantSpecSchema,
} from "../../../../model/tenant/spec";
import { exampleValues } from "../../components/tenant/fixtures";
import { MAX_FLOATING_IPS, TENANT_NAME_MAX } from "../../../../model/tenant/limits";
import { allocationsSchema, bindFloatingIps, tenantConfigSchema } from "../../../../model/tenant/allocations";

/** Parses with the stack's config parser and returns the error message (or "" when valid). */
function problems(values: Record<string, unknown>): string {
  try {
    parseConfig(tenantConfigSchema, values, "tenant config");
    return "";
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.message;
  }
}

describe("tenant spec schema", () => {
  it("accepts both examples and applies defaults", () => {
    for (const name of ["small", "full"] as const) {
      const v = exampleValues(name);
      assert.equal(problems({ tenant: v.tenant, allocations: v.allocations }), "", name);
    }
    const small = tenantSpecSchema.parse(exampleValues("small").tenant);
    assert.equal(small.network.lan1Cidr, "10.0.1.0/24");
    assert.equal(small.network.lan2Cidr, "10.0.2.0/24");
    assert.equal(small.network.mtu, 1450);
    assert.equal(small.vms[0].template, "ubuntu-24.04-cloud");
    assert.equal(small.vpn!.port, 51820);
    const full = tenantSpecSchema.parse(exampleValues("full").tenant);
    assert.equal(full.cluster!.controlPlane.replicas, 3);
    assert.equal(full.cluster!.workers.replicas, 3);
    assert.equal(full.vms.length, 5);
    assert.equal(full.floatingIps.length, 4);
    assert.equal(full.vpn!.peers.length, 10);
  });

  it("cluster defaults: 3 control-plane replicas, 2 workers, 2 vCPU minimum", () => {
    const t = tenantSpecSchema.parse({
      name: "x",
      cluster: {},
      floatingIps: [{ name: "api", target: "cluster" }],
    });
    assert.equal(t.cluster!.controlPlane.replicas, 3);
    assert.equal(t.cluster!.workers.replicas, 2);
    assert.equal(t.cluster!.controlPlane.cpus, 2);
    assert.equal(t.cluster!.addressing, "dhcp");
    assert.deepEqual(floatingIpPorts(t.floatingIps[0]), [{ protocol: "tcp", port: 6443 }]);
  });

  it("bootstrap defaults to kubeadm; a Talos cluster defaults to the management cluster's Talos and template", () => {
    const kubeadm = tenantClusterSpecSchema.parse({});
    assert.equal(kubeadm.bootstrap, "kubeadm");
    assert.equal(clusterTemplateOf(kubeadm), "ubuntu-2404-kube-v1.34.2");
    assert.equal(talosVersionOf(kubeadm), undefined);
    const talos = tenantClusterSpecSchema.parse({ bootstrap: "talos" });
    assert.equal(talosVersionOf(talos), "v1.11.5");
    assert.equal(clusterTemplateOf(talos), "talos-v1.11.5");
    const pinned = tenantClusterSpecSchema.parse({
      bootstrap: "talos",
      talosVersion: "v1.12.0",
      template: "t",
    });
    assert.deepEqual([talosVersionOf(pinned), clusterTemplateOf(pinned)], ["v1.12.0", "t"]);
  });

  it("default floating IP ports are SSH and the NodePort range", () => {
    const t = tenantSpecSchema.parse({
      name: "x",
      vms: [{ name: "a" }],
      floatingIps: [{ name: "a", target: "a" }],
    });
    assert.deepEqual(floatingIpPorts(t.floatingIps[0]), [
      { protocol: "tcp", port: 22 },
      { protocol: "tcp", port: "30000-32767" },
    ]);
  });

  const bad: [string, (v: any) => void, RegExp][] = [
    [
      "a name longer than 20 characters",
      (v) => (v.tenant.name = "a".repeat(TENANT_NAME_MAX + 1)),
      /basphere:tenant\.name: must be at most 20/,
    ],
    [
      "a name that is not DNS-1123",
      (v) => (v.tenant.name = "Acme_Corp"),
      /basphere:tenant\.name: must be a DNS-1123 label/,
    ],
    [
      "a name ending in '-'",
      (v) => (v.tenant.name = "acme-"),
      /basphere:tenant\.name: must be a DNS-1123 label/,
    ],
    [
      "duplicate VM names",
      (v) => (v.tenant.vms[4].name = "db"),
      /basphere:tenant\.vms\[4\]\.name: duplicate VM name "db"/,
    ],
    [
      "a floating IP whose target does not exist",
      (v) => (v.tenant.floatingIps[1].target = "nope"),
      /basphere:tenant\.floatingIps\[1\]\.target: target "nope" does not exist/,
    ],
    [
      "more floating IPs than allowed",
      (v) => {
        v.tenant.floatingIps = Array.from({ length: MAX_FLOATING_IPS + 1 }, (_, i) => ({
          name: `f${i}`,
          target: `10.0.1.${20 + i}`,
        }));
      },
      /basphere:tenant\.floatingIps: must have at most 16 floating IPs/,
    ],
    [
      "more floating IPs than allocated",
      (v) => v.allocations.floatingIps.pop(),
      /basphere:tenant\.floatingIps: 4 floating IPs requested but the allocations provide 3 .*missing: web-2/,
    ],
    [
      "an allocation bound to an unknown floating IP",
      (v) => (v.allocations.floatingIps[0].name = "ghost"),
      /basphere:allocations\.floatingIps\[0\]\.name: no floating IP named "ghost"/,
    ],
    [
      "a cluster without an endpoint floating IP",
      (v) => (v.tenant.floatingIps[0].target = "10.0.1.50"),
      /basphere:tenant\.cluster: a cluster needs a floating IP/,
    ],
    [
      "a floating IP to cluster without a cluster",
      (v) => delete v.tenant.cluster,
      /basphere:tenant\.floatingIps\[0\]\.target: targets "cluster" but the tenant has no cluster/,
    ],
    [
      "two floating IPs on one target",
      (v) => (v.tenant.floatingIps[2].target = "web-2"),
      /basphere:tenant\.floatingIps\[3\]\.target: target "web-2" already has a floating IP/,
    ],
    [
      "a floating IP target outside the LANs",
      (v) => (v.tenant.floatingIps[1].target = "172.16.0.5"),
      /floatingIps\[1\]\.target: address 172\.16\.0\.5 is on neither tenant LAN/,
    ],
    [
      "a VM address outside the static range",
      (v) => (v.tenant.vms[1].address = "10.0.2.210"),
      /basphere:tenant\.vms\[1\]\.address: must be in the static range of lan2 \(10\.0\.2\.20-10\.0\.2\.99\)/,
    ],
    [
      "2 control-plane replicas",
      (v) => (v.tenant.cluster.controlPlane.replicas = 2),
      /basphere:tenant\.cluster\.controlPlane\.replicas: must be 1 or 3/,
    ],
    [
      "a 1-vCPU cluster machine",
      (v) => (v.tenant.cluster.workers.cpus = 1),
      /basphere:tenant\.cluster\.workers\.cpus: must be at least 2/,
    ],
    [
      "a bad WireGuard key",
      (v) => (v.tenant.vpn.peers[1].publicKey = "abc"),
      /basphere:tenant\.vpn\.peers\[1\]\.publicKey: must be a WireGuard key/,
    ],
    [
      "duplicate peer names",
      (v) => (v.tenant.vpn.peers[2].name = "alice"),
      /basphere:tenant\.vpn\.peers\[2\]\.name: duplicate peer name "alice"/,
    ],
    [
      "a peer address outside the tunnel",
      (v) => (v.tenant.vpn.peers[9].address = "10.98.0.5"),
      /basphere:tenant\.vpn\.peers\[9\]\.address: must be in 10\.99\.0\.2-10\.99\.0\.254/,
    ],
    [
      "equal LAN VLANs",
      (v) => (v.allocations.lan2VlanId = v.allocations.lan1VlanId),
      /basphere:allocations\.lan2VlanId: must differ from lan1VlanId/,
    ],
    [
      "the WAN VLAN as a LAN VLAN",
      (v) => (v.allocations.lan1VlanId = 2000),
      /basphere:allocations\.lan1VlanId: must not be the WAN VLAN 2000/,
    ],
    ["a VLAN id out of range", (v) => (v.allocations.lan1VlanId = 4095), /basphere:allocations\.lan1VlanId/],
    [
      "overlapping LANs",
      (v) => (v.tenant.network = { lan1Cidr: "10.0.0.0/16", lan2Cidr: "10.0.2.0/24" }),
      /basphere:tenant\.network\.lan2Cidr: overlaps lan1Cidr/,
    ],
    [
      "a LAN that is not a network address",
      (v) => (v.tenant.network = { lan1Cidr: "10.0.1.5/24" }),
      /basphere:tenant\.network\.lan1Cidr: must be a network address/,
    ],
    ["an MTU other than 1450", (v) => (v.tenant.network = { mtu: 1500 }), /basphere:tenant\.network\.mtu/],
    [
      "a floating IP mapped to the router's own LAN address",
      (v) => (v.tenant.floatingIps[1].target = "10.0.1.1"),
      /basphere:tenant\.floatingIps\[1\]\.target: address 10\.0\.1\.1 is the network, broadcast or router address of lan1/,
    ],
    [
      "a pod network that swallows the WAN addresses (the old 192.168.0.0/16 default)",
      (v) => (v.tenant.cluster.podCidr = "192.168.0.0/16"),
      /basphere:tenant\.cluster\.podCidr: 192\.168\.0\.0\/16 contains the tenant's WAN address 192\.168\.200\.31/,
    ],
    [
      "a service network over the VPN tunnel (kubeadm's 10.96.0.0/12 vs 10.99.0.0/24)",
      (v) => (v.tenant.cluster.serviceCidr = "10.96.0.0/12"),
      /basphere:tenant\.cluster\.serviceCidr: 10\.96\.0\.0\/12 overlaps vpn\.tunnelCidr 10\.99\.0\.0\/24/,
    ],
    [
      "a pod network over a LAN",
      (v) => (v.tenant.cluster.podCidr = "10.0.0.0/16"),
      /basphere:tenant\.cluster\.podCidr: 10\.0\.0\.0\/16 overlaps network\.lan1Cidr/,
    ],
    [
      "pod and service networks that overlap",
      (v) => (v.tenant.cluster.serviceCidr = "10.244.128.0/20"),
      /basphere:tenant\.cluster\.serviceCidr: 10\.244\.128\.0\/20 overlaps podCidr/,
    ],
    [
      "a Talos cluster with IPAM addressing (Talos does not apply CAPV's pool addresses)",
      (v) => (v.tenant.cluster.bootstrap = "talos"),
      /basphere:tenant\.cluster\.addressing: ipam is not available with bootstrap talos/,
    ],
    [
      "a Talos cluster with SSH keys",
      (v) => Object.assign(v.tenant.cluster, { bootstrap: "talos", addressing: "dhcp" }),
      /basphere:tenant\.cluster\.sshAuthorizedKeys: Talos nodes have no SSH/,
    ],
    [
      "a Talos version on a kubeadm cluster",
      (v) => (v.tenant.cluster.talosVersion = "v1.11.5"),
      /basphere:tenant\.cluster\.talosVersion: applies to bootstrap talos only/,
    ],
    [
      "an unknown bootstrap",
      (v) => (v.tenant.cluster.bootstrap = "rke2"),
      /basphere:tenant\.cluster\.bootstrap: /,
    ],
  ];
  for (const [what, mutate, expected] of bad) {
    it(`rejects ${what}, naming the field`, () => {
      const v = exampleValues("full");
      mutate(v);
      const msg = problems({ tenant: v.tenant, allocations: v.allocations });
      assert.match(msg, expected);
    });
  }

  it("binds named allocations by name and bare addresses in spec order", () => {
    const spec = {
      floatingIps: [
        { name: "a", target: "x" },
        { name: "b", target: "y" },
        { name: "c", target: "z" },
      ],
    };
    const m = bindFloatingIps(spec, {
      floatingIps: ["192.168.200.5", { name: "b", address: "192.168.200.9" }, "192.168.200.6"],
    });
    assert.deepEqual(Object.fromEntries(m), { a: "192.168.200.5", b: "192.168.200.9", c: "192.168.200.6" });
  });

  it("rejects an allocation listing one address twice", () => {
    const r = allocationsSchema.safeParse({
      lan1VlanId: 10,
      lan2VlanId: 11,
      floatingIps: ["192.168.200.5", "192.168.200.5"],
    });
    assert.ok(!r.success);
    assert.deepEqual(r.error.issues[0].path, ["floatingIps", 1]);
  });
});
