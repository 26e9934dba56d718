/**
 * The worker: takes queued operations from the store (the persistent queue), at most one per tenant stack and at
 * most `concurrency` at a time, drives the engine, records every engine event, and finishes each operation with
 * its result or the engine's message. On start it recovers operations a previous process left running: engine
 * recovery of the stack (lock, pending operations), then requeue or fail by policy — nothing stays "running".
 *
 * Several replicas may share one store (PostgreSQL). Each claim is then a lease the replica renews while the
 * operation runs; a replica that cannot renew stops its engine processes before the lease can expire (fencing), and
 * another replica takes an expired lease over with the same recovery steps as a restart. With a store of its own
 * (SQLite: one process per file) the worker takes over everything left running at start, as after a crash.
 */
import { randomBytes } from "node:crypto";
import * as os from "node:os";
import { Allocation, AllocationDemand, allocationsObject, demandOfSpec } from "../allocator/demand";
import { LeaseLostError, Operation, Store, TakenOver, Tenant } from "../store/types";
import { OperationBus } from "./bus";
import { DEFAULT_DRIFT_INTERVAL_MS, settleDriftCheck } from "./drift";
import {
  EngineDriver,
  EngineEvent,
  EngineProcess,
  EngineResult,
  StackOutputs,
  TenantStackConfig,
  stackName,
} from "./engineDriver";

export interface WorkerLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface RecoveryPolicy {
  /** `retry`: interrupted up/refresh/destroy go back to the queue (previews always fail); `fail`: all fail. Default `retry`. */
  policy: "retry" | "fail";
  /** Attempts an operation may take in all (the first run counts). Default 3. */
  maxAttempts: number;
}

export interface WorkerOptions {
  store: Store;
  /** The engine; when undefined the worker claims nothing and fails interrupted operations at recovery. */
  driver: EngineDriver | undefined;
  /** Global limit of operations running at once. Default 2. */
  concurrency?: number;
  /** How often the queue is polled besides explicit {@link Worker.kick}s, ms. Default 500. */
  pollIntervalMs?: number;
  recovery?: Partial<RecoveryPolicy>;
  bus?: OperationBus;
  log?: WorkerLog;
  /** Pool demand of a spec (surplus allocations are released after a successful up). Default {@link demandOfSpec}. */
  demandOf?: (spec: unknown) => AllocationDemand;
  /** Called when an operation ends (metrics). */
  onFinished?: (op: Operation, seconds: number) => void;
  /**
   * Drift checks running at once at most (they come after every other operation; with a limit below
   * `concurrency`, user operations always find a free slot). Default 1.
   */
  driftLimit?: number;
  /** The drift check interval: a reconcile is queued at most once per interval. Default 10 minutes. */
  driftIntervalMs?: number;
  /** This replica's id in leases and events. Default `<host>/<pid>/<random>`. */
  replicaId?: string;
  /**
   * How long a claim holds unless renewed, ms (renewed every quarter of it; a replica that could not renew for half
   * of it stops its engine processes; another replica takes over once it expired). Default 30 s.
   */
  leaseMs?: number;
}

/** Default {@link WorkerOptions.leaseMs}. */
export const DEFAULT_LEASE_MS = 30_000;

/** A replica id: host, pid and a random part (a restarted process with a reused pid is another replica). */
export function newReplicaId(): string {
  return `${os.hostname()}/${process.pid}/${randomBytes(3).toString("hex")}`;
}

/** Whether an allocation is one of the keys `demand` asks for (pools the demand does not name are kept whole). */
export function neededBy(demand: AllocationDemand, a: Allocation): boolean {
  const keys = demand[a.pool];
  return keys === undefined || keys.includes(a.key);
}

const silent: WorkerLog = { info() {}, warn() {}, error() {} };

/** Error text for the operation record: the message only, never a stack or an object dump. */
export function errorText(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.length > 4000 ? m.slice(0, 4000) + "…" : m;
}

interface Running {
  op: Operation;
  controller: AbortController;
  done: Promise<void>;
  /** Why this replica stopped the operation's engine without finishing it (its lease is or will be lost). */
  fenced?: string;
}

export class Worker {
  readonly concurrency: number;
  private readonly store: Store;
  private readonly driver: EngineDriver | undefined;
  private readonly bus: OperationBus;
  private readonly log: WorkerLog;
  private readonly demandOf: (spec: unknown) => AllocationDemand;
  private readonly recovery: RecoveryPolicy;
  private readonly pollIntervalMs: number;
  private readonly running = new Map<string, Running>();
  readonly replicaId: string;
  readonly leaseMs: number;
  /** When the leases of running operations were last renewed (ms since epoch). */
  private renewedAt = Date.now();
  private renewing = false;
  private taking = false;
  private timer: NodeJS.Timeout | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private takeoverTimer: NodeJS.Timeout | undefined;
  private ticking = false;
  private again = false;
  private stopped = true;
  private shuttingDown = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly opts: WorkerOptions) {
    this.store = opts.store;
    this.driver = opts.driver;
    this.concurrency = Math.max(1, opts.concurrency ?? 2);
    this.bus = opts.bus ?? new OperationBus();
    this.log = opts.log ?? silent;
    this.demandOf = opts.demandOf ?? demandOfSpec;
    this.recovery = {
      policy: opts.recovery?.policy ?? "retry",
      maxAttempts: opts.recovery?.maxAttempts ?? 3,
    };
    this.pollIntervalMs = opts.pollIntervalMs ?? 500;
    this.replicaId = opts.replicaId ?? newReplicaId();
    this.leaseMs = Math.max(1000, opts.leaseMs ?? DEFAULT_LEASE_MS);
  }

  private get lease() {
    return { owner: this.replicaId, ms: this.leaseMs };
  }

  /** Whether the worker can run operations (an engine is wired). */
  get hasEngine(): boolean {
    return this.driver !== undefined;
  }

  get runningCount(): number {
    return this.running.size;
  }

  get isStarted(): boolean {
    return !this.stopped;
  }

  /** Recovers interrupted operations, then starts taking work. */
  async start(): Promise<{ recovered: Operation[] }> {
    this.shuttingDown = false;
    const recovered = await this.recover({ all: !this.store.shared });
    this.stopped = false;
    this.renewedAt = Date.now();
    this.timer = setInterval(() => this.kick(), this.pollIntervalMs);
    this.timer.unref();
    this.leaseTimer = setInterval(() => void this.renewLeases(), Math.max(100, this.leaseMs / 4));
    this.leaseTimer.unref();
    if (this.store.shared) {
      // Another replica's expired leases: taken over (recovered) by whichever replica looks first.
      this.takeoverTimer = setInterval(() => void this.takeOverExpired(), Math.max(200, this.leaseMs / 2));
      this.takeoverTimer.unref();
    }
    this.kick();
    return { recovered };
  }

  /**
   * Stops taking work. Running operations are waited for up to `drainMs` (default 0); those still running then are
   * interrupted (their engine call aborted) but left "running" in the store, with an `operation.interrupted`
   * event: the next start recovers them like after a crash. Resolves when no engine call is left in flight.
   */
  async stop(drainMs = 0): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.takeoverTimer) clearInterval(this.takeoverTimer);
    this.timer = this.takeoverTimer = undefined;
    const all = () => Promise.all([...this.running.values()].map((r) => r.done));
    if (drainMs > 0 && this.running.size)
      await Promise.race([all(), new Promise((r) => setTimeout(r, drainMs).unref())]);
    if (this.running.size) {
      this.shuttingDown = true;
      const interrupted = [...this.running.keys()];
      for (const r of this.running.values()) r.controller.abort(new Error("service shutting down"));
      await all();
      // Their engine has stopped: the leases end now, so that another replica takes them over at once (a rolling
      // restart does not wait for them to expire).
      if (this.store.shared)
        await this.store
          .renewLeases(this.replicaId, interrupted, 0)
          .catch((e) => this.log.warn({ err: errorText(e) }, "worker: releasing leases failed"));
    }
    // Leases are renewed until the last engine call ended (an interrupted operation's lease then runs out, and
    // another replica takes it over once it has expired; a restart of this one takes it over at once with SQLite).
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    this.leaseTimer = undefined;
  }

  /**
   * Renews the leases of the operations running here. One the store no longer gives this replica (taken over) is
   * fenced at once; when renewing fails for half a lease (database unreachable), every running operation is fenced,
   * so that its engine processes have stopped before another replica may take it over. A cancel requested through
   * another replica reaches the operation here.
   */
  async renewLeases(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    try {
      const ids = [...this.running.values()].filter((r) => !r.fenced).map((r) => r.op.id);
      if (ids.length === 0) {
        this.renewedAt = Date.now();
        return;
      }
      let held: { id: string; cancelRequested: boolean }[];
      try {
        held = await this.store.renewLeases(this.replicaId, ids, this.leaseMs);
      } catch (e) {
        const since = Date.now() - this.renewedAt;
        this.log.warn({ err: errorText(e), sinceMs: since }, "worker: renewing leases failed");
        if (since >= this.leaseMs / 2)
          for (const id of ids)
            this.fence(
              id,
              `lease not renewed for ${Math.round(since / 1000)} s (${errorText(e)}): engine stopped before the lease expires`,
            );
        return;
      }
      this.renewedAt = Date.now();
      const byId = new Map(held.map((h) => [h.id, h]));
      for (const id of ids) {
        const h = byId.get(id);
        if (!h) this.fence(id, "lease lost: another replica took this operation over");
        else if (h.cancelRequested) this.running.get(id)?.controller.abort(new Error("cancelled by request"));
      }
    } finally {
      this.renewing = false;
    }
  }

  /** Stops an operation's engine without finishing the operation: the replica holding its lease finishes it. */
  private fence(id: string, why: string): void {
    const r = this.running.get(id);
    if (!r || r.fenced) return;
    r.fenced = why;
    this.log.error({ op: id, replica: this.replicaId, reason: why }, "worker: operation fenced");
    r.controller.abort(new Error(why));
  }

  /** Takes over (recovers) operations whose lease has expired: their replica is gone or fenced. */
  async takeOverExpired(): Promise<Operation[]> {
    if (this.taking || this.stopped || !this.driver) return [];
    this.taking = true;
    try {
      const out = await this.recover({ all: false });
      if (out.length) this.kick();
      return out;
    } catch (e) {
      this.log.error({ err: errorText(e) }, "worker: taking over expired leases failed");
      return [];
    } finally {
      this.taking = false;
    }
  }

  /** Looks at the queue now. */
  kick(): void {
    if (this.stopped || !this.driver) return;
    void this.tick();
  }

  private async tick(): Promise<void> {
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    try {
      do {
        this.again = false;
        if (this.stopped) break;
        const free = this.concurrency - this.running.size;
        if (free <= 0) break;
        const ops = await this.store.claimNext(free, {
          driftLimit: this.opts.driftLimit ?? 1,
          lease: this.lease,
        });
        for (const op of ops) this.launch(op);
        if (ops.length === 0) this.checkIdle();
      } while (this.again);
    } catch (e) {
      this.log.error({ err: errorText(e) }, "worker: claiming operations failed");
    } finally {
      this.ticking = false;
    }
  }

  private launch(op: Operation): void {
    const controller = new AbortController();
    const entry: Running = { op, controller, done: Promise.resolve() };
    this.running.set(op.id, entry);
    this.bus.publishOperation(op);
    const started = Date.now();
    entry.done = this.execute(op, controller.signal)
      .catch((e) => this.log.error({ op: op.id, err: errorText(e) }, "worker: operation bookkeeping failed"))
      .finally(async () => {
        this.running.delete(op.id);
        if (this.shuttingDown) return;
        const fin = await this.store.getOperation(op.id).catch(() => undefined);
        if (fin) {
          this.opts.onFinished?.(fin, (Date.now() - started) / 1000);
          this.bus.publishOperation(fin);
        }
        this.kick();
        this.checkIdle();
      });
  }

  /** Cancels an operation: a queued one at once, a running one by aborting its engine call. */
  async cancel(id: string): Promise<Operation> {
    const op = await this.store.requestCancel(id);
    // Running on another replica: that one sees the request when it renews its lease.
    const r = this.running.get(id);
    if (r) r.controller.abort(new Error("cancelled by request"));
    if (op.status === "cancelled") {
      await this.event(op.id, "operation.cancelled", { reason: "cancelled before it started" });
      this.bus.publishOperation(op);
    }
    return op;
  }

  /** Resolves when nothing runs and nothing eligible is queued (tests, benchmarks). */
  async idle(): Promise<void> {
    for (;;) {
      if (this.running.size === 0) {
        const queued = await this.store.listOperations({ status: "queued", limit: 1 });
        if (queued.length === 0) return;
      }
      await new Promise<void>((r) => {
        this.idleWaiters.push(r);
        setTimeout(r, 50).unref();
      });
    }
  }

  private checkIdle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of w) r();
  }

  private async event(opId: string, type: string, data?: unknown): Promise<void> {
    const ev = await this.store.appendEvent(opId, type, data);
    this.bus.publishEvent(ev);
  }

  /** Builds the stack config of an operation. */
  private async stackConfig(
    op: Operation,
  ): Promise<{ config: TenantStackConfig; spec: unknown; tentative: boolean }> {
    const proposed =
      op.kind === "preview" && op.specVersion === null ? await this.store.operationSpec(op.id) : undefined;
    const spec = proposed ?? (await this.store.getSpec(op.tenant, op.specVersion as number));
    const demand = this.demandOf(spec);
    // Only what this spec needs: values a newer or older spec holds (kept until an up stops using them) are not
    // part of this stack's config — the tenant program refuses a floating IP allocation bound to no floating IP.
    const rows =
      proposed !== undefined
        ? await this.store.tentativeAllocations(op.tenant, demand)
        : (await this.store.allocationsOf(op.tenant)).filter((a) => neededBy(demand, a));
    return {
      config: {
        "basphere:kind": "tenant",
        "basphere:tenant": spec,
        "basphere:allocations": allocationsObject(rows),
      },
      spec,
      tentative: proposed !== undefined,
    };
  }

  private async execute(op: Operation, signal: AbortSignal): Promise<void> {
    const driver = this.driver!;
    const stack = stackName(op.tenant);
    // Engine events arrive synchronously; they are stored in order through one promise chain.
    let chain: Promise<void> = Promise.resolve();
    const onEvent = (e: EngineEvent) => {
      chain = chain
        .then(() => this.event(op.id, `engine.${e.type}`, { message: e.message, data: e.data }))
        .catch((err) =>
          this.log.warn({ op: op.id, err: errorText(err) }, "worker: storing an engine event failed"),
        );
    };
    // Engine processes are recorded in the operation row at once (synchronously after the spawn): after a SIGKILL
    // of the service, recovery kills those that outlived it.
    const onProcess = (p: EngineProcess) => {
      this.store
        .addEngineProcess(op.id, { ...p, host: os.hostname() })
        .catch((err) =>
          this.log.warn({ op: op.id, err: errorText(err) }, "worker: recording an engine process failed"),
        );
      onEvent({ type: "process", message: `engine process ${p.pid} started`, data: { pid: p.pid } });
    };
    await this.event(op.id, "operation.started", {
      kind: op.kind,
      stack,
      attempt: op.attempt,
      replica: this.replicaId,
    });
    const owner = this.replicaId;
    try {
      const { config, spec, tentative } = await this.stackConfig(op);
      await this.event(op.id, "stack.config", {
        stack,
        allocations: config["basphere:allocations"],
        tentativeAllocations: tentative,
      });
      let result: EngineResult;
      switch (op.kind) {
        case "up": {
          if (op.reason)
            await this.event(op.id, "operation.reason", { reason: op.reason, refresh: op.refresh });
          result = await driver.up(stack, config, onEvent, signal, onProcess, { refresh: op.refresh });
          await chain;
          await this.afterApply(op, spec, await driver.outputs(stack), "up");
          break;
        }
        case "drift": {
          const started = Date.now();
          result = await driver.drift(stack, config, onEvent, signal, onProcess);
          await chain;
          await this.afterDriftCheck(op, result.drift ?? [], undefined, (Date.now() - started) / 1000);
          result = { ...result, state: (result.drift ?? []).length ? "drifted" : "clean" };
          break;
        }
        case "refresh": {
          result = await driver.refresh(stack, config, onEvent, signal, onProcess);
          await chain;
          await this.afterApply(op, spec, await driver.outputs(stack), "refresh");
          break;
        }
        case "preview": {
          result = await driver.preview(stack, config, onEvent, signal, onProcess);
          await chain;
          break;
        }
        case "destroy": {
          result = await driver.destroy(stack, config, onEvent, signal, onProcess);
          await chain;
          await this.event(op.id, "stack.destroyed", { stack });
          await driver.removeStack(stack);
          await this.event(op.id, "stack.removed", { stack });
          const { released } = await this.store.completeDelete(op.tenant, op.id, { ...result }, { owner });
          await this.event(op.id, "allocations.released", { count: released });
          await this.event(op.id, "operation.succeeded", {});
          return;
        }
      }
      await this.store.finishOperation(op.id, "succeeded", { result: { ...result }, owner });
      await this.event(op.id, "operation.succeeded", { changes: result.changes ?? null });
    } catch (e) {
      await chain;
      const fenced = this.running.get(op.id)?.fenced ?? (e instanceof LeaseLostError ? e.message : undefined);
      if (fenced) {
        // Not finished here: the replica that takes the lease over recovers it (best effort: the database may be
        // what this replica cannot reach).
        await this.event(op.id, "operation.fenced", { replica: this.replicaId, reason: fenced }).catch(
          () => undefined,
        );
        return;
      }
      if (this.shuttingDown) {
        await this.event(op.id, "operation.interrupted", {
          reason: "service shutting down; the next start recovers this operation",
        });
        return;
      }
      const current = await this.store.getOperation(op.id);
      const cancelled = signal.aborted || current?.cancelRequested === true;
      const message = cancelled ? `cancelled: ${errorText(e)}` : errorText(e);
      if (op.kind === "drift" && !cancelled)
        await this.afterDriftCheck(op, undefined, message, null).catch((err) =>
          this.log.warn({ op: op.id, err: errorText(err) }, "worker: recording a failed drift check failed"),
        );
      await this.event(op.id, cancelled ? "operation.cancelled" : "operation.failed", { error: message });
      if (op.kind === "up" || op.kind === "destroy") {
        const what = op.kind === "up" ? "update" : "delete";
        await this.tenantFailed(op, `${what} ${op.id} ${cancelled ? "cancelled" : "failed"}: ${message}`);
      }
      if (current && current.status === "running")
        await this.store.finishOperation(op.id, cancelled ? "cancelled" : "failed", {
          error: message,
          owner,
        });
    }
  }

  /** Records a drift check (or its failure) on the tenant and queues its reconcile by policy. */
  private async afterDriftCheck(
    op: Operation,
    resources: EngineResult["drift"],
    error: string | undefined,
    durationSeconds: number | null,
  ): Promise<void> {
    const { check, decision, reconcile } = await settleDriftCheck({
      store: this.store,
      op,
      resources,
      error,
      durationSeconds,
      intervalMs: this.opts.driftIntervalMs ?? DEFAULT_DRIFT_INTERVAL_MS,
    });
    await this.event(op.id, "drift.checked", {
      state: check.state,
      // Resource names, types and property names: never values.
      resources: check.resources.map((r) => ({
        name: r.name,
        type: r.type,
        op: r.op,
        properties: r.properties,
      })),
    });
    if (reconcile) {
      await this.event(op.id, "drift.reconcile.queued", {
        operation: reconcile.id,
        reason: reconcile.reason,
      });
      this.bus.publishOperation(reconcile);
    } else if (decision && !decision.reconcile && check.state === "drifted")
      await this.event(op.id, "drift.reconcile.skipped", { reason: decision.why });
  }

  /**
   * Records a failed up/destroy on the tenant: status `failed` with the reason — except that an `up` that ends
   * while a delete is pending leaves the status `deleting` (the delete decides what the tenant becomes).
   */
  private async tenantFailed(op: Operation, lastError: string): Promise<void> {
    const t = await this.store.getTenant(op.tenant).catch(() => undefined);
    if (!t) return;
    const keep = op.kind === "up" && t.status === "deleting";
    await this.store
      .updateTenant(op.tenant, keep ? { lastError } : { status: "failed", lastError })
      .catch(() => undefined);
  }

  /** After a successful up/refresh: store non-secret outputs and secret output names, settle the tenant status. */
  private async afterApply(
    op: Operation,
    spec: unknown,
    outputs: StackOutputs,
    kind: "up" | "refresh",
  ): Promise<void> {
    const plain: Record<string, unknown> = {};
    const secretKeys: string[] = [];
    for (const [k, v] of Object.entries(outputs)) {
      if (v.secret) secretKeys.push(k);
      else plain[k] = v.value;
    }
    const tenant = (await this.store.getTenant(op.tenant)) as Tenant;
    if (kind === "up") {
      const latest = tenant.specVersion === op.specVersion;
      if (latest) {
        // Values the new spec no longer needs are released only now that the stack stopped using them.
        const released = await this.store.release(op.tenant, this.demandOf(spec));
        if (released)
          await this.event(op.id, "allocations.released", {
            count: released,
            reason: "no longer needed by the spec",
          });
      }
      // An up --refresh (a reconcile) put the live systems back: the drift it found is gone; any up of a drifted
      // tenant gets its drift checked again at once (a plain up does not read the live systems).
      const drift = tenant.drift;
      const driftPatch =
        drift?.state === "drifted"
          ? {
              drift: op.refresh ? { ...drift, state: "clean" as const, reconciledBy: op.id } : drift,
              driftNextCheckAt: new Date().toISOString(),
            }
          : tenant.driftNextCheckAt === null
            ? // The first check of a new tenant comes one interval after its first up.
              {
                driftNextCheckAt: new Date(
                  Date.now() + (this.opts.driftIntervalMs ?? DEFAULT_DRIFT_INTERVAL_MS),
                ).toISOString(),
              }
            : {};
      await this.store.updateTenant(op.tenant, {
        // A pending delete keeps "deleting"; an older spec's up leaves the status of the newer one.
        status: latest && tenant.status !== "deleting" ? "ready" : tenant.status,
        appliedVersion: op.specVersion,
        outputs: plain,
        secretOutputKeys: secretKeys,
        lastError: null,
        ...driftPatch,
      });
    } else {
      await this.store.updateTenant(op.tenant, { outputs: plain, secretOutputKeys: secretKeys });
    }
    await this.event(op.id, "outputs.stored", { keys: Object.keys(plain), secretKeys });
  }

  /**
   * Recovers operations left running: with `all` (a store of its own, at start) every one, as after a crash of the
   * previous process; else those whose lease expired (their replica is gone). Each is first taken over (its lease
   * becomes this replica's, atomically), so no two replicas recover the same operation.
   */
  async recover(opts: { all?: boolean } = { all: true }): Promise<Operation[]> {
    const out: Operation[] = [];
    const taken: TakenOver[] = (await this.store.takeOverRunning(this.lease, { all: opts.all })).filter(
      (t) => !this.running.has(t.op.id),
    );
    for (const { op, previousOwner, expiredAt } of taken) {
      const stack = stackName(op.tenant);
      const handover = opts.all
        ? {}
        : { takenOverFrom: previousOwner, leaseExpiredAt: expiredAt, replica: this.replicaId };
      await this.event(op.id, "recovery.started", {
        reason: opts.all
          ? "the service stopped while this operation ran"
          : `the lease of replica ${previousOwner ?? "(none)"} expired${expiredAt ? ` at ${expiredAt}` : ""}`,
        attempt: op.attempt,
        ...handover,
      });
      // Processes of another host are out of reach: that replica stopped them when it could not renew its lease
      // (fencing), or they went with its machine.
      const here = os.hostname();
      const ours = op.engineProcesses.filter((p) => p.host === undefined || p.host === here);
      const elsewhere = op.engineProcesses.length - ours.length;
      let engineNote = "engine unavailable: stack not recovered";
      if (this.driver) {
        try {
          const report = await this.driver.recover(stack, ours);
          if (elsewhere)
            report.actions.push(
              `${elsewhere} engine process(es) of another host left to that replica's fencing`,
            );
          engineNote = `engine recovery: ${report.actions.join(", ") || "nothing to do"}`;
          await this.event(op.id, "recovery.engine", report);
        } catch (e) {
          engineNote = `engine recovery failed: ${errorText(e)}`;
          await this.event(op.id, "recovery.engine.failed", { error: errorText(e) });
        }
      }
      const retry =
        this.driver !== undefined &&
        this.recovery.policy === "retry" &&
        op.kind !== "preview" &&
        op.attempt < this.recovery.maxAttempts;
      let fin: Operation;
      if (retry) {
        fin = await this.store.requeue(op.id, { owner: this.replicaId });
        await this.event(op.id, "recovery.requeued", { attempt: fin.attempt });
      } else {
        const error = `interrupted: the service stopped during attempt ${op.attempt}; ${engineNote}`;
        fin = await this.store.finishOperation(op.id, "failed", { error, owner: this.replicaId });
        await this.event(op.id, "operation.failed", { error });
        if (op.kind === "up" || op.kind === "destroy") await this.tenantFailed(op, error);
      }
      this.log.warn(
        { op: op.id, tenant: op.tenant, status: fin.status },
        "worker: recovered interrupted operation",
      );
      out.push(fin);
    }
    return out;
  }
}
