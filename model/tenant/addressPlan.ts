/**
 * Where every tenant address goes, from the validated spec alone (pure, no Pulumi): the LAN plans, the standalone
 * VMs' static addresses, the cluster's kube-vip address and IPAM pool, and the tenant address behind each floating
 * IP. The Tenant component builds from it; tests check it for overlaps over random specs.
 */
import type { TenantSpec } from "./spec";
import { AddressRange, LanPlan, assignAddresses, planLan } from "./lanPlan";
import { cidrContainsIp, isIpv4 } from "../net/ipv4";
import { CLUSTER_TARGET } from "./limits";
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

/** Every tenant address, by use. */
export interface TenantAddressPlan {
  lans: Record<LanName, LanPlan>;
  /** VM name → static address (explicit ones kept, the rest in spec order per LAN). */
  vmAddresses: Map<string, string>;
  /** The cluster's LAN, kube-vip address and (with `addressing: ipam`) node pool. */
  cluster?: { lan: LanName; kubeVip: string; ipamRange?: AddressRange };
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
  spec: Pick<TenantSpec, "network" | "vms" | "cluster" | "floatingIps">,
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
  const cluster = spec.cluster
    ? {
        lan: spec.cluster.network,
        kubeVip: lans[spec.cluster.network].kubeVip,
        ipamRange: spec.cluster.addressing === "ipam" ? lans[spec.cluster.network].ipamRange : undefined,
      }
    : undefined;
  const targets = new Map<string, FloatingIpTarget>();
  for (const f of spec.floatingIps) {
    let t: FloatingIpTarget;
    if (f.target === CLUSTER_TARGET) {
      if (!cluster) throw new Error(`floatingIps.${f.name}: targets the cluster, but there is no cluster`);
      t = { address: cluster.kubeVip, kind: CLUSTER_TARGET, lan: cluster.lan };
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
  return { lans, vmAddresses, cluster, targets };
}
