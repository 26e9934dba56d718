/**
 * Stack kind `tenant` (one stack per tenant, `tenant-<name>`): reads the onprem stack through a StackReference and
 * builds the tenant from components/tenant. Config: `basphere:tenant` + `basphere:allocations` (written by the
 * automation service; see stacks/tenantSpec.ts) and the operator keys below.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { Tenant } from "../components/tenant/tenant";
import { DEFAULT_ROUTER_TEMPLATE } from "../components/tenant/tenantRouter";
import { BasphereConfig, parseConfig } from "./config";
import { OnpremOutputs, onpremOutputKeys } from "./contracts";
import { allocationsSchema, checkTenantAllocations, tenantSpecSchema } from "./tenantSpec";

/** The tenant stack's config (`basphere:*`). */
export const configSchema = z
  .object({
    kind: z.literal("tenant").optional(),
    /** The tenant spec (written by the service). */
    tenant: tenantSpecSchema,
    /** VLANs and WAN addresses allocated for the tenant (written by the service). */
    allocations: allocationsSchema,
    /**
     * The onprem stack to read. Default `onprem` (same project, same backend). On a DIY (file) backend the fully
     * qualified form is `organization/basphere/onprem`.
     */
    onpremStack: z.string().min(1).default("onprem"),
    /** Golden OPNsense template. Default `opnsense-26.7-golden`. */
    routerTemplate: z.string().min(1).default(DEFAULT_ROUTER_TEMPLATE),
    /** The golden template's shared API key and secret (set as secrets); rotated away on each new router. */
    routerApiKey: z.string().min(1, "is required: the golden router template's API key"),
    routerApiSecret: z.string().min(1, "is required: the golden router template's API secret"),
    /** SHA-256 fingerprint of the golden template's web GUI certificate. Default: the system CA store. */
    routerApiFingerprint: z.string().optional(),
    /** A VSphereClusterIdentity CAPV should use for tenant clusters. Default: CAPV's own credentials. */
    vsphereIdentity: z.string().min(1).optional(),
  })
  .superRefine((c, ctx) => checkTenantAllocations(c, ctx as any));
export type TenantStackConfig = z.infer<typeof configSchema>;

/** Builds the tenant; returns the stack outputs. */
export async function run(config: BasphereConfig): Promise<Record<string, pulumi.Input<unknown>>> {
  const c = parseConfig(configSchema, config.values, "tenant stack config");
  const stack = pulumi.getStack();
  if (stack.startsWith("tenant-") && stack !== `tenant-${c.tenant.name}`) {
    throw new Error(
      `stack ${stack} holds tenant "${c.tenant.name}": a tenant's stack must be named tenant-${c.tenant.name}`,
    );
  }

  const ref = new pulumi.StackReference("onprem", { name: c.onpremStack });
  const onprem = {} as { [K in keyof OnpremOutputs]: pulumi.Output<OnpremOutputs[K]> };
  for (const k of onpremOutputKeys) (onprem as any)[k] = ref.requireOutput(k);
  onprem.managementKubeconfig = pulumi.secret(onprem.managementKubeconfig);

  const tenant = new Tenant(`tenant-${c.tenant.name}`, {
    spec: c.tenant,
    allocations: c.allocations,
    onprem,
    routerTemplate: c.routerTemplate,
    routerApiKey: pulumi.secret(c.routerApiKey),
    routerApiSecret: pulumi.secret(c.routerApiSecret),
    routerApiFingerprint: c.routerApiFingerprint,
    vsphereIdentity: c.vsphereIdentity,
  });

  return {
    tenantName: c.tenant.name,
    routerWanAddress: tenant.router.wanAddress,
    routerWanMac: tenant.router.wanMac,
    lan1PortGroup: tenant.network.lan1.portGroupName,
    lan2PortGroup: tenant.network.lan2.portGroupName,
    vmAddresses: Object.fromEntries(Object.entries(tenant.vms).map(([n, v]) => [n, v.address])),
    floatingIps: tenant.floatingIpTable,
    clusterEndpoint: tenant.cluster?.endpoint,
    kubeconfig: tenant.cluster?.kubeconfig,
    wireguardEndpoint: tenant.vpn?.endpoint,
    wireguardPeerAddresses: tenant.vpn?.peerAddresses,
    wireguardPeerConfigs: tenant.vpn?.peerConfigs,
  };
}
