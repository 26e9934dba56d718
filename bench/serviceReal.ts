/**
 * Benchmark of the automation service with the REAL engine: `basphere serve` (a child process, the real CLI) runs
 * `pulumi up` for each tenant create on the e2e test program (test/e2e/service/program), which writes one virtual
 * IP and one host alias per tenant into the OPNsense emulator (started here, in the bench process, on 127.0.0.1).
 *
 * Phases (each on a fresh service, temporary data folder and emulator):
 *  - sequential: N creates one after another (each waits for its operation to finish), concurrency 2;
 *  - queued c=K: N creates queued at once with `--concurrency K`, for each K of BENCH_REAL_CONCURRENCY;
 *  - reads: N creates queued at once (concurrency 2) while GET /v1/tenants/:name and GET /v1/operations/:id are
 *    sent open-loop at BENCH_RPS requests/s from a worker thread (bench/readLoad.ts); p50/p99 over that window.
 * Every phase also reports:
 *  - CPU: seconds used by the service and every engine process it ran (reaped children included), per create, and
 *    the cores used on average by that tree, by this bench process (emulator, clients) and by everything else on
 *    the machine (/proc/stat: the other load of a shared machine), with a sampled breakdown per kind of process;
 *  - memory, sampled every BENCH_SAMPLE_MS from /proc over the service process and all its descendants: the
 *    service's peak RSS (VmHWM), and the maximum of the tree's summed RSS (over-counts shared pages) and summed PSS.
 * Every operation must succeed and the emulator must hold exactly the N tenants' records, else the bench fails.
 *
 * `npm run bench:service:real` (builds, provides the engine, runs). Progress on stderr, one JSON object on stdout.
 * Env: BENCH_TENANTS (20), BENCH_REAL_CONCURRENCY ("2,3"; "2,1,3" adds concurrency 1, ~75 s more), BENCH_RPS (200),
 * BENCH_REAL_READS (1; 0 skips the reads phase), BENCH_SAMPLE_MS (250), BENCH_REAL_STRICT (1: exit 1 below the goal).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { killSession, processTree } from "../automation/engine/processes";
import { Emulator, startEmulator } from "../providers/opnsense/emulator";
import type { ReadLoadConfig, ReadLoadResult } from "./readLoad";
import { TreeSampler, cpuSecondsWithChildren, machineCpu, ownCpu } from "../support/procSampling";
import { percentile, round } from "../support/stats";
import {
  PROJECT_ROOT,
  ServeProcess,
  ServiceSandbox,
  TERMINAL,
  programEnv,
  requireEngine,
  startServe,
} from "../support/service";

const ADMIN = "bspa.bench-real-admin-token-0123456789abcdef";
const N = Number(process.env.BENCH_TENANTS ?? 20);
const RPS = Number(process.env.BENCH_RPS ?? 200);
const SAMPLE_MS = Number(process.env.BENCH_SAMPLE_MS ?? 250);
const CONCURRENCIES = (process.env.BENCH_REAL_CONCURRENCY ?? "2,3").split(",").map((s) => Number(s.trim()));
const READS = process.env.BENCH_REAL_READS !== "0";
const STRICT = process.env.BENCH_REAL_STRICT === "1";
const GOAL = 1.7;

for (const [name, v] of Object.entries({ BENCH_TENANTS: N, BENCH_RPS: RPS, BENCH_SAMPLE_MS: SAMPLE_MS }))
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${v}`);
if (!CONCURRENCIES.length || CONCURRENCIES.some((c) => !Number.isInteger(c) || c < 1 || c > 64))
  throw new Error(`BENCH_REAL_CONCURRENCY must be a comma-separated list of integers 1-64`);

const log = (msg: string) => process.stderr.write(`bench:service:real: ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A timer that does not keep the process alive (for races against an exit). */
const timeoutAfter = (ms: number) =>
  new Promise<"timeout">((r) => setTimeout(() => r("timeout"), ms).unref());

type Running = ServeProcess;

function startService(sandbox: ServiceSandbox, emulator: Emulator, concurrency: number): Promise<Running> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...programEnv(emulator),
    BASPHERE_ADMIN_TOKEN: ADMIN,
    PULUMI_CONFIG_PASSPHRASE: "bench-real-passphrase-not-secret",
  };
  delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
  delete env.BASPHERE_E2E_DELAY_MS;
  return startServe(sandbox, {
    env,
    args: ["--concurrency", String(concurrency), "--log-level", "warn"],
    stderrTail: 20000,
  });
}

async function stopService(svc: Running): Promise<void> {
  if (svc.child.exitCode !== null) return;
  svc.child.kill("SIGTERM");
  const code = await Promise.race([svc.exited, timeoutAfter(30000)]);
  if (code === "timeout") {
    svc.child.kill("SIGKILL");
    await svc.exited;
    throw new Error("basphere serve did not stop within 30 s of SIGTERM");
  }
}

/**
 * After a failure: SIGTERM (the service interrupts its operations), SIGKILL after 15 s, then kills whatever is left
 * of the engine sessions it had started (each `pulumi` leads a session), so that nothing writes into the sandbox
 * after it is removed.
 */
async function forceStop(svc: Running): Promise<void> {
  const pid = svc.child.pid!;
  const sessions = processTree(pid).filter((p) => p.pid !== pid && p.sid === p.pid);
  svc.child.kill("SIGTERM");
  if ((await Promise.race([svc.exited, timeoutAfter(15000)])) === "timeout") {
    svc.child.kill("SIGKILL");
    await svc.exited;
  }
  for (const p of sessions) killSession(p.sid, p.startTime);
}

async function call(base: string, method: string, url: string, body?: unknown): Promise<any> {
  const res = await fetch(base + url, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (res.status >= 400) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const spec = () => ({ vms: [{ name: "web" }], floatingIps: [{ name: "f", target: "web" }] });

async function create(base: string, name: string): Promise<string> {
  return (await call(base, "POST", "/v1/tenants", { name, spec: spec() })).operation.id as string;
}

/** Waits for one operation (polled every 50 ms, as a client waiting for it would). */
async function waitOne(base: string, id: string, timeoutMs = 300000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!TERMINAL.includes((await call(base, "GET", `/v1/operations/${id}`)).status)) {
    if (Date.now() > deadline) throw new Error(`operation ${id} not finished after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Waits for all the operations (one list request every 100 ms). */
async function waitAll(base: string, ids: string[], timeoutMs = 600000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const want = new Set(ids);
  for (;;) {
    const items: { id: string; status: string }[] = (await call(base, "GET", "/v1/operations?limit=500"))
      .items;
    if (items.filter((o) => want.has(o.id) && TERMINAL.includes(o.status)).length === want.size) return;
    if (Date.now() > deadline) throw new Error(`operations not finished after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Checks that every operation succeeded and the router holds exactly the tenants' records; returns op timings. */
async function verify(base: string, emulator: Emulator, names: string[], ids: string[]) {
  const ops: { status: string; error?: string; startedAt: string; finishedAt: string }[] = [];
  for (const id of ids) ops.push(await call(base, "GET", `/v1/operations/${id}`));
  const bad = ops.filter((o) => o.status !== "succeeded");
  if (bad.length)
    throw new Error(`${bad.length} operation(s) did not succeed: ${bad[0].status}: ${bad[0].error}`);
  const aliases = Object.values(emulator.state.collections.alias as Record<string, { name: string }>)
    .map((a) => a.name)
    .sort();
  const expected = names.map((n) => `t_${n}_web`.replace(/[^A-Za-z0-9_]/g, "_")).sort();
  if (JSON.stringify(aliases) !== JSON.stringify(expected))
    throw new Error(`the emulator holds aliases ${aliases.join(",")}; expected ${expected.join(",")}`);
  const vips = Object.keys(emulator.state.collections.vip).length;
  if (vips !== names.length)
    throw new Error(`the emulator holds ${vips} virtual IPs; expected ${names.length}`);
  // Operation durations and the most operations that overlapped (from the service's own timestamps).
  const spans = ops.map((o) => [Date.parse(o.startedAt), Date.parse(o.finishedAt)] as const);
  const secs = spans.map(([a, b]) => (b - a) / 1000).sort((a, b) => a - b);
  let maxOverlap = 0;
  for (const [a] of spans)
    maxOverlap = Math.max(maxOverlap, spans.filter(([s, e]) => s <= a && a < e).length);
  return {
    opMedianSeconds: round(percentile(secs, 50)),
    opMaxSeconds: round(secs[secs.length - 1]),
    maxRunningAtOnce: maxOverlap,
  };
}

// ----------------------------------------------------------------------------------------------------- phases

/** Runs `work` on a fresh emulator, sandbox and service; always cleans up. */
async function phase<T extends object>(
  label: string,
  concurrency: number,
  work: (base: string, emulator: Emulator) => Promise<T>,
) {
  const emulator = await startEmulator();
  const sandbox = new ServiceSandbox("bench");
  let svc: Running | undefined;
  try {
    svc = await startService(sandbox, emulator, concurrency);
    const pid = svc.child.pid!;
    const rootCpu0 = ownCpu(pid)?.seconds ?? 0;
    const sampler = new TreeSampler(pid, SAMPLE_MS);
    const cpu0 = { service: cpuSecondsWithChildren(pid), bench: process.cpuUsage(), machine: machineCpu() };
    const t0 = performance.now();
    const result = await work(svc.url, emulator).finally(() => void sampler.stop());
    const wall = (performance.now() - t0) / 1000;
    const memory = sampler.report();
    // The operations are over: their engine processes have ended and been reaped, so their CPU time is counted.
    const serviceCpu = cpuSecondsWithChildren(pid) - cpu0.service;
    const benchUsage = process.cpuUsage(cpu0.bench);
    const benchCpu = (benchUsage.user + benchUsage.system) / 1e6;
    const m = machineCpu();
    const machineBusy = m.busy - cpu0.machine.busy;
    const cpus = os.cpus().length;
    const byKind = sampler.cpuByKind(rootCpu0);
    const attributed = Object.values(byKind).reduce((a, k) => a + k.cpuSeconds, 0);
    const cpu = {
      /** The service and every engine process it ran (reaped children included). */
      serviceTreeSeconds: round(serviceCpu, 1),
      perCreateSeconds: round(serviceCpu / N),
      /** Cores in use on average during the phase: by the service tree, by this bench (emulator, clients), by others. */
      serviceTreeCores: round(serviceCpu / wall),
      benchProcessCores: round(benchCpu / wall),
      otherCores: round(Math.max(0, machineBusy - serviceCpu - benchCpu) / wall),
      machineBusyPercent: Math.round((100 * machineBusy) / (m.total - cpu0.machine.total)),
      cpus,
      /** Sampled own CPU per kind of process; `unattributed`: short-lived processes and the last moments of each. */
      byKind: { ...byKind, unattributed: { cpuSeconds: round(Math.max(0, serviceCpu - attributed), 1) } },
    };
    await stopService(svc);
    const out = { concurrency, ...result, memory, cpu };
    log(`${label}: ${JSON.stringify(out)}`);
    return out;
  } catch (e) {
    if (svc) process.stderr.write(`service stderr (tail):\n${svc.stderr().slice(-4000)}\n`);
    throw e;
  } finally {
    if (svc && svc.child.exitCode === null) await forceStop(svc);
    await emulator.close();
    sandbox.dispose();
  }
}

async function sequential(base: string, emulator: Emulator) {
  const names = Array.from({ length: N }, (_, i) => `s${i}`);
  const ids: string[] = [];
  const t0 = performance.now();
  for (const name of names) {
    ids.push(await create(base, name));
    await waitOne(base, ids[ids.length - 1]);
  }
  const seconds = (performance.now() - t0) / 1000;
  return { seconds: round(seconds), ...(await verify(base, emulator, names, ids)) };
}

async function queued(
  base: string,
  emulator: Emulator,
  prefix: string,
  during?: (ids: string[]) => Promise<object>,
) {
  const names = Array.from({ length: N }, (_, i) => `${prefix}${i}`);
  const t0 = performance.now();
  const ids = await Promise.all(names.map((n) => create(base, n)));
  const done = waitAll(base, ids).then(() => performance.now());
  const extra = during ? await during(ids) : {};
  const seconds = ((await done) - t0) / 1000;
  return { seconds: round(seconds), ...(await verify(base, emulator, names, ids)), ...extra };
}

/** Reads at RPS from a worker thread (bench/readLoad.ts) until the operations are done (and at least 1 s). */
async function reads(base: string, ids: string[], names: string[]) {
  const paths = names.flatMap((name, i) => [
    { group: "tenantGet", path: `/v1/tenants/${name}` },
    { group: "operationGet", path: `/v1/operations/${ids[i]}` },
  ]);
  const config: ReadLoadConfig = { base, token: ADMIN, rps: RPS, minMs: 1000, paths };
  const worker = new Worker(path.join(__dirname, "readLoad.js"), { workerData: config });
  const answer = new Promise<ReadLoadResult>((resolve, reject) => {
    worker.once("message", (m: ReadLoadResult | { error: string }) =>
      "error" in m ? reject(new Error(`read load: ${m.error}`)) : resolve(m),
    );
    worker.once("error", reject);
  });
  const cpu0 = process.cpuUsage();
  try {
    await waitAll(base, ids);
  } finally {
    worker.postMessage("stop");
  }
  const r = await answer.finally(() => worker.terminate());
  const cpu = process.cpuUsage(cpu0);
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return {
      p50Ms: round(percentile(s, 50)),
      p99Ms: round(percentile(s, 99)),
      maxMs: round(s[s.length - 1]),
    };
  };
  const all = Object.values(r.latencies).flat();
  if (r.errors) throw new Error(`${r.errors} read(s) failed, first: ${r.firstError}`);
  return {
    targetRps: RPS,
    requests: all.length,
    errors: r.errors,
    achievedRps: Math.round(all.length / (r.windowMs / 1000)),
    windowSeconds: round(r.windowMs / 1000),
    ...stats(all),
    tenantGet: stats(r.latencies.tenantGet),
    operationGet: stats(r.latencies.operationGet),
    /** Measured from when each request was due (includes the sender's own lateness). */
    fromDue: stats(r.fromDue),
    /** CPU the bench process (emulator + load generator) used in the window, in cores. */
    benchProcessCpuCores: round((cpu.user + cpu.system) / 1e6 / (r.windowMs / 1000)),
    loadGeneratorCpuCores: r.cpuMs !== undefined ? round(r.cpuMs / r.windowMs) : undefined,
  };
}

async function main(): Promise<void> {
  await requireEngine();
  if (!fs.existsSync(path.join(PROJECT_ROOT, "dist", "providers", "opnsense", "index.js")))
    throw new Error("dist/providers/opnsense is missing: run `npm run build` first");
  const t0 = performance.now();
  const load0 = os.loadavg();
  log(
    `${N} tenants, concurrency ${CONCURRENCIES.join(",")}, ${os.cpus().length} CPUs, load ${load0.map((x) => x.toFixed(2)).join(" ")}`,
  );

  const seq = await phase("sequential", 2, (base, emu) => sequential(base, emu));
  const queuedRuns = [];
  for (const c of CONCURRENCIES)
    queuedRuns.push(await phase(`queued c=${c}`, c, (base, emu) => queued(base, emu, `q${c}x`)));
  const readPhase = READS
    ? await phase("queued c=2 with reads", 2, (base, emu) =>
        queued(base, emu, "r", async (ids) => ({
          reads: await reads(
            base,
            ids,
            Array.from({ length: N }, (_, i) => `r${i}`),
          ),
        })),
      )
    : undefined;

  const speedups = Object.fromEntries(
    queuedRuns.map((q) => [`c${q.concurrency}`, round(seq.seconds / q.seconds)]),
  );
  const result = {
    mode: "real-engine",
    tenants: N,
    cpus: os.cpus().length,
    loadAverageAtStart: load0.map((x) => round(x)),
    loadAverageAtEnd: os.loadavg().map((x) => round(x)),
    sequential: seq,
    queued: queuedRuns,
    speedupVsSequential: speedups,
    speedupWithReadsAtConcurrency2: readPhase ? round(seq.seconds / readPhase.seconds) : undefined,
    goalSpeedupAtConcurrency2: GOAL,
    meetsGoal: speedups.c2 === undefined ? null : speedups.c2 >= GOAL,
    /**
     * The most any concurrency could gain if the service had every core to itself: the sequential run's wall time
     * over the time its CPU work takes spread over all cores.
     */
    cpuBoundSpeedupCeiling: round(seq.seconds / ((N * seq.cpu.perCreateSeconds) / os.cpus().length)),
    readsWhileQueued: readPhase,
    totalSeconds: round((performance.now() - t0) / 1000, 1),
  };
  process.stdout.write(JSON.stringify(result, null, 2) + "\n");
  if (STRICT && !result.meetsGoal) process.exitCode = 1;
}

main().catch((e) => {
  process.stderr.write(`bench:service:real failed: ${(e as Error).stack}\n`);
  process.exit(1);
});
