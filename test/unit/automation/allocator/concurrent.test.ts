/**
 * Property: allocations stay unique when two processes allocate and free at once against one SQLite file.
 * fast-check generates the command lists (5,000 per process per run, 10,000 in all); each child runs its list;
 * afterwards the allocation log (written in the same transaction as each change) is replayed in commit order:
 * a value is never allocated while held, never released unless held, and the replay ends exactly at the
 * allocations table. Exhaustion must be reported (the pools are small) as PoolExhaustedError naming the pool,
 * and no other error (busy, constraint) may escape.
 */
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { buildPools } from "../../../../automation/allocator/pools";
import { SqliteStore } from "../../../../automation/store/sqliteStore";
import { tempDir } from "../../../../support/serviceApp";
import { ChildReport, Command, TEST_POOLS } from "./allocChild";

const tenants = Array.from({ length: 12 }, (_, i) => `t${i}`);
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("alloc" as const),
      tenant: fc.constantFrom(...tenants),
      vlans: fc.integer({ min: 1, max: 3 }),
      fips: fc.integer({ min: 0, max: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("free" as const), tenant: fc.constantFrom(...tenants) }),
  },
);

function runChild(db: string, commands: Command[]): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, "allocChild.js"), [], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.once("message", (m) => resolve(m as ChildReport));
    child.once("error", reject);
    child.once("exit", (code) => code !== 0 && reject(new Error(`child exited with ${code}`)));
    child.send({ db, commands });
  });
}

describe("allocator under two processes (property)", function () {
  this.timeout(120000);

  it("10,000 random concurrent allocate/free operations: no duplicates, exhaustion reported", async () => {
    let totalOps = 0;
    const exhaustedPools = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.array(commandArb, { minLength: 2500, maxLength: 2500 }),
        fc.array(commandArb, { minLength: 2500, maxLength: 2500 }),
        async (a, b) => {
          const dir = tempDir("basphere-alloc-");
          const db = join(dir, "alloc.sqlite");
          try {
            new SqliteStore({ path: db, pools: buildPools(TEST_POOLS) }).close(); // migrate before the race
            const [ra, rb] = await Promise.all([runChild(db, a), runChild(db, b)]);
            for (const r of [ra, rb]) {
              assert.deepEqual(r.errors, [], "only PoolExhaustedError may escape");
              assert.equal(r.done, 2500);
              for (const p of Object.keys(r.exhausted)) exhaustedPools.add(p);
            }
            totalOps += ra.done + rb.done;
            const store = new SqliteStore({ path: db, pools: buildPools(TEST_POOLS) });
            try {
              const log = store.db
                .prepare("SELECT seq, action, pool, value, tenant FROM allocation_log ORDER BY seq")
                .all() as any[];
              const held = new Map<string, string>();
              for (const l of log) {
                const k = `${l.pool}/${l.value}`;
                if (l.action === "allocate") {
                  assert.equal(
                    held.has(k),
                    false,
                    `${k} allocated to ${l.tenant} while held by ${held.get(k)} (log seq ${l.seq})`,
                  );
                  held.set(k, l.tenant);
                } else {
                  assert.equal(
                    held.get(k),
                    l.tenant,
                    `${k} released by ${l.tenant} but held by ${held.get(k)} (log seq ${l.seq})`,
                  );
                  held.delete(k);
                }
              }
              const rows = store.db.prepare("SELECT pool, value, tenant FROM allocations").all() as any[];
              assert.deepEqual(new Map(rows.map((r) => [`${r.pool}/${r.value}`, r.tenant])), held);
              const pools = buildPools(TEST_POOLS);
              for (const r of rows)
                assert.ok(pools[r.pool as "vlan"].contains(r.value), `${r.pool}/${r.value} outside its pool`);
              assert.ok(log.length > 100, "the run allocated and released values");
            } finally {
              store.close();
            }
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 2, seed: 20261124, endOnFailure: true },
    );
    assert.equal(totalOps, 10000);
    assert.ok(exhaustedPools.size > 0, "the small pools must have run out at least once");
  });
});
