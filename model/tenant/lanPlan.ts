/**
 * Address planning for a tenant's LANs and WireGuard tunnel. Pure functions, no Pulumi (generic IPv4 helpers are in
 * model/net/ipv4.ts): the tenant spec schema uses them to validate addresses and the components use them to place routers, VIPs, VMs and pools.
 *
 * Layout of every tenant LAN (offsets from the network address, so the same layout works for any prefix /16../24):
 *
 * | offset   | use                                                                    |
 * |----------|------------------------------------------------------------------------|
 * | .1       | the tenant router (gateway, DNS) — fixed by the golden OPNsense template |
 * | .2–.9    | reserved (infrastructure)                                              |
 * | .10–.19  | API endpoint VIPs of the clusters on this LAN (kube-vip or Talos VIP), one each |
 * | .20–.99  | static addresses of standalone VMs (vSphere guest customization)       |
 * | .100–.199| in-cluster IPAM pools for cluster nodes (addressing: ipam), a block each |
 * | .200–.250| DHCP pool of the router (Kea)                                          |
 */
import * as ipaddr from "ipaddr.js";
import { intToIp, ipToInt, isIpv4, parseIpv4Cidr } from "../net/ipv4";

/** Host offsets of the LAN layout (see the table above). */
export const LAN_LAYOUT = {
  gateway: 1,
  kubeVip: 10,
  vipLast: 19,
  staticFirst: 20,
  staticLast: 99,
  ipamFirst: 100,
  ipamLast: 199,
  dhcpFirst: 200,
  dhcpLast: 250,
} as const;

/** Smallest and largest accepted LAN prefix (the layout needs 251 host offsets). */
export const LAN_PREFIX_MIN = 16;
export const LAN_PREFIX_MAX = 24;

/** An inclusive address range. */
export interface AddressRange {
  first: string;
  last: string;
}

/** Where everything sits on one tenant LAN. */
export interface LanPlan {
  /** CIDR as given, normalised to the network address, e.g. `10.0.1.0/24`. */
  cidr: string;
  network: string;
  prefix: number;
  /** Dotted netmask, e.g. `255.255.255.0`. */
  netmask: string;
  /** Broadcast address (last address of the subnet). */
  broadcast: string;
  /** Router address (gateway and DNS of the LAN). */
  gateway: string;
  /** First API endpoint VIP (the one a single cluster on this LAN gets). */
  kubeVip: string;
  /** API endpoint VIPs of the clusters on this LAN. */
  vipRange: AddressRange;
  /** Static addresses for standalone VMs. */
  staticRange: AddressRange;
  /** In-cluster IPAM pool (cluster nodes with `addressing: ipam`). */
  ipamRange: AddressRange;
  /** The router's DHCP pool. */
  dhcpRange: AddressRange;
}

/** True if `ip` lies inside the inclusive range. */
export function rangeContains(r: AddressRange, ip: string): boolean {
  if (!isIpv4(ip)) return false;
  const n = ipToInt(ip);
  return n >= ipToInt(r.first) && n <= ipToInt(r.last);
}

/** Number of addresses in an inclusive range. */
export function rangeSize(r: AddressRange): number {
  return ipToInt(r.last) - ipToInt(r.first) + 1;
}

/** `first-last`, the range syntax of Kea pools and the in-cluster IPAM provider. */
export function formatRange(r: AddressRange): string {
  return `${r.first}-${r.last}`;
}

/** Parses `first-last` (both IPv4, first <= last); undefined when it is not that. */
export function parseRange(s: string): AddressRange | undefined {
  const m = /^([0-9.]+)-([0-9.]+)$/.exec(s);
  if (!m || !isIpv4(m[1]) || !isIpv4(m[2]) || ipToInt(m[1]) > ipToInt(m[2])) return undefined;
  return { first: m[1], last: m[2] };
}

/** True when the two inclusive ranges share an address. */
export function rangesOverlap(a: AddressRange, b: AddressRange): boolean {
  return ipToInt(a.first) <= ipToInt(b.last) && ipToInt(b.first) <= ipToInt(a.last);
}

/** True when `inner` lies inside `outer`. */
export function rangeWithin(inner: AddressRange, outer: AddressRange): boolean {
  return ipToInt(inner.first) >= ipToInt(outer.first) && ipToInt(inner.last) <= ipToInt(outer.last);
}

/** Plans one LAN; throws if the CIDR is not IPv4 or its prefix is outside /16../24. */
export function planLan(cidr: string): LanPlan {
  const c = parseIpv4Cidr(cidr);
  if (!c) throw new Error(`"${cidr}" is not an IPv4 CIDR`);
  if (c.prefix < LAN_PREFIX_MIN || c.prefix > LAN_PREFIX_MAX) {
    throw new Error(
      `prefix /${c.prefix} of ${cidr} must be between /${LAN_PREFIX_MIN} and /${LAN_PREFIX_MAX}`,
    );
  }
  const base = ipToInt(c.network);
  const at = (offset: number) => intToIp(base + offset);
  const L = LAN_LAYOUT;
  return {
    cidr: `${c.network}/${c.prefix}`,
    network: c.network,
    prefix: c.prefix,
    netmask: ipaddr.IPv4.subnetMaskFromPrefixLength(c.prefix).toString(),
    broadcast: ipaddr.IPv4.broadcastAddressFromCIDR(cidr).toString(),
    gateway: at(L.gateway),
    kubeVip: at(L.kubeVip),
    vipRange: { first: at(L.kubeVip), last: at(L.vipLast) },
    staticRange: { first: at(L.staticFirst), last: at(L.staticLast) },
    ipamRange: { first: at(L.ipamFirst), last: at(L.ipamLast) },
    dhcpRange: { first: at(L.dhcpFirst), last: at(L.dhcpLast) },
  };
}

/**
 * Gives every item an address from a range: items with an explicit address keep it, the others take the lowest
 * free addresses in their list order. Throws when the range is exhausted or an explicit address is outside it
 * or taken twice. Keyed by item name.
 */
export function assignAddresses(
  items: { name: string; address?: string }[],
  range: AddressRange,
  what = "address",
): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<number>();
  for (const it of items) {
    if (it.address === undefined) continue;
    if (!rangeContains(range, it.address)) {
      throw new Error(`${what} ${it.address} of ${it.name} is outside ${formatRange(range)}`);
    }
    const n = ipToInt(it.address);
    if (used.has(n)) throw new Error(`${what} ${it.address} of ${it.name} is used twice`);
    used.add(n);
    out.set(it.name, it.address);
  }
  let next = ipToInt(range.first);
  const last = ipToInt(range.last);
  for (const it of items) {
    if (it.address !== undefined) continue;
    while (used.has(next)) next++;
    if (next > last) throw new Error(`no free ${what} left in ${formatRange(range)} for ${it.name}`);
    used.add(next);
    out.set(it.name, intToIp(next));
  }
  return out;
}

/** The WireGuard tunnel: the router takes the first host address, peers the following ones. */
export interface TunnelPlan {
  cidr: string;
  prefix: number;
  /** Router's tunnel address. */
  server: string;
  /** Addresses peers may take. */
  peerRange: AddressRange;
}

/** Plans a WireGuard tunnel network (IPv4, /16../29). */
export function planTunnel(cidr: string): TunnelPlan {
  const c = parseIpv4Cidr(cidr);
  if (!c) throw new Error(`"${cidr}" is not an IPv4 CIDR`);
  if (c.prefix < 16 || c.prefix > 29)
    throw new Error(`prefix /${c.prefix} of ${cidr} must be between /16 and /29`);
  const base = ipToInt(c.network);
  const broadcast = base + 2 ** (32 - c.prefix) - 1;
  return {
    cidr: `${c.network}/${c.prefix}`,
    prefix: c.prefix,
    server: intToIp(base + 1),
    peerRange: { first: intToIp(base + 2), last: intToIp(broadcast - 1) },
  };
}

/**
 * A deterministic VMware MAC address (static range 00:50:56:00:00:00–00:50:56:3f:ff:ff) derived from a seed, so
 * a DHCP reservation for a VM's NIC can exist before the VM does.
 */
export function staticMacFor(seed: string): string {
  // FNV-1a, 32 bit: small, stable, good enough to spread tenants over the 22-bit static range.
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const v = h & 0x3fffff;
  const hex = (n: number) => n.toString(16).padStart(2, "0");
  return `00:50:56:${hex((v >>> 16) & 0x3f)}:${hex((v >>> 8) & 0xff)}:${hex(v & 0xff)}`;
}
