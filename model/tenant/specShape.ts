/**
 * The shape of the tenant spec: every field with its default, before the cross-field rules (specRules.ts) that
 * spec.ts adds to make {@link tenantSpecSchema}.
 */
import { z } from "zod";
import { bounded, dnsLabel, lanCidr } from "./fields";
import { DOMAIN_NAME_MAX, MAX_CLUSTERS, MAX_FLOATING_IPS, MAX_VMS, TENANT_NAME_MAX } from "./limits";
import { tenantClusterListEntrySchema, tenantClusterSpecSchema } from "./clusterSpec";
import { floatingIpSpecSchema, tenantVmSpecSchema, tenantVpnSpecSchema } from "./workloadSpecs";

export const tenantObject = z.strictObject({
  /** Tenant name: a DNS-1123 label of at most 20 characters. The stack is `tenant-<name>`. */
  name: dnsLabel(TENANT_NAME_MAX).describe(
    "Tenant name (DNS-1123 label, at most 20 characters); the stack is tenant-<name>",
  ),
  /** LAN subnets; they must match the golden router template (default 10.0.1.0/24 and 10.0.2.0/24). */
  network: z
    .strictObject({
      lan1Cidr: lanCidr
        .default("10.0.1.0/24")
        .describe("IPv4 CIDR of LAN 1; must match the golden router template"),
      lan2Cidr: lanCidr
        .default("10.0.2.0/24")
        .describe("IPv4 CIDR of LAN 2; must match the golden router template"),
      /**
       * MTU of the LANs: 1450, fixed. Where it lives: the golden router template's LAN interfaces (OPNsense has no API
       * for it), the tenant cluster's node NICs (CAPV `network.devices[].mtu`) and the standalone VMs' templates.
       * Port groups have no MTU; the distributed switch's (onprem stack) must be at least this.
       */
      mtu: z.literal(1450).default(1450).describe("MTU of the LANs in bytes; fixed at 1450"),
      /** DNS domain handed out by DHCP; default `<name>.internal`. */
      domainName: bounded(DOMAIN_NAME_MAX)
        .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "must be a DNS domain")
        .optional()
        .describe("DNS domain handed out by DHCP; default <name>.internal"),
    })
    .prefault({})
    .describe("Tenant LAN subnets and settings"),
  cluster: tenantClusterSpecSchema
    .optional()
    .describe(
      "The tenant's single Kubernetes cluster: the same as a one-element clusters (named like the tenant unless named, in namespace tenant-<tenant>); default: none",
    ),
  clusters: z
    .array(tenantClusterListEntrySchema)
    .max(MAX_CLUSTERS, `must have at most ${MAX_CLUSTERS} clusters`)
    .optional()
    .describe(
      "The tenant's Kubernetes clusters (Cluster API on CAPV), each with its own name, LAN and sizes",
    ),
  vms: z
    .array(tenantVmSpecSchema)
    .max(MAX_VMS, `must have at most ${MAX_VMS} VMs`)
    .default([])
    .describe("Standalone VMs on the tenant LANs"),
  floatingIps: z
    .array(floatingIpSpecSchema)
    .max(
      MAX_FLOATING_IPS,
      `must have at most ${MAX_FLOATING_IPS} floating IPs (more floating IPs than allowed)`,
    )
    .default([])
    .describe("Floating IPs: WAN addresses mapped 1:1 to tenant addresses"),
  vpn: tenantVpnSpecSchema.optional().describe("The tenant's WireGuard server on the router; default: none"),
});

/** A tenant spec after its defaults (the type of {@link tenantSpecSchema}'s output). */
export type TenantSpecShape = z.infer<typeof tenantObject>;
