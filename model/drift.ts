/**
 * Drift: what a tenant's live systems (router records, Cluster API objects, VMs) hold that its applied spec does
 * not — found by a drift check (`pulumi preview --refresh`: the live state read back, then compared with what the
 * program makes) and put back, under the `reconcile` policy, by an `up --refresh`. Shared by the store, the worker,
 * the service and the engine adapter; names and kinds of properties only, never their values.
 */

/** What the platform does when a check finds drift: record it (`detect`, the default) or also put it back. */
export const DRIFT_POLICIES = ["detect", "reconcile"] as const;
export type DriftPolicy = (typeof DRIFT_POLICIES)[number];

/** One resource whose live state differs from what the program makes of the applied spec. */
export interface DriftedResource {
  urn: string;
  /** Pulumi type token (`pulumi-nodejs:dynamic/opnsense:FirewallRule`, `kubernetes:cluster.x-k8s.io/v1beta2:MachineDeployment`). */
  type: string;
  /** The resource's name (the URN's last part). */
  name: string;
  /**
   * What putting it back takes: `update` (a property differs), `replace` (a property that forces replacement
   * differs), `create` (the resource is gone from the live system), `delete`.
   */
  op: "update" | "replace" | "create" | "delete";
  /** Property paths that differ (`description`, `spec.replicas`); never values. Empty for create/delete. */
  properties: string[];
}

/** The outcome of the last drift check of a tenant. */
export interface DriftCheck {
  /** `clean`, `drifted`, `failed` (the check could not run to its end: `error` says why). */
  state: "clean" | "drifted" | "failed";
  checkedAt: string;
  /** The check operation (its events hold the engine's log). */
  operationId: string;
  /** The spec version the live systems were compared with. */
  specVersion: number | null;
  resources: DriftedResource[];
  error: string | null;
  durationSeconds: number | null;
  /** Set when a later `up --refresh` (a reconcile) put the drift back: that operation's id. */
  reconciledBy?: string;
}

/** The last reconcile the service queued for a tenant. */
export interface ReconcileRecord {
  operationId: string;
  at: string;
  /** Why: the check and what it found. */
  reason: string;
}

/** A one-line summary of drifted resources for reasons and logs (`2 resources differ: a (description), b (spec.replicas)`). */
export function driftSummary(resources: readonly DriftedResource[], max = 5): string {
  if (resources.length === 0) return "no drift";
  const shown = resources
    .slice(0, max)
    .map((r) => (r.properties.length ? `${r.name} (${r.properties.join(", ")})` : `${r.name} (${r.op})`));
  const more = resources.length > max ? `, and ${resources.length - max} more` : "";
  return `${resources.length} resource${resources.length === 1 ? "" : "s"} differ${resources.length === 1 ? "s" : ""}: ${shown.join(", ")}${more}`;
}
