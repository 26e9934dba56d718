/**
 * Open-loop HTTP read load for the service benchmarks, run in a worker thread so that its event loop is not the one
 * of the bench's OPNsense emulator: GET `paths[i % paths.length]` every 1/rps s, whatever the answers, until the
 * parent posts "stop" (and at least `minMs`). Posts back the latencies (ms) per path group, the error count and the
 * window: from the moment each request was sent, and from the moment it was due (so that a late sender — coordinated
 * omission — counts too).
 */
import { parentPort, workerData } from "node:worker_threads";

export interface ReadLoadConfig {
  base: string;
  token: string;
  rps: number;
  minMs: number;
  /** Request paths with the group each belongs to. */
  paths: { group: string; path: string }[];
}

export interface ReadLoadResult {
  /** From sending, per group. */
  latencies: Record<string, number[]>;
  /** From the moment the request was due, all groups. */
  fromDue: number[];
  errors: number;
  firstError?: string;
  windowMs: number;
  /** CPU time of this thread during the window (ms). */
  cpuMs?: number;
}

async function run(cfg: ReadLoadConfig): Promise<ReadLoadResult> {
  let stop = false;
  parentPort!.on("message", (m) => {
    if (m === "stop") stop = true;
  });
  const latencies: Record<string, number[]> = {};
  for (const p of cfg.paths) latencies[p.group] = [];
  const fromDue: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const pending: Promise<void>[] = [];
  const interval = 1000 / cfg.rps;
  const cpu0 = process.threadCpuUsage?.();
  const started = performance.now();
  let sent = 0;
  while (!stop || performance.now() - started < cfg.minMs) {
    const { group, path } = cfg.paths[sent % cfg.paths.length];
    const due = started + sent * interval;
    sent++;
    const t0 = performance.now();
    pending.push(
      fetch(cfg.base + path, { headers: { authorization: `Bearer ${cfg.token}` } })
        .then(async (res) => {
          await res.arrayBuffer();
          if (res.status !== 200) {
            errors++;
            firstError ??= `${path}: HTTP ${res.status}`;
          } else {
            const now = performance.now();
            latencies[group].push(now - t0);
            fromDue.push(now - due);
          }
        })
        .catch((e: Error) => {
          errors++;
          firstError ??= `${path}: ${e.message}`;
        }),
    );
    const delay = started + sent * interval - performance.now();
    // Yield to the event loop even when late, so that answers and the stop message are handled.
    await new Promise((r) => setTimeout(r, Math.max(0, delay)));
  }
  const windowMs = performance.now() - started;
  await Promise.all(pending);
  const cpu1 = process.threadCpuUsage?.(cpu0);
  return {
    latencies,
    fromDue,
    errors,
    firstError,
    windowMs,
    ...(cpu1 ? { cpuMs: (cpu1.user + cpu1.system) / 1000 } : {}),
  };
}

if (parentPort && workerData) {
  run(workerData as ReadLoadConfig).then(
    (r) => parentPort!.postMessage(r),
    (e: Error) => parentPort!.postMessage({ error: e.stack ?? e.message }),
  );
}
