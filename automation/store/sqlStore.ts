/**
 * The store on SQL: tenants, spec versions, operations (the queue), events and allocations, with every multi-row
 * change in one write transaction ({@link SqlDb.tx}: writers serialized, so a check and the write after it never
 * interleave with another writer). The same statements run on SQLite (sqliteStore.ts, the embedded default) and
 * PostgreSQL (postgresStore.ts, for several replicas); where the two differ the dialect decides. This class holds the
 * tenants, their specs and the queue (with the replicas' leases); the allocations (allocationTable.ts) and the
 * events (eventLog.ts) are parts of their own, the rows' mapping is rows.ts, the migrations are migrations.ts and
 * postgresMigrations.ts.
 */
import { randomUUID } from "node:crypto";
import { Allocation, AllocationDemand, checkDemand } from "../allocator/demand";
import { POOL_NAMES, Pool, PoolName, buildPools } from "../allocator/pools";
import type { DriftPolicy } from "../../model/drift";
import { AllocationTable } from "./allocationTable";
import { EventLog } from "./eventLog";
import { json, operationOf, pageBound, parse, tenantOf } from "./rows";
import { Row, SqlDb, SqlValue } from "./sql/db";
import {
  ConflictError,
  DriftSkip,
  EngineProcessRef,
  LeaseLostError,
  LeaseRequest,
  NewOperation,
  NotFoundError,
  OPERATION_STATUSES,
  Operation,
  OperationEvent,
  OperationKind,
  OperationStatus,
  Store,
  StoreCounts,
  TakenOver,
  TENANT_STATUSES,
  TERMINAL_STATUSES,
  Tenant,
  TenantStatus,
} from "./types";

/** Options shared by the stores on SQL. */
export interface SqlStoreOptions {
  /** Allocation pools. Default: {@link buildPools}() (the embedded defaults). */
  pools?: Record<PoolName, Pool>;
  /** Clock, for tests. Default `new Date().toISOString()`. */
  now?: () => string;
}

export class SqlStore implements Store {
  private readonly now: () => string;
  private readonly allocations: AllocationTable;
  private readonly events: EventLog;

  constructor(
    /** The connection (tests and diagnostics run statements of their own on it). */
    readonly sql: SqlDb,
    readonly schemaVersion: number,
    opts: SqlStoreOptions = {},
  ) {
    this.now = opts.now ?? (() => new Date().toISOString());
    this.allocations = new AllocationTable(sql, opts.pools ?? buildPools(), this.now);
    this.events = new EventLog(sql, this.now);
  }

  async close(): Promise<void> {
    await this.sql.close();
  }

  /** One process per SQLite file; several replicas share a PostgreSQL database. */
  get shared(): boolean {
    return this.sql.dialect === "postgres";
  }

  /** The store's clock plus `ms`, as an ISO time (leases). */
  private later(ms: number): string {
    return new Date(Date.parse(this.now()) + ms).toISOString();
  }

  /** Inside a transaction: refuses a write for `owner` to an operation whose lease another replica holds. */
  private async fence(id: string, owner: string | undefined): Promise<void> {
    if (owner === undefined) return;
    const r = await this.get("SELECT lease_owner FROM operations WHERE id = ?", id);
    if (!r) throw new NotFoundError("operation", id);
    if (r.lease_owner !== owner) throw new LeaseLostError(id, r.lease_owner ?? null);
  }

  /** Runs `fn` in one write transaction (see {@link SqlDb.tx}). */
  tx<T>(fn: () => Promise<T>): Promise<T> {
    return this.sql.tx(fn);
  }

  private get(sql: string, ...args: SqlValue[]): Promise<Row | undefined> {
    return this.sql.get(sql, args);
  }
  private all(sql: string, ...args: SqlValue[]): Promise<Row[]> {
    return this.sql.all(sql, args);
  }
  private run(sql: string, ...args: SqlValue[]): Promise<{ changes: number }> {
    return this.sql.run(sql, args);
  }

  // ---- tenants ----

  private async tenantRow(name: string): Promise<Tenant> {
    const r = await this.get("SELECT * FROM tenants WHERE name = ?", name);
    if (!r) throw new NotFoundError("tenant", name);
    return tenantOf(r);
  }

  /** Inserts a queued operation for the tenant's current incarnation (`t` as read in the same transaction). */
  private async insertOperation(t: Tenant, op: NewOperation, specVersion: number | null): Promise<Operation> {
    const id = randomUUID();
    await this.run(
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
    if (op.kind !== "drift") await this.cancelQueuedDriftChecks(t.name, `superseded by ${op.kind} ${id}`);
    return operationOf((await this.get("SELECT * FROM operations WHERE id = ?", id))!);
  }

  /** Cancels the tenant's queued drift checks (another operation is queued: the next interval checks again). */
  private async cancelQueuedDriftChecks(tenant: string, why: string): Promise<void> {
    await this.run(
      "UPDATE operations SET status = 'cancelled', error = ?, finished_at = ? WHERE tenant = ? AND kind = 'drift' AND status = 'queued'",
      why,
      this.now(),
      tenant,
    );
  }

  /** Whether the tenant has an operation queued or running (other than `except`). */
  private async busy(tenant: string, except?: string): Promise<boolean> {
    return (
      (await this.get(
        "SELECT 1 FROM operations WHERE tenant = ? AND status IN ('queued','running') AND id != ? LIMIT 1",
        tenant,
        except ?? "",
      )) !== undefined
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
    return this.tx(async () => {
      if (await this.get("SELECT 1 FROM tenants WHERE name = ?", input.name))
        throw new ConflictError(`tenant ${JSON.stringify(input.name)} already exists`, "name");
      const now = this.now();
      await this.run(
        "INSERT INTO tenants (id, name, status, spec_version, token_hash, created_at, updated_at) VALUES (?, ?, 'creating', 1, ?, ?, ?)",
        randomUUID(),
        input.name,
        input.tokenHash,
        now,
        now,
      );
      await this.run(
        "INSERT INTO spec_versions (tenant, version, spec, created_at) VALUES (?, 1, ?, ?)",
        input.name,
        json(input.spec),
        now,
      );
      const allocations = await this.allocations.allocateTx(input.name, input.demand);
      input.check?.(allocations);
      const operation = await this.insertOperation(
        await this.tenantRow(input.name),
        { kind: "up", requestedBy: input.requestedBy },
        1,
      );
      return { tenant: await this.tenantRow(input.name), operation, allocations };
    });
  }

  async getTenant(name: string): Promise<Tenant | undefined> {
    const r = await this.get("SELECT * FROM tenants WHERE name = ?", name);
    return r ? tenantOf(r) : undefined;
  }

  async listTenants(): Promise<Tenant[]> {
    return (await this.all("SELECT * FROM tenants ORDER BY name")).map(tenantOf);
  }

  async tenantCredential(name: string): Promise<{ id: string; tokenHash: string } | undefined> {
    const r = await this.get("SELECT id, token_hash FROM tenants WHERE name = ?", name);
    return r ? { id: r.id, tokenHash: r.token_hash } : undefined;
  }

  async setTenantTokenHash(name: string, id: string, hash: string): Promise<void> {
    const r = await this.run(
      "UPDATE tenants SET token_hash = ?, updated_at = ? WHERE name = ? AND id = ?",
      hash,
      this.now(),
      name,
      id,
    );
    if (r.changes === 0) throw new NotFoundError("tenant", name);
  }

  async getSpec(name: string, version: number): Promise<unknown> {
    const r = await this.get(
      "SELECT spec FROM spec_versions WHERE tenant = ? AND version = ?",
      name,
      version,
    );
    if (!r) throw new NotFoundError("tenant", `${name}@${version}`);
    return parse(r.spec);
  }

  /** ConflictError when the tenant is being deleted (status, or a destroy queued or running). */
  private async assertNotDeleting(t: Tenant): Promise<void> {
    const pending = await this.get(
      "SELECT 1 FROM operations WHERE tenant = ? AND kind = 'destroy' AND status IN ('queued','running')",
      t.name,
    );
    if (t.status === "deleting" || pending)
      throw new ConflictError(`tenant ${JSON.stringify(t.name)} is being deleted`, "name");
  }

  async specHistory(name: string): Promise<unknown[]> {
    const t = await this.getTenant(name);
    return t ? await this.specHistoryTx(t) : [];
  }

  private async specHistoryTx(t: Tenant): Promise<unknown[]> {
    return (
      await this.all(
        "SELECT spec FROM spec_versions WHERE tenant = ? AND version >= ? ORDER BY version DESC",
        t.name,
        t.appliedVersion ?? 1,
      )
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
    return this.tx(async () => {
      const t = await this.tenantRow(input.name);
      await this.assertNotDeleting(t);
      const spec = input.settle ? input.settle(await this.specHistoryTx(t)) : input.spec;
      const version = t.specVersion + 1;
      const now = this.now();
      await this.run(
        "INSERT INTO spec_versions (tenant, version, spec, created_at) VALUES (?, ?, ?, ?)",
        input.name,
        version,
        json(spec),
        now,
      );
      const allocations = await this.allocations.allocateTx(input.name, input.demand);
      input.check?.(allocations);
      await this.run(
        "UPDATE tenants SET spec_version = ?, status = CASE WHEN applied_version IS NULL THEN 'creating' ELSE 'updating' END, updated_at = ? WHERE name = ?",
        version,
        now,
        input.name,
      );
      const operation = await this.insertOperation(
        t,
        { kind: "up", requestedBy: input.requestedBy },
        version,
      );
      return { tenant: await this.tenantRow(input.name), operation };
    });
  }

  async requestDelete(input: { name: string; requestedBy: string }) {
    return this.tx(async () => {
      const t = await this.tenantRow(input.name);
      const running = await this.get(
        "SELECT 1 FROM operations WHERE tenant = ? AND kind = 'destroy' AND status IN ('queued','running')",
        input.name,
      );
      if (running)
        throw new ConflictError(`tenant ${JSON.stringify(input.name)} is already being deleted`, "name");
      const cancelled = (
        await this.all("SELECT id FROM operations WHERE tenant = ? AND status = 'queued'", input.name)
      ).map((r) => r.id as string);
      const now = this.now();
      for (const id of cancelled) {
        await this.run(
          "UPDATE operations SET status = 'cancelled', error = 'superseded by delete', finished_at = ? WHERE id = ?",
          now,
          id,
        );
      }
      await this.run(
        "UPDATE tenants SET status = 'deleting', updated_at = ? WHERE name = ?",
        now,
        input.name,
      );
      const operation = await this.insertOperation(
        t,
        { kind: "destroy", requestedBy: input.requestedBy },
        t.specVersion,
      );
      return { tenant: await this.tenantRow(input.name), operation, cancelled };
    });
  }

  async enqueue(tenant: string, op: NewOperation): Promise<Operation> {
    return this.tx(async () => {
      const t = await this.tenantRow(tenant);
      await this.assertNotDeleting(t);
      return await this.insertOperation(t, op, op.proposedSpec === undefined ? t.specVersion : null);
    });
  }

  async updateTenant(name: string, patch: Parameters<Store["updateTenant"]>[1]): Promise<Tenant> {
    return this.tx(async () => {
      const sets: string[] = [];
      const args: SqlValue[] = [];
      const put = (col: string, v: SqlValue) => {
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
      const r = await this.run(`UPDATE tenants SET ${sets.join(", ")} WHERE name = ?`, ...args, name);
      if (r.changes === 0) throw new NotFoundError("tenant", name);
      return await this.tenantRow(name);
    });
  }

  async setDriftPolicy(name: string, policy: DriftPolicy): Promise<Tenant> {
    return this.tx(async () => {
      const r = await this.run(
        "UPDATE tenants SET drift_policy = ?, updated_at = ? WHERE name = ?",
        policy,
        this.now(),
        name,
      );
      if (r.changes === 0) throw new NotFoundError("tenant", name);
      return await this.tenantRow(name);
    });
  }

  async driftDue(now: string, limit: number): Promise<string[]> {
    return (
      await this.all(
        `SELECT t.name FROM tenants t
        WHERE t.status = 'ready' AND t.applied_version = t.spec_version
          AND (t.drift_next_check_at IS NULL OR t.drift_next_check_at <= ?)
          AND NOT EXISTS (SELECT 1 FROM operations o WHERE o.tenant = t.name AND o.status IN ('queued','running'))
        ORDER BY COALESCE(t.drift_next_check_at, ''), t.name LIMIT ?`,
        now,
        limit,
      )
    ).map((r) => r.name as string);
  }

  async enqueueDriftCheck(
    name: string,
    input: { requestedBy: string; nextCheckAt: string },
  ): Promise<{ operation: Operation } | { skipped: DriftSkip }> {
    return this.tx(async () => {
      const r = await this.get("SELECT * FROM tenants WHERE name = ?", name);
      if (!r) return { skipped: "deleted" as const };
      const t = tenantOf(r);
      if (r.status !== "ready") return { skipped: "not-ready" as const };
      if (t.appliedVersion !== t.specVersion) return { skipped: "not-applied" as const };
      if (await this.busy(name)) return { skipped: "busy" as const };
      await this.run("UPDATE tenants SET drift_next_check_at = ? WHERE name = ?", input.nextCheckAt, name);
      return {
        operation: await this.insertOperation(
          t,
          { kind: "drift", requestedBy: input.requestedBy },
          t.specVersion,
        ),
      };
    });
  }

  async enqueueReconcile(
    name: string,
    input: { reason: string; requestedBy: string; checkId: string },
  ): Promise<Operation | undefined> {
    return this.tx(async () => {
      const r = await this.get("SELECT * FROM tenants WHERE name = ?", name);
      if (!r || r.status !== "ready" || (await this.busy(name, input.checkId))) return undefined;
      const t = tenantOf(r);
      const operation = await this.insertOperation(
        t,
        { kind: "up", requestedBy: input.requestedBy, reason: input.reason, refresh: true },
        t.specVersion,
      );
      await this.run(
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
    opts: { owner?: string } = {},
  ): Promise<{ released: number }> {
    return this.tx(async () => {
      await this.fence(opId, opts.owner);
      const released = await this.allocations.releaseTx(name);
      await this.run("DELETE FROM tenants WHERE name = ?", name);
      await this.finishTx(opId, "succeeded", { result: { ...result, releasedAllocations: released } });
      return { released };
    });
  }

  // ---- allocations (allocationTable.ts) ----

  async allocate(tenant: string, demand: AllocationDemand): Promise<Allocation[]> {
    return this.allocations.allocate(tenant, demand);
  }

  async release(tenant: string, keep?: AllocationDemand): Promise<number> {
    return this.allocations.release(tenant, keep);
  }

  async allocationsOf(tenant: string): Promise<Allocation[]> {
    return this.allocations.allocationsOf(tenant);
  }

  async tentativeAllocations(tenant: string, demand: AllocationDemand): Promise<Allocation[]> {
    return this.allocations.tentativeAllocations(tenant, demand);
  }

  // ---- operations ----

  async getOperation(id: string): Promise<Operation | undefined> {
    const r = await this.get("SELECT * FROM operations WHERE id = ?", id);
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
    const args: SqlValue[] = [];
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
    return (await this.all(sql, ...args, filter.limit)).map(operationOf);
  }

  async operationSpec(id: string): Promise<unknown> {
    const r = await this.get("SELECT proposed_spec FROM operations WHERE id = ?", id);
    if (!r) throw new NotFoundError("operation", id);
    return parse(r.proposed_spec);
  }

  async claimNext(
    limit: number,
    opts: { driftLimit?: number; lease?: LeaseRequest } = {},
  ): Promise<Operation[]> {
    if (limit <= 0) return [];
    return this.tx(async () => {
      // Drift checks last, and only for a tenant with nothing else queued (an earlier-queued check does not hold
      // back the user's operation queued after it).
      const candidates = await this.all(
        `SELECT o.id, o.kind FROM operations o
          WHERE o.status = 'queued'
            AND NOT EXISTS (SELECT 1 FROM operations r WHERE r.tenant = o.tenant AND r.status = 'running')
            AND NOT EXISTS (SELECT 1 FROM operations q WHERE q.tenant = o.tenant AND q.status = 'queued' AND q.id != o.id
                  AND CASE WHEN o.kind = 'drift' THEN q.kind != 'drift' OR q.seq < o.seq
                           ELSE q.kind != 'drift' AND q.seq < o.seq END)
          ORDER BY o.kind = 'drift', o.seq LIMIT ?${
            // A replica never waits on (or takes) rows another replica is claiming.
            this.sql.dialect === "postgres" ? " FOR UPDATE OF o SKIP LOCKED" : ""
          }`,
        limit,
      );
      let driftRoom =
        opts.driftLimit === undefined
          ? Infinity
          : opts.driftLimit -
            Number(
              (await this.get(
                "SELECT COUNT(*) AS n FROM operations WHERE kind = 'drift' AND status = 'running'",
              ))!.n,
            );
      const rows = candidates.filter((r) => r.kind !== "drift" || driftRoom-- > 0);
      const now = this.now();
      const claimed: Operation[] = [];
      for (const r of rows) {
        await this.run(
          "UPDATE operations SET status = 'running', started_at = ?, lease_owner = ?, lease_expires_at = ? WHERE id = ?",
          now,
          opts.lease?.owner ?? null,
          opts.lease ? this.later(opts.lease.ms) : null,
          r.id,
        );
        claimed.push(operationOf((await this.get("SELECT * FROM operations WHERE id = ?", r.id))!));
      }
      return claimed;
    });
  }

  private async finishTx(
    id: string,
    status: "succeeded" | "failed" | "cancelled",
    detail: { error?: string; result?: Record<string, unknown> },
  ): Promise<Operation> {
    const cur = await this.get("SELECT status FROM operations WHERE id = ?", id);
    if (!cur) throw new NotFoundError("operation", id);
    if (TERMINAL_STATUSES.includes(cur.status))
      throw new ConflictError(`operation ${id} is already ${cur.status}`, "id");
    await this.run(
      "UPDATE operations SET status = ?, error = ?, result = ?, finished_at = ?, lease_expires_at = NULL WHERE id = ?",
      status,
      detail.error ?? null,
      detail.result === undefined ? null : json(detail.result),
      this.now(),
      id,
    );
    return operationOf((await this.get("SELECT * FROM operations WHERE id = ?", id))!);
  }

  async finishOperation(
    id: string,
    status: "succeeded" | "failed" | "cancelled",
    detail: { error?: string; result?: Record<string, unknown>; owner?: string },
  ) {
    return this.tx(async () => {
      await this.fence(id, detail.owner);
      return this.finishTx(id, status, detail);
    });
  }

  async renewLeases(
    owner: string,
    ids: readonly string[],
    ms: number,
  ): Promise<{ id: string; cancelRequested: boolean }[]> {
    if (ids.length === 0) return [];
    return this.tx(async () => {
      const until = this.later(ms);
      const held: { id: string; cancelRequested: boolean }[] = [];
      for (const id of ids) {
        const r = await this.run(
          "UPDATE operations SET lease_expires_at = ? WHERE id = ? AND status = 'running' AND lease_owner = ?",
          until,
          id,
          owner,
        );
        if (r.changes === 0) continue;
        const row = (await this.get("SELECT cancel_requested FROM operations WHERE id = ?", id))!;
        held.push({ id, cancelRequested: Number(row.cancel_requested) === 1 });
      }
      return held;
    });
  }

  async takeOverRunning(lease: LeaseRequest, opts: { all?: boolean } = {}): Promise<TakenOver[]> {
    return this.tx(async () => {
      const now = this.now();
      const rows = opts.all
        ? await this.all("SELECT * FROM operations WHERE status = 'running' ORDER BY seq")
        : await this.all(
            "SELECT * FROM operations WHERE status = 'running' AND (lease_expires_at IS NULL OR lease_expires_at < ?) ORDER BY seq",
            now,
          );
      const out: TakenOver[] = [];
      for (const r of rows) {
        await this.run(
          "UPDATE operations SET lease_owner = ?, lease_expires_at = ? WHERE id = ?",
          lease.owner,
          this.later(lease.ms),
          r.id,
        );
        out.push({
          op: operationOf((await this.get("SELECT * FROM operations WHERE id = ?", r.id))!),
          previousOwner: r.lease_owner ?? null,
          expiredAt: r.lease_expires_at ?? null,
        });
      }
      return out;
    });
  }

  async requestCancel(id: string): Promise<Operation> {
    return this.tx(async () => {
      const r = await this.get("SELECT * FROM operations WHERE id = ?", id);
      if (!r) throw new NotFoundError("operation", id);
      const op = operationOf(r);
      if (TERMINAL_STATUSES.includes(op.status))
        throw new ConflictError(`operation ${id} is already ${op.status}`, "id");
      if (op.status === "queued")
        return await this.finishTx(id, "cancelled", { error: "cancelled before it started" });
      await this.run("UPDATE operations SET cancel_requested = 1 WHERE id = ?", id);
      return operationOf((await this.get("SELECT * FROM operations WHERE id = ?", id))!);
    });
  }

  async requeue(id: string, opts: { owner?: string } = {}): Promise<Operation> {
    return this.tx(async () => {
      await this.fence(id, opts.owner);
      const r = await this.run(
        "UPDATE operations SET status = 'queued', attempt = attempt + 1, started_at = NULL, engine_processes = '[]', lease_expires_at = NULL WHERE id = ? AND status = 'running'",
        id,
      );
      if (r.changes === 0) throw new ConflictError(`operation ${id} is not running`, "id");
      return operationOf((await this.get("SELECT * FROM operations WHERE id = ?", id))!);
    });
  }

  async addEngineProcess(id: string, process: EngineProcessRef): Promise<void> {
    if (!Number.isInteger(process.pid) || process.pid <= 0 || !Number.isInteger(process.startTime))
      throw new Error(`engine process of operation ${id}: pid and startTime must be integers`);
    await this.tx(async () => {
      const r = await this.get("SELECT status, engine_processes FROM operations WHERE id = ?", id);
      if (!r) throw new NotFoundError("operation", id);
      if (r.status !== "running") throw new ConflictError(`operation ${id} is not running`, "id");
      const list = [...((parse(r.engine_processes) as EngineProcessRef[]) ?? []), process];
      await this.run("UPDATE operations SET engine_processes = ? WHERE id = ?", json(list), id);
    });
  }

  async runningOperations(): Promise<Operation[]> {
    return (await this.all("SELECT * FROM operations WHERE status = 'running' ORDER BY seq")).map(
      operationOf,
    );
  }

  // ---- events (eventLog.ts) ----

  appendEvent(opId: string, type: string, data?: unknown): Promise<OperationEvent> {
    return this.events.append(opId, type, data);
  }

  listEvents(opId: string, after: number, limit: number): Promise<OperationEvent[]> {
    return this.events.list(opId, after, limit);
  }

  async counts(): Promise<StoreCounts> {
    const tenants = Object.fromEntries(TENANT_STATUSES.map((s) => [s, 0])) as Record<TenantStatus, number>;
    const driftState =
      this.sql.dialect === "postgres" ? "(drift::json ->> 'state')" : "json_extract(drift, '$.state')";
    for (const r of await this.all(
      `SELECT CASE WHEN status = 'ready' AND ${driftState} = 'drifted' THEN 'drifted' ELSE status END AS shown,
              COUNT(*) AS n FROM tenants GROUP BY shown`,
    ))
      tenants[r.shown as TenantStatus] = Number(r.n);
    const operations = Object.fromEntries(OPERATION_STATUSES.map((s) => [s, 0])) as Record<
      OperationStatus,
      number
    >;
    for (const r of await this.all("SELECT status, COUNT(*) AS n FROM operations GROUP BY status"))
      operations[r.status as OperationStatus] = Number(r.n);
    const allocations = Object.fromEntries(POOL_NAMES.map((p) => [p, 0])) as Record<PoolName, number>;
    for (const r of await this.all("SELECT pool, COUNT(*) AS n FROM allocations GROUP BY pool"))
      allocations[r.pool as PoolName] = Number(r.n);
    return { tenants, operations, allocations };
  }

  /** Pool sizes, for metrics. */
  poolSizes(): Record<PoolName, number> {
    return this.allocations.poolSizes();
  }
}
