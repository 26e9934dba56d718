/**
 * A tenant's Kubernetes clusters in the spec: the cluster schema (Cluster API on CAPV, kubeadm or Talos), its
 * defaults, and where each cluster lives (name, namespace, floating IP target). Part of the tenant spec (spec.ts).
 */
import { z } from "zod";
import { cpiSupportedMinors, cpiVersionFor } from "../kubernetes/cpiVersions";
import { bounded, dnsLabel, ipv4, ipv4Cidr, lanName } from "./fields";
import { CLUSTER_TARGET, IPAM_BLOCK_SIZE, MAX_SSH_KEYS, SSH_KEY_MAX, TEMPLATE_NAME_MAX } from "./limits";

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
export function tenantClusters(t: {
  name: string;
  cluster?: TenantClusterSpec;
  clusters?: TenantClusterListEntry[];
}): ResolvedCluster[] {
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
