/**
 * What a tenant needs from the pools and how its allocations are handed to the stack (`basphere:allocations`,
 * the shape of `allocationsSchema` in model/tenant/allocations.ts). Every held value has a key inside its pool: `lan1`,
 * `lan2` for VLANs, `router` for the router WAN address, the floating IP's name for floating IPs — so removing one
 * floating IP from a spec never moves the others.
 */
import { POOL_NAMES, PoolName } from "./pools";

/** The keys a tenant holds in each pool. */
export type AllocationDemand = Partial<Record<PoolName, string[]>>;

/** One held value. */
export interface Allocation {
  pool: PoolName;
  value: string;
  tenant: string;
  key: string;
  createdAt: string;
}

/** The object written to the stack config as `basphere:allocations`. */
export interface TenantAllocations {
  lan1VlanId?: number;
  lan2VlanId?: number;
  /** Static WAN address of the tenant router. */
  routerWanAddress?: string;
  /** Floating IPs bound by name. */
  floatingIps: { name: string; address: string }[];
}

/**
 * JSON Schema of {@link TenantAllocations} (the service's responses, automation/service/schemas.ts): next to the
 * type, and checked against its keys, so that the two cannot drift.
 */
export const tenantAllocationsJsonSchema = {
  type: "object",
  properties: {
    lan1VlanId: { type: "integer" },
    lan2VlanId: { type: "integer" },
    routerWanAddress: { type: "string" },
    floatingIps: {
      type: "array",
      items: {
        type: "object",
        properties: { name: { type: "string" }, address: { type: "string" } } satisfies Record<
          keyof TenantAllocations["floatingIps"][number],
          unknown
        >,
      },
    },
  } satisfies Record<keyof TenantAllocations, unknown>,
} as const;

/** Keys are short identifiers (floating IP names are DNS labels). */
const KEY_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * The demand of a tenant spec: VLANs for LAN1 and LAN2 (the golden router template has exactly these two), one
 * router WAN address, one floating IP per entry of `floatingIps` (keyed by its name).
 */
export function demandOfSpec(spec: unknown): AllocationDemand {
  const s = (spec ?? {}) as { floatingIps?: unknown };
  const names = Array.isArray(s.floatingIps)
    ? s.floatingIps
        .map((f) => (f && typeof f === "object" ? (f as { name?: unknown }).name : undefined))
        .filter((n): n is string => typeof n === "string")
    : [];
  return { vlan: ["lan1", "lan2"], routerWan: ["router"], floatingIp: [...new Set(names)] };
}

/** Builds {@link TenantAllocations} from stored rows. */
export function allocationsObject(rows: readonly Allocation[]): TenantAllocations {
  const get = (pool: PoolName, key: string) => rows.find((r) => r.pool === pool && r.key === key)?.value;
  const out: TenantAllocations = { floatingIps: [] };
  const l1 = get("vlan", "lan1");
  const l2 = get("vlan", "lan2");
  const wan = get("routerWan", "router");
  if (l1 !== undefined) out.lan1VlanId = Number(l1);
  if (l2 !== undefined) out.lan2VlanId = Number(l2);
  if (wan !== undefined) out.routerWanAddress = wan;
  out.floatingIps = rows
    .filter((r) => r.pool === "floatingIp")
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => ({ name: r.key, address: r.value }));
  return out;
}

/** Validates a demand (known pools, at most 256 distinct keys each, keys like DNS labels). */
export function checkDemand(d: AllocationDemand): void {
  for (const [pool, keys] of Object.entries(d)) {
    if (!POOL_NAMES.includes(pool as PoolName)) throw new Error(`unknown pool ${pool}`);
    if (!Array.isArray(keys) || keys.length > 256)
      throw new Error(`demand of pool ${pool} must be a list of at most 256 keys`);
    if (new Set(keys).size !== keys.length) throw new Error(`demand of pool ${pool} lists a key twice`);
    for (const k of keys)
      if (typeof k !== "string" || !KEY_RE.test(k))
        throw new Error(`demand of pool ${pool}: bad key ${JSON.stringify(k)}`);
  }
}
