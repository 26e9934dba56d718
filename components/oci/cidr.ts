/**
 * IPv4 address and CIDR helpers for the OCI stack, built on ipaddr.js.
 */
import * as ipaddr from "ipaddr.js";

/** True if `s` is an IPv4 CIDR in canonical form (`10.42.0.0/16`: no host bits set). */
export function isIpv4Cidr(s: string): boolean {
  if (!ipaddr.IPv4.isValidCIDRFourPartDecimal(s)) return false;
  return `${ipaddr.IPv4.networkAddressFromCIDR(s).toString()}/${ipaddr.IPv4.parseCIDR(s)[1]}` === s;
}

/** True if `s` is a dotted-quad IPv4 address. */
export function isIpv4(s: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(s);
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

/** True if CIDR `inner` lies entirely within CIDR `outer`. */
export function cidrContains(outer: string, inner: string): boolean {
  const [oAddr, oLen] = ipaddr.IPv4.parseCIDR(outer);
  const [iAddr, iLen] = ipaddr.IPv4.parseCIDR(inner);
  return iLen >= oLen && iAddr.match(oAddr, oLen);
}

/** True if the two CIDRs share at least one address. */
export function cidrsOverlap(a: string, b: string): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

/** The n-th address of a CIDR (n=0 is the network address). Throws if it falls outside the block. */
export function hostAddress(cidr: string, n: number): string {
  const [addr, len] = ipaddr.IPv4.parseCIDR(cidr);
  const size = 2 ** (32 - len);
  if (n < 0 || n >= size) throw new Error(`address #${n} is outside ${cidr}`);
  const base = addr.toByteArray().reduce((acc, b) => acc * 256 + b, 0);
  const v = base + n;
  return [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join(".");
}
