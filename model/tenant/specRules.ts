/**
 * The tenant spec's cross-field rules: LANs that do not overlap, VM and cluster addresses inside their LAN's
 * ranges and unique, floating IP targets that exist, VPN peers, cluster names, namespaces, endpoints and the LANs'
 * capacity. Each issue names its field. spec.ts attaches them to the spec's shape (specShape.ts).
 */
import { cidrContainsIp, cidrsOverlap, isIpv4 } from "../net/ipv4";
import { type LanName, type RefineCtx, duplicates } from "./fields";
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
import { CLUSTER_TARGET, IPAM_BLOCK_SIZE, ROLLOUT_SURGE } from "./limits";
import {
  ResolvedCluster,
  clusterNamespace,
  clusterOfTarget,
  clusterTarget,
  legacyClusterNamespace,
  tenantClusters,
} from "./clusterSpec";
import type { TenantSpecShape } from "./specShape";

export function checkTenantSpec(t: TenantSpecShape, ctx: RefineCtx, path: PropertyKey[] = []): void {
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
  t: TenantSpecShape,
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
