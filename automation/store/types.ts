/**
 * The service's persistent state behind one interface: tenants, spec versions, operations (the work queue),
 * operation events and pool allocations. {@link SqliteStore} is the embedded default; a Postgres store can
 * implement the same interface (every method is async for that reason, and every multi-row change is one method so
 * that it can be one transaction). Tenants are identified by name in the API, but each incarnation of a name has its
 * own id ({@link Tenant.id}) stored on every operation ({@link Operation.tenantId}); a Postgres store keeps the same
 * columns (`tenants.id` unique, `operations.tenant_id` indexed) and the same backfill (schema version 3).
 */
import { Allocation, AllocationDemand } from "../allocator/demand";
import { PoolName } from "../allocator/pools";
import type { DriftCheck, DriftPolicy, ReconcileRecord } from "../../model/drift";

/**
 * Tenant statuses. `drifted` is `ready` whose last drift check found drift: stored as `ready` with the check, shown
 * as `drifted` (a `drifted` written back through {@link Store.updateTenant} is stored as `ready`).
 */
export const TENANT_STATUSES = ["creating", "updating", "ready", "drifted", "failed", "deleting"] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

/** `drift`: a drift check (`preview --refresh`), queued by the drift scheduler behind every other kind. */
export const OPERATION_KINDS = ["up", "preview", "refresh", "destroy", "drift"] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

export const OPERATION_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];
export const TERMINAL_STATUSES: readonly OperationStatus[] = ["succeeded", "failed", "cancelled"];

export interface Tenant {
  /**
   * The incarnation's identity (a UUID set at creation, never reused). A tenant deleted and created again under the
   * same name is a new incarnation with a new id: operations, events and tokens of the old one are not its own.
   */
  id: string;
  name: string;
  status: TenantStatus;
  /** The desired spec version (latest accepted). */
  specVersion: number;
  /** The spec version last applied successfully (null before the first successful `up`). */
  appliedVersion: number | null;
  /** Non-secret stack outputs of the last successful up/refresh. */
  outputs: Record<string, unknown>;
  /** Names of secret stack outputs (their values are never stored by the service). */
  secretOutputKeys: string[];
  lastError: string | null;
  /** What a drift check that finds drift leads to (default `detect`). */
  driftPolicy: DriftPolicy;
  /** The last drift check (null before the first). */
  drift: DriftCheck | null;
  /** When the drift scheduler checks next (null: as soon as it may). */
  driftNextCheckAt: string | null;
  /** The last reconcile queued for a drift (null: none yet). */
  lastReconcile: ReconcileRecord | null;
  createdAt: string;
  updatedAt: string;
}

export interface Operation {
  id: string;
  /** The tenant's name (also names its stack). */
  tenant: string;
  /**
   * The {@link Tenant.id} of the incarnation the operation belongs to. Access by a tenant token is decided on this,
   * never on the name. Operations of incarnations deleted before schema version 3 carry `retired:<name>`.
   */
  tenantId: string;
  kind: OperationKind;
  status: OperationStatus;
  /** Spec version the operation applies (up/refresh/destroy), null for a preview of a proposed spec. */
  specVersion: number | null;
  /** Who asked: `admin` or `tenant:<name>` or `service` (recovery) or `service:drift` / `service:reconcile`. */
  requestedBy: string;
  /** Why the service queued it (a reconcile: the drift it puts back); null for what a user asked. */
  reason: string | null;
  /** For `up`: refresh the state from the live systems first (`up --refresh`; what a reconcile runs). */
  refresh: boolean;
  attempt: number;
  cancelRequested: boolean;
  error: string | null;
  /** Engine result summary (change counts, preview diff...). */
  result: Record<string, unknown> | null;
  /**
   * The engine (`pulumi`) processes the current attempt started, by pid and start time. Recovery after a crash of
   * the service kills those still running before it clears the stack's lock. Not part of the API.
   */
  engineProcesses: EngineProcessRef[];
  /** The service replica that claimed the running (or last) attempt; null before any claim. Not part of the API. */
  leaseOwner: string | null;
  /** Until when the claim of a running operation holds unless its replica renews it (ISO time); else null. */
  leaseExpiresAt: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** A process, by pid and start time (so that a reused pid is not mistaken for it). */
export interface EngineProcessRef {
  pid: number;
  startTime: number;
  /** Host the process runs on (a replica only kills processes of its own host); absent = the recording host. */
  host?: string;
}

/** A claim's lease: who holds it and for how long from now. */
export interface LeaseRequest {
  /** The replica's id (unique per process). */
  owner: string;
  /** How long the claim holds from now unless renewed, ms. */
  ms: number;
}

/** A running operation whose lease was taken over, with whom it had. */
export interface TakenOver {
  op: Operation;
  /** The replica that held it (null: claimed before leases existed). */
  previousOwner: string | null;
  /** When its lease ended (null: it had none). */
  expiredAt: string | null;
}

/** Raised when a replica writes to an operation whose lease another replica now holds. */
export class LeaseLostError extends Error {
  constructor(
    readonly opId: string,
    readonly owner: string | null,
  ) {
    super(`operation ${opId}: its lease is held by ${owner ?? "no replica"} now (this replica was fenced)`);
    this.name = "LeaseLostError";
  }
}

export interface OperationEvent {
  opId: string;
  seq: number;
  time: string;
  type: string;
  data: unknown;
}

/** An operation to enqueue. */
export interface NewOperation {
  kind: OperationKind;
  requestedBy: string;
  /** For previews of a proposed spec: the spec (stored with the operation, not as a version). */
  proposedSpec?: unknown;
  /** See {@link Operation.reason}. */
  reason?: string;
  /** See {@link Operation.refresh}. */
  refresh?: boolean;
}

/** Why {@link Store.enqueueDriftCheck} queued nothing. */
export type DriftSkip = "busy" | "not-ready" | "not-applied" | "deleted";

export class NotFoundError extends Error {
  constructor(
    readonly what: "tenant" | "operation",
    readonly key: string,
  ) {
    super(`${what} ${JSON.stringify(key)} not found`);
    this.name = "NotFoundError";
  }
}

/** A state conflict (duplicate name, tenant being deleted, operation already finished...). */
export class ConflictError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "ConflictError";
  }
}

export interface StoreCounts {
  /** By status as shown (`drifted` counted apart from `ready`). */
  tenants: Record<TenantStatus, number>;
  operations: Record<OperationStatus, number>;
  allocations: Record<PoolName, number>;
}

export interface Store {
  /** Applied schema version. */
  readonly schemaVersion: number;
  close(): Promise<void>;

  /** Creates the tenant, its spec version 1, its allocations and an `up` operation — all or nothing. */
  createTenant(input: {
    name: string;
    spec: unknown;
    tokenHash: string;
    demand: AllocationDemand;
    requestedBy: string;
    /** Runs inside the transaction with the tenant's allocations; throwing rolls everything back. */
    check?: (allocations: Allocation[]) => void;
  }): Promise<{ tenant: Tenant; operation: Operation; allocations: Allocation[] }>;
  getTenant(name: string): Promise<Tenant | undefined>;
  listTenants(): Promise<Tenant[]>;
  /**
   * The current incarnation's id and the stored hash of its token (undefined when no tenant of that name exists),
   * read together (one row / one statement), so that a token is bound to the incarnation it was checked against.
   */
  tenantCredential(name: string): Promise<{ id: string; tokenHash: string } | undefined>;
  /**
   * Replaces the token hash of the tenant `name` — only while its current incarnation is `id` (NotFoundError
   * otherwise, e.g. when it was deleted and created again meanwhile).
   */
  setTenantTokenHash(name: string, id: string, hash: string): Promise<void>;
  getSpec(name: string, version: number): Promise<unknown>;
  /**
   * The spec versions the tenant's stack may still hold, newest first: from the last applied one (all of them when
   * none was applied yet: a failed first `up` may have created part of any) to the newest.
   */
  specHistory(name: string): Promise<unknown[]>;
  /** Stores a new spec version, tops allocations up to `demand`, enqueues `up` — all or nothing. */
  replaceSpec(input: {
    name: string;
    spec: unknown;
    /**
     * Runs inside the transaction first, with {@link specHistory}; returns the spec to store (e.g. with its
     * addresses pinned); throwing rolls everything back. Default: `spec` as given.
     */
    settle?: (history: unknown[]) => unknown;
    demand: AllocationDemand;
    requestedBy: string;
    /** Runs inside the transaction with the tenant's allocations (held and new); throwing rolls everything back. */
    check?: (allocations: Allocation[]) => void;
  }): Promise<{ tenant: Tenant; operation: Operation }>;
  /** Marks the tenant deleting, cancels its queued operations, enqueues `destroy`. */
  requestDelete(input: {
    name: string;
    requestedBy: string;
  }): Promise<{ tenant: Tenant; operation: Operation; cancelled: string[] }>;
  /** Enqueues a preview, refresh or up of the current spec; queued drift checks of the tenant are cancelled (superseded). */
  enqueue(tenant: string, op: NewOperation): Promise<Operation>;
  updateTenant(
    name: string,
    patch: Partial<
      Pick<
        Tenant,
        | "status"
        | "appliedVersion"
        | "outputs"
        | "secretOutputKeys"
        | "lastError"
        | "drift"
        | "driftNextCheckAt"
      >
    >,
  ): Promise<Tenant>;

  /** Sets the tenant's drift policy. */
  setDriftPolicy(name: string, policy: DriftPolicy): Promise<Tenant>;
  /**
   * Tenants whose drift check is due at `now`, most overdue first: `ready` (or drifted), their newest spec applied,
   * nothing queued or running, next check time passed (or never set).
   */
  driftDue(now: string, limit: number): Promise<string[]>;
  /**
   * Queues a drift check of the tenant's applied spec — only while the tenant is ready (or drifted), its newest
   * spec applied and nothing of it queued or running (all checked in the same transaction) — and sets its next
   * check time to `nextCheckAt`. Resolves with the operation, or with why nothing was queued.
   */
  enqueueDriftCheck(
    name: string,
    input: { requestedBy: string; nextCheckAt: string },
  ): Promise<{ operation: Operation } | { skipped: DriftSkip }>;
  /**
   * Queues the `up --refresh` that puts a drift back and records it as the tenant's last reconcile — only while
   * nothing of the tenant is queued or running besides `checkId` (the check that found it). Undefined otherwise.
   */
  enqueueReconcile(
    name: string,
    input: { reason: string; requestedBy: string; checkId: string },
  ): Promise<Operation | undefined>;
  /** After a successful destroy + stack removal: releases the allocations, deletes the tenant and marks `opId` succeeded — all or nothing. */
  completeDelete(
    name: string,
    opId: string,
    result: Record<string, unknown>,
    opts?: { owner?: string },
  ): Promise<{ released: number }>;

  /** Takes values for `tenant` until it holds `demand` of each pool (own transaction). */
  allocate(tenant: string, demand: AllocationDemand): Promise<Allocation[]>;
  /** Releases the tenant's allocations: all, or (with `keep`) those whose key is not kept in a pool `keep` names. */
  release(tenant: string, keep?: AllocationDemand): Promise<number>;
  allocationsOf(tenant: string): Promise<Allocation[]>;
  /** Values the pools would give `tenant` to reach `demand`, without taking them (for previews). */
  tentativeAllocations(tenant: string, demand: AllocationDemand): Promise<Allocation[]>;

  getOperation(id: string): Promise<Operation | undefined>;
  /**
   * Newest first. `tenant` filters by name (every incarnation: what the admin sees), `tenantId` by incarnation
   * (what a tenant token may see); both may be given.
   */
  listOperations(filter: {
    tenant?: string;
    tenantId?: string;
    status?: OperationStatus;
    kind?: OperationKind;
    limit: number;
    before?: string;
  }): Promise<Operation[]>;
  /** The proposed spec of a preview operation. */
  operationSpec(id: string): Promise<unknown>;
  /**
   * Atomically moves up to `limit` eligible queued operations to running (oldest first, one per tenant, none for a
   * tenant already running). Drift checks come after every other kind, never while their tenant has other work
   * queued, and at most `driftLimit` of them run at once (default: no limit beyond `limit`).
   */
  claimNext(limit: number, opts?: { driftLimit?: number; lease?: LeaseRequest }): Promise<Operation[]>;
  /**
   * Extends the leases `owner` holds on `ids` (running operations) by `ms` from now. Returns those still held, each
   * with whether a cancel was requested (a cancel may reach any replica); an id missing was lost (taken over).
   */
  renewLeases(
    owner: string,
    ids: readonly string[],
    ms: number,
  ): Promise<{ id: string; cancelRequested: boolean }[]>;
  /**
   * Takes over running operations (all of them with `all`, else those whose lease has expired or that have none):
   * the lease becomes `lease`'s, atomically, so that two replicas never take over the same one.
   */
  takeOverRunning(lease: LeaseRequest, opts?: { all?: boolean }): Promise<TakenOver[]>;
  /** Whether several processes share this store (several replicas: leases decide who runs what). */
  readonly shared: boolean;
  /**
   * Finishes a running operation. With `owner`, only while that replica holds its lease ({@link LeaseLostError}
   * otherwise): a fenced replica never overwrites what the replica that took over records.
   */
  finishOperation(
    id: string,
    status: "succeeded" | "failed" | "cancelled",
    detail: { error?: string; result?: Record<string, unknown>; owner?: string },
  ): Promise<Operation>;
  /** Queued → cancelled at once; running → cancelRequested; terminal → ConflictError. */
  requestCancel(id: string): Promise<Operation>;
  /** Records an engine process started by a running operation (see {@link Operation.engineProcesses}). */
  addEngineProcess(id: string, process: EngineProcessRef): Promise<void>;
  /** Puts an interrupted running operation back in the queue with attempt + 1 (its engine processes forgotten). */
  requeue(id: string, opts?: { owner?: string }): Promise<Operation>;
  runningOperations(): Promise<Operation[]>;

  appendEvent(opId: string, type: string, data?: unknown): Promise<OperationEvent>;
  listEvents(opId: string, after: number, limit: number): Promise<OperationEvent[]>;

  counts(): Promise<StoreCounts>;
  /** Capacity of each pool (for metrics and exhaustion messages). */
  poolSizes(): Record<PoolName, number>;
}
