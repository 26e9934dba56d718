/**
 * Addresses that never move: every standalone VM's static address, every VPN peer's tunnel address and every
 * cluster's endpoint VIP and IPAM range is chosen once and then written into the spec (`address`, `vip`,
 * `ipamRange`), so that adding, removing or reordering other entries never changes it (the way Kubernetes writes a
 * Service's allocated `clusterIP` into its spec). A single `cluster` is first written as a one-element `clusters`
 * (withClusterList), so a tenant's clusters are pinned the same way whichever shape it sent.
 *
 * {@link pinAddresses} takes the spec as asked for and the specs the stack may still hold (the history: for the
 * service, every version from the last applied one to the newest; for a hand-written stack config, the file as it
 * was). Per entry, by name:
 * - an explicit address is kept; refused, naming the field, only when another entry holds it and keeps it (one that
 *   is removed or given another explicit address lets go of it in the same `up`);
 * - otherwise the address the entry had in the newest history version that has it (same LAN, still in range);
 * - otherwise the lowest address of its range that nothing in the spec or the history uses.
 * Pure; no Pulumi.
 */
import { intToIp, ipToInt } from "../net/ipv4";
import type { LanName } from "./fields";
import { ClusterAddresses, planTenantAddresses } from "./addressPlan";
import {
  AddressRange,
  assignAddresses,
  formatRange,
  parseRange,
  planLan,
  planTunnel,
  rangeContains,
  rangeWithin,
  rangesOverlap,
} from "./lanPlan";
import { IPAM_BLOCK_SIZE } from "./limits";
import { type TenantSpec, legacyClusterNamespace, withClusterList } from "./spec";

/** A problem with one entry's address; `path` is the spec field (`vms.2.address`). */
export interface PinIssue {
  path: PropertyKey[];
  message: string;
}

/** The address every VM and peer of a spec effectively has (what the tenant program gives them). */
export interface EffectiveAddresses {
  /** VM name → its LAN and static address. */
  vms: Map<string, { lan: LanName; address: string }>;
  /** Peer name → tunnel address. */
  peers: Map<string, string>;
  /** Cluster name → its LAN, endpoint VIP and IPAM range. */
  clusters: Map<string, ClusterAddresses>;
}

function tryOr<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

/**
 * The addresses a spec's VMs and peers get from the tenant program: explicit ones as given, the rest in spec order
 * (what a spec stored before addresses were pinned, or a hand-written one, effectively holds). A part that cannot be
 * planned (exhausted range) contributes nothing.
 */
export function effectiveAddresses(spec: TenantSpec): EffectiveAddresses {
  const out: EffectiveAddresses = {
    vms: new Map(),
    peers: new Map(),
    clusters: tryOr(() => planTenantAddresses(spec).clusters, new Map<string, ClusterAddresses>()),
  };
  for (const lan of ["lan1", "lan2"] as const) {
    const range = tryOr(() => planLan(spec.network[`${lan}Cidr`]).staticRange, undefined);
    if (!range) continue;
    const onLan = spec.vms.filter((v) => v.network === lan);
    for (const [name, address] of tryOr(() => assignAddresses(onLan, range), new Map<string, string>()))
      out.vms.set(name, { lan, address });
  }
  if (spec.vpn) {
    const range = tryOr(() => planTunnel(spec.vpn!.tunnelCidr).peerRange, undefined);
    if (range)
      for (const [name, address] of tryOr(
        () => assignAddresses(spec.vpn!.peers, range),
        new Map<string, string>(),
      ))
        out.peers.set(name, address);
  }
  return out;
}

/** One group of entries sharing an address range (the VMs of one LAN, the VPN peers). */
interface Group {
  /** What an address is called in messages: `static address`, `tunnel address`. */
  what: string;
  /** What an entry is called: `VM`, `peer`. */
  noun: string;
  range: AddressRange;
  /** The entries, with their index in the spec list. */
  entries: { name: string; address?: string; index: number }[];
  /** Spec path of an entry's address field. */
  path: (index: number) => PropertyKey[];
  /** Path of the list, for exhaustion. */
  listPath: PropertyKey[];
  /** Per history version (newest first): name → address, only entries that belonged to this group. */
  history: Map<string, string>[];
}

function pinGroup(g: Group, issues: PinIssue[]): Map<string, string> {
  const out = new Map<string, string>();
  // Every address the history uses in this range, and who held it (newest version first wins the name).
  const holders = new Map<number, string>();
  for (const version of g.history)
    for (const [name, address] of version)
      if (rangeContains(g.range, address) && !holders.has(ipToInt(address)))
        holders.set(ipToInt(address), name);
  const taken = new Set<number>();
  // 1. Explicit addresses (the schema reports those outside the range or used twice).
  for (const e of g.entries) {
    if (e.address === undefined || !rangeContains(g.range, e.address)) continue;
    const n = ipToInt(e.address);
    const holder = holders.get(n);
    // Refused only when the holder stays and keeps it (no explicit address of its own). An explicit address of an
    // entry being removed or moved is the user's choice: the old one lets go of it during the same up.
    const keeper = g.entries.find((o) => o.name === holder && o.address === undefined);
    if (holder !== undefined && holder !== e.name && keeper) {
      issues.push({
        path: g.path(e.index),
        message: `${g.what} ${e.address} is held by ${g.noun} "${holder}", which keeps it; pick another address or give "${holder}" another one`,
      });
    }
    taken.add(n);
    out.set(e.name, e.address);
  }
  // 2. Entries without one keep what the newest history version that has them gave them.
  for (const e of g.entries) {
    if (e.address !== undefined) continue;
    const held = g.history.map((v) => v.get(e.name)).find((a) => a !== undefined);
    if (held === undefined || !rangeContains(g.range, held) || taken.has(ipToInt(held))) continue;
    taken.add(ipToInt(held));
    out.set(e.name, held);
  }
  // 3. New entries: the lowest address nobody uses now or may still use.
  let next = ipToInt(g.range.first);
  const last = ipToInt(g.range.last);
  for (const e of g.entries) {
    if (out.has(e.name) || (e.address !== undefined && !rangeContains(g.range, e.address))) continue;
    while (next <= last && (taken.has(next) || holders.has(next))) next++;
    if (next > last) {
      const reserved = [...holders.values()].filter((h) => !g.entries.some((o) => o.name === h)).length;
      issues.push({
        path: g.listPath,
        message:
          `no free ${g.what} left in ${formatRange(g.range)} for ${g.noun} "${e.name}"` +
          (reserved ? ` (${reserved} still held by entries removed since the last successful up)` : ""),
      });
      break;
    }
    taken.add(next);
    out.set(e.name, intToIp(next));
  }
  return out;
}

/**
 * Pins every VM's and VPN peer's address (see the file comment). `history` lists the specs the stack may still hold,
 * newest first. Returns the spec with an explicit `address` on every VM and peer, and the problems found (none: the
 * spec can be stored). A spec whose LAN or tunnel cannot be planned is returned as is for that part (the schema
 * reports it).
 */
export function pinAddresses(
  asked: TenantSpec,
  history: readonly TenantSpec[],
): { spec: TenantSpec; issues: PinIssue[] } {
  const issues: PinIssue[] = [];
  const spec = withClusterList(asked);
  const past = history.map(effectiveAddresses);
  const vms = spec.vms.map((v) => ({ ...v }));
  for (const lan of ["lan1", "lan2"] as const) {
    const range = tryOr(() => planLan(spec.network[`${lan}Cidr`]).staticRange, undefined);
    if (!range) continue;
    const entries = vms
      .map((v, index) => ({ name: v.name, address: v.address, index, lan: v.network }))
      .filter((e) => e.lan === lan);
    const pinned = pinGroup(
      {
        what: "static address",
        noun: "VM",
        range,
        entries,
        path: (i) => ["vms", i, "address"],
        listPath: ["vms"],
        history: past.map(
          (p) => new Map([...p.vms].filter(([, v]) => v.lan === lan).map(([n, v]) => [n, v.address])),
        ),
      },
      issues,
    );
    for (const e of entries) if (pinned.has(e.name)) vms[e.index].address = pinned.get(e.name);
  }
  let vpn = spec.vpn;
  if (vpn) {
    const range = tryOr(() => planTunnel(vpn!.tunnelCidr).peerRange, undefined);
    if (range) {
      const peers = vpn.peers.map((p) => ({ ...p }));
      const pinned = pinGroup(
        {
          what: "tunnel address",
          noun: "peer",
          range,
          entries: peers.map((p, index) => ({ name: p.name, address: p.address, index })),
          path: (i) => ["vpn", "peers", i, "address"],
          listPath: ["vpn", "peers"],
          history: past.map((p) => p.peers),
        },
        issues,
      );
      for (const p of peers) if (pinned.has(p.name)) p.address = pinned.get(p.name);
      vpn = { ...vpn, peers };
    }
  }
  const clusters = spec.clusters?.map((c) => ({ ...c }));
  for (const lan of ["lan1", "lan2"] as const) {
    const plan = tryOr(() => planLan(spec.network[`${lan}Cidr`]), undefined);
    if (!plan || !clusters) continue;
    const entries = clusters.map((c, index) => ({ c, index })).filter((e) => e.c.network === lan);
    const held = past.map((p) => new Map([...p.clusters].filter(([, a]) => a.lan === lan)));
    const vips = pinGroup(
      {
        what: "endpoint address",
        noun: "cluster",
        range: plan.vipRange,
        entries: entries.map((e) => ({ name: e.c.name, address: e.c.vip, index: e.index })),
        path: (i) => ["clusters", i, "vip"],
        listPath: ["clusters"],
        history: held.map((h) => new Map([...h].map(([n, a]) => [n, a.kubeVip]))),
      },
      issues,
    );
    for (const e of entries) if (vips.has(e.c.name)) clusters[e.index].vip = vips.get(e.c.name);
    const ipam = entries.filter((e) => e.c.addressing === "ipam");
    // A tenant's single cluster, alone on its LAN, has always had the whole IPAM range (addressPlan.ts).
    const alone = (e: (typeof entries)[number]) =>
      entries.length === 1 && e.c.namespace === legacyClusterNamespace(spec.name);
    const ranges = pinRanges(
      plan.ipamRange,
      ipam.map((e) => ({ name: e.c.name, index: e.index, range: e.c.ipamRange, whole: alone(e) })),
      held.map((h) => new Map([...h].flatMap(([n, a]) => (a.ipamRange ? [[n, a.ipamRange] as const] : [])))),
      issues,
    );
    for (const e of ipam) if (ranges.has(e.c.name)) clusters[e.index].ipamRange = ranges.get(e.c.name);
  }
  return { spec: { ...spec, vms, ...(vpn ? { vpn } : {}), ...(clusters ? { clusters } : {}) }, issues };
}

/**
 * Pins the IPAM ranges of the ipam clusters on one LAN: explicit ones kept (the spec schema checks them), then the
 * range each had in the newest history version that has it, then for new ones the first aligned block of
 * {@link IPAM_BLOCK_SIZE} that neither the spec nor the history uses. Returns name → `first-last`.
 */
function pinRanges(
  area: AddressRange,
  entries: { name: string; index: number; range?: string; whole?: boolean }[],
  history: Map<string, AddressRange>[],
  issues: PinIssue[],
): Map<string, string> {
  const out = new Map<string, string>();
  const taken: AddressRange[] = [];
  const text = (r: AddressRange) => formatRange(r);
  for (const e of entries) {
    const r = e.range !== undefined ? parseRange(e.range) : undefined;
    if (!r) continue;
    taken.push(r);
    out.set(e.name, e.range!);
  }
  for (const e of entries) {
    if (out.has(e.name) || e.range !== undefined) continue;
    const held = history.map((v) => v.get(e.name)).find((r) => r !== undefined);
    if (!held || !rangeWithin(held, area) || taken.some((t) => rangesOverlap(t, held))) continue;
    taken.push(held);
    out.set(e.name, text(held));
  }
  const reserved = history.flatMap((v) => [...v].filter(([n]) => !out.has(n)).map(([, r]) => r));
  for (const e of entries) {
    if (out.has(e.name) || e.range !== undefined) continue;
    let block: AddressRange | undefined =
      e.whole && ![...taken, ...reserved].some((t) => rangesOverlap(t, area)) ? area : undefined;
    for (
      let first = ipToInt(area.first);
      !block && first + IPAM_BLOCK_SIZE - 1 <= ipToInt(area.last);
      first += IPAM_BLOCK_SIZE
    ) {
      const b = { first: intToIp(first), last: intToIp(first + IPAM_BLOCK_SIZE - 1) };
      if (![...taken, ...reserved].some((t) => rangesOverlap(t, b))) {
        block = b;
        break;
      }
    }
    if (!block) {
      const holders = entries.filter((o) => out.has(o.name)).map((o) => `"${o.name}" ${out.get(o.name)}`);
      issues.push({
        path: ["clusters", e.index, "ipamRange"],
        message:
          `no free block of ${IPAM_BLOCK_SIZE} addresses left in the IPAM range ${text(area)} for cluster "${e.name}"` +
          (holders.length ? ` (held: ${holders.join(", ")}; give one a smaller ipamRange)` : "") +
          (reserved.length ? " (some still held by clusters removed since the last successful up)" : ""),
      });
      continue;
    }
    taken.push(block);
    out.set(e.name, text(block));
  }
  return out;
}
