/**
 * The tenant spec: what one tenant asks for (router, LANs, cluster, VMs, floating IPs, VPN), with its defaults and
 * cross-field rules. Its limits are in limits.ts, the shared field schemas in fields.ts, the allocations the service
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
import { cpiSupportedMinors, cpiVersionFor } from "../kubernetes/cpiVersions";
import { cidrContainsIp, cidrsOverlap, isIpv4 } from "../net/ipv4";
import {
  type LanName,
  type PortRule,
  type RefineCtx,
  DEFAULT_CLUSTER_ENDPOINT_PORTS,
  DEFAULT_FLOATING_IP_PORTS,
  bounded,
  dnsLabel,
  duplicates,
  ipv4,
  ipv4Cidr,
  lanCidr,
  lanName,
  portRule,
} from "./fields";
import {
  LAN_LAYOUT,
  type LanPlan,
  assignAddresses,
  formatRange,
  parseRange,
  planLan,
  planTunnel,
  rangeContains,
  rangeSize,
  rangeWithin,
  rangesOverlap,
} from "./lanPlan";
import {
  CLUSTER_TARGET,
  DOMAIN_NAME_MAX,
  IPAM_BLOCK_SIZE,
  MAX_CLUSTERS,
  IPV4_CIDR_MAX,
  MAX_FLOATING_IPS,
  MAX_FLOATING_IP_PORTS,
  MAX_SSH_KEYS,
  MAX_VMS,
  MAX_VPN_PEERS,
  ROLLOUT_SURGE,
  SSH_KEY_MAX,
  TEMPLATE_NAME_MAX,
  TENANT_NAME_MAX,
} from "./limits";

const machineSize = (
  d: { replicas: number; cpus: number; memoryMiB: number; diskGiB: number },
  replicas: z.ZodType<number>,
) =>
  z
    .strictObject({
      replicas: replicas.default(d.replicas).describe("Number of machines"),
      /** vCPUs per machine; CAPV v1beta2 requires at least 2. */
      cpus: z
        .number()
        .int()
        .min(2, "must be at least 2 (CAPV v1beta2 numCPUs minimum)")
        .max(64)
        .default(d.cpus)
        .describe("vCPUs per machine (at least 2)"),
      memoryMiB: z
        .number()
        .int()
        .min(2048)
        .max(524288)
        .default(d.memoryMiB)
        .describe("Memory per machine in MiB"),
      diskGiB: z
        .number()
        .int()
        .min(20)
        .max(4096)
        .default(d.diskGiB)
        .describe("System disk per machine in GiB"),
    })
    .prefault({});

/** A Cluster API (kubeadm on CAPV) cluster on one tenant LAN. */
export const tenantClusterSpecSchema = z.strictObject({
  /** Cluster name; default: the tenant name. */
  name: dnsLabel(40)
    .optional()
    .describe("Cluster name (DNS-1123 label, at most 40 characters); default: the tenant name"),
  /** Kubernetes version, default `v1.34.2`; its minor must have a pinned vSphere CPI release. */
  kubernetesVersion: bounded(20)
    .regex(/^v\d+\.\d+\.\d+$/, "must look like v1.34.2")
    .refine(
      (v) => cpiVersionFor(v) !== undefined,
      `has no pinned vSphere cloud provider (CPI) release for its minor; supported minors: ${cpiSupportedMinors()}`,
    )
    .default("v1.34.2")
    .describe("Kubernetes version, e.g. v1.34.2; its minor must have a pinned vSphere CPI release"),
  /**
   * How nodes are bootstrapped: `kubeadm` (Cluster API's kubeadm providers on an Ubuntu CAPV image, default) or
   * `talos` (Sidero's Talos providers, CABPT + CACPPT, like the platform's own management cluster).
   */
  bootstrap: z
    .enum(["kubeadm", "talos"])
    .default("kubeadm")
    .describe(
      "Node bootstrap: kubeadm (Cluster API kubeadm providers, Ubuntu image) or talos (Talos providers CABPT + CACPPT, Talos image)",
    ),
  /** Talos version of the nodes (`bootstrap: talos` only); default `v1.11.5`, the management cluster's. */
  talosVersion: bounded(20)
    .regex(/^v\d+\.\d+\.\d+$/, "must look like v1.11.5")
    .optional()
    .describe("Talos version of the nodes (bootstrap talos only); default v1.11.5"),
  /**
   * vSphere VM template of all machines: a CAPV kubeadm image (default `ubuntu-2404-kube-v1.34.2`), or for Talos a
   * Talos image with the `talos-vmtoolsd` extension (default `talos-<talosVersion>`, the management cluster's).
   */
  template: bounded(TEMPLATE_NAME_MAX)
    .min(1)
    .optional()
    .describe(
      "vSphere VM template of all machines; default ubuntu-2404-kube-v1.34.2 (kubeadm) or talos-<talosVersion> (talos, with talos-vmtoolsd)",
    ),
  /** LAN the nodes sit on; default `lan1`. */
  network: lanName.default("lan1").describe("Tenant LAN the nodes sit on"),
  /** Node addresses: `dhcp` (router's Kea pool, default) or `ipam` (an InClusterIPPool on the LAN's IPAM range). */
  addressing: z
    .enum(["dhcp", "ipam"])
    .default("dhcp")
    .describe(
      "Node addressing: dhcp (the router's Kea pool) or ipam (an InClusterIPPool on the LAN's IPAM range)",
    ),
  /** Control plane: 1 or 3 replicas (default 3), 2 vCPU, 4096 MiB, 40 GiB. */
  controlPlane: machineSize(
    { replicas: 3, cpus: 2, memoryMiB: 4096, diskGiB: 40 },
    z.union([z.literal(1), z.literal(3)], { message: "must be 1 or 3" }) as unknown as z.ZodType<number>,
  ).describe("Control plane machines: 1 or 3 replicas, size"),
  /** Workers: 0-50 replicas (default 2), 2 vCPU, 8192 MiB, 60 GiB. */
  workers: machineSize(
    { replicas: 2, cpus: 2, memoryMiB: 8192, diskGiB: 60 },
    z.number().int().min(0).max(50),
  ).describe("Worker machines: 0-50 replicas, size"),
  /**
   * Pod network; default 10.244.0.0/16. Must not overlap the LANs, the VPN tunnel, the service network or any WAN
   * address the tenant uses (floating IPs, router): the nodes would route those into the pod network. (The CAPI
   * templates' usual 192.168.0.0/16 would swallow a 192.168.x control network.)
   */
  podCidr: ipv4Cidr
    .default("10.244.0.0/16")
    .describe(
      "Pod network IPv4 CIDR; must not overlap the LANs, VPN tunnel, service network or the tenant's WAN addresses",
    ),
  /** Service network; default 10.96.0.0/16 (the same rules; kubeadm's 10.96.0.0/12 would swallow the default VPN tunnel 10.99.0.0/24). */
  serviceCidr: ipv4Cidr
    .default("10.96.0.0/16")
    .describe("Service network IPv4 CIDR; same overlap rules as podCidr"),
  /** SSH keys for the `capv` user on every node. */
  sshAuthorizedKeys: z
    .array(
      bounded(SSH_KEY_MAX)
        .min(1)
        .regex(/^[^\r\n]+$/, "must be one line"),
    )
    .max(MAX_SSH_KEYS, `must have at most ${MAX_SSH_KEYS} keys`)
    .optional()
    .describe("OpenSSH public keys for the capv user on every node"),
});
export type TenantClusterSpec = z.infer<typeof tenantClusterSpecSchema>;

/** Template of a kubeadm cluster's machines when the spec names none. */
export const DEFAULT_KUBEADM_TEMPLATE = "ubuntu-2404-kube-v1.34.2";
/** Talos version of a Talos cluster when the spec names none: the management cluster's. */
export const DEFAULT_TALOS_VERSION = "v1.11.5";

/** The Talos version of a `bootstrap: talos` cluster (undefined for kubeadm). */
export function talosVersionOf(c: Pick<TenantClusterSpec, "bootstrap" | "talosVersion">): string | undefined {
  return c.bootstrap === "talos" ? (c.talosVersion ?? DEFAULT_TALOS_VERSION) : undefined;
}

/** The VM template of a cluster's machines: the spec's, or the default of its bootstrap. */
export function clusterTemplateOf(
  c: Pick<TenantClusterSpec, "bootstrap" | "talosVersion" | "template">,
): string {
  return c.template ?? (c.bootstrap === "talos" ? `talos-${talosVersionOf(c)}` : DEFAULT_KUBEADM_TEMPLATE);
}

/**
 * One cluster of `clusters`: a cluster spec with a required name, and the values the service pins for it
 * (addressPins.ts) so that they never move: its endpoint VIP and, with `addressing: ipam`, its node address block.
 */
export const tenantClusterListEntrySchema = tenantClusterSpecSchema.extend({
  name: dnsLabel(40).describe(
    "Cluster name (DNS-1123 label, at most 40 characters; its namespace tenant-<tenant>-<cluster> must fit 63), unique in the tenant",
  ),
  /**
   * Namespace of its Cluster API objects on the management cluster: `tenant-<tenant>-<cluster>` (default), or
   * `tenant-<tenant>` for the cluster a tenant had as its single `cluster` (where its objects already are).
   */
  namespace: bounded(63)
    .optional()
    .describe(
      "Management-cluster namespace of its objects: tenant-<tenant>-<cluster> (default) or tenant-<tenant> (a cluster created as the single cluster)",
    ),
  /** LAN address of the API endpoint (kube-vip, or Talos's VIP), in the LAN's .10-.19; default: pinned. */
  vip: ipv4
    .optional()
    .describe(
      "LAN address of its API endpoint (kube-vip or Talos VIP) in the LAN's .10-.19; default: the lowest free one, chosen once and kept",
    ),
  /** With `addressing: ipam`: its node addresses `first-last` inside the LAN's .100-.199; default: pinned block. */
  ipamRange: bounded(31)
    .optional()
    .describe(
      `Node address range first-last inside the LAN's .100-.199 (addressing ipam); default: the lowest free block of ${IPAM_BLOCK_SIZE}, chosen once and kept`,
    ),
});
export type TenantClusterListEntry = z.infer<typeof tenantClusterListEntrySchema>;

/** One cluster of a tenant, from `clusters` or the single `cluster`, with where it lives. */
export interface ResolvedCluster {
  /** The cluster spec with its name. */
  spec: TenantClusterListEntry;
  /** Spec path of the entry: `["cluster"]` or `["clusters", i]`. */
  path: PropertyKey[];
  /** Management-cluster namespace of its objects. */
  namespace: string;
  /** True for the single `cluster` and the `clusters` entry migrated from it (namespace `tenant-<tenant>`). */
  legacy: boolean;
}

/** The default namespace of a cluster of `clusters`. */
export function clusterNamespace(tenant: string, cluster: string): string {
  return `tenant-${tenant}-${cluster}`;
}

/** The management-cluster namespace of a tenant's single (legacy) cluster. */
export function legacyClusterNamespace(tenant: string): string {
  return `tenant-${tenant}`;
}

/**
 * Every cluster of a tenant. The single `cluster` is the same as a one-element `clusters` whose entry is named
 * like the tenant (unless it has a name) and lives in `tenant-<tenant>`.
 */
export function tenantClusters(t: Pick<TenantSpec, "name" | "cluster" | "clusters">): ResolvedCluster[] {
  if (t.cluster) {
    return [
      {
        spec: { ...t.cluster, name: t.cluster.name ?? t.name },
        path: ["cluster"],
        namespace: legacyClusterNamespace(t.name),
        legacy: true,
      },
    ];
  }
  return (t.clusters ?? []).map((c, i) => {
    const namespace = c.namespace ?? clusterNamespace(t.name, c.name);
    return {
      spec: c,
      path: ["clusters", i],
      namespace,
      legacy: namespace === legacyClusterNamespace(t.name),
    };
  });
}

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

/** The floating IP target of cluster `name`. */
export function clusterTarget(name: string): string {
  return `${CLUSTER_TARGET}:${name}`;
}

/**
 * The cluster a floating IP target names: `cluster:<name>`, or `cluster` for the only one. Undefined for a target
 * that is no cluster target; `{error}` when it names no cluster of the tenant.
 */
export function clusterOfTarget(
  target: string,
  clusters: readonly ResolvedCluster[],
): ResolvedCluster | { error: string } | undefined {
  if (target === CLUSTER_TARGET) {
    if (clusters.length === 1) return clusters[0];
    return {
      error: clusters.length
        ? `targets "${CLUSTER_TARGET}" but the tenant has ${clusters.length} clusters: name one, e.g. "${clusterTarget(clusters[0].spec.name)}"`
        : `targets "${CLUSTER_TARGET}" but the tenant has no cluster`,
    };
  }
  if (!target.startsWith(`${CLUSTER_TARGET}:`)) return undefined;
  const name = target.slice(CLUSTER_TARGET.length + 1);
  return (
    clusters.find((c) => c.spec.name === name) ?? {
      error: `targets cluster "${name}", which is no cluster of this tenant`,
    }
  );
}

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

const tenantObject = z.strictObject({
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

export function checkTenantSpec(
  t: z.infer<typeof tenantObject>,
  ctx: RefineCtx,
  path: PropertyKey[] = [],
): void {
  const issue = (p: PropertyKey[], message: string) =>
    ctx.addIssue({ code: "custom", path: [...path, ...p], message });
  const { lan1Cidr, lan2Cidr } = t.network;
  if (cidrsOverlap(lan1Cidr, lan2Cidr)) issue(["network", "lan2Cidr"], `overlaps lan1Cidr ${lan1Cidr}`);
  const cidrOf = (lan: LanName) => (lan === "lan1" ? lan1Cidr : lan2Cidr);
  const plans = { lan1: safePlan(lan1Cidr), lan2: safePlan(lan2Cidr) };

  // VMs: unique names, addresses in their LAN's static range, unique, and the range not exhausted.
  duplicates(
    t.vms,
    (v) => v.name,
    (i, v) => issue(["vms", i, "name"], `duplicate VM name "${v}"`),
  );
  for (const lan of ["lan1", "lan2"] as const) {
    const plan = plans[lan];
    if (!plan) continue;
    const onLan = t.vms.map((v, i) => ({ v, i })).filter((x) => x.v.network === lan);
    for (const { v, i } of onLan) {
      if (v.address !== undefined && !rangeContains(plan.staticRange, v.address)) {
        issue(
          ["vms", i, "address"],
          `must be in the static range of ${lan} (${formatRange(plan.staticRange)})`,
        );
      }
    }
    duplicates(
      onLan,
      (x) => x.v.address,
      (j, a) => issue(["vms", onLan[j].i, "address"], `address ${a} is used by another VM`),
    );
    const cap = LAN_LAYOUT.staticLast - LAN_LAYOUT.staticFirst + 1;
    if (onLan.length > cap)
      issue(["vms"], `${onLan.length} VMs on ${lan}, but its static range holds ${cap}`);
  }

  // Floating IPs: unique names and targets; targets exist.
  duplicates(
    t.floatingIps,
    (f) => f.name,
    (i, v) => issue(["floatingIps", i, "name"], `duplicate floating IP name "${v}"`),
  );
  const clusters = tenantClusters(t);
  const vmNames = new Set(t.vms.map((v) => v.name));
  /** Floating IP index → the cluster it is the endpoint of. */
  const endpointOf = new Map<number, string>();
  t.floatingIps.forEach((f, i) => {
    const c = clusterOfTarget(f.target, clusters);
    if (c && "error" in c) {
      issue(["floatingIps", i, "target"], c.error);
    } else if (c) {
      endpointOf.set(i, c.spec.name);
    } else if (isIpv4(f.target)) {
      const lan = (["lan1", "lan2"] as const).find((l) => cidrContainsIp(cidrOf(l), f.target));
      const p = lan && plans[lan];
      if (!lan) {
        issue(
          ["floatingIps", i, "target"],
          `address ${f.target} is on neither tenant LAN (${lan1Cidr}, ${lan2Cidr})`,
        );
      } else if (p && [p.network, p.gateway, p.broadcast].includes(f.target)) {
        issue(
          ["floatingIps", i, "target"],
          `address ${f.target} is the network, broadcast or router address of ${lan}, not a tenant host`,
        );
      }
    } else if (!vmNames.has(f.target)) {
      issue(
        ["floatingIps", i, "target"],
        `target "${f.target}" does not exist: name a VM of this tenant, "${CLUSTER_TARGET}:<cluster>" or a LAN address`,
      );
    }
  });
  duplicates(
    t.floatingIps.map((f, i) => endpointOf.get(i) ?? f.target),
    (v) => v,
    (i, v) =>
      issue(
        ["floatingIps", i, "target"],
        endpointOf.has(i)
          ? `cluster "${v}" already has a floating IP`
          : `target "${v}" already has a floating IP`,
      ),
  );
  checkClusters(t, clusters, new Set(endpointOf.values()), issue, plans);
  // VPN: unique peer names, keys and addresses inside the tunnel.
  if (t.vpn) {
    const peers = t.vpn.peers;
    duplicates(
      peers,
      (p) => p.name,
      (i, v) => issue(["vpn", "peers", i, "name"], `duplicate peer name "${v}"`),
    );
    duplicates(
      peers,
      (p) => p.publicKey,
      (i) => issue(["vpn", "peers", i, "publicKey"], "public key is used by another peer"),
    );
    let tunnel;
    try {
      tunnel = planTunnel(t.vpn.tunnelCidr);
    } catch {
      tunnel = undefined;
    }
    if (tunnel) {
      for (const lan of ["lan1", "lan2"] as const) {
        if (cidrsOverlap(tunnel.cidr, cidrOf(lan)))
          issue(["vpn", "tunnelCidr"], `overlaps ${lan} (${cidrOf(lan)})`);
      }
      peers.forEach((p, i) => {
        if (p.address !== undefined && !rangeContains(tunnel.peerRange, p.address)) {
          issue(["vpn", "peers", i, "address"], `must be in ${formatRange(tunnel.peerRange)}`);
        }
      });
      duplicates(
        peers,
        (p) => p.address,
        (i, a) => issue(["vpn", "peers", i, "address"], `address ${a} is used by another peer`),
      );
      try {
        assignAddresses(
          peers.filter((p) => p.address === undefined || rangeContains(tunnel.peerRange, p.address)),
          tunnel.peerRange,
          "tunnel address",
        );
      } catch (e) {
        if (!/used twice/.test((e as Error).message)) issue(["vpn", "peers"], (e as Error).message);
      }
    }
  }
}

/** The rules of the tenant's clusters (names, namespaces, networks, bootstrap, endpoints, LAN capacity). */
function checkClusters(
  t: z.infer<typeof tenantObject>,
  clusters: ResolvedCluster[],
  withEndpoint: Set<string>,
  issue: (p: PropertyKey[], message: string) => void,
  plans: Record<LanName, LanPlan | undefined>,
): void {
  const { lan1Cidr, lan2Cidr } = t.network;
  if (t.cluster && t.clusters?.length)
    issue(["clusters"], "give either cluster (a single one) or clusters, not both");
  duplicates(
    clusters,
    (c) => c.spec.name,
    (i, v) => issue([...clusters[i].path, "name"], `duplicate cluster name "${v}"`),
  );
  const others: [string, string][] = [
    ["network.lan1Cidr", lan1Cidr],
    ["network.lan2Cidr", lan2Cidr],
  ];
  if (t.vpn) others.push(["vpn.tunnelCidr", t.vpn.tunnelCidr]);
  for (const c of clusters) {
    const at = (...p: PropertyKey[]) => [...c.path, ...p];
    const { podCidr, serviceCidr } = c.spec;
    if (c.namespace.length > 63)
      issue(
        at("name"),
        `its namespace ${c.namespace} would be longer than 63 characters: use at most ${63 - clusterNamespace(t.name, "").length} characters with this tenant name`,
      );
    if (c.spec.namespace !== undefined) {
      const allowed = [clusterNamespace(t.name, c.spec.name), legacyClusterNamespace(t.name)];
      if (!allowed.includes(c.spec.namespace))
        issue(at("namespace"), `must be ${allowed.map((a) => JSON.stringify(a)).join(" or ")}`);
    }
    for (const [key, cidr] of [
      ["podCidr", podCidr],
      ["serviceCidr", serviceCidr],
    ] as const) {
      for (const [what, other] of others) {
        if (cidrsOverlap(cidr, other)) issue(at(key), `${cidr} overlaps ${what} ${other}`);
      }
    }
    if (cidrsOverlap(podCidr, serviceCidr))
      issue(at("serviceCidr"), `${serviceCidr} overlaps podCidr ${podCidr}`);
    if (c.spec.bootstrap === "talos") {
      if (c.spec.addressing === "ipam")
        issue(
          at("addressing"),
          "ipam is not available with bootstrap talos: Talos does not apply the pool addresses CAPV hands over (CAPV issue #3647); use dhcp",
        );
      if (c.spec.sshAuthorizedKeys?.length)
        issue(
          at("sshAuthorizedKeys"),
          "Talos nodes have no SSH (they are managed through the Talos API with talosctl); leave it out",
        );
    } else if (c.spec.talosVersion !== undefined) {
      issue(at("talosVersion"), "applies to bootstrap talos only");
    }
    if (!withEndpoint.has(c.spec.name)) {
      const target = clusters.length === 1 && c.legacy ? CLUSTER_TARGET : clusterTarget(c.spec.name);
      issue(
        c.path,
        `a cluster needs a floating IP for its API endpoint: add one to floatingIps with target "${target}"`,
      );
    }
    const plan = plans[c.spec.network];
    if (!plan) continue;
    if (c.spec.vip !== undefined && !rangeContains(plan.vipRange, c.spec.vip))
      issue(at("vip"), `must be in the endpoint range of ${c.spec.network} (${formatRange(plan.vipRange)})`);
    const nodes = c.spec.controlPlane.replicas + c.spec.workers.replicas + ROLLOUT_SURGE;
    if (c.spec.ipamRange !== undefined) {
      const r = parseRange(c.spec.ipamRange);
      if (c.spec.addressing !== "ipam") issue(at("ipamRange"), "applies to addressing ipam only");
      else if (!r) issue(at("ipamRange"), "must be first-last, two IPv4 addresses, first <= last");
      else if (!rangeWithin(r, plan.ipamRange))
        issue(
          at("ipamRange"),
          `must be inside the IPAM range of ${c.spec.network} (${formatRange(plan.ipamRange)})`,
        );
      else if (rangeSize(r) < nodes)
        issue(
          at("ipamRange"),
          `holds ${rangeSize(r)} addresses but the cluster needs ${nodes} (control plane + workers + ${ROLLOUT_SURGE} for rollouts)`,
        );
    } else if (c.spec.addressing === "ipam" && !c.legacy && nodes > IPAM_BLOCK_SIZE) {
      issue(
        at("workers", "replicas"),
        `the cluster needs ${nodes} node addresses (control plane + workers + ${ROLLOUT_SURGE} for rollouts) but an IPAM block holds ${IPAM_BLOCK_SIZE}: give ipamRange a larger range`,
      );
    }
  }
  // LAN capacity: endpoint VIPs, IPAM ranges that do not overlap, DHCP leases for every DHCP cluster's nodes.
  for (const lan of ["lan1", "lan2"] as const) {
    const plan = plans[lan];
    if (!plan) continue;
    const onLan = clusters.filter((c) => c.spec.network === lan);
    const vips = rangeSize(plan.vipRange);
    if (onLan.length > vips)
      issue(["clusters"], `${onLan.length} clusters on ${lan}, but its endpoint range holds ${vips}`);
    duplicates(
      onLan,
      (c) => c.spec.vip,
      (i, v) => issue([...onLan[i].path, "vip"], `address ${v} is the endpoint of another cluster`),
    );
    const ranges = onLan.flatMap((c) => {
      const r = c.spec.addressing === "ipam" && c.spec.ipamRange ? parseRange(c.spec.ipamRange) : undefined;
      return r ? [{ c, r }] : [];
    });
    ranges.forEach(({ c, r }, i) => {
      const hit = ranges.slice(0, i).find((o) => rangesOverlap(o.r, r));
      if (hit)
        issue(
          [...c.path, "ipamRange"],
          `overlaps the IPAM range of cluster "${hit.c.spec.name}" (${hit.c.spec.ipamRange})`,
        );
    });
    const dhcp = onLan.filter((c) => c.spec.addressing === "dhcp");
    const leases = dhcp.reduce(
      (n, c) => n + c.spec.controlPlane.replicas + c.spec.workers.replicas + ROLLOUT_SURGE,
      0,
    );
    const pool = rangeSize(plan.dhcpRange);
    if (dhcp.length && leases > pool)
      issue(
        [...dhcp[dhcp.length - 1].path, "workers", "replicas"],
        `the DHCP clusters on ${lan} need ${leases} leases (nodes + ${ROLLOUT_SURGE} for rollouts each) but its DHCP pool holds ${pool} (${formatRange(plan.dhcpRange)}): use fewer nodes, addressing ipam or the other LAN`,
      );
  }
}

function safePlan(cidr: string) {
  try {
    return planLan(cidr);
  } catch {
    return undefined;
  }
}

/** The tenant spec (`basphere:tenant`), with every cross-field rule. */
export const tenantSpecSchema = tenantObject.superRefine((t, ctx) =>
  checkTenantSpec(t, ctx as unknown as RefineCtx),
);
export type TenantSpec = z.infer<typeof tenantSpecSchema>;
/** The tenant spec as a client writes it (defaults not yet applied). */
export type TenantSpecInput = z.input<typeof tenantSpecSchema>;

/** Effective ports of a floating IP (the spec's, or the defaults for its target). */
export function floatingIpPorts(f: FloatingIpSpec): PortRule[] {
  return (
    f.ports ??
    (f.target === CLUSTER_TARGET || f.target.startsWith(`${CLUSTER_TARGET}:`)
      ? DEFAULT_CLUSTER_ENDPOINT_PORTS
      : DEFAULT_FLOATING_IP_PORTS)
  );
}
