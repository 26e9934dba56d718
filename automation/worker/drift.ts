/**
 * What the worker does with a finished drift check: records it on the tenant (`drift`, shown status `drifted`),
 * and under the `reconcile` policy queues the `up --refresh` that puts the drift back — at most one per interval,
 * never again after a reconcile that failed (the tenant is `failed` then, and checks stop until a user's `up`
 * succeeds). Pure decisions ({@link reconcileDecision}) apart from the store calls.
 */
import { DriftCheck, DriftedResource, driftSummary } from "../../model/drift";
import { Operation, Store, Tenant } from "../store/types";

/** The drift check interval when none is configured: 10 minutes. */
export const DEFAULT_DRIFT_INTERVAL_MS = 600_000;

/** Who queues the drift checks and the reconciles (as `requestedBy`). */
export const DRIFT_REQUESTER = "service:drift";
export const RECONCILE_REQUESTER = "service:reconcile";

/** Whether to queue a reconcile for a drifted check, and why (not). */
export type ReconcileDecision = { reconcile: true; reason: string } | { reconcile: false; why: string };

/**
 * The reconcile rule: only under policy `reconcile`; at most one reconcile per `intervalMs`; none after a
 * reconcile that failed until an `up` succeeded after it (`lastReconcileStatus` is that operation's status).
 */
export function reconcileDecision(input: {
  tenant: Pick<Tenant, "driftPolicy" | "lastReconcile">;
  check: Pick<DriftCheck, "state" | "resources" | "operationId">;
  lastReconcileStatus: Operation["status"] | undefined;
  /** Whether an up finished successfully after the last reconcile was queued. */
  succeededSince: boolean;
  now: number;
  intervalMs: number;
}): ReconcileDecision {
  const { tenant, check } = input;
  if (check.state !== "drifted") return { reconcile: false, why: "no drift" };
  if (tenant.driftPolicy !== "reconcile") return { reconcile: false, why: "policy is detect" };
  const last = tenant.lastReconcile;
  if (last) {
    const age = input.now - Date.parse(last.at);
    if (input.lastReconcileStatus === "failed" && !input.succeededSince)
      return {
        reconcile: false,
        why: `the last reconcile (${last.operationId}) failed; no reconcile until an up succeeds`,
      };
    if (age < input.intervalMs)
      return {
        reconcile: false,
        why: `at most one reconcile per interval: the last one (${last.operationId}) was queued at ${last.at}`,
      };
  }
  return {
    reconcile: true,
    reason: `drift check ${check.operationId}: ${driftSummary(check.resources)}`,
  };
}

/** Records a drift check on the tenant and, by policy, queues its reconcile. Returns what it did, for events. */
export async function settleDriftCheck(input: {
  store: Store;
  op: Operation;
  resources: DriftedResource[] | undefined;
  error?: string;
  durationSeconds: number | null;
  intervalMs: number;
  now?: () => Date;
}): Promise<{ check: DriftCheck; decision?: ReconcileDecision; reconcile?: Operation }> {
  const { store, op } = input;
  const now = (input.now ?? (() => new Date()))();
  const resources = input.resources ?? [];
  const check: DriftCheck = {
    state: input.error !== undefined ? "failed" : resources.length ? "drifted" : "clean",
    checkedAt: now.toISOString(),
    operationId: op.id,
    specVersion: op.specVersion,
    resources,
    error: input.error ?? null,
    durationSeconds: input.durationSeconds,
  };
  const tenant = await store.getTenant(op.tenant);
  // A tenant deleted (or deleted and created again) meanwhile: the check was of another incarnation.
  if (!tenant || tenant.id !== op.tenantId) return { check };
  await store.updateTenant(op.tenant, { drift: check });
  if (check.state !== "drifted") return { check };
  const last = tenant.lastReconcile;
  const lastOp = last ? await store.getOperation(last.operationId) : undefined;
  const succeededSince =
    last !== null &&
    (
      await store.listOperations({ tenant: op.tenant, tenantId: op.tenantId, status: "succeeded", limit: 20 })
    ).some((o) => o.kind === "up" && o.finishedAt !== null && o.finishedAt > (lastOp?.finishedAt ?? last.at));
  const decision = reconcileDecision({
    tenant,
    check,
    lastReconcileStatus: lastOp?.status,
    succeededSince,
    now: now.getTime(),
    intervalMs: input.intervalMs,
  });
  if (!decision.reconcile) return { check, decision };
  const reconcile = await store.enqueueReconcile(op.tenant, {
    reason: decision.reason,
    requestedBy: RECONCILE_REQUESTER,
    checkId: op.id,
  });
  return reconcile
    ? { check, decision, reconcile }
    : { check, decision: { reconcile: false, why: "the tenant has other work queued" } };
}
