/**
 * What the service hands a tenant (`basphere:allocations`): the VLANs of its two LANs, the router's WAN address and
 * the floating IPs' WAN addresses; how floating IPs bind to those addresses; and the two config keys a tenant stack
 * needs (`basphere:tenant` + `basphere:allocations`) checked together.
 */
import { z } from "zod";
import { cidrContainsIp } from "../net/ipv4";
import { type RefineCtx, duplicates, ipv4 } from "./fields";
import { WAN_VLAN_ID } from "./limits";
import { type TenantSpec, tenantClusters, tenantSpecSchema } from "./spec";

const vlanId = z
  .number()
  .int()
  .min(1)
  .max(4094)
  .refine((v) => v !== WAN_VLAN_ID, `must not be the WAN VLAN ${WAN_VLAN_ID}`);

const allocationsObject = z.strictObject({
  lan1VlanId: vlanId.describe("VLAN ID of LAN 1 (1-4094, not the WAN VLAN)"),
  lan2VlanId: vlanId.describe("VLAN ID of LAN 2 (1-4094, not the WAN VLAN)"),
  /** WAN address reserved for the router (DHCP reservation on the top router for its static MAC). */
  routerWanAddress: ipv4
    .optional()
    .describe("WAN IPv4 address reserved for the router (DHCP reservation for its static MAC)"),
  /** Floating IP addresses: `{name, address}` bound by name, or bare addresses taken in spec order. */
  floatingIps: z
    .array(z.union([ipv4, z.strictObject({ name: z.string().min(1), address: ipv4 })]))
    .default([])
    .describe(
      "Floating IP WAN addresses: {name, address} bound by name, or bare addresses taken in spec order",
    ),
});

/** Allocations the service made for the tenant (`basphere:allocations`). */
export const allocationsSchema = allocationsObject.superRefine((a, ctx) => {
  if (a.lan1VlanId === a.lan2VlanId) {
    ctx.addIssue({
      code: "custom",
      path: ["lan2VlanId"],
      message: `must differ from lan1VlanId (${a.lan1VlanId})`,
    });
  }
  duplicates(
    a.floatingIps,
    (f) => (typeof f === "string" ? f : f.address),
    (i, v) =>
      ctx.addIssue({ code: "custom", path: ["floatingIps", i], message: `address ${v} is listed twice` }),
  );
  duplicates(
    a.floatingIps,
    (f) => (typeof f === "string" ? undefined : f.name),
    (i, v) =>
      ctx.addIssue({
        code: "custom",
        path: ["floatingIps", i, "name"],
        message: `floating IP "${v}" is bound twice`,
      }),
  );
  if (
    a.routerWanAddress &&
    a.floatingIps.some((f) => (typeof f === "string" ? f : f.address) === a.routerWanAddress)
  ) {
    ctx.addIssue({ code: "custom", path: ["routerWanAddress"], message: "is also listed as a floating IP" });
  }
});
export type Allocations = z.infer<typeof allocationsSchema>;

/**
 * Binds every floating IP of the spec to an allocated address: named entries first, then bare addresses in spec
 * order. Reports (through `issue`) floating IPs without an address and named entries that match no floating IP.
 */
export function bindFloatingIps(
  spec: Pick<TenantSpec, "floatingIps">,
  alloc: Pick<Allocations, "floatingIps">,
  issue: (path: PropertyKey[], message: string) => void = (p, m) => {
    throw new Error(`${p.join(".")}: ${m}`);
  },
): Map<string, string> {
  const out = new Map<string, string>();
  const names = new Set(spec.floatingIps.map((f) => f.name));
  const pool: string[] = [];
  alloc.floatingIps.forEach((f, i) => {
    if (typeof f === "string") pool.push(f);
    else if (!names.has(f.name))
      issue(["allocations", "floatingIps", i, "name"], `no floating IP named "${f.name}" in the tenant spec`);
    else out.set(f.name, f.address);
  });
  const unbound = spec.floatingIps.filter((f) => !out.has(f.name));
  if (unbound.length > pool.length) {
    issue(
      ["tenant", "floatingIps"],
      `${spec.floatingIps.length} floating IPs requested but the allocations provide ${out.size + pool.length} ` +
        `(more floating IPs than allowed; missing: ${unbound
          .slice(pool.length)
          .map((f) => f.name)
          .join(", ")})`,
    );
  }
  unbound.forEach((f, i) => {
    if (i < pool.length) out.set(f.name, pool[i]);
  });
  return out;
}

/** Both config keys the service writes, checked together (the `tenant` stack's core config). */
export const tenantConfigShape = { tenant: tenantSpecSchema, allocations: allocationsSchema };

/** Cross-checks between `tenant` and `allocations` (floating IP binding); used by the stack's config schema. */
export function checkTenantAllocations(
  c: { tenant: TenantSpec; allocations: Allocations },
  ctx: RefineCtx,
): void {
  bindFloatingIps(c.tenant, c.allocations, (path, message) =>
    ctx.addIssue({ code: "custom", path, message }),
  );
  // WAN addresses the tenant uses must stay reachable from its clusters' nodes and pods.
  const wan = [
    ...(c.allocations.routerWanAddress ? [c.allocations.routerWanAddress] : []),
    ...c.allocations.floatingIps.map((f) => (typeof f === "string" ? f : f.address)),
  ];
  for (const cluster of tenantClusters(c.tenant)) {
    for (const key of ["podCidr", "serviceCidr"] as const) {
      const hit = wan.find((a) => cidrContainsIp(cluster.spec[key], a));
      if (hit)
        ctx.addIssue({
          code: "custom",
          path: ["tenant", ...cluster.path, key],
          message: `${cluster.spec[key]} contains the tenant's WAN address ${hit} (allocations): pick a network that does not`,
        });
    }
  }
}

/** The two keys the service writes, validated together; what the service uses before it enqueues an `up`. */
export const tenantConfigSchema = z
  .strictObject(tenantConfigShape)
  .superRefine((c, ctx) => checkTenantAllocations(c, ctx as unknown as RefineCtx));
export type TenantConfig = z.infer<typeof tenantConfigSchema>;
