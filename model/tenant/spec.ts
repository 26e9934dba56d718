/**
 * The tenant spec: what one tenant asks for (router, LANs, cluster, VMs, floating IPs, VPN), with its defaults and
 * cross-field rules. Its parts: the fields and defaults in specShape.ts (clusters in clusterSpec.ts; VMs, floating
 * IPs and the VPN in workloadSpecs.ts), the cross-field rules in specRules.ts; this file joins them into
 * {@link tenantSpecSchema}. Its limits are in limits.ts, the shared field schemas in fields.ts, the allocations the service
 * hands a tenant (VLANs, WAN addresses) in allocations.ts, where each address goes in addressPlan.ts and lanPlan.ts.
 * No Pulumi imports in model/: the automation service imports this file to validate HTTP requests, and the `tenant`
 * stack uses it to validate its config.
 *
 * ## Stack config layout (written by the automation service into stack `tenant-<name>`)
 *
 * - `basphere:kind`: `tenant`
 * - `basphere:tenant`: one object, {@link tenantSpecSchema} (the request body the tenant sent, after defaults).
 * - `basphere:allocations`: one object, `allocationsSchema` (allocations.ts):
 *   - `lan1VlanId`, `lan2VlanId`: VLAN ids of the tenant's two LAN port groups (never shared between tenants);
 *   - `routerWanAddress` (optional): the WAN address reserved for the tenant router (see components/tenant/tenantRouter.ts);
 *   - `floatingIps`: the WAN addresses reserved for the tenant's floating IPs. Each entry is either
 *     `{name, address}` (bound to the floating IP of that name — what the service writes, so that removing one
 *     floating IP never moves the others) or a bare address (a pool handed to the remaining floating IPs in spec
 *     order — convenient for hand-written stacks).
 *
 * Those three keys are all a tenant stack needs: the platform-wide settings (golden router template and its shared
 * API key, the CAPV identity, the vCenter account of tenant clusters' vSphere CPI) come from the onprem stack's
 * outputs. An operator may still override them per stack (`basphere:routerTemplate`, `basphere:routerApiKey`, …;
 * see stacks/tenant.ts for the keys and their precedence) or point at another onprem stack
 * (`basphere:onpremStack`).
 */
import { z } from "zod";
import { CLUSTER_TARGET } from "./limits";
import { clusterTarget, legacyClusterNamespace } from "./clusterSpec";
import { type RefineCtx } from "./fields";
import { tenantObject } from "./specShape";
import { checkTenantSpec } from "./specRules";

export * from "./clusterSpec";
export * from "./workloadSpecs";
export { checkTenantSpec } from "./specRules";

/** The tenant spec (`basphere:tenant`), with every cross-field rule. */
export const tenantSpecSchema = tenantObject.superRefine((t, ctx) =>
  checkTenantSpec(t, ctx as unknown as RefineCtx),
);
export type TenantSpec = z.infer<typeof tenantSpecSchema>;
/** The tenant spec as a client writes it (defaults not yet applied). */
export type TenantSpecInput = z.input<typeof tenantSpecSchema>;

/**
 * The spec with its single `cluster` written as a one-element `clusters` (the same cluster, kept in its namespace;
 * a floating IP targeting `cluster` now targets `cluster:<name>`): how the service stores specs from now on. A spec
 * without `cluster` is returned as is.
 */
export function withClusterList(t: TenantSpec): TenantSpec {
  if (!t.cluster) return t;
  const { cluster, ...rest } = t;
  const name = cluster.name ?? t.name;
  return {
    ...rest,
    clusters: [{ ...cluster, name, namespace: legacyClusterNamespace(t.name) }],
    // `cluster` named the only cluster; with a list it names it explicitly (so a second one can be added).
    floatingIps: t.floatingIps.map((f) =>
      f.target === CLUSTER_TARGET ? { ...f, target: clusterTarget(name) } : f,
    ),
  };
}
