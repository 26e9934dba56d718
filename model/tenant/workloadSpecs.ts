/**
 * The tenant's standalone VMs, floating IPs and WireGuard VPN in the spec: their schemas and defaults. Part of the
 * tenant spec (spec.ts).
 */
import { z } from "zod";
import {
  type PortRule,
  DEFAULT_CLUSTER_ENDPOINT_PORTS,
  DEFAULT_FLOATING_IP_PORTS,
  bounded,
  dnsLabel,
  duplicates,
  ipv4,
  lanName,
  portRule,
} from "./fields";
import { planTunnel } from "./lanPlan";
import {
  CLUSTER_TARGET,
  IPV4_CIDR_MAX,
  MAX_FLOATING_IP_PORTS,
  MAX_VPN_PEERS,
  TEMPLATE_NAME_MAX,
} from "./limits";

/** A standalone VM on one tenant LAN. */
export const tenantVmSpecSchema = z.strictObject({
  name: dnsLabel(40).describe("VM name (DNS-1123 label, at most 40 characters)"),
  /** LAN; default `lan1`. */
  network: lanName.default("lan1").describe("Tenant LAN the VM sits on"),
  /** vCPUs, default 2. */
  cpus: z.number().int().min(1).max(64).default(2).describe("vCPUs"),
  /** Memory in MiB, default 2048. */
  memoryMiB: z.number().int().min(512).max(524288).default(2048).describe("Memory in MiB"),
  /** System disk in GB, default 20 (never smaller than the template's disk). */
  diskGb: z
    .number()
    .int()
    .min(1)
    .max(4096)
    .default(20)
    .describe("System disk in GB (never smaller than the template's disk)"),
  /** vSphere template to clone; default `ubuntu-24.04-cloud`. */
  template: bounded(TEMPLATE_NAME_MAX)
    .min(1)
    .default("ubuntu-24.04-cloud")
    .describe("vSphere template to clone"),
  /**
   * Static address in the LAN's static range (.20–.99). Default: chosen once and kept (addressPins.ts): the service
   * writes it into the stored spec; `basphere pin-addresses` writes it into a hand-written stack config.
   */
  address: ipv4
    .optional()
    .describe(
      "Static IPv4 address in the LAN's static range (.20-.99); default: the lowest free one, chosen once and kept (written into the stored spec)",
    ),
});
export type TenantVmSpec = z.infer<typeof tenantVmSpecSchema>;

/** A floating IP: a WAN address held by the router and mapped 1:1 to a tenant address. */
export const floatingIpSpecSchema = z.strictObject({
  name: dnsLabel(24).describe("Floating IP name (DNS-1123 label, at most 24 characters)"),
  /**
   * A VM name, `cluster:<name>` (that cluster's API endpoint; `cluster` alone for a tenant's only cluster) or an IPv4
   * address on a tenant LAN.
   */
  target: bounded(48)
    .min(1)
    .describe(
      "What it maps to: a VM name, cluster:<name> (that cluster's API endpoint; cluster for the only one) or an IPv4 address on a tenant LAN",
    ),
  /** Ports opened from the WAN; default SSH + NodePorts (22, 30000-32767), or 6443 for `cluster`. */
  ports: z
    .array(portRule)
    .min(1)
    .max(MAX_FLOATING_IP_PORTS, `must have at most ${MAX_FLOATING_IP_PORTS} port rules`)
    .optional()
    .describe(
      "Ports opened from the WAN ({protocol, port}); default 22 and 30000-32767, or 6443 for cluster",
    ),
});
export type FloatingIpSpec = z.infer<typeof floatingIpSpecSchema>;

const wgKey = bounded(44).regex(
  /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/,
  "must be a WireGuard key (44 characters of base64 encoding 32 bytes)",
);

/** A WireGuard peer (a tenant user's device). */
export const vpnPeerSpecSchema = z.strictObject({
  name: dnsLabel(32).describe("Peer name (DNS-1123 label, at most 32 characters)"),
  /** The peer's public key; if omitted, a key pair is generated and the private key is returned as a secret. */
  publicKey: wgKey
    .optional()
    .describe(
      "WireGuard public key (base64); if omitted, a key pair is generated and the private key returned as a secret",
    ),
  /** Tunnel address; default: chosen once and kept, like a VM's static address. */
  address: ipv4
    .optional()
    .describe(
      "Tunnel IPv4 address; default: the lowest free one, chosen once and kept (written into the stored spec)",
    ),
});
export type VpnPeerSpec = z.infer<typeof vpnPeerSpecSchema>;

/** The tenant's WireGuard server on the router. */
export const tenantVpnSpecSchema = z.strictObject({
  /** UDP port on the router's WAN address; default 51820. */
  port: z
    .number()
    .int()
    .min(1024)
    .max(65535)
    .default(51820)
    .describe("WireGuard UDP port on the router's WAN address"),
  /** Tunnel network; the router takes .1. Default 10.99.0.0/24. */
  tunnelCidr: bounded(IPV4_CIDR_MAX)
    .superRefine((s, ctx) => {
      try {
        planTunnel(s);
      } catch (e) {
        ctx.addIssue({ code: "custom", message: (e as Error).message });
      }
    })
    .default("10.99.0.0/24")
    .describe("Tunnel network IPv4 CIDR; the router takes .1"),
  /** What the tunnel reaches (client AllowedIPs besides the tunnel): default floating IPs and both LANs. */
  reach: z
    .array(z.enum(["floatingIps", "lan1", "lan2"]))
    .max(3, "must have at most 3 entries (floatingIps, lan1, lan2)")
    .superRefine((reach, ctx) =>
      duplicates(
        reach,
        (r) => r,
        (i, v) => ctx.addIssue({ code: "custom", path: [i], message: `"${v}" is listed twice` }),
      ),
    )
    .default(["floatingIps", "lan1", "lan2"])
    .describe(
      "What clients reach through the tunnel (their AllowedIPs besides the tunnel), each at most once",
    ),
  /** Keepalive in seconds that client configurations carry; default 25. */
  keepalive: z
    .number()
    .int()
    .min(0)
    .max(3600)
    .default(25)
    .describe("Persistent keepalive in seconds in client configurations"),
  peers: z
    .array(vpnPeerSpecSchema)
    .max(MAX_VPN_PEERS, `must have at most ${MAX_VPN_PEERS} peers`)
    .default([])
    .describe("WireGuard peers (tenant users' devices): {name, publicKey, address}"),
});
export type TenantVpnSpec = z.infer<typeof tenantVpnSpecSchema>;

/** Effective ports of a floating IP (the spec's, or the defaults for its target). */
export function floatingIpPorts(f: FloatingIpSpec): PortRule[] {
  return (
    f.ports ??
    (f.target === CLUSTER_TARGET || f.target.startsWith(`${CLUSTER_TARGET}:`)
      ? DEFAULT_CLUSTER_ENDPOINT_PORTS
      : DEFAULT_FLOATING_IP_PORTS)
  );
}
