/**
 * What a real `pulumi preview` plans, from the engine's event stream: one step per resource (create, update,
 * replace, delete, same…) with the properties that change, how (the provider's detailed diff), their values before
 * and after (secrets masked), and for a replacement the properties that force it. Pure: events in, steps out; the
 * pull-request report (report.ts) renders them.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { isSecretEnvelope } from "../../providers/pulumiWire";
import { diffValues } from "./diff";

/** A step's operation as the report counts it. */
export type StepOp = "create" | "update" | "replace" | "delete" | "same";

/** One property a step changes. */
export interface StepProperty {
  /** Property path as the provider reports it (`clone.customize.networkInterfaces[0].ipv4Address`). */
  path: string;
  /** `add`, `update`, `delete`; with `-replace` when this property forces the replacement. */
  kind: string;
  /** Value before and after (JSON, shortened); `[secret]` for a secret. Absent when there is none. */
  before?: string;
  after?: string;
}

/** One resource's planned step. */
export interface PreviewStep {
  op: StepOp;
  /** The engine's own op (`create-replacement`, `discard`, `read`… are folded into {@link op}). */
  engineOp: string;
  urn: string;
  type: string;
  name: string;
  properties: StepProperty[];
  /** For a replacement: the properties whose change forces it. */
  replaceReasons: string[];
}

/** Steps and counts of one preview. */
export interface PreviewSteps {
  steps: PreviewStep[];
  counts: Record<StepOp, number>;
}

export const SECRET = "[secret]";
/** Property names whose values are never shown, even when the engine did not mark them secret. */
const SECRET_NAME = /(password|passphrase|secret|token|private|kubeconfig|apikey|api_key|credential)/i;
const MAX_VALUE = 80;

/** The engine's op → the report's (undefined: not a step of its own, e.g. the halves of a replacement). */
function foldOp(op: string): StepOp | undefined {
  switch (op) {
    case "create":
    case "import":
      return "create";
    case "update":
      return "update";
    case "replace":
      return "replace";
    case "delete":
    case "discard":
      return "delete";
    case "same":
    case "read":
    case "refresh":
      return "same";
    default:
      return undefined; // create-replacement, delete-replaced, read-replacement...
  }
}

/** The value at a provider property path (`a.b[0].c`, `metadata["x.y"]`) of an object. */
export function valueAt(root: unknown, path: string): unknown {
  let v: unknown = root;
  for (const part of path.match(/[^.[\]"]+|\["[^"]*"\]|\[\d+\]/g) ?? []) {
    if (v === null || typeof v !== "object") return undefined;
    const key = part.startsWith('["')
      ? part.slice(2, -2)
      : part.startsWith("[")
        ? Number(part.slice(1, -1))
        : part;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

/** True for a value the engine or the SDK marks secret. */
function isSecretValue(v: unknown): boolean {
  if (v === SECRET) return true;
  return isSecretEnvelope(v);
}

function containsSecret(v: unknown): boolean {
  if (isSecretValue(v)) return true;
  if (v !== null && typeof v === "object") return Object.values(v as object).some(containsSecret);
  return false;
}

/** A value as the report shows it: JSON, shortened; `[secret]` for secrets and secret-named properties. */
export function shownValue(path: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (SECRET_NAME.test(path) || containsSecret(v)) return SECRET;
  const s = JSON.stringify(v);
  return s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE - 1)}…` : s;
}

/** The steps of a preview from its engine events. */
export function stepsFromEvents(events: readonly EngineEvent[]): PreviewSteps {
  const counts: Record<StepOp, number> = { create: 0, update: 0, replace: 0, delete: 0, same: 0 };
  const steps: PreviewStep[] = [];
  const seen = new Set<string>();
  for (const e of events) {
    const m = e.resourcePreEvent?.metadata;
    if (!m) continue;
    let op = foldOp(m.op);
    if (!op) continue;
    // A resource appears once; the root stack is not a change of its own.
    const key = `${m.urn}\0${op}`;
    if (seen.has(key) || m.type === "pulumi:pulumi:Stack") continue;
    seen.add(key);
    const oldInputs = m.old?.inputs;
    const newInputs = m.new?.inputs;
    const detailed = m.detailedDiff ?? {};
    // What changes: the provider's detailed diff, else its changed keys, else (a dynamic provider reports neither)
    // the inputs compared. Engine-internal inputs (`__provider`: a dynamic provider's serialized code) are left out.
    const keys = Object.keys(detailed).length
      ? Object.keys(detailed)
      : m.diffs?.length
        ? m.diffs
        : op === "update" || op === "replace"
          ? [...new Set(diffValues(oldInputs ?? {}, newInputs ?? {}).map((c) => c.path.split(/[.[]/)[0]))]
          : [];
    const replaceKeys = new Set(op === "replace" ? (m.keys ?? []) : []);
    const properties: StepProperty[] = [];
    // A provider's inputs include the stack's whole config (the dynamic provider's): those keys (`ns:key`) are the
    // config file, shown by the changes they cause, not as the provider's own.
    const provider = m.type.startsWith("pulumi:providers:");
    for (const key of keys.filter((k) => !k.startsWith("__") && !(provider && k.includes(":"))).sort()) {
      const diffKind = String(detailed[key]?.diffKind ?? "update");
      const replaces = replaceKeys.has(key) || diffKind.endsWith("-replace");
      const kind = diffKind.replace(/-replace$/, "") + (replaces ? "-replace" : "");
      const before = valueAt(oldInputs, key);
      const after = valueAt(newInputs, key);
      // A structured value is shown leaf by leaf (the address inside a VM's clone block, not the whole block).
      const leaves =
        before !== null && after !== null && typeof before === "object" && typeof after === "object"
          ? diffValues(before, after, key)
          : [];
      for (const leaf of leaves.length ? leaves : [{ path: key, before, after }]) {
        const p: StepProperty = { path: leaf.path, kind };
        const b = shownValue(leaf.path, leaf.before);
        const a = shownValue(leaf.path, leaf.after);
        if (b !== undefined) p.before = b;
        if (a !== undefined) p.after = a;
        properties.push(p);
      }
    }
    // A provider whose only change is the config it carries changes nothing of its own.
    if (op === "update" && m.type.startsWith("pulumi:providers:") && properties.length === 0) op = "same";
    counts[op]++;
    steps.push({
      op,
      engineOp: m.op,
      urn: m.urn,
      type: m.type,
      name: m.urn.split("::").pop() ?? m.urn,
      properties: op === "same" ? [] : properties,
      replaceReasons:
        op === "replace"
          ? [
              ...new Set([
                ...replaceKeys,
                ...Object.keys(detailed).filter((k) => String(detailed[k].diffKind).endsWith("-replace")),
              ]),
            ].sort()
          : [],
    });
  }
  return { steps, counts };
}
