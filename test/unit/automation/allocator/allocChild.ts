/**
 * Child process of the two-process allocator test: opens the shared SQLite file, runs the allocate/free commands
 * it is sent, and reports what happened (exhaustions by pool, any other error) to the parent.
 */
import { DEFAULT_POOLS, PoolExhaustedError, buildPools } from "../../../../automation/allocator/pools";
import { SqliteStore } from "../../../../automation/store/sqliteStore";

export type Command =
  { op: "alloc"; tenant: string; vlans: number; fips: number } | { op: "free"; tenant: string };

export const TEST_POOLS = {
  ...DEFAULT_POOLS,
  vlan: { first: 100, last: 123 },
  routerWan: { first: "10.9.0.1", last: "10.9.0.8" },
  floatingIp: { first: "10.9.1.1", last: "10.9.1.12" },
};

export interface ChildReport {
  done: number;
  allocations: number;
  frees: number;
  exhausted: Record<string, number>;
  errors: string[];
}

if (require.main === module) {
  process.once("message", async (msg: { db: string; commands: Command[] }) => {
    const store = new SqliteStore({ path: msg.db, pools: buildPools(TEST_POOLS), busyTimeoutMs: 30000 });
    const report: ChildReport = { done: 0, allocations: 0, frees: 0, exhausted: {}, errors: [] };
    for (const c of msg.commands) {
      try {
        if (c.op === "alloc") {
          const vlan = Array.from({ length: c.vlans }, (_, i) => `v${i}`);
          const floatingIp = Array.from({ length: c.fips }, (_, i) => `f${i}`);
          await store.allocate(c.tenant, { vlan, routerWan: ["router"], floatingIp });
          report.allocations++;
        } else {
          await store.release(c.tenant);
          report.frees++;
        }
      } catch (e) {
        if (e instanceof PoolExhaustedError) report.exhausted[e.pool] = (report.exhausted[e.pool] ?? 0) + 1;
        else report.errors.push(String((e as Error).message));
      }
      report.done++;
    }
    store.close();
    process.send!(report, () => process.exit(0));
  });
}
