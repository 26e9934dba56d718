/**
 * Where every tenant address goes, from the validated spec alone (pure, no Pulumi): the LAN plans, the standalone
 * VMs' static addresses, each cluster's endpoint VIP and IPAM range, and the tenant address behind each floating
 * IP. Explicit (pinned, addressPins.ts) values are kept; the rest are placed in list order after them. The Tenant
 * component builds from it; tests check it for overlaps over random specs.
 */
import { type ResolvedCluster, type TenantSpec, clusterOfTarget, tenantClusters } from "./spec";
import {
  AddressRange,
  LanPlan,
  assignAddresses,
  formatRange,
  parseRange,
  planLan,
  rangeWithin,
  rangesOverlap,
} from "./lanPlan";
import { cidrContainsIp, intToIp, ipToInt, isIpv4 } from "../net/ipv4";
import { CLUSTER_TARGET, IPAM_BLOCK_SIZE } from "./limits";
import type { LanName } from "./fields";

/** The tenant address behind one floating IP. */
export interface FloatingIpTarget {
  /** The LAN address the floating IP maps to. */
  address: string;
  /** `cluster`, `vm:<name>` or `address`. */
  kind: string;
  /** The LAN that address is on. */
  lan: LanName;
}

/** Where one cluster sits on its LAN. */
export interface ClusterAddresses {
  lan: LanName;
  /** LAN address of the API endpoint (kube-vip or Talos VIP). */
  kubeVip: string;
  /** Node addresses with `addressing: ipam`. */
  ipamRange?: AddressRange;
}

/**
 * Endpoint VIPs and IPAM ranges of the clusters on one LAN: explicit ones kept, the rest in list order — a VIP the
 * lowest free one, a range the first free aligned block of {@link IPAM_BLOCK_SIZE} (a tenant's single legacy
 * `cluster` keeps the whole IPAM range it always had). Throws naming the cluster when the LAN is full.
 */
export function placeClusters(
  lan: LanPlan,
  clusters: readonly ResolvedCluster[],
): Map<string, Omit<ClusterAddresses, "lan">> {
  const out = new Map<string, Omit<ClusterAddresses, "lan">>();
  let vips: Map<string, string>;
  try {
    vips = assignAddresses(
      clusters.map((c) => ({ name: c.spec.name, address: c.spec.vip })),
      lan.vipRange,
      "endpoint address",
    );
  } catch (e) {
    throw new Error(`clusters on ${lan.cidr}: ${(e as Error).message}`);
  }
  const taken: AddressRange[] = [];
  const ranges = new Map<string, AddressRange>();
  for (const c of clusters) {
    const r = c.spec.addressing === "ipam" && c.spec.ipamRange ? parseRange(c.spec.ipamRange) : undefined;
    if (r) {
      ranges.set(c.spec.name, r);
      taken.push(r);
    }
  }
  for (const c of clusters) {
    if (c.spec.addressing !== "ipam" || ranges.has(c.spec.name)) continue;
    let r: AddressRange | undefined;
    if (c.legacy && clusters.length === 1) r = lan.ipamRange;
    else {
      for (
        let first = ipToInt(lan.ipamRange.first);
        first + IPAM_BLOCK_SIZE - 1 <= ipToInt(lan.ipamRange.last);
        first += IPAM_BLOCK_SIZE
      ) {
        const block = { first: intToIp(first), last: intToIp(first + IPAM_BLOCK_SIZE - 1) };
        if (!taken.some((t) => rangesOverlap(t, block))) {
          r = block;
          break;
        }
      }
    }
    if (!r || !rangeWithin(r, lan.ipamRange))
      throw new Error(
        `${c.path.join(".")}.ipamRange: no free block of ${IPAM_BLOCK_SIZE} addresses left in the IPAM range ${formatRange(lan.ipamRange)} of ${lan.cidr}`,
      );
    taken.push(r);
    ranges.set(c.spec.name, r);
  }
  for (const c of clusters)
    out.set(c.spec.name, { kubeVip: vips.get(c.spec.name)!, ipamRange: ranges.get(c.spec.name) });
  return out;
}

/** Every tenant address, by use. */
export interface TenantAddressPlan {
  lans: Record<LanName, LanPlan>;
  /** VM name → static address (explicit ones kept, the rest in spec order per LAN). */
  vmAddresses: Map<string, string>;
  /** Cluster name → its LAN, endpoint VIP and (with `addressing: ipam`) node range. */
  clusters: Map<string, ClusterAddresses>;
  /** Floating IP name → target. */
  targets: Map<string, FloatingIpTarget>;
}

/** The LAN holding `address`, if any. */
export function lanOf(lans: Record<LanName, LanPlan>, address: string): LanName | undefined {
  return (["lan1", "lan2"] as const).find((l) => cidrContainsIp(lans[l].cidr, address));
}

/**
 * Plans every address of a tenant. Throws an Error naming the spec field (`vms on lan1: ...`,
 * `floatingIps.<name>: ...`) for what the spec schema would also refuse.
 */
export function planTenantAddresses(
  spec: Pick<TenantSpec, "name" | "network" | "vms" | "cluster" | "clusters" | "floatingIps">,
): TenantAddressPlan {
  const lans = { lan1: planLan(spec.network.lan1Cidr), lan2: planLan(spec.network.lan2Cidr) };
  const vmAddresses = new Map<string, string>();
  for (const lan of ["lan1", "lan2"] as const) {
    const onLan = spec.vms.filter((v) => v.network === lan);
    try {
      for (const [n, a] of assignAddresses(onLan, lans[lan].staticRange, "static address"))
        vmAddresses.set(n, a);
    } catch (e) {
      throw new Error(`vms on ${lan}: ${(e as Error).message}`);
    }
  }
  const resolved = tenantClusters(spec);
  const clusters = new Map<string, ClusterAddresses>();
  for (const lan of ["lan1", "lan2"] as const) {
    const onLan = resolved.filter((c) => c.spec.network === lan);
    for (const [name, a] of placeClusters(lans[lan], onLan)) clusters.set(name, { lan, ...a });
  }
  const targets = new Map<string, FloatingIpTarget>();
  for (const f of spec.floatingIps) {
    let t: FloatingIpTarget;
    const c = clusterOfTarget(f.target, resolved);
    if (c && "error" in c) {
      throw new Error(`floatingIps.${f.name}: ${c.error}`);
    } else if (c) {
      const a = clusters.get(c.spec.name)!;
      t = {
        address: a.kubeVip,
        kind: c.legacy ? CLUSTER_TARGET : `${CLUSTER_TARGET}:${c.spec.name}`,
        lan: a.lan,
      };
    } else if (isIpv4(f.target)) {
      const lan = lanOf(lans, f.target);
      if (!lan) throw new Error(`floatingIps.${f.name}: address ${f.target} is on neither tenant LAN`);
      t = { address: f.target, kind: "address", lan };
    } else {
      const vm = spec.vms.find((v) => v.name === f.target);
      if (!vm) throw new Error(`floatingIps.${f.name}: target "${f.target}" is no VM of this tenant`);
      t = { address: vmAddresses.get(vm.name)!, kind: `vm:${vm.name}`, lan: vm.network };
    }
    targets.set(f.name, t);
  }
  return { lans, vmAddresses, clusters, targets };
}
