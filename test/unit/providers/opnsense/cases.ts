/**
 * One scenario per resource kind: inputs to create, an update that changes one argument, the collection the
 * emulator stores it in, and what the stored API record must hold.
 */
import { Emulator } from "../../../../providers/opnsense/emulator";
import { OpnsenseConnection } from "../../../../providers/opnsense/types";
import { WG_KEY_A, WG_KEY_B, connectionOf } from "./helpers";

export interface Case {
  kind: string;
  collection: string;
  args: Record<string, unknown>;
  update: Record<string, unknown>;
  /** API fields expected in the stored record after create. */
  stored: Record<string, string>;
  /** Stored after the update. */
  storedAfterUpdate: Record<string, string>;
  /** Apply path expected after every change. */
  apply: string;
  /** Prepares prerequisites (returns extra args). */
  setup?: (emu: Emulator) => Promise<Record<string, unknown>>;
}

export const CASES: Case[] = [
  {
    kind: "VirtualIp",
    collection: "vip",
    args: { address: "192.168.200.50", description: "tenant-a" },
    update: { description: "tenant-a public" },
    stored: {
      interface: "wan",
      mode: "ipalias",
      subnet: "192.168.200.50",
      subnet_bits: "32",
      descr: "tenant-a",
    },
    storedAfterUpdate: { descr: "tenant-a public", subnet: "192.168.200.50" },
    apply: "/api/interfaces/vip_settings/reconfigure",
  },
  {
    kind: "OneToOneNat",
    collection: "onetoone",
    args: { external: "192.168.200.50", internal: "10.20.0.10", natReflection: "enable", description: "web" },
    update: { natReflection: "disable" },
    stored: {
      interface: "wan",
      type: "binat",
      external: "192.168.200.50",
      source_net: "10.20.0.10",
      destination_net: "any",
      natreflection: "enable",
      enabled: "1",
    },
    storedAfterUpdate: { natreflection: "disable", external: "192.168.200.50" },
    apply: "/api/firewall/one_to_one/apply",
  },
  {
    kind: "PortForward",
    collection: "dnat",
    args: {
      protocol: "tcp",
      destination: "wanip",
      destinationPort: "8443",
      target: "10.20.0.10",
      targetPort: "443",
      description: "web",
    },
    update: { targetPort: "8080" },
    stored: {
      interface: "wan",
      protocol: "tcp",
      "destination.network": "wanip",
      "destination.port": "8443",
      target: "10.20.0.10",
      "local-port": "443",
      pass: "rule",
      disabled: "0",
      descr: "web",
      ipprotocol: "inet",
    },
    storedAfterUpdate: { "local-port": "8080", "destination.port": "8443" },
    apply: "/api/firewall/d_nat/apply",
  },
  {
    kind: "SourceNatRule",
    collection: "snat",
    args: { sourceNet: "10.20.0.0/24", description: "tenant out" },
    update: { target: "192.168.200.50" },
    stored: {
      interface: "wan",
      source_net: "10.20.0.0/24",
      target: "wanip",
      enabled: "1",
      description: "tenant out",
    },
    storedAfterUpdate: { target: "192.168.200.50", source_net: "10.20.0.0/24" },
    apply: "/api/firewall/source_nat/apply",
  },
  {
    kind: "FirewallRule",
    collection: "filter",
    args: {
      action: "pass",
      interface: "lan,opt1",
      protocol: "tcp",
      destinationNet: "10.20.0.10",
      destinationPort: "443",
      description: "allow web",
      log: true,
    },
    update: { action: "block" },
    stored: {
      action: "pass",
      interface: "lan,opt1",
      protocol: "TCP",
      destination_net: "10.20.0.10",
      destination_port: "443",
      log: "1",
      direction: "in",
      ipprotocol: "inet",
      source_net: "any",
    },
    storedAfterUpdate: { action: "block", protocol: "TCP" },
    apply: "/api/firewall/filter/apply",
  },
  {
    kind: "Alias",
    collection: "alias",
    args: { name: "tenant_hosts", type: "host", content: ["10.20.0.10", "10.20.0.11"], description: "hosts" },
    update: { content: ["10.20.0.10", "10.20.0.12"] },
    stored: { name: "tenant_hosts", type: "host", content: "10.20.0.10\n10.20.0.11", enabled: "1" },
    storedAfterUpdate: { content: "10.20.0.10\n10.20.0.12", name: "tenant_hosts" },
    apply: "/api/firewall/alias/reconfigure",
  },
  {
    kind: "WireguardServer",
    collection: "wgServer",
    args: {
      name: "tenant-wg",
      port: 51820,
      tunnelAddress: ["10.99.0.1/24"],
      mtu: 1420,
      privateKey: WG_KEY_A,
    },
    update: { port: 51821 },
    stored: {
      name: "tenant-wg",
      port: "51820",
      tunneladdress: "10.99.0.1/24",
      mtu: "1420",
      privkey: WG_KEY_A,
      enabled: "1",
    },
    storedAfterUpdate: { port: "51821", privkey: WG_KEY_A },
    apply: "/api/wireguard/service/reconfigure",
  },
  {
    kind: "WireguardPeer",
    collection: "wgClient",
    args: { name: "laptop", publicKey: WG_KEY_B, tunnelAddress: ["10.99.0.2/32"], keepalive: 25 },
    update: { tunnelAddress: ["10.99.0.2/32", "10.98.0.0/24"] },
    stored: {
      name: "laptop",
      pubkey: WG_KEY_B,
      tunneladdress: "10.99.0.2/32",
      keepalive: "25",
      enabled: "1",
    },
    storedAfterUpdate: { tunneladdress: "10.99.0.2/32,10.98.0.0/24" },
    apply: "/api/wireguard/service/reconfigure",
    async setup(emu) {
      const { provider } = await import("./helpers");
      const r = await provider("WireguardServer").create({
        connection: connectionOf(emu),
        resourceKey: "t/s/wg",
        name: "wg0",
        port: 51820,
        tunnelAddress: ["10.99.0.1/24"],
      });
      return { serverUuid: r.id };
    },
  },
  {
    kind: "DhcpSubnet",
    collection: "keaSubnet",
    args: {
      interface: "lan",
      subnet: "10.20.0.0/24",
      pools: ["10.20.0.100-10.20.0.200"],
      routers: ["10.20.0.1"],
      dnsServers: ["10.20.0.1"],
      domainName: "tenant.example",
    },
    update: { pools: ["10.20.0.100-10.20.0.150", "10.20.0.160-10.20.0.170"] },
    stored: {
      subnet: "10.20.0.0/24",
      pools: "10.20.0.100-10.20.0.200",
      "option_data.routers": "10.20.0.1",
      "option_data.domain_name_servers": "10.20.0.1",
      "option_data.domain_name": "tenant.example",
      option_data_autocollect: "0",
    },
    storedAfterUpdate: { pools: "10.20.0.100-10.20.0.150\n10.20.0.160-10.20.0.170" },
    apply: "/api/kea/service/reconfigure",
  },
];

/** The provider inputs of a case: connection, resource key, its arguments and what its setup prepared. */
export async function inputsOf(
  c: Case,
  emu: Emulator,
  resourceKey: string,
  connection: OpnsenseConnection = connectionOf(emu),
): Promise<Record<string, unknown> & { connection: OpnsenseConnection; resourceKey: string }> {
  const extra = c.setup ? await c.setup(emu) : {};
  return { connection, resourceKey, ...c.args, ...extra };
}
