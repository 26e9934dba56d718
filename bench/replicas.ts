/**
 * Benchmark of service replicas on one PostgreSQL store (fake engine, BENCH_OP_MS per operation, concurrency 2 per
 * replica), each replica a process of its own (support/replicas.ts):
 * 1. operations/minute with 1, 2 and 3 replicas (BENCH_OPS creates spread over them, queued at once);
 * 2. API p99 per replica: GET /v1/tenants at BENCH_RPS requests/s on every replica while the operations run;
 * 3. failover: a replica killed with SIGKILL mid-operation → the operation running again on another (lease
 *    BENCH_LEASE_MS).
 * 4. with BENCH_REAL=1 (needs the engine: `npm run engine`): operations/minute with 1 and 2 replicas of the real
 *    `basphere serve` (`pulumi up` of the e2e program, store and stack state in the same PostgreSQL), BENCH_REAL_OPS
 *    creates queued at once.
 * `npm run bench:replicas`. Needs PostgreSQL 15 from Debian's packages (started on 127.0.0.1 with its own folder).
 * Prints one JSON object at the end.
 */
import { rmSync } from "node:fs";
import { startEmulator } from "../providers/opnsense/emulator";
import { startPostgres } from "../support/postgres";
import { ReplicaSet, replicaRequest } from "../support/replicas";
import {
  ADMIN_TOKEN,
  ServeProcess,
  ServiceSandbox,
  client,
  programEnv,
  requireEngine,
  startServe,
  waitOperation,
} from "../support/service";
import type { Emulator } from "../providers/opnsense/emulator";
import type { TestPostgres } from "../support/postgres";
import { tempDir } from "../support/serviceApp";
import { percentile } from "../support/stats";

const OP_MS = Number(process.env.BENCH_OP_MS ?? 500);
const OPS = Number(process.env.BENCH_OPS ?? 60);
const RPS = Number(process.env.BENCH_RPS ?? 20);
const LEASE_MS = Number(process.env.BENCH_LEASE_MS ?? 5000);
const REAL = process.env.BENCH_REAL === "1";
const REAL_OPS = Number(process.env.BENCH_REAL_OPS ?? 12);
const spec = { vms: [{ name: "web", cpus: 2, memoryMiB: 2048, diskGb: 20 }], floatingIps: [] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const sortedPercentile = (xs: number[], p: number) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    p,
  );

async function waitDone(base: string, ids: string[]): Promise<void> {
  for (;;) {
    const r = await replicaRequest(base, "GET", "/v1/operations?limit=500");
    const byId = new Map((r.body.items as { id: string; status: string }[]).map((o) => [o.id, o.status]));
    const open = ids.filter((id) => !["succeeded", "failed", "cancelled"].includes(byId.get(id) ?? "queued"));
    const failed = ids.filter(
      (id) => byId.get(id) !== undefined && byId.get(id) !== "succeeded" && !open.includes(id),
    );
    if (failed.length) throw new Error(`operations failed: ${failed.join(", ")}`);
    if (open.length === 0) return;
    await sleep(100);
  }
}

/** Real engine: `n` replicas of `basphere serve` on one database; REAL_OPS creates queued at once → ops/minute. */
async function realPhase(pg: TestPostgres, emulator: Emulator, n: number) {
  const url = (await pg.database(`real${n}`)) + "?sslmode=disable";
  const sandboxes = Array.from({ length: n }, (_, i) => new ServiceSandbox(`bench-real-${n}-${i}`));
  const serves: ServeProcess[] = [];
  try {
    for (const [i, sb] of sandboxes.entries())
      serves.push(
        await startServe(sb, {
          env: {
            ...process.env,
            ...programEnv(emulator),
            BASPHERE_ADMIN_TOKEN: ADMIN_TOKEN,
            PULUMI_CONFIG_PASSPHRASE: "bench-passphrase",
            BASPHERE_LOG_LEVEL: "warn",
          },
          args: ["--store", url, "--replica-id", `bench-${i}`, "--concurrency", "2"],
        }),
      );
    const t0 = performance.now();
    const ids: string[] = [];
    for (let k = 0; k < REAL_OPS; k++) {
      const r = await client(serves[k % n].url)("POST", "/v1/tenants", {
        body: {
          name: `q${n}x${k}`,
          spec: { vms: [{ name: "app", address: `10.0.1.${20 + k}` }], floatingIps: [] },
        },
      });
      if (r.status !== 202) throw new Error(`create: ${r.status} ${JSON.stringify(r.body)}`);
      ids.push(r.body.operation.id);
    }
    for (const id of ids) {
      const op = await waitOperation(client(serves[0].url), id, 600000);
      if (op.status !== "succeeded") throw new Error(`operation ${id} ${op.status}: ${op.error}`);
    }
    return { opsPerMinute: Number((REAL_OPS / ((performance.now() - t0) / 60000)).toFixed(1)) };
  } finally {
    for (const s of serves) {
      s.child.kill("SIGTERM");
      await s.exited;
    }
    for (const sb of sandboxes) sb.dispose();
  }
}

async function main() {
  const pg = await startPostgres();
  const router = await startEmulator();
  const results: Record<string, unknown> = { opMs: OP_MS, ops: OPS, concurrencyPerReplica: 2, rps: RPS };
  try {
    for (const n of [1, 2, 3]) {
      const dir = tempDir("basphere-bench-replicas-");
      const set = new ReplicaSet({
        storeUrl: await pg.database(`bench${n}`),
        dir,
        router: { url: router.url, apiKey: router.apiKey, apiSecret: router.apiSecret },
        leaseMs: LEASE_MS,
        delayMs: OP_MS,
        concurrency: 2,
      });
      try {
        const replicas = Array.from({ length: n }, (_, i) => i);
        await Promise.all(replicas.map((i) => set.start(i)));
        const latencies: number[][] = replicas.map(() => []);
        let load = true;
        const loaders = replicas.map(async (i) => {
          while (load) {
            const t = performance.now();
            await replicaRequest(set.url(i), "GET", "/v1/tenants");
            latencies[i].push(performance.now() - t);
            await sleep(1000 / RPS);
          }
        });
        const t0 = performance.now();
        const ids: string[] = [];
        for (let k = 0; k < OPS; k++) {
          const r = await replicaRequest(set.url(k % n), "POST", "/v1/tenants", { name: `b${n}x${k}`, spec });
          if (r.status !== 202) throw new Error(`create: ${r.status} ${JSON.stringify(r.body)}`);
          ids.push(r.body.operation.id);
        }
        await waitDone(set.url(0), ids);
        const minutes = (performance.now() - t0) / 60000;
        load = false;
        await Promise.all(loaders);
        results[`replicas${n}`] = {
          opsPerMinute: Math.round(OPS / minutes),
          apiP99Ms: latencies.map((l) => Number(sortedPercentile(l, 99).toFixed(1))),
          apiP50Ms: latencies.map((l) => Number(sortedPercentile(l, 50).toFixed(1))),
          requests: latencies.map((l) => l.length),
        };
        process.stderr.write(`${n} replica(s): ${JSON.stringify(results[`replicas${n}`])}\n`);

        if (n === 3) {
          // Failover: kill replica 0 while it runs an operation; time until that stack runs again elsewhere.
          const more: string[] = [];
          for (let k = 0; k < 6; k++)
            more.push(
              (await replicaRequest(set.url(k % 3), "POST", `/v1/tenants/b3x${k}/refresh`)).body.operation.id,
            );
          const victim = set.id(0);
          let cut: string[] = [];
          while (cut.length === 0) {
            await sleep(20);
            cut = set
              .runs()
              .filter((r) => r.replica === victim && r.end === undefined)
              .map((r) => r.stack);
          }
          const killedAt = await set.kill(0);
          await waitDone(set.url(1), more);
          const again = cut.map(
            (stack) =>
              Math.min(
                ...set
                  .runs()
                  .filter((r) => r.stack === stack && r.start > killedAt)
                  .map((r) => r.start),
              ) - killedAt,
          );
          results.failoverMs = { leaseMs: LEASE_MS, afterKill: again };
          process.stderr.write(`failover: ${JSON.stringify(results.failoverMs)}\n`);
        }
      } finally {
        await set.stopAll();
        rmSync(dir, { recursive: true, force: true });
      }
    }
    if (REAL) {
      await requireEngine();
      for (const n of [1, 2]) {
        results[`realReplicas${n}`] = await realPhase(pg, router, n);
        process.stderr.write(
          `real engine, ${n} replica(s): ${JSON.stringify(results[`realReplicas${n}`])}\n`,
        );
      }
    }
  } finally {
    await router.close();
    await pg.stop();
  }
  process.stdout.write(JSON.stringify(results, null, 2) + "\n");
}

void main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exit(1);
  },
);
