/**
 * The embedded store: one SQLite file (`node:sqlite` DatabaseSync), WAL mode, a busy timeout so that several
 * processes can share the file, migrations applied at open, and every multi-row change in one
 * `BEGIN IMMEDIATE` transaction (the write lock is taken up front, so two writers never deadlock on upgrade).
 */
import { randomUUID } from "node:crypto";
import { DatabaseSync, SQLInputValue } from "node:sqlite";
import { Allocation, AllocationDemand, checkDemand } from "../allocator/demand";
import { POOL_NAMES, Pool, PoolName, buildPools, pickFree } from "../allocator/pools";
import type { DriftCheck, DriftPolicy } from "../../model/drift";
import { MIGRATIONS } from "./migrations";
import {
  ConflictError,
  DriftSkip,
  EngineProcessRef,
  NewOperation,
  NotFoundError,
  OPERATION_STATUSES,
  Operation,
  OperationEvent,
  OperationKind,
  OperationStatus,
  Store,
  StoreCounts,
  TENANT_STATUSES,
  TERMINAL_STATUSES,
  Tenant,
  TenantStatus,
} from "./types";

export interface SqliteStoreOptions {
  /** Database file, or ":memory:". */
  path: string;
  /** Allocation pools. Default: {@link buildPools}() (the embedded defaults). */
  pools?: Record<PoolName, Pool>;
  /** Busy timeout in ms (waiting for another writer). Default 10000. */
  busyTimeoutMs?: number;
  /** Clock, for tests. Default `new Date().toISOString()`. */
  now?: () => string;
}

type Row = Record<string, any>;

const json = (v: unknown): string => JSON.stringify(v ?? null);
const parse = (s: unknown): any => (typeof s === "string" ? JSON.parse(s) : null);

function tenantOf(r: Row): Tenant {
  const drift = parse(r.drift) as DriftCheck | null;
  return {
    id: r.id,
    name: r.name,
    // `drifted` is shown, not stored: a ready tenant whose last check found drift.
    status: r.status === "ready" && drift?.state === "drifted" ? "drifted" : r.status,
    specVersion: Number(r.spec_version),
    appliedVersion: r.applied_version === null ? null : Number(r.applied_version),
    outputs: parse(r.outputs) ?? {},
    secretOutputKeys: parse(r.secret_output_keys) ?? [],
    lastError: r.last_error ?? null,
    driftPolicy: r.drift_policy ?? "detect",
    drift,
    driftNextCheckAt: r.drift_next_check_at ?? null,
    lastReconcile: parse(r.last_reconcile),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function operationOf(r: Row): Operation {
  return {
    id: r.id,
    tenant: r.tenant,
    tenantId: r.tenant_id,
    kind: r.kind,
    status: r.status,
    specVersion: r.spec_version === null ? null : Number(r.spec_version),
    requestedBy: r.requested_by,
    reason: r.reason ?? null,
    refresh: Number(r.refresh) === 1,
    attempt: Number(r.attempt),
    cancelRequested: Number(r.cancel_requested) === 1,
    error: r.error ?? null,
    result: parse(r.result),
    engineProcesses: parse(r.engine_processes) ?? [],
    createdAt: r.created_at,
    startedAt: r.started_at ?? null,
    finishedAt: r.finished_at ?? null,
  };
}

function allocationOf(r: Row): Allocation {
  return { pool: r.pool, value: r.value, tenant: r.tenant, key: r.key, createdAt: r.created_at };
}

/**
 * A page bound must be a safe integer of at least `min`: SQLite would refuse Infinity ("datatype mismatch") and
 * read a fraction or NaN as something else. The API checks its query parameters before; this is the store's own
 * guard, with a clear error.
 */
function pageBound(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min)
    throw new RangeError(`${name} must be an integer of at least ${min} (got ${String(value)})`);
}

export class SqliteStore implements Store {
  readonly db: DatabaseSync;
  readonly schemaVersion: number;
  private readonly pools: Record<PoolName, Pool>;
  private readonly now: () => string;
  private inTx = false;

  constructor(opts: SqliteStoreOptions) {
    this.pools = opts.pools ?? buildPools();
    this.now = opts.now ?? (() => new Date().toISOString());
    this.db = new DatabaseSync(opts.path, {
      timeout: opts.busyTimeoutMs ?? 10000,
      enableForeignKeyConstraints: true,
    });
    if (opts.path !== ":memory:") this.db.exec("PRAGMA journal_mode = WAL");
    this.db.exec("PRAGMA synchronous = NORMAL");
    this.schemaVersion = this.migrate();
  }

  /** Applies pending migrations, each in its own transaction; returns the schema version. */
  private migrate(): number {
    this.db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    );
    for (const m of MIGRATIONS) {
      this.tx(() => {
        // Re-checked inside the write transaction: another process may have applied it meanwhile.
        if (this.db.prepare("SELECT 1 FROM schema_migrations WHERE version = ?").get(m.version)) return;
        this.db.exec(m.sql);
        this.db
          .prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
          .run(m.version, m.name, this.now());
      });
    }
    const row = this.db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get() as Row;
    return Number(row.v ?? 0);
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  /** Runs `fn` in one write transaction (BEGIN IMMEDIATE ... COMMIT, ROLLBACK on throw). */
  tx<T>(fn: () => T): T {
    if (this.inTx) return fn();
    this.db.exec("BEGIN IMMEDIATE");
    this.inTx = true;
    try {
      const out = fn();
      this.db.exec("COMMIT");
      return out;
    } catch (e) {
      this.db.exec("ROLLBACK");
      throw e;
    } finally {
      this.inTx = false;
    }
  }

  private get(sql: string, ...args: SQLInputValue[]): Row | undefined {
    return this.db.prepare(sql).get(...args) as Row | undefined;
  }
  private all(sql: string, ...args: SQLInputValue[]): Row[] {
    return this.db.prepare(sql).all(...args) as Row[];
  }
  private run(sql: string, ...args: SQLInputValue[]): { changes: number } {
    const r = this.db.prepare(sql).run(...args);
    return { changes: Number(r.changes) };
  }

  // ---- tenants ----

  private tenantRow(name: string): Tenant {
    const r = this.get("SELECT * FROM tenants WHERE name = ?", name);
    if (!r) throw new NotFoundError("tenant", name);
    return tenantOf(r);
  }

  /** Inserts a queued operation for the tenant's current incarnation (`t` as read in the same transaction). */
  private insertOperation(t: Tenant, op: NewOperation, specVersion: number | null): Operation {
    const id = randomUUID();
    this.run(
      "INSERT INTO operations (id, tenant, tenant_id, kind, status, spec_version, proposed_spec, requested_by, reason, refresh, created_at) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?)",
      id,
      t.name,
      t.id,
      op.kind,
      specVersion,
      op.proposedSpec === undefined ? null : json(op.proposedSpec),
      op.requestedBy,
      op.reason ?? null,
      op.refresh === true ? 1 : 0,
      this.now(),
    );
    // A drift check queued before this (any other kind) would only check what it is about to change.
    if (op.kind !== "drift") this.cancelQueuedDriftChecks(t.name, `superseded by ${op.kind} ${id}`);
    return operationOf(this.get("SELECT * FROM operations WHERE id = ?", id)!);
  }

  /** Cancels the tenant's queued drift checks (another operation is queued: the next interval checks again). */
  private cancelQueuedDriftChecks(tenant: string, why: string): void {
    this.run(
      "UPDATE operations SET status = 'cancelled', error = ?, finished_at = ? WHERE tenant = ? AND kind = 'drift' AND status = 'queued'",
      why,
      this.now(),
      tenant,
    );
  }

  /** Whether the tenant has an operation queued or running (other than `except`). */
  private busy(tenant: string, except?: string): boolean {
    return (
      this.get(
        "SELECT 1 FROM operations WHERE tenant = ? AND status IN ('queued','running') AND id != ? LIMIT 1",
        tenant,
        except ?? "",
      ) !== undefined
    );
  }

  async createTenant(input: {
    name: string;
    spec: unknown;
    tokenHash: string;
    demand: AllocationDemand;
    requestedBy: string;
    check?: (allocations: Allocation[]) => void;
  }) {
    checkDemand(input.demand);
    return this.tx(() => {
      if (this.get("SELECT 1 FROM tenants WHERE name = ?", input.name))
        throw new ConflictError(`tenant ${JSON.stringify(input.name)} already exists`, "name");
      const now = this.now();
      this.run(
        "INSERT INTO tenants (id, name, status, spec_version, token_hash, created_at, updated_at) VALUES (?, ?, 'creating', 1, ?, ?, ?)",
        randomUUID(),
        input.name,
        input.tokenHash,
        now,
        now,
      );
      this.run(
        "INSERT INTO spec_versions (tenant, version, spec, created_at) VALUES (?, 1, ?, ?)",
        input.name,
        json(input.spec),
        now,
      );
      const allocations = this.allocateTx(input.name, input.demand);
      input.check?.(allocations);
      const operation = this.insertOperation(
        this.tenantRow(input.name),
        { kind: "up", requestedBy: input.requestedBy },
        1,
      );
      return { tenant: this.tenantRow(input.name), operation, allocations };
    });
  }

  async getTenant(name: string): Promise<Tenant | undefined> {
    const r = this.get("SELECT * FROM tenants WHERE name = ?", name);
    return r ? tenantOf(r) : undefined;
  }

  async listTenants(): Promise<Tenant[]> {
    return this.all("SELECT * FROM tenants ORDER BY name").map(tenantOf);
  }

  async tenantCredential(name: string): Promise<{ id: string; tokenHash: string } | undefined> {
    const r = this.get("SELECT id, token_hash FROM tenants WHERE name = ?", name);
    return r ? { id: r.id, tokenHash: r.token_hash } : undefined;
  }

  async setTenantTokenHash(name: string, id: string, hash: string): Promise<void> {
    const r = this.run(
      "UPDATE tenants SET token_hash = ?, updated_at = ? WHERE name = ? AND id = ?",
      hash,
      this.now(),
      name,
      id,
    );
    if (r.changes === 0) throw new NotFoundError("tenant", name);
  }

  async getSpec(name: string, version: number): Promise<unknown> {
    const r = this.get("SELECT spec FROM spec_versions WHERE tenant = ? AND version = ?", name, version);
    if (!r) throw new NotFoundError("tenant", `${name}@${version}`);
    return parse(r.spec);
  }

  /** ConflictError when the tenant is being deleted (status, or a destroy queued or running). */
  private assertNotDeleting(t: Tenant): void {
    const pending = this.get(
      "SELECT 1 FROM operations WHERE tenant = ? AND kind = 'destroy' AND status IN ('queued','running')",
      t.name,
    );
    if (t.status === "deleting" || pending)
      throw new ConflictError(`tenant ${JSON.stringify(t.name)} is being deleted`, "name");
  }

  async specHistory(name: string): Promise<unknown[]> {
    const t = await this.getTenant(name);
    return t ? this.specHistoryTx(t) : [];
  }

  private specHistoryTx(t: Tenant): unknown[] {
    return this.all(
      "SELECT spec FROM spec_versions WHERE tenant = ? AND version >= ? ORDER BY version DESC",
      t.name,
      t.appliedVersion ?? 1,
    ).map((r) => parse(r.spec));
  }

  async replaceSpec(input: {
    name: string;
    spec: unknown;
    demand: AllocationDemand;
    requestedBy: string;
    settle?: (history: unknown[]) => unknown;
    check?: (allocations: Allocation[]) => void;
  }) {
    checkDemand(input.demand);
    return this.tx(() => {
      const t = this.tenantRow(input.name);
      this.assertNotDeleting(t);
      const spec = input.settle ? input.settle(this.specHistoryTx(t)) : input.spec;
      const version = t.specVersion + 1;
      const now = this.now();
      this.run(
        "INSERT INTO spec_versions (tenant, version, spec, created_at) VALUES (?, ?, ?, ?)",
        input.name,
        version,
        json(spec),
        now,
      );
      const allocations = this.allocateTx(input.name, input.demand);
      input.check?.(allocations);
      this.run(
        "UPDATE tenants SET spec_version = ?, status = CASE WHEN applied_version IS NULL THEN 'creating' ELSE 'updating' END, updated_at = ? WHERE name = ?",
        version,
        now,
        input.name,
      );
      const operation = this.insertOperation(t, { kind: "up", requestedBy: input.requestedBy }, version);
      return { tenant: this.tenantRow(input.name), operation };
    });
  }

  async requestDelete(input: { name: string; requestedBy: string }) {
    return this.tx(() => {
      const t = this.tenantRow(input.name);
      const running = this.get(
        "SELECT 1 FROM operations WHERE tenant = ? AND kind = 'destroy' AND status IN ('queued','running')",
        input.name,
      );
      if (running)
        throw new ConflictError(`tenant ${JSON.stringify(input.name)} is already being deleted`, "name");
      const cancelled = this.all(
        "SELECT id FROM operations WHERE tenant = ? AND status = 'queued'",
        input.name,
      ).map((r) => r.id as string);
      const now = this.now();
      for (const id of cancelled) {
        this.run(
          "UPDATE operations SET status = 'cancelled', error = 'superseded by delete', finished_at = ? WHERE id = ?",
          now,
          id,
        );
      }
      this.run("UPDATE tenants SET status = 'deleting', updated_at = ? WHERE name = ?", now, input.name);
      const operation = this.insertOperation(
        t,
        { kind: "destroy", requestedBy: input.requestedBy },
        t.specVersion,
      );
      return { tenant: this.tenantRow(input.name), operation, cancelled };
    });
  }

  async enqueue(tenant: string, op: NewOperation): Promise<Operation> {
    return this.tx(() => {
      const t = this.tenantRow(tenant);
      this.assertNotDeleting(t);
      return this.insertOperation(t, op, op.proposedSpec === undefined ? t.specVersion : null);
    });
  }

  async updateTenant(name: string, patch: Parameters<Store["updateTenant"]>[1]): Promise<Tenant> {
    return this.tx(() => {
      const sets: string[] = [];
      const args: SQLInputValue[] = [];
      const put = (col: string, v: SQLInputValue) => {
        sets.push(`${col} = ?`);
        args.push(v);
      };
      // `drifted` is `ready` with a drifted check (see tenantOf).
      if (patch.status !== undefined) put("status", patch.status === "drifted" ? "ready" : patch.status);
      if (patch.appliedVersion !== undefined) put("applied_version", patch.appliedVersion);
      if (patch.outputs !== undefined) put("outputs", json(patch.outputs));
      if (patch.secretOutputKeys !== undefined) put("secret_output_keys", json(patch.secretOutputKeys));
      if (patch.lastError !== undefined) put("last_error", patch.lastError);
      if (patch.drift !== undefined) put("drift", patch.drift === null ? null : json(patch.drift));
      if (patch.driftNextCheckAt !== undefined) put("drift_next_check_at", patch.driftNextCheckAt);
      put("updated_at", this.now());
      const r = this.run(`UPDATE tenants SET ${sets.join(", ")} WHERE name = ?`, ...args, name);
      if (r.changes === 0) throw new NotFoundError("tenant", name);
      return this.tenantRow(name);
    });
  }

  async setDriftPolicy(name: string, policy: DriftPolicy): Promise<Tenant> {
    return this.tx(() => {
      const r = this.run(
        "UPDATE tenants SET drift_policy = ?, updated_at = ? WHERE name = ?",
        policy,
        this.now(),
        name,
      );
      if (r.changes === 0) throw new NotFoundError("tenant", name);
      return this.tenantRow(name);
    });
  }

  async driftDue(now: string, limit: number): Promise<string[]> {
    return this.all(
      `SELECT t.name FROM tenants t
        WHERE t.status = 'ready' AND t.applied_version = t.spec_version
          AND (t.drift_next_check_at IS NULL OR t.drift_next_check_at <= ?)
          AND NOT EXISTS (SELECT 1 FROM operations o WHERE o.tenant = t.name AND o.status IN ('queued','running'))
        ORDER BY COALESCE(t.drift_next_check_at, ''), t.name LIMIT ?`,
      now,
      limit,
    ).map((r) => r.name as string);
  }

  async enqueueDriftCheck(
    name: string,
    input: { requestedBy: string; nextCheckAt: string },
  ): Promise<{ operation: Operation } | { skipped: DriftSkip }> {
    return this.tx(() => {
      const r = this.get("SELECT * FROM tenants WHERE name = ?", name);
      if (!r) return { skipped: "deleted" as const };
      const t = tenantOf(r);
      if (r.status !== "ready") return { skipped: "not-ready" as const };
      if (t.appliedVersion !== t.specVersion) return { skipped: "not-applied" as const };
      if (this.busy(name)) return { skipped: "busy" as const };
      this.run("UPDATE tenants SET drift_next_check_at = ? WHERE name = ?", input.nextCheckAt, name);
      return {
        operation: this.insertOperation(t, { kind: "drift", requestedBy: input.requestedBy }, t.specVersion),
      };
    });
  }

  async enqueueReconcile(
    name: string,
    input: { reason: string; requestedBy: string; checkId: string },
  ): Promise<Operation | undefined> {
    return this.tx(() => {
      const r = this.get("SELECT * FROM tenants WHERE name = ?", name);
      if (!r || r.status !== "ready" || this.busy(name, input.checkId)) return undefined;
      const t = tenantOf(r);
      const operation = this.insertOperation(
        t,
        { kind: "up", requestedBy: input.requestedBy, reason: input.reason, refresh: true },
        t.specVersion,
      );
      this.run(
        "UPDATE tenants SET last_reconcile = ? WHERE name = ?",
        json({ operationId: operation.id, at: operation.createdAt, reason: input.reason }),
        name,
      );
      return operation;
    });
  }

  async completeDelete(
    name: string,
    opId: string,
    result: Record<string, unknown>,
  ): Promise<{ released: number }> {
    return this.tx(() => {
      const released = this.releaseTx(name);
      this.run("DELETE FROM tenants WHERE name = ?", name);
      this.finishTx(opId, "succeeded", { result: { ...result, releasedAllocations: released } });
      return { released };
    });
  }

  // ---- allocations ----

  private usedValues(pool: PoolName): Set<string> {
    return new Set(
      this.all("SELECT value FROM allocations WHERE pool = ?", pool).map((r) => r.value as string),
    );
  }

  private allocateTx(tenant: string, demand: AllocationDemand): Allocation[] {
    const now = this.now();
    for (const pool of POOL_NAMES) {
      const want = demand[pool] ?? [];
      const held = new Set(
        this.all("SELECT key FROM allocations WHERE tenant = ? AND pool = ?", tenant, pool).map(
          (r) => r.key as string,
        ),
      );
      const missing = want.filter((k) => !held.has(k));
      if (missing.length === 0) continue;
      const values = pickFree(this.pools[pool], this.usedValues(pool), missing.length);
      missing.forEach((key, i) => {
        this.run(
          "INSERT INTO allocations (pool, value, tenant, key, created_at) VALUES (?, ?, ?, ?, ?)",
          pool,
          values[i],
          tenant,
          key,
          now,
        );
        this.run(
          "INSERT INTO allocation_log (action, pool, value, tenant, at) VALUES ('allocate', ?, ?, ?, ?)",
          pool,
          values[i],
          tenant,
          now,
        );
      });
    }
    return this.all("SELECT * FROM allocations WHERE tenant = ? ORDER BY pool, key", tenant).map(
      allocationOf,
    );
  }

  private releaseTx(tenant: string, keep?: AllocationDemand): number {
    const rows = this.all("SELECT * FROM allocations WHERE tenant = ?", tenant).map(allocationOf);
    const now = this.now();
    let n = 0;
    for (const a of rows) {
      if (keep && (keep[a.pool] === undefined || keep[a.pool]!.includes(a.key))) continue;
      this.run("DELETE FROM allocations WHERE pool = ? AND value = ?", a.pool, a.value);
      this.run(
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
    return this.tx(() => this.allocateTx(tenant, demand));
  }

  async release(tenant: string, keep?: AllocationDemand): Promise<number> {
    return this.tx(() => this.releaseTx(tenant, keep));
  }

  async allocationsOf(tenant: string): Promise<Allocation[]> {
    return this.all("SELECT * FROM allocations WHERE tenant = ? ORDER BY pool, key", tenant).map(
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
      const values = pickFree(this.pools[pool], this.usedValues(pool), missing.length);
      missing.forEach((key, i) => out.push({ pool, value: values[i], tenant, key, createdAt: now }));
    }
    return out;
  }

  // ---- operations ----

  async getOperation(id: string): Promise<Operation | undefined> {
    const r = this.get("SELECT * FROM operations WHERE id = ?", id);
    return r ? operationOf(r) : undefined;
  }

  async listOperations(filter: {
    tenant?: string;
    tenantId?: string;
    status?: OperationStatus;
    kind?: OperationKind;
    limit: number;
    before?: string;
  }): Promise<Operation[]> {
    const where: string[] = [];
    const args: SQLInputValue[] = [];
    if (filter.kind !== undefined) {
      where.push("kind = ?");
      args.push(filter.kind);
    }
    if (filter.tenant !== undefined) {
      where.push("tenant = ?");
      args.push(filter.tenant);
    }
    if (filter.tenantId !== undefined) {
      where.push("tenant_id = ?");
      args.push(filter.tenantId);
    }
    if (filter.status !== undefined) {
      where.push("status = ?");
      args.push(filter.status);
    }
    if (filter.before !== undefined) {
      where.push("seq < COALESCE((SELECT seq FROM operations WHERE id = ?), -1)");
      args.push(filter.before);
    }
    pageBound("limit", filter.limit, 1);
    const sql = `SELECT * FROM operations ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY seq DESC LIMIT ?`;
    return this.all(sql, ...args, filter.limit).map(operationOf);
  }

  async operationSpec(id: string): Promise<unknown> {
    const r = this.get("SELECT proposed_spec FROM operations WHERE id = ?", id);
    if (!r) throw new NotFoundError("operation", id);
    return parse(r.proposed_spec);
  }

  async claimNext(limit: number, opts: { driftLimit?: number } = {}): Promise<Operation[]> {
    if (limit <= 0) return [];
    return this.tx(() => {
      // Drift checks last, and only for a tenant with nothing else queued (an earlier-queued check does not hold
      // back the user's operation queued after it).
      const candidates = this.all(
        `SELECT o.id, o.kind FROM operations o
          WHERE o.status = 'queued'
            AND NOT EXISTS (SELECT 1 FROM operations r WHERE r.tenant = o.tenant AND r.status = 'running')
            AND NOT EXISTS (SELECT 1 FROM operations q WHERE q.tenant = o.tenant AND q.status = 'queued' AND q.id != o.id
                  AND CASE WHEN o.kind = 'drift' THEN q.kind != 'drift' OR q.seq < o.seq
                           ELSE q.kind != 'drift' AND q.seq < o.seq END)
          ORDER BY o.kind = 'drift', o.seq LIMIT ?`,
        limit,
      );
      let driftRoom =
        opts.driftLimit === undefined
          ? Infinity
          : opts.driftLimit -
            Number(
              this.get("SELECT COUNT(*) AS n FROM operations WHERE kind = 'drift' AND status = 'running'")!.n,
            );
      const rows = candidates.filter((r) => r.kind !== "drift" || driftRoom-- > 0);
      const now = this.now();
      return rows.map((r) => {
        this.run("UPDATE operations SET status = 'running', started_at = ? WHERE id = ?", now, r.id);
        return operationOf(this.get("SELECT * FROM operations WHERE id = ?", r.id)!);
      });
    });
  }

  private finishTx(
    id: string,
    status: "succeeded" | "failed" | "cancelled",
    detail: { error?: string; result?: Record<string, unknown> },
  ): Operation {
    const cur = this.get("SELECT status FROM operations WHERE id = ?", id);
    if (!cur) throw new NotFoundError("operation", id);
    if (TERMINAL_STATUSES.includes(cur.status))
      throw new ConflictError(`operation ${id} is already ${cur.status}`, "id");
    this.run(
      "UPDATE operations SET status = ?, error = ?, result = ?, finished_at = ? WHERE id = ?",
      status,
      detail.error ?? null,
      detail.result === undefined ? null : json(detail.result),
      this.now(),
      id,
    );
    return operationOf(this.get("SELECT * FROM operations WHERE id = ?", id)!);
  }

  async finishOperation(
    id: string,
    status: "succeeded" | "failed" | "cancelled",
    detail: { error?: string; result?: Record<string, unknown> },
  ) {
    return this.tx(() => this.finishTx(id, status, detail));
  }

  async requestCancel(id: string): Promise<Operation> {
    return this.tx(() => {
      const r = this.get("SELECT * FROM operations WHERE id = ?", id);
      if (!r) throw new NotFoundError("operation", id);
      const op = operationOf(r);
      if (TERMINAL_STATUSES.includes(op.status))
        throw new ConflictError(`operation ${id} is already ${op.status}`, "id");
      if (op.status === "queued")
        return this.finishTx(id, "cancelled", { error: "cancelled before it started" });
      this.run("UPDATE operations SET cancel_requested = 1 WHERE id = ?", id);
      return operationOf(this.get("SELECT * FROM operations WHERE id = ?", id)!);
    });
  }

  async requeue(id: string): Promise<Operation> {
    return this.tx(() => {
      const r = this.run(
        "UPDATE operations SET status = 'queued', attempt = attempt + 1, started_at = NULL, engine_processes = '[]' WHERE id = ? AND status = 'running'",
        id,
      );
      if (r.changes === 0) throw new ConflictError(`operation ${id} is not running`, "id");
      return operationOf(this.get("SELECT * FROM operations WHERE id = ?", id)!);
    });
  }

  async addEngineProcess(id: string, process: EngineProcessRef): Promise<void> {
    if (!Number.isInteger(process.pid) || process.pid <= 0 || !Number.isInteger(process.startTime))
      throw new Error(`engine process of operation ${id}: pid and startTime must be integers`);
    this.tx(() => {
      const r = this.get("SELECT status, engine_processes FROM operations WHERE id = ?", id);
      if (!r) throw new NotFoundError("operation", id);
      if (r.status !== "running") throw new ConflictError(`operation ${id} is not running`, "id");
      const list = [...((parse(r.engine_processes) as EngineProcessRef[]) ?? []), process];
      this.run("UPDATE operations SET engine_processes = ? WHERE id = ?", json(list), id);
    });
  }

  async runningOperations(): Promise<Operation[]> {
    return this.all("SELECT * FROM operations WHERE status = 'running' ORDER BY seq").map(operationOf);
  }

  // ---- events ----

  async appendEvent(opId: string, type: string, data?: unknown): Promise<OperationEvent> {
    return this.tx(() => {
      const r = this.get("SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM events WHERE op_id = ?", opId)!;
      const ev: OperationEvent = { opId, seq: Number(r.next), time: this.now(), type, data: data ?? null };
      this.run(
        "INSERT INTO events (op_id, seq, time, type, data) VALUES (?, ?, ?, ?, ?)",
        opId,
        ev.seq,
        ev.time,
        type,
        json(ev.data),
      );
      return ev;
    });
  }

  async listEvents(opId: string, after: number, limit: number): Promise<OperationEvent[]> {
    pageBound("after", after, 0);
    pageBound("limit", limit, 1);
    return this.all(
      "SELECT * FROM events WHERE op_id = ? AND seq > ? ORDER BY seq LIMIT ?",
      opId,
      after,
      limit,
    ).map((r) => ({
      opId: r.op_id,
      seq: Number(r.seq),
      time: r.time,
      type: r.type,
      data: parse(r.data),
    }));
  }

  async counts(): Promise<StoreCounts> {
    const tenants = Object.fromEntries(TENANT_STATUSES.map((s) => [s, 0])) as Record<TenantStatus, number>;
    for (const r of this.all(
      `SELECT CASE WHEN status = 'ready' AND json_extract(drift, '$.state') = 'drifted' THEN 'drifted' ELSE status END AS shown,
              COUNT(*) AS n FROM tenants GROUP BY shown`,
    ))
      tenants[r.shown as TenantStatus] = Number(r.n);
    const operations = Object.fromEntries(OPERATION_STATUSES.map((s) => [s, 0])) as Record<
      OperationStatus,
      number
    >;
    for (const r of this.all("SELECT status, COUNT(*) AS n FROM operations GROUP BY status"))
      operations[r.status as OperationStatus] = Number(r.n);
    const allocations = Object.fromEntries(POOL_NAMES.map((p) => [p, 0])) as Record<PoolName, number>;
    for (const r of this.all("SELECT pool, COUNT(*) AS n FROM allocations GROUP BY pool"))
      allocations[r.pool as PoolName] = Number(r.n);
    return { tenants, operations, allocations };
  }

  /** Pool sizes, for metrics. */
  poolSizes(): Record<PoolName, number> {
    return Object.fromEntries(POOL_NAMES.map((p) => [p, this.pools[p].size])) as Record<PoolName, number>;
  }
}
