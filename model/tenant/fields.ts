/**
 * Field schemas the tenant spec and the allocations share (zod): bounded strings, DNS labels, IPv4 addresses and
 * CIDRs, LAN CIDRs, port rules, and the helpers of their cross-field checks. Every message names the rule broken.
 */
import { z } from "zod";
import { isIpv4, parseIpv4Cidr } from "../net/ipv4";
import { IPV4_CIDR_MAX, IPV4_MAX } from "./limits";
import { planLan } from "./lanPlan";

/** SHA-256 certificate fingerprint, as the OPNsense connection takes it (64 hex digits, colons optional). */
export const sha256Fingerprint = z
  .string()
  .regex(
    /^([0-9a-fA-F]{2}:?){31}[0-9a-fA-F]{2}$/,
    "must be a SHA-256 certificate fingerprint (64 hex digits, colons optional)",
  );

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const dnsLabel = (max: number) =>
  z
    .string()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .regex(
      DNS1123_LABEL,
      "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit",
    );

/** A string of at most `max` characters (the limit is named in the message). */
export const bounded = (max: number) => z.string().max(max, `must be at most ${max} characters`);
export const ipv4 = bounded(IPV4_MAX).refine(isIpv4, "must be an IPv4 address (a.b.c.d)");
export const ipv4Cidr = bounded(IPV4_CIDR_MAX).refine((s) => !!parseIpv4Cidr(s), "must be an IPv4 CIDR");
export const lanCidr = bounded(IPV4_CIDR_MAX).superRefine((s, ctx) => {
  try {
    const lan = planLan(s);
    if (lan.network !== s.split("/")[0]) throw new Error(`must be a network address (e.g. ${lan.cidr})`);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: (e as Error).message });
  }
});
export const lanName = z.enum(["lan1", "lan2"]);
export type LanName = z.infer<typeof lanName>;

/** A port (`22`) or an inclusive range (`"30000-32767"`). */
export const portSpec = z.union([
  z.number().int().min(1).max(65535),
  bounded(11)
    .regex(/^\d{1,5}(-\d{1,5})?$/, 'must be a port ("443") or a range ("30000-32767")')
    .refine((s) => {
      const [a, b] = s.split("-").map(Number);
      return a >= 1 && a <= 65535 && (b === undefined || (b > a && b <= 65535));
    }, "ports must be 1-65535 and a range must run upwards"),
]);
export const portRule = z.strictObject({
  protocol: z.enum(["tcp", "udp", "tcp/udp"]).default("tcp"),
  port: portSpec,
});
export type PortRule = z.infer<typeof portRule>;

/** Ports a floating IP opens when the spec names none: SSH and the Kubernetes NodePort range. */
export const DEFAULT_FLOATING_IP_PORTS: PortRule[] = [
  { protocol: "tcp", port: 22 },
  { protocol: "tcp", port: "30000-32767" },
];
/** Ports the cluster-endpoint floating IP opens when the spec names none: the API server. */
export const DEFAULT_CLUSTER_ENDPOINT_PORTS: PortRule[] = [{ protocol: "tcp", port: 6443 }];

export type RefineCtx = { addIssue(i: { code: "custom"; path: PropertyKey[]; message: string }): void };

export function duplicates<T>(
  items: T[],
  key: (t: T) => string | undefined,
  report: (index: number, value: string) => void,
): void {
  const seen = new Map<string, number>();
  items.forEach((it, i) => {
    const k = key(it);
    if (k === undefined) return;
    if (seen.has(k)) report(i, k);
    else seen.set(k, i);
  });
}

/** Cross-field checks of a tenant spec; `path` prefixes every issue (e.g. `["tenant"]`). */
