/**
 * Allocation pools: the VLAN ids, router WAN addresses and floating IPs the service hands to tenants. A pool is a
 * finite ordered set of candidate values (strings, as stored); {@link pickFree} chooses the lowest free ones.
 * Uniqueness itself is enforced by the store (UNIQUE(pool, value), one write transaction); this file only knows
 * what is allowed and in which order.
 */
import ipaddr from "ipaddr.js";

/** The pools the service allocates from. */
export const POOL_NAMES = ["vlan", "routerWan", "floatingIp"] as const;
export type PoolName = (typeof POOL_NAMES)[number];

/** The WAN (control) network's VLAN: never handed to a tenant. */
export const WAN_VLAN = 2000;
/** VLAN ids never allocated whatever the configuration says: 0/4095 (reserved by 802.1Q), 1 (default), 2000 (WAN). */
export const ALWAYS_RESERVED_VLANS: readonly number[] = [0, 1, WAN_VLAN, 4095];
/** VLAN ids reserved by default on top of {@link ALWAYS_RESERVED_VLANS} (1002-1005: legacy FDDI/Token Ring ids). */
export const DEFAULT_RESERVED_VLANS: readonly number[] = [1002, 1003, 1004, 1005];
/** Largest pool the service accepts (keeps candidate scans cheap). */
export const MAX_POOL_SIZE = 65536;

/** Configuration of the pools (`serve --pools <file.json>`). */
export interface PoolsConfig {
  /** VLAN id range, inclusive. Default 100-1999. WAN VLAN 2000 and {@link ALWAYS_RESERVED_VLANS} are always excluded. */
  vlan: {
    first: number;
    last: number;
    /** Extra excluded ids. Default {@link DEFAULT_RESERVED_VLANS}. */ reserved?: number[];
  };
  /** One address per tenant router's WAN interface, inclusive range. Default 192.168.200.20-192.168.200.99. */
  routerWan: { first: string; last: string };
  /** Floating IPs (WAN addresses mapped 1:1 to tenant addresses), inclusive range. Default 192.168.200.100-192.168.200.239. */
  floatingIp: {
    first: string;
    last: string;
    /** Extra excluded addresses (e.g. the top router). Default none. */ reserved?: string[];
  };
}

/** Embedded defaults: a lab WAN of 192.168.200.0/24 whose DHCP range is above .239. */
export const DEFAULT_POOLS: PoolsConfig = {
  vlan: { first: 100, last: 1999, reserved: [...DEFAULT_RESERVED_VLANS] },
  routerWan: { first: "192.168.200.20", last: "192.168.200.99" },
  floatingIp: { first: "192.168.200.100", last: "192.168.200.239" },
};

/** A pool ran out of values: the API answers 409 naming the pool. */
export class PoolExhaustedError extends Error {
  constructor(
    readonly pool: PoolName,
    readonly requested: number,
    readonly free: number,
  ) {
    super(`pool ${pool} is exhausted: ${requested} value(s) requested, ${free} free`);
    this.name = "PoolExhaustedError";
  }
}

/** A bad pool configuration; `field` names the key (e.g. `floatingIp.first`). */
export class PoolConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`pools config ${field}: ${message}`);
    this.name = "PoolConfigError";
  }
}

/** One pool: its name, its size and its candidates in allocation order. */
export interface Pool {
  readonly name: PoolName;
  readonly size: number;
  /** Candidate values, lowest first, as stored (VLANs as decimal strings, addresses in canonical form). */
  candidates(): Iterable<string>;
  /** Whether `value` (in stored form) belongs to the pool. */
  contains(value: string): boolean;
}

class ListPool implements Pool {
  private readonly set: Set<string>;
  constructor(
    readonly name: PoolName,
    private readonly values: string[],
  ) {
    this.set = new Set(values);
  }
  get size(): number {
    return this.values.length;
  }
  candidates(): Iterable<string> {
    return this.values;
  }
  contains(value: string): boolean {
    return this.set.has(value);
  }
}

function vlanPool(cfg: PoolsConfig["vlan"]): Pool {
  for (const k of ["first", "last"] as const) {
    const v = cfg?.[k];
    if (!Number.isInteger(v) || v < 1 || v > 4094)
      throw new PoolConfigError(`vlan.${k}`, `must be an integer 1-4094, got ${JSON.stringify(v)}`);
  }
  if (cfg.first > cfg.last)
    throw new PoolConfigError("vlan.first", `must be <= vlan.last (${cfg.first} > ${cfg.last})`);
  const reserved = new Set<number>([...ALWAYS_RESERVED_VLANS, ...(cfg.reserved ?? DEFAULT_RESERVED_VLANS)]);
  const values: string[] = [];
  for (let v = cfg.first; v <= cfg.last; v++) if (!reserved.has(v)) values.push(String(v));
  if (values.length === 0) throw new PoolConfigError("vlan", "the range holds no usable VLAN id");
  return new ListPool("vlan", values);
}

function toBig(addr: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  return addr.toByteArray().reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

function fromBig(n: bigint, kind: "ipv4" | "ipv6"): string {
  const len = kind === "ipv4" ? 4 : 16;
  const bytes = new Array<number>(len);
  for (let i = len - 1; i >= 0; i--) {
    bytes[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

function parseAddr(field: string, value: unknown): ipaddr.IPv4 | ipaddr.IPv6 {
  if (typeof value !== "string" || !ipaddr.isValid(value))
    throw new PoolConfigError(field, `must be an IP address, got ${JSON.stringify(value)}`);
  const a = ipaddr.parse(value);
  return a.kind() === "ipv6" && (a as ipaddr.IPv6).isIPv4MappedAddress()
    ? (a as ipaddr.IPv6).toIPv4Address()
    : a;
}

/** Canonical stored form of an address (so `192.168.200.010`-style spellings cannot dodge uniqueness). */
export function canonicalAddress(value: string): string {
  return parseAddr("address", value).toString();
}

/** The inclusive range first..last as [first, last] bigints, validated. */
function addrRange(
  name: string,
  cfg: { first: string; last: string },
): { kind: "ipv4" | "ipv6"; lo: bigint; hi: bigint } {
  const first = parseAddr(`${name}.first`, cfg?.first);
  const last = parseAddr(`${name}.last`, cfg?.last);
  if (first.kind() !== last.kind())
    throw new PoolConfigError(`${name}.last`, "must be of the same address family as first");
  const lo = toBig(first);
  const hi = toBig(last);
  if (lo > hi) throw new PoolConfigError(`${name}.first`, `must be <= ${name}.last`);
  if (hi - lo + 1n > BigInt(MAX_POOL_SIZE))
    throw new PoolConfigError(name, `range holds more than ${MAX_POOL_SIZE} addresses`);
  return { kind: first.kind(), lo, hi };
}

function addressPool(
  name: "routerWan" | "floatingIp",
  cfg: { first: string; last: string; reserved?: string[] },
): Pool {
  const { kind, lo, hi } = addrRange(name, cfg);
  const reserved = new Set(
    (cfg.reserved ?? []).map((r, i) => parseAddr(`${name}.reserved[${i}]`, r).toString()),
  );
  const values: string[] = [];
  for (let n = lo; n <= hi; n++) {
    const s = fromBig(n, kind);
    if (!reserved.has(s)) values.push(s);
  }
  if (values.length === 0) throw new PoolConfigError(name, "the range holds no usable address");
  return new ListPool(name, values);
}

/** Validates a pools configuration and builds the pools; throws {@link PoolConfigError} naming the key. */
export function buildPools(cfg: PoolsConfig = DEFAULT_POOLS): Record<PoolName, Pool> {
  const pools = {
    vlan: vlanPool(cfg.vlan),
    routerWan: addressPool("routerWan", cfg.routerWan),
    floatingIp: addressPool("floatingIp", cfg.floatingIp),
  };
  const a = addrRange("routerWan", cfg.routerWan);
  const b = addrRange("floatingIp", cfg.floatingIp);
  if (a.kind === b.kind && a.lo <= b.hi && b.lo <= a.hi)
    throw new PoolConfigError("floatingIp", "range overlaps routerWan");
  return pools;
}

/** Picks the `count` lowest values of `pool` not in `used`; throws {@link PoolExhaustedError} when too few are free. */
export function pickFree(pool: Pool, used: ReadonlySet<string>, count: number): string[] {
  if (count <= 0) return [];
  const out: string[] = [];
  for (const v of pool.candidates()) {
    if (used.has(v)) continue;
    out.push(v);
    if (out.length === count) return out;
  }
  let usedInPool = 0;
  for (const v of used) if (pool.contains(v)) usedInPool++;
  throw new PoolExhaustedError(pool.name, count, pool.size - usedInPool);
}
