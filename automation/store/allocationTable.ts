/**
 * The allocations of the store: which tenant holds which value of each pool (VLANs, router WAN addresses, floating
 * IPs), with a log of every allocate and release. A value is held at most once (the table's primary key); the
 * free one is picked by the pool's rules (automation/allocator/pools.ts) inside the writer's transaction.
 */
import { Allocation, AllocationDemand, checkDemand } from "../allocator/demand";
import { POOL_NAMES, Pool, PoolName, pickFree } from "../allocator/pools";
import { allocationOf } from "./rows";
import { SqlDb, SqlValue } from "./sql/db";

/** `?` statements with their arguments spread, as the store writes them. */
function on(db: SqlDb) {
  return {
    all: (sql: string, ...args: SqlValue[]) => db.all(sql, args),
    run: (sql: string, ...args: SqlValue[]) => db.run(sql, args),
    tx: <T>(fn: () => Promise<T>) => db.tx(fn),
  };
}

export class AllocationTable {
  private readonly sql: ReturnType<typeof on>;

  constructor(
    db: SqlDb,
    private readonly pools: Record<PoolName, Pool>,
    private readonly now: () => string,
  ) {
    this.sql = on(db);
  }

  private async usedValues(pool: PoolName): Promise<Set<string>> {
    return new Set(
      (await this.sql.all("SELECT value FROM allocations WHERE pool = ?", pool)).map(
        (r) => r.value as string,
      ),
    );
  }

  /** Inside the caller's transaction: gives `tenant` a value for every key of `demand` it does not hold. */
  async allocateTx(tenant: string, demand: AllocationDemand): Promise<Allocation[]> {
    const now = this.now();
    for (const pool of POOL_NAMES) {
      const want = demand[pool] ?? [];
      const held = new Set(
        (await this.sql.all("SELECT key FROM allocations WHERE tenant = ? AND pool = ?", tenant, pool)).map(
          (r) => r.key as string,
        ),
      );
      const missing = want.filter((k) => !held.has(k));
      if (missing.length === 0) continue;
      const values = pickFree(this.pools[pool], await this.usedValues(pool), missing.length);
      for (const [i, key] of missing.entries()) {
        await this.sql.run(
          "INSERT INTO allocations (pool, value, tenant, key, created_at) VALUES (?, ?, ?, ?, ?)",
          pool,
          values[i],
          tenant,
          key,
          now,
        );
        await this.sql.run(
          "INSERT INTO allocation_log (action, pool, value, tenant, at) VALUES ('allocate', ?, ?, ?, ?)",
          pool,
          values[i],
          tenant,
          now,
        );
      }
    }
    return (await this.sql.all("SELECT * FROM allocations WHERE tenant = ? ORDER BY pool, key", tenant)).map(
      allocationOf,
    );
  }

  /** Inside the caller's transaction: frees what `tenant` holds (all, or what `keep` no longer names). */
  async releaseTx(tenant: string, keep?: AllocationDemand): Promise<number> {
    const rows = (await this.sql.all("SELECT * FROM allocations WHERE tenant = ?", tenant)).map(allocationOf);
    const now = this.now();
    let n = 0;
    for (const a of rows) {
      if (keep && (keep[a.pool] === undefined || keep[a.pool]!.includes(a.key))) continue;
      await this.sql.run("DELETE FROM allocations WHERE pool = ? AND value = ?", a.pool, a.value);
      await this.sql.run(
        "INSERT INTO allocation_log (action, pool, value, tenant, at) VALUES ('release', ?, ?, ?, ?)",
        a.pool,
        a.value,
        tenant,
        now,
      );
      n++;
    }
    return n;
  }

  async allocate(tenant: string, demand: AllocationDemand): Promise<Allocation[]> {
    checkDemand(demand);
    return this.sql.tx(() => this.allocateTx(tenant, demand));
  }

  async release(tenant: string, keep?: AllocationDemand): Promise<number> {
    return this.sql.tx(() => this.releaseTx(tenant, keep));
  }

  async allocationsOf(tenant: string): Promise<Allocation[]> {
    return (await this.sql.all("SELECT * FROM allocations WHERE tenant = ? ORDER BY pool, key", tenant)).map(
      allocationOf,
    );
  }

  async tentativeAllocations(tenant: string, demand: AllocationDemand): Promise<Allocation[]> {
    checkDemand(demand);
    const held = await this.allocationsOf(tenant);
    const out = held.filter((a) => demand[a.pool] === undefined || demand[a.pool]!.includes(a.key));
    const now = this.now();
    for (const pool of POOL_NAMES) {
      const keys = new Set(held.filter((a) => a.pool === pool).map((a) => a.key));
      const missing = (demand[pool] ?? []).filter((k) => !keys.has(k));
      if (!missing.length) continue;
      const values = pickFree(this.pools[pool], await this.usedValues(pool), missing.length);
      missing.forEach((key, i) => out.push({ pool, value: values[i], tenant, key, createdAt: now }));
    }
    return out;
  }

  /** Pool sizes, for metrics. */
  poolSizes(): Record<PoolName, number> {
    return Object.fromEntries(POOL_NAMES.map((p) => [p, this.pools[p].size])) as Record<PoolName, number>;
  }
}
