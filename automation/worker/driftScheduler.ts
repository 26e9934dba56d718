/**
 * The drift scheduler: every tick it queues a drift check for the tenants that are due — ready (or drifted), their
 * newest spec applied, nothing of theirs queued or running, their next check time passed — at most as many as may
 * run at once, each check then due again after the interval with jitter (so that tenants created together do not
 * stay in step). The checks themselves run through the worker's queue, after every user operation
 * (Store.claimNext), and the store refuses a check for a tenant with work queued, in the same transaction.
 */
import { Operation, Store } from "../store/types";
import { DRIFT_REQUESTER } from "./drift";
import type { WorkerLog } from "./worker";

export interface DriftSchedulerOptions {
  store: Store;
  /** Interval between two checks of one tenant, ms (> 0). */
  intervalMs: number;
  /** Jitter as a fraction of the interval: each next check is interval × (1 ± jitter). 0–0.5, default 0.1. */
  jitter?: number;
  /** Drift checks queued or running at once at most (the worker's `driftLimit`). Default 1. */
  maxConcurrent?: number;
  /** How often due tenants are looked for, ms. Default min(interval / 10, 30 s), at least 50 ms. */
  tickMs?: number;
  /** Called with each queued check (wakes the worker, publishes it). */
  onQueued?: (op: Operation) => void;
  log?: WorkerLog;
  /** Clock and randomness, for tests. */
  now?: () => number;
  random?: () => number;
}

/** The time of a tenant's next check after one at `now`: now + interval × (1 + jitter × u), u uniform in [-1, 1). */
export function nextCheckTime(now: number, intervalMs: number, jitter: number, random: () => number): number {
  return now + Math.round(intervalMs * (1 + jitter * (2 * random() - 1)));
}

export class DriftScheduler {
  readonly intervalMs: number;
  readonly jitter: number;
  readonly maxConcurrent: number;
  readonly tickMs: number;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<Operation[]> | undefined;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly opts: DriftSchedulerOptions) {
    if (!(opts.intervalMs > 0)) throw new Error("drift scheduler: intervalMs must be > 0");
    const jitter = opts.jitter ?? 0.1;
    if (!(jitter >= 0 && jitter <= 0.5)) throw new Error("drift scheduler: jitter must be within 0–0.5");
    this.intervalMs = opts.intervalMs;
    this.jitter = jitter;
    this.maxConcurrent = Math.max(1, opts.maxConcurrent ?? 1);
    this.tickMs = Math.max(50, opts.tickMs ?? Math.min(opts.intervalMs / 10, 30_000));
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.tickMs);
    this.timer.unref();
    void this.tick();
  }

  /** Stops ticking; resolves when a tick in progress is done. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking?.catch(() => undefined);
  }

  /** When a check queued now is followed by the next one. */
  nextCheckAt(): string {
    return new Date(nextCheckTime(this.now(), this.intervalMs, this.jitter, this.random)).toISOString();
  }

  /** Queues the checks that are due now (one tick; ticks never overlap). Resolves with what it queued. */
  tick(): Promise<Operation[]> {
    if (this.ticking) return this.ticking;
    this.ticking = this.queueDue().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async queueDue(): Promise<Operation[]> {
    const store = this.opts.store;
    const queued: Operation[] = [];
    try {
      const inFlight =
        (await store.listOperations({ kind: "drift", status: "queued", limit: this.maxConcurrent })).length +
        (await store.listOperations({ kind: "drift", status: "running", limit: this.maxConcurrent })).length;
      const room = this.maxConcurrent - inFlight;
      if (room <= 0) return queued;
      for (const name of await store.driftDue(new Date(this.now()).toISOString(), room)) {
        const r = await store.enqueueDriftCheck(name, {
          requestedBy: DRIFT_REQUESTER,
          nextCheckAt: this.nextCheckAt(),
        });
        if ("operation" in r) {
          queued.push(r.operation);
          this.opts.onQueued?.(r.operation);
        }
      }
    } catch (e) {
      this.opts.log?.error({ err: (e as Error).message }, "drift scheduler: queuing checks failed");
    }
    return queued;
  }
}
