/**
 * Rows of the store's tables as the store's types (and JSON columns both ways): one mapping per table, shared by
 * the tenants and queue (sqlStore.ts), the allocations (allocationTable.ts) and the events (eventLog.ts).
 */
import type { Allocation } from "../allocator/demand";
import type { DriftCheck } from "../../model/drift";
import type { Row } from "./sql/db";
import type { Operation, OperationEvent, Tenant } from "./types";

export const json = (v: unknown): string => JSON.stringify(v ?? null);
export const parse = (s: unknown): any => (typeof s === "string" ? JSON.parse(s) : null);

export function tenantOf(r: Row): Tenant {
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

export function operationOf(r: Row): Operation {
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
    leaseOwner: r.lease_owner ?? null,
    leaseExpiresAt: r.lease_expires_at ?? null,
    createdAt: r.created_at,
    startedAt: r.started_at ?? null,
    finishedAt: r.finished_at ?? null,
  };
}

export function allocationOf(r: Row): Allocation {
  return { pool: r.pool, value: r.value, tenant: r.tenant, key: r.key, createdAt: r.created_at };
}

/**
 * A page bound must be a safe integer of at least `min`: SQLite would refuse Infinity ("datatype mismatch") and
 * read a fraction or NaN as something else. The API checks its query parameters before; this is the store's own
 * guard, with a clear error.
 */
export function pageBound(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min)
    throw new RangeError(`${name} must be an integer of at least ${min} (got ${String(value)})`);
}

export function eventOf(r: Row): OperationEvent {
  return { opId: r.op_id, seq: Number(r.seq), time: r.time, type: r.type, data: parse(r.data) };
}
