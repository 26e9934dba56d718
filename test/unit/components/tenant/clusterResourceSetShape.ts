/**
 * A small, hand-written structural check of a ClusterResourceSet (`addons.cluster.x-k8s.io/v1beta2`). The
 * ClusterResourceSet CRD is not among the CRDs in reference/crds, so the facts below were read from the CRD in
 * kubernetes-sigs/cluster-api, `core/config/crd/bases/addons.cluster.x-k8s.io_clusterresourcesets.yaml` (the v1.14
 * `core/` layout; stored commit 0f32ac8d), version `v1beta2` (served, storage):
 *
 * - scope Namespaced; `spec` required;
 * - `spec` properties: `clusterSelector`, `resources`, `strategy`; required: `clusterSelector`, `resources`;
 * - `clusterSelector`: a label selector (`matchLabels` map of strings, `matchExpressions[] {key, operator, values}`),
 *   "Label selector cannot be empty";
 * - `resources`: 1–100 items of `{kind, name}`, both required, `kind` enum `Secret` | `ConfigMap`, `name` 1–253
 *   characters, in the ClusterResourceSet's namespace;
 * - `strategy`: enum `ApplyOnce` | `Reconcile` (default ApplyOnce, immutable).
 * Not checked here: anything the CRD leaves to the controller (e.g. that the Secrets have type
 * `addons.cluster.x-k8s.io/resource-set`); tests assert that separately.
 */

const GROUP_VERSION = "addons.cluster.x-k8s.io/v1beta2";
const SPEC_FIELDS = new Set(["clusterSelector", "resources", "strategy"]);
const SELECTOR_FIELDS = new Set(["matchLabels", "matchExpressions"]);
const RESOURCE_KINDS = new Set(["Secret", "ConfigMap"]);
const STRATEGIES = new Set(["ApplyOnce", "Reconcile"]);
const OPERATORS = new Set(["In", "NotIn", "Exists", "DoesNotExist"]);

const isObject = (v: unknown): v is Record<string, any> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** Problems with a ClusterResourceSet object, as `path: message` lines; empty when it conforms. */
export function checkClusterResourceSet(o: any): string[] {
  const errs: string[] = [];
  const err = (path: string, m: string) => errs.push(`${path}: ${m}`);
  if (!isObject(o)) return ["object: not an object"];
  if (o.apiVersion !== GROUP_VERSION) err("apiVersion", `must be ${GROUP_VERSION}`);
  if (o.kind !== "ClusterResourceSet") err("kind", "must be ClusterResourceSet");
  if (!isObject(o.metadata) || typeof o.metadata.name !== "string" || !o.metadata.name)
    err("metadata.name", "required");
  if (!isObject(o.metadata) || typeof o.metadata.namespace !== "string" || !o.metadata.namespace)
    err("metadata.namespace", "required (the resource is namespaced)");
  const spec = o.spec;
  if (!isObject(spec)) {
    err("spec", "required");
    return errs;
  }
  for (const k of Object.keys(spec)) if (!SPEC_FIELDS.has(k)) err(`spec.${k}`, "unknown field");

  const sel = spec.clusterSelector;
  if (!isObject(sel)) err("spec.clusterSelector", "required");
  else {
    for (const k of Object.keys(sel))
      if (!SELECTOR_FIELDS.has(k)) err(`spec.clusterSelector.${k}`, "unknown field");
    const labels = sel.matchLabels;
    const exprs = sel.matchExpressions;
    if (labels !== undefined) {
      if (!isObject(labels)) err("spec.clusterSelector.matchLabels", "must be a map");
      else
        for (const [k, v] of Object.entries(labels))
          if (typeof v !== "string") err(`spec.clusterSelector.matchLabels.${k}`, "must be a string");
    }
    if (exprs !== undefined) {
      if (!Array.isArray(exprs)) err("spec.clusterSelector.matchExpressions", "must be a list");
      else
        exprs.forEach((e, i) => {
          const p = `spec.clusterSelector.matchExpressions[${i}]`;
          if (!isObject(e) || typeof e.key !== "string") err(p, "needs key and operator");
          else if (!OPERATORS.has(e.operator))
            err(`${p}.operator`, `must be one of ${[...OPERATORS].join(", ")}`);
        });
    }
    const empty =
      (!isObject(labels) || Object.keys(labels).length === 0) &&
      (!Array.isArray(exprs) || exprs.length === 0);
    if (empty) err("spec.clusterSelector", "must not be empty (it would select no cluster)");
  }

  const res = spec.resources;
  if (!Array.isArray(res)) err("spec.resources", "required (a list)");
  else {
    if (res.length < 1 || res.length > 100) err("spec.resources", "must hold 1 to 100 items");
    res.forEach((r, i) => {
      const p = `spec.resources[${i}]`;
      if (!isObject(r)) {
        err(p, "must be an object");
        return;
      }
      for (const k of Object.keys(r)) if (k !== "kind" && k !== "name") err(`${p}.${k}`, "unknown field");
      if (!RESOURCE_KINDS.has(r.kind)) err(`${p}.kind`, "must be Secret or ConfigMap");
      if (typeof r.name !== "string" || r.name.length < 1 || r.name.length > 253)
        err(`${p}.name`, "must be 1-253 characters");
    });
  }
  if (spec.strategy !== undefined && !STRATEGIES.has(spec.strategy))
    err("spec.strategy", "must be ApplyOnce or Reconcile");
  return errs;
}

/** True if a label selector's matchLabels (and matchExpressions) all hold for `labels`. */
export function selectorMatches(
  selector: { matchLabels?: Record<string, string>; matchExpressions?: any[] },
  labels: Record<string, string> | undefined,
): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
    if (e.operator === "In" && !(has && e.values.includes(l[e.key]))) return false;
    if (e.operator === "NotIn" && has && e.values.includes(l[e.key])) return false;
  }
  return true;
}
