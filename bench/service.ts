/**
 * Benchmark of the automation service with a fake engine (~200 ms per operation), concurrency 2:
 * 1. 20 tenant creates queued at once vs one after another (each waits for the previous one) → speed-up ratio;
 * 2. peak memory (max RSS) of the process;
 * 3. API read latency (p50/p99) at 200 requests/s over real HTTP on 127.0.0.1 while operations run.
 * `npm run bench:service:fake` runs this alone; `npm run bench:service` runs it, then the same measurements with the
 * real engine (bench/serviceReal.ts: `basphere serve` running `pulumi up` on the e2e program against the OPNsense
 * emulator). Prints one JSON object at the end; exits 1 when the speed-up misses the goal.
 */
import { rmSync } from "node:fs";
import { createService } from "../automation/service/wiring";
import { tempDir } from "../support/serviceApp";
import { FakeDriver } from "../support/fakeDriver";

const ADMIN = "bspa.bench-admin-token-0123456789abcdefghijkl";
const OP_MS = Number(process.env.BENCH_OP_MS ?? 200);
const N = Number(process.env.BENCH_TENANTS ?? 20);
const RPS = Number(process.env.BENCH_RPS ?? 200);

async function withService<T>(
  fn: (base: string, wait: (id: string) => Promise<void>) => Promise<T>,
): Promise<T> {
  const dir = tempDir("basphere-bench-");
  const driver = new FakeDriver({ delayMs: OP_MS });
  const svc = await createService({
    dataDir: dir,
    adminToken: ADMIN,
    driver,
    concurrency: 2,
    pollIntervalMs: 100,
    env: {},
  });
  const base = await svc.listen(0, "127.0.0.1");
  const wait = async (id: string) => {
    for (;;) {
      const op = await svc.store.getOperation(id);
      if (op && ["succeeded", "failed", "cancelled"].includes(op.status)) {
        if (op.status !== "succeeded") throw new Error(`operation ${id} ${op.status}: ${op.error}`);
        return;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  try {
    return await fn(base, wait);
  } finally {
    await svc.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const spec = (i: number) => ({ vms: [{ name: "web" }], floatingIps: [{ name: `f${i}`, target: "web" }] });

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main(): Promise<void> {
  // 1a. one after another
  const sequentialMs = await withService(async (base, wait) => {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const r = await call(base, "POST", "/v1/tenants", { name: `s${i}`, spec: spec(i) });
      await wait(r.operation.id);
    }
    return performance.now() - t0;
  });
  // 1b. all at once
  const queuedMs = await withService(async (base, wait) => {
    const t0 = performance.now();
    const ops = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        call(base, "POST", "/v1/tenants", { name: `q${i}`, spec: spec(i) }),
      ),
    );
    await Promise.all(ops.map((r) => wait(r.operation.id)));
    return performance.now() - t0;
  });
  // 3. reads at RPS while N creates run
  const reads = await withService(async (base, wait) => {
    const ops = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        call(base, "POST", "/v1/tenants", { name: `r${i}`, spec: spec(i) }),
      ),
    );
    const lat: number[] = [];
    let errors = 0;
    const started = performance.now();
    const pending: Promise<void>[] = [];
    const interval = 1000 / RPS;
    let sent = 0;
    let busyWhileReading = true;
    const allDone = Promise.all(ops.map((r) => wait(r.operation.id))).then(() => (busyWhileReading = false));
    // Reads go on exactly while the creates run (and at least 1 s).
    while (busyWhileReading || performance.now() - started < 1000) {
      const i = sent++;
      const path =
        i % 3 === 0
          ? `/v1/tenants/r${i % N}`
          : i % 3 === 1
            ? `/v1/operations/${ops[i % N].operation.id}`
            : `/v1/tenants/r${i % N}/operations`;
      const t0 = performance.now();
      pending.push(
        fetch(base + path, { headers: { authorization: `Bearer ${ADMIN}` } })
          .then(async (res) => {
            await res.arrayBuffer();
            if (res.status !== 200) errors++;
            lat.push(performance.now() - t0);
          })
          .catch(() => void errors++),
      );
      const next = started + sent * interval;
      const delay = next - performance.now();
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    }
    await Promise.all(pending);
    await allDone;
    const elapsed = (performance.now() - started) / 1000;
    lat.sort((a, b) => a - b);
    return {
      requests: lat.length,
      errors,
      achievedRps: Math.round(lat.length / elapsed),
      p50Ms: +pct(lat, 50).toFixed(2),
      p99Ms: +pct(lat, 99).toFixed(2),
      maxMs: +lat[lat.length - 1].toFixed(2),
      readWindowSeconds: +elapsed.toFixed(2),
    };
  });
  const result = {
    fakeOperationMs: OP_MS,
    tenants: N,
    concurrency: 2,
    sequentialSeconds: +(sequentialMs / 1000).toFixed(2),
    queuedSeconds: +(queuedMs / 1000).toFixed(2),
    speedup: +(sequentialMs / queuedMs).toFixed(2),
    goalSpeedup: 1.7,
    peakRssMiB: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
    reads,
  };
  process.stdout.write(JSON.stringify(result, null, 2) + "\n");
  if (result.speedup < 1.7) process.exitCode = 1;
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).stack}\n`);
  process.exit(1);
});
