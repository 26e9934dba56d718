/**
 * Stack kind `tenant` (one stack per tenant, `tenant-<name>`): reads the onprem stack through a StackReference and
 * builds the tenant from components/tenant.
 *
 * Config: the automation service writes exactly `basphere:kind`, `basphere:tenant` and `basphere:allocations` (see
 * model/tenant/spec.ts); that is all a tenant stack needs. Platform-wide settings come from the onprem stack's
 * outputs (model/contracts.ts `OnpremOutputs`): the golden router template (name, shared API key/secret,
 * certificate fingerprint), the VSphereClusterIdentity for tenant clusters and the vCenter account of their vSphere
 * cloud provider (CPI).
 *
 * Precedence, per setting: this stack's own `basphere:<key>` (an operator override, e.g. to try a new template on
 * one tenant) > the onprem output > the built-in behaviour (`""` fingerprint: trust the system CA store; `""`
 * identity: CAPV's own credentials). Overrides: `routerTemplate` (> `routerTemplateName`), `routerApiKey` +
 * `routerApiSecret` together (> `routerTemplateApiKey`/`routerTemplateApiSecret`), `routerApiFingerprint`
 * (> `routerTemplateApiFingerprint`), `vsphereIdentity` (> `tenantClusterIdentity`), `cpiUsername` + `cpiPassword`
 * together (> `tenantCpiUsername`/`tenantCpiPassword`). An override of `""` for the fingerprint or identity
 * switches that setting off for this tenant. Secrets stay secrets whichever side they come from.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { Tenant } from "../components/tenant/tenant";
import { BasphereConfig, parseConfig } from "./config";
import { OnpremOutputs, onpremOutputKeys, onpremSecretOutputKeys } from "../model/contracts";
import { tenantSpecSchema } from "../model/tenant/spec";
import { sha256Fingerprint } from "../model/tenant/fields";
import { allocationsSchema, checkTenantAllocations } from "../model/tenant/allocations";

/** The tenant stack's config (`basphere:*`). */
export const configSchema = z
  .object({
    kind: z.literal("tenant").optional().describe("Stack kind; tenant for this stack"),
    /** The tenant spec (written by the service). */
    tenant: tenantSpecSchema.describe("The tenant spec, written by the automation service"),
    /** VLANs and WAN addresses allocated for the tenant (written by the service). */
    allocations: allocationsSchema.describe("VLANs and WAN addresses the service allocated for the tenant"),
    /**
     * The onprem stack to read. Default `onprem` (same project, same backend). On a DIY (file) backend the fully
     * qualified form is `organization/basphere/onprem`.
     */
    onpremStack: z
      .string()
      .min(1)
      .default("onprem")
      .describe("Name of the onprem stack to read (organization/basphere/onprem on a DIY backend)"),
    /** Override of the onprem output `routerTemplateName` (golden OPNsense template). */
    routerTemplate: z
      .string()
      .min(1)
      .optional()
      .describe("Override of the golden OPNsense template VM name (onprem output routerTemplateName)"),
    /** Override of the golden template's shared API key and secret (set both, as secrets). */
    routerApiKey: z
      .string()
      .min(1)
      .optional()
      .describe("secret: override of the golden template's API key; set with routerApiSecret"),
    routerApiSecret: z
      .string()
      .min(1)
      .optional()
      .describe("secret: override of the golden template's API secret; set with routerApiKey"),
    /** Override of the template's certificate fingerprint (SHA-256); `""` = trust the system CA store. */
    routerApiFingerprint: z
      .union([z.literal(""), sha256Fingerprint])
      .optional()
      .describe(
        "Override of the template's SHA-256 certificate fingerprint; empty string = trust the system CA store",
      ),
    /** Override of the VSphereClusterIdentity for the tenant cluster; `""` = CAPV's own credentials. */
    vsphereIdentity: z
      .string()
      .optional()
      .describe(
        "Override of the tenant cluster's VSphereClusterIdentity name; empty string = CAPV's own credentials",
      ),
    /** Override of the vCenter account of the tenant cluster's vSphere CPI (set both; the password as a secret). */
    cpiUsername: z
      .string()
      .min(1)
      .optional()
      .describe("Override of the vCenter user of the tenant cluster's vSphere CPI; set with cpiPassword"),
    cpiPassword: z
      .string()
      .min(1)
      .optional()
      .describe("secret: override of the vSphere CPI user's password; set with cpiUsername"),
  })
  .superRefine((c, ctx) => {
    checkTenantAllocations(c, ctx as any);
    for (const [a, b] of [
      ["routerApiKey", "routerApiSecret"],
      ["cpiUsername", "cpiPassword"],
    ] as const) {
      if ((c[a] === undefined) !== (c[b] === undefined)) {
        ctx.addIssue({
          code: "custom",
          path: [c[a] === undefined ? a : b],
          message: `is required with ${c[a] === undefined ? b : a}: override both or neither`,
        });
      }
    }
  });
/** The tenant stack's config after parsing (the service's three keys plus per-stack overrides). */
export type TenantStackSettings = z.infer<typeof configSchema>;

/** The onprem stack's outputs as a tenant reads them. */
export type OnpremReference = { [K in keyof OnpremOutputs]: pulumi.Output<OnpremOutputs[K]> };

/**
 * Reads every {@link OnpremOutputs} key (and nothing else) from a StackReference; a missing key fails the run
 * naming it. Keys listed in {@link onpremSecretOutputKeys} stay secret whatever the reference reports.
 */
export function readOnpremOutputs(ref: pulumi.StackReference): OnpremReference {
  const out: Record<string, pulumi.Output<unknown>> = {};
  for (const k of onpremOutputKeys) {
    const v = ref.requireOutput(k);
    out[k] = onpremSecretOutputKeys.includes(k) ? pulumi.secret(v) : v;
  }
  return out as OnpremReference;
}

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
  const onprem = readOnpremOutputs(ref);
  /** This stack's override if set, else the onprem output. */
  const pick = (override: string | undefined, fromOnprem: pulumi.Output<string>): pulumi.Output<string> =>
    override !== undefined ? pulumi.output(override) : fromOnprem;

  const tenant = new Tenant(`tenant-${c.tenant.name}`, {
    spec: c.tenant,
    allocations: c.allocations,
    onprem,
    routerTemplate: pick(c.routerTemplate, onprem.routerTemplateName),
    routerApiKey: pulumi.secret(pick(c.routerApiKey, onprem.routerTemplateApiKey)),
    routerApiSecret: pulumi.secret(pick(c.routerApiSecret, onprem.routerTemplateApiSecret)),
    routerApiFingerprint: pick(c.routerApiFingerprint, onprem.routerTemplateApiFingerprint),
    vsphereIdentity: pick(c.vsphereIdentity, onprem.tenantClusterIdentity),
    cpiCredentials: pulumi.secret(
      pulumi
        .all([pick(c.cpiUsername, onprem.tenantCpiUsername), pick(c.cpiPassword, onprem.tenantCpiPassword)])
        .apply(([username, password]) => ({ username, password })),
    ),
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
    // Every cluster by name: its endpoint, and its admin kubeconfig (secret).
    clusters: Object.keys(tenant.clusters).length
      ? Object.fromEntries(Object.entries(tenant.clusters).map(([n, c]) => [n, { endpoint: c.endpoint }]))
      : undefined,
    clusterKubeconfigs: Object.keys(tenant.clusters).length
      ? pulumi.secret(
          pulumi.all(Object.fromEntries(Object.entries(tenant.clusters).map(([n, c]) => [n, c.kubeconfig]))),
        )
      : undefined,
    wireguardEndpoint: tenant.vpn?.endpoint,
    wireguardPeerAddresses: tenant.vpn?.peerAddresses,
    wireguardPeerConfigs: tenant.vpn?.peerConfigs,
  };
}
