/**
 * What the tenant router's configuration means to pf, checked on the full example under mocks: packets from the
 * WAN, from the VPN and from the tenant's own LANs are walked through the emitted 1:1 NATs, redirects, outbound NAT
 * and filter rules (pf translates first, then filters the translated packet).
 */
import * as assert from "node:assert/strict";
import { RecordedResource, harness, resolve } from "../../../harness";
import { cidrContainsIp, isIpv4 } from "../../../../model/net/ipv4";
import {
  routerApiReadyProvider,
  wireguardKeyPairProvider,
} from "../../../../components/tenant/dynamicProviders";
import { exampleValues, loadExample } from "./fixtures";

const opn = (kind: string) => harness.ofType(`pulumi-nodejs:dynamic/opnsense:${kind}`);

async function runTenant(values: Record<string, any>): Promise<Record<string, any>> {
  const stack = require("../../../../stacks/tenant") as { run(c: any): Promise<Record<string, any>> };
  return harness.run(() => stack.run({ values, secretKeys: new Set() }));
}

/** True if `net` (an address, CIDR, `any`, or an alias name resolved through `aliases`) holds `ip`. */
function netHolds(net: string, ip: string, aliases: Map<string, string[]>): boolean {
  if (net === "any") return true;
  if (aliases.has(net)) return aliases.get(net)!.some((n) => netHolds(n, ip, aliases));
  if (isIpv4(net)) return net === ip;
  return cidrContainsIp(net, ip);
}
/** True if a port spec (`22`, `30000-32767`, undefined = any) holds `port`. */
function portHolds(spec: string | undefined, port: number): boolean {
  if (!spec) return true;
  const [a, b] = spec.split("-").map(Number);
  return b === undefined ? port === a : port >= a && port <= b;
}
/** The prefix length of an address/CIDR as OPNsense reads it (no mask = /32). */
const prefixOf = (a: string) => (a.includes("/") ? Number(a.split("/")[1]) : 32);

interface Packet {
  iface: string;
  src: string;
  dst: string;
  port: number;
  proto: "TCP" | "UDP";
}

/** A small model of the router's pf: inbound translation (BINAT incl. reflection, rdr), then the filter. */
class RouterModel {
  aliases = new Map<string, string[]>();
  constructor(
    private lanIfaces: Map<string, string>, // interface -> LAN CIDR
  ) {
    for (const a of opn("Alias")) this.aliases.set(a.inputs.name, a.inputs.content);
  }

  /** Destination translation on the way in (pf: binat/rdr), or undefined. */
  translateIn(p: Packet): string | undefined {
    for (const n of opn("OneToOneNat").map((r) => r.inputs)) {
      if (n.external !== p.dst) continue;
      // binat on its own interface; reflection copies it onto every interface with an address and no gateway.
      if (n.interface === p.iface || (n.natReflection === "enable" && this.lanIfaces.has(p.iface)))
        return n.internal;
    }
    for (const f of opn("PortForward").map((r) => r.inputs)) {
      const ifaces = String(f.interface).split(",");
      if (
        ifaces.includes(p.iface) &&
        f.destination === p.dst &&
        portHolds(f.destinationPort, p.port) &&
        f.protocol.toUpperCase().split("/").includes(p.proto)
      )
        return f.target;
    }
    return undefined;
  }

  /** The filter's verdict on the (translated) packet as it enters `iface` (or a group it belongs to). */
  passesIn(p: Packet, groups: string[] = []): boolean {
    return opn("FirewallRule")
      .map((r) => r.inputs)
      .some(
        (r) =>
          r.action === "pass" &&
          (r.direction ?? "in") === "in" &&
          [p.iface, ...groups].includes(r.interface) &&
          netHolds(r.sourceNet ?? "any", p.src, this.aliases) &&
          netHolds(r.destinationNet ?? "any", p.dst, this.aliases) &&
          (r.protocol === "any" || r.protocol.split("/").includes(p.proto)) &&
          portHolds(r.destinationPort, p.port),
      );
  }

  /** Source translation on the way out of `iface`, or undefined. */
  translateOut(iface: string, src: string, dst: string): string | undefined {
    const r = opn("SourceNatRule")
      .map((x) => x.inputs)
      .find(
        (s) =>
          s.interface === iface &&
          netHolds(s.sourceNet, src, this.aliases) &&
          netHolds(s.destinationNet ?? "any", dst, this.aliases),
      );
    return r?.target;
  }
}

describe("tenant router semantics (full example, pf model)", function () {
  this.timeout(60_000);
  let out: Record<string, any>;
  let model: RouterModel;
  let table: Record<string, { address: string; target: string; targetKind: string }>;
  const lanOfIface = new Map([
    ["lan", "10.0.1.0/24"],
    ["opt1", "10.0.2.0/24"],
  ]);
  const ifaceOfTarget = (ip: string) => [...lanOfIface].find(([, c]) => cidrContainsIp(c, ip))![0];

  before(async () => {
    out = await runTenant(loadExample("full").values);
    model = new RouterModel(lanOfIface);
    table = (await resolve(out.floatingIps)) as typeof table;
  });

  it("uses the router's interface identifiers consistently: wan, lan = LAN1, opt1 = LAN2, the wireguard group", () => {
    const used = new Set<string>();
    for (const kind of [
      "DhcpSubnet",
      "FirewallRule",
      "SourceNatRule",
      "OneToOneNat",
      "VirtualIp",
      "PortForward",
    ])
      for (const r of opn(kind)) used.add(r.inputs.interface);
    assert.deepEqual([...used].sort(), ["lan", "opt1", "wan", "wireguard"]);
    for (const d of opn("DhcpSubnet")) assert.equal(d.inputs.subnet, lanOfIface.get(d.inputs.interface));
    for (const r of opn("FirewallRule").filter((x) => lanOfIface.has(x.inputs.interface)))
      assert.equal(r.inputs.sourceNet, lanOfIface.get(r.inputs.interface), r.name);
    for (const s of opn("SourceNatRule").filter((x) => lanOfIface.has(x.inputs.interface)))
      assert.ok(cidrContainsIp(lanOfIface.get(s.inputs.interface)!, s.inputs.destinationNet), s.name);
  });

  it("every 1:1 NAT has equal prefix lengths on both sides and reflection on", () => {
    const nats = opn("OneToOneNat").map((n) => n.inputs);
    assert.equal(nats.length, 4);
    for (const n of nats) {
      assert.equal(prefixOf(n.external), prefixOf(n.internal), `${n.external} <-> ${n.internal}`);
      assert.equal(n.natReflection, "enable");
      assert.equal(n.interface, "wan");
    }
  });

  it("from the WAN, each floating IP reaches exactly its opened ports on its target, and nothing else gets in", () => {
    const open: Record<string, number[]> = {
      api: [6443],
      bastion: [22, 30080],
      "web-1": [80, 443],
      "web-2": [80, 443],
    };
    for (const [name, f] of Object.entries(table)) {
      for (const port of [22, 80, 443, 6443, 30080, 8080]) {
        const p: Packet = { iface: "wan", src: "192.168.200.5", dst: f.address, port, proto: "TCP" };
        const dst = model.translateIn(p);
        assert.equal(dst, f.target, `${name}: BINAT to its target`);
        assert.equal(model.passesIn({ ...p, dst: dst! }), open[name].includes(port), `${name}:${port}`);
      }
    }
    // A rule on an untranslated floating IP would never match: pf filters after BINAT.
    const fips = new Set(Object.values(table).map((f) => f.address));
    assert.ok(opn("FirewallRule").every((r) => !fips.has(r.inputs.destinationNet)));
    // Nothing reaches a LAN host without a floating IP, nor the router's WAN address except WireGuard.
    assert.equal(
      model.passesIn({ iface: "wan", src: "192.168.200.5", dst: "10.0.1.21", port: 22, proto: "TCP" }),
      false,
    );
    const wanIp = "wanip";
    const wgRule = opn("FirewallRule").filter(
      (r) => r.inputs.interface === "wan" && r.inputs.destinationNet === wanIp,
    );
    assert.deepEqual(
      wgRule.map((r) => `${r.inputs.protocol} ${r.inputs.destinationPort}`),
      ["UDP 51820"],
    );
  });

  it("the endpoint's floating IP works from the cluster's own LAN: reflection plus the hairpin source NAT", () => {
    const api = table.api;
    const node = "10.0.1.150"; // an IPAM node address on LAN1, same LAN as kube-vip
    const p: Packet = { iface: "lan", src: node, dst: api.address, port: 6443, proto: "TCP" };
    const dst = model.translateIn(p);
    assert.equal(dst, "10.0.1.10", "reflection redirects to kube-vip");
    assert.ok(model.passesIn({ ...p, dst: dst! }), "LAN1 out rule passes it");
    // Without a source NAT the answer would go straight back from 10.0.1.10 and be dropped by the node.
    assert.equal(model.translateOut("lan", node, dst!), "10.0.1.1");
    // From the other LAN the answer comes back through the router anyway: no extra NAT needed.
    assert.equal(model.translateIn({ ...p, iface: "opt1", src: "10.0.2.20" }), "10.0.1.10");
  });

  it("every floating IP has a hairpin source NAT on its target's LAN, limited to that LAN and that target", () => {
    const helpers = opn("SourceNatRule").filter((s) => s.name.endsWith("-reflect"));
    assert.equal(helpers.length, Object.keys(table).length);
    for (const f of Object.values(table)) {
      const h = helpers.find((x) => x.inputs.destinationNet === f.target)!;
      assert.ok(h, f.target);
      const iface = ifaceOfTarget(f.target);
      assert.equal(h.inputs.interface, iface);
      assert.equal(h.inputs.sourceNet, lanOfIface.get(iface));
      assert.equal(h.inputs.target, lanOfIface.get(iface)!.replace(/0\/24$/, "1"));
    }
  });

  it("VPN clients reach every floating IP in their AllowedIPs: redirected on the wireguard group, then passed", async () => {
    const cfgs = (await resolve(out.wireguardPeerConfigs)) as Record<string, string>;
    const carol = cfgs.carol;
    const src = carol.match(/^Address = ([\d.]+)\/32$/m)![1];
    const allowed = carol.match(/^AllowedIPs = (.*)$/m)![1].split(", ");
    const open: Record<string, number> = { api: 6443, bastion: 22, "web-1": 443, "web-2": 80 };
    for (const [name, f] of Object.entries(table)) {
      assert.ok(allowed.includes(`${f.address}/32`), `${name} routed into the tunnel`);
      const p: Packet = { iface: "wg0", src, dst: f.address, port: open[name], proto: "TCP" };
      const dst = model.translateIn({ ...p, iface: "wireguard" });
      assert.equal(dst, f.target, `${name}: redirected from the VPN`);
      assert.ok(model.passesIn({ ...p, dst: dst! }, ["wireguard"]), `${name}: passed after the redirect`);
    }
    // LANs directly, too.
    assert.ok(
      model.passesIn({ iface: "wg0", src, dst: "10.0.2.30", port: 5432, proto: "TCP" }, ["wireguard"]),
    );
    // Not the WAN network behind the router.
    assert.equal(
      model.passesIn({ iface: "wg0", src, dst: "192.168.200.9", port: 22, proto: "TCP" }, ["wireguard"]),
      false,
    );
  });

  it("the VPN redirects exist only after the WireGuard instance (which creates the wireguard group)", () => {
    const server = opn("WireguardServer")[0];
    const redirects = opn("PortForward");
    assert.equal(redirects.length, 7, "api 1 + bastion 2 + web-1 2 + web-2 2");
    for (const r of redirects) {
      assert.ok(r.dependsOn.includes(server.urn), r.name);
      assert.equal(r.inputs.pass, "");
      assert.equal(r.inputs.natReflection, "disable");
    }
    const nodePorts = redirects.find((r) => r.inputs.destinationPort === "30000-32767")!;
    assert.equal(nodePorts.inputs.targetPort, "30000", "a range keeps its offsets from its first port");
  });

  it("deleting a floating IP removes its rules, redirects and NAT before its virtual IP", () => {
    const byUrn = new Map(harness.resources.map((r) => [r.urn, r]));
    const reaches = (from: RecordedResource, to: string, seen = new Set<string>()): boolean =>
      from.dependsOn.some(
        (u) => u === to || (!seen.has(u) && (seen.add(u), byUrn.has(u) && reaches(byUrn.get(u)!, to, seen))),
      );
    for (const name of Object.keys(table)) {
      const comp = harness.get(`tenant-full-fip-${name}`, "basphere:tenant:FloatingIp");
      const kids = harness.childrenOf(comp.urn);
      const vip = kids.find((k) => k.name.endsWith("-vip"))!;
      for (const k of kids.filter((x) => x !== vip))
        assert.ok(reaches(k, vip.urn), `${k.name} after ${vip.name}`);
    }
  });

  it("the cluster waits for the router's DHCP, outbound NAT and LAN rules, and for the endpoint's NAT", () => {
    const ns = harness.get("tenant-full-cluster-ns", "kubernetes:core/v1:Namespace");
    for (const r of [
      ...opn("DhcpSubnet"),
      ...opn("SourceNatRule").filter((s) => s.name.includes("-router-")),
    ])
      assert.ok(ns.dependsOn.includes(r.urn), `namespace after ${r.name}`);
    assert.ok(ns.dependsOn.includes(harness.get("tenant-full-fip-api-binat").urn));
    assert.ok(ns.dependsOn.includes(harness.get("tenant-full-fip-api-reflect").urn));
  });

  it("node NICs get the LAN MTU from the spec", () => {
    for (const t of harness.ofType("VSphereMachineTemplate"))
      assert.equal(t.inputs.spec.template.spec.network.devices[0].mtu, 1450);
  });

  it("pod and service networks stay clear of the LANs, the tunnel and the WAN addresses by default", () => {
    const kcp = harness.ofType("kubernetes:cluster.x-k8s.io/v1beta2:Cluster")[0].inputs.spec.clusterNetwork;
    const pods = kcp.pods.cidrBlocks[0];
    const services = kcp.services.cidrBlocks[0];
    for (const ip of ["10.0.1.1", "10.0.2.1", "10.99.0.1", "192.168.200.110", "192.168.200.31"]) {
      assert.ok(!cidrContainsIp(pods, ip), `${pods} vs ${ip}`);
      assert.ok(!cidrContainsIp(services, ip), `${services} vs ${ip}`);
    }
  });
});

describe("tenant router: a VPN without floating IPs in reach", function () {
  this.timeout(60_000);
  it("gets no redirects, and clients do not route floating IPs", async () => {
    const v = exampleValues("full");
    v.tenant.vpn.reach = ["lan1"];
    const out = await runTenant(v);
    assert.equal(opn("PortForward").length, 0);
    const cfgs = (await resolve(out.wireguardPeerConfigs)) as Record<string, string>;
    assert.equal(cfgs.alice.match(/^AllowedIPs = (.*)$/m)![1], "10.99.0.0/24, 10.0.1.0/24");
    const alias = opn("Alias")[0].inputs.content;
    assert.deepEqual(alias, ["10.0.1.0/24"]);
  });
});

describe("tenant dynamic resources: when they run again", () => {
  it("RouterApiReady waits again for a new router VM only, not for a changed bootstrap key", async () => {
    const olds = {
      vmId: "vm-1",
      connection: { url: "https://a", apiKey: "old", apiSecret: "s" },
      timeoutMs: 1,
    };
    const key = await routerApiReadyProvider.diff!("id", olds, {
      ...olds,
      connection: { ...olds.connection, apiKey: "new" },
    });
    assert.deepEqual([key.changes, key.replaces], [false, []]);
    const vm = await routerApiReadyProvider.diff!("id", olds, { ...olds, vmId: "vm-2" });
    assert.deepEqual([vm.changes, vm.replaces], [true, ["vmId"]]);
  });

  it("a WireGuard key pair is replaced only for another peer name", async () => {
    const olds = { name: "alice", publicKey: "p", privateKey: "k" };
    assert.equal((await wireguardKeyPairProvider.diff!("id", olds, { name: "alice" })).changes, false);
    assert.deepEqual((await wireguardKeyPairProvider.diff!("id", olds, { name: "bob" })).replaces, ["name"]);
  });
});

describe("tenant router: ordering of rules on the wireguard interface group", function () {
  this.timeout(60_000);

  it("every rule or redirect on `wireguard` waits for the WireGuard instance (the group exists only once it is applied)", async () => {
    await runTenant(exampleValues("full"));
    const server = harness.ofType("pulumi-nodejs:dynamic/opnsense:WireguardServer");
    assert.equal(server.length, 1);
    const onGroup = harness.resources.filter(
      (r) => r.type.startsWith("pulumi-nodejs:dynamic/opnsense:") && r.inputs.interface === "wireguard",
    );
    assert.ok(
      onGroup.length > 1,
      "the full example has a client rule and port forwards on the wireguard group",
    );
    // Follow dependsOn transitively (a component's dependency covers its children).
    const byUrn = new Map(harness.resources.map((r) => [r.urn, r]));
    const dependsOnServer = (urn: string, seen = new Set<string>()): boolean => {
      if (urn === server[0].urn) return true;
      if (seen.has(urn)) return false;
      seen.add(urn);
      const r = byUrn.get(urn);
      if (!r) return false;
      return (
        r.dependsOn.some((d) => dependsOnServer(d, seen)) ||
        (r.parent ? dependsOnServer(r.parent, seen) : false)
      );
    };
    for (const r of onGroup)
      assert.ok(dependsOnServer(r.urn), `${r.name} must depend on the WireGuard instance`);
  });
});
