/**
 * IPv4 address and CIDR helpers, built on ipaddr.js: the one place every layer takes them from (the tenant spec,
 * the OCI network, the OPNsense field schemas, the allocator). Pure functions; invalid input gives `false` or
 * `undefined`, never an exception, except where a function says it throws.
 */
import * as ipaddr from "ipaddr.js";
import { z } from "zod";

/** True for a dotted-quad IPv4 address (`10.0.1.5`; no CIDR, no shorthand). */
export function isIpv4(s: string): boolean {
  return typeof s === "string" && ipaddr.IPv4.isValidFourPartDecimal(s);
}

/** True if `s` is an IPv4 CIDR in canonical form (`10.42.0.0/16`: no host bits set). */
export function isIpv4Cidr(s: string): boolean {
  const c = parseIpv4Cidr(s);
  return c !== undefined && `${c.network}/${c.prefix}` === s;
}

/**
 * Parses `a.b.c.d/n` (four-part decimal, no shorthand; host bits allowed) into its network address and prefix;
 * undefined if it is not an IPv4 CIDR.
 */
export function parseIpv4Cidr(cidr: string): { network: string; prefix: number } | undefined {
  if (typeof cidr !== "string" || !ipaddr.IPv4.isValidCIDRFourPartDecimal(cidr)) return undefined;
  const prefix = ipaddr.IPv4.parseCIDR(cidr)[1];
  return { network: ipaddr.IPv4.networkAddressFromCIDR(cidr).toString(), prefix };
}

/** Converts a dotted IPv4 address to an unsigned 32-bit number. */
export function ipToInt(ip: string): number {
  const b = ipaddr.IPv4.parse(ip).toByteArray();
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

/** Converts an unsigned 32-bit number to a dotted IPv4 address. */
export function intToIp(n: number): string {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join(".");
}

/** True if address `ip` lies inside `cidr` (false when either is not IPv4). */
export function cidrContainsIp(cidr: string, ip: string): boolean {
  return (
    parseIpv4Cidr(cidr) !== undefined &&
    isIpv4(ip) &&
    ipaddr.IPv4.parse(ip).match(ipaddr.IPv4.parseCIDR(cidr))
  );
}

/** True if CIDR `inner` lies entirely within CIDR `outer` (false when either is not an IPv4 CIDR). */
export function cidrContainsCidr(outer: string, inner: string): boolean {
  const o = parseIpv4Cidr(outer);
  const i = parseIpv4Cidr(inner);
  return o !== undefined && i !== undefined && i.prefix >= o.prefix && cidrContainsIp(outer, i.network);
}

/** True if two CIDRs share any address (false when either is not an IPv4 CIDR). */
export function cidrsOverlap(a: string, b: string): boolean {
  return cidrContainsCidr(a, b) || cidrContainsCidr(b, a);
}

/** The n-th address of a CIDR (n=0 is the network address). Throws if it falls outside the block. */
export function hostAddress(cidr: string, n: number): string {
  const c = parseIpv4Cidr(cidr);
  if (!c) throw new Error(`${cidr} is not an IPv4 CIDR`);
  const size = 2 ** (32 - c.prefix);
  if (!Number.isInteger(n) || n < 0 || n >= size) throw new Error(`address #${n} is outside ${cidr}`);
  return intToIp(ipToInt(c.network) + n);
}

/** Ranges that can never be an internet-facing VPN peer. Documentation ranges (TEST-NET) stay allowed for examples. */
const NON_PUBLIC = new Set([
  "unspecified",
  "broadcast",
  "multicast",
  "linkLocal",
  "loopback",
  "carrierGradeNat",
  "private",
]);

/** True if `s` is an IPv4 address usable as a public peer (not private, loopback, CGNAT, multicast, ...). */
export function isPublicIpv4(s: string): boolean {
  return isIpv4(s) && !NON_PUBLIC.has(ipaddr.IPv4.parse(s).range());
}

/** Zod schema of a dotted-quad IPv4 address, with the message every config and API field uses. */
export function ipv4String(message = "must be an IPv4 address"): z.ZodString {
  return z.string().refine(isIpv4, message);
}
