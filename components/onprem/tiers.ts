/**
 * The management cluster's three tiers and their sizing, and the pure planner that turns sizes and the ESXi
 * host list into the list of nodes to create (names, tier, sizes, pinned host).
 */

/** The three tiers. */
export type Tier = "controlplane" | "lb" | "worker";
export const TIERS: readonly Tier[] = ["controlplane", "lb", "worker"];

/** Size of one node. */
export interface NodeSize {
  /** vCPUs. */
  cpus: number;
  /** Memory in MiB (vSphere `memory`). */
  memoryMb: number;
  /** System disk in GiB. */
  diskGb: number;
}

/** A tier with a node count (the LB tier's count is the host count and is not configurable). */
export interface TierSize extends NodeSize {
  count: number;
}

/** Defaults as the architecture sizes them. */
export const DEFAULT_SIZES: { controlplane: TierSize; lb: NodeSize; worker: TierSize } = {
  /** 3 control-plane nodes, 4 vCPU / 8 GB (etcd on a 40 GB disk). */
  controlplane: { count: 3, cpus: 4, memoryMb: 8192, diskGb: 40 },
  /** One LB node per ESXi host, 2 vCPU / 4 GB. */
  lb: { cpus: 2, memoryMb: 4096, diskGb: 20 },
  /** Workers run the platform services (monitoring, logging, Harbor, Gitea, Argo CD, CAPI, Crossplane). */
  worker: { count: 3, cpus: 16, memoryMb: 32768, diskGb: 200 },
};

/** One node to create. */
export interface PlannedNode extends NodeSize {
  /** VM and host name, e.g. `mgmt-cp-1`, `mgmt-lb-esx01`. */
  name: string;
  tier: Tier;
  /** ESXi host the node is pinned to (LB tier only). */
  host?: string;
}

/** Input of {@link planNodes}. */
export interface PlanNodesArgs {
  /** Name prefix of the VMs (a DNS label). */
  prefix: string;
  /** ESXi hosts of the compute cluster, one LB node each. */
  hosts: string[];
  controlPlane: TierSize;
  lb: NodeSize;
  workers: TierSize;
}

function checkSize(what: string, s: NodeSize): void {
  if (!Number.isInteger(s.cpus) || s.cpus < 1)
    throw new Error(`${what}.cpus must be a positive integer, got ${s.cpus}`);
  if (!Number.isInteger(s.memoryMb) || s.memoryMb < 1024)
    throw new Error(`${what}.memoryMb must be an integer ≥ 1024, got ${s.memoryMb}`);
  if (!Number.isInteger(s.diskGb) || s.diskGb < 10)
    throw new Error(`${what}.diskGb must be an integer ≥ 10 (Talos needs 10 GB), got ${s.diskGb}`);
}

/** The short DNS label of an ESXi host name (`esx01.lab.local` → `esx01`). */
export function hostLabel(host: string): string {
  return host
    .split(".")[0]
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-");
}

/** Plans every node of the three tiers; throws with a message naming the offending argument. */
export function planNodes(a: PlanNodesArgs): PlannedNode[] {
  if (!/^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$/.test(a.prefix)) {
    throw new Error(`name ${JSON.stringify(a.prefix)} must be a DNS label of at most 42 characters`);
  }
  if (a.hosts.length === 0)
    throw new Error("hosts is empty: list the ESXi hosts of the compute cluster (one LB node runs on each)");
  const dup = a.hosts.find((h, i) => a.hosts.indexOf(h) !== i);
  if (dup) throw new Error(`hosts lists ${dup} twice`);
  const labels = a.hosts.map(hostLabel);
  const dupLabel = labels.find((h, i) => labels.indexOf(h) !== i);
  if (dupLabel)
    throw new Error(`hosts: two hosts share the short name ${dupLabel}; LB node names would clash`);
  if (!Number.isInteger(a.controlPlane.count) || a.controlPlane.count < 1 || a.controlPlane.count % 2 === 0) {
    throw new Error(
      `controlPlane.count must be odd (1, 3 or 5) so etcd keeps quorum, got ${a.controlPlane.count}`,
    );
  }
  if (!Number.isInteger(a.workers.count) || a.workers.count < 0) {
    throw new Error(`workers.count must be a non-negative integer, got ${a.workers.count}`);
  }
  checkSize("controlPlane", a.controlPlane);
  checkSize("lb", a.lb);
  checkSize("workers", a.workers);
  const size = (s: NodeSize): NodeSize => ({ cpus: s.cpus, memoryMb: s.memoryMb, diskGb: s.diskGb });
  const nodes: PlannedNode[] = [];
  for (let i = 1; i <= a.controlPlane.count; i++)
    nodes.push({ name: `${a.prefix}-cp-${i}`, tier: "controlplane", ...size(a.controlPlane) });
  a.hosts.forEach((host, i) =>
    nodes.push({ name: `${a.prefix}-lb-${labels[i]}`, tier: "lb", host, ...size(a.lb) }),
  );
  for (let i = 1; i <= a.workers.count; i++)
    nodes.push({ name: `${a.prefix}-worker-${i}`, tier: "worker", ...size(a.workers) });
  return nodes;
}
