/**
 * Drift from the events of a `pulumi preview --refresh`: each resource the engine would change to make the live
 * systems (as just read back) match the program again, with the property paths that differ — never values. Pure:
 * engine events in, drifted resources out (the drift check of automation/worker records them).
 *
 * Where the provider reports a detailed diff (the Kubernetes provider: `spec.replicas`) its keys are the
 * properties; a dynamic provider (the OPNsense resources) reports none, so the live outputs it read back are
 * compared with the program's inputs, key by key.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";
import type { DriftedResource } from "../../model/drift";
import { diffValues } from "./diff";
import { valueAt } from "./engineSteps";

/** The engine's step op → the drift's (undefined: nothing to put back, or half of a replacement). */
function driftOp(op: string): DriftedResource["op"] | undefined {
  switch (op) {
    case "update":
      return "update";
    case "replace":
      return "replace";
    case "create":
    case "import":
      return "create";
    case "delete":
    case "discard":
      return "delete";
    default:
      return undefined; // same, read, refresh, create-replacement, delete-replaced...
  }
}

/**
 * Property paths of a step: the provider's detailed diff or changed keys, else live outputs vs. program inputs —
 * only leaves the program sets (a provider without a detailed diff also returns computed outputs, e.g. a disk's
 * uuid or a default timeout, that the program never asks for: not drift).
 */
function propertiesOf(m: NonNullable<EngineEvent["resourcePreEvent"]>["metadata"]): string[] {
  const detailed = Object.keys(m.detailedDiff ?? {});
  const keys = detailed.length ? detailed : (m.diffs ?? []);
  if (keys.length) return [...new Set(keys.filter((k) => !k.startsWith("__")))].sort();
  const live = (m.old?.outputs ?? {}) as Record<string, unknown>;
  const wanted = (m.new?.inputs ?? {}) as Record<string, unknown>;
  const paths = Object.keys(wanted)
    .filter((k) => !k.startsWith("__"))
    .flatMap((k) =>
      diffValues(valueAt(live, k), wanted[k], k)
        .filter((c) => c.after !== undefined)
        .map((c) => c.path),
    );
  return [...new Set(paths)].sort();
}

/** The drifted resources of a `preview --refresh`, in the engine's order. */
export function driftFromEvents(events: readonly EngineEvent[]): DriftedResource[] {
  const out: DriftedResource[] = [];
  const seen = new Set<string>();
  for (const e of events) {
    const m = e.resourcePreEvent?.metadata;
    if (!m || m.type === "pulumi:pulumi:Stack" || m.type.startsWith("pulumi:providers:")) continue;
    const op = driftOp(m.op);
    if (!op || seen.has(m.urn)) continue;
    seen.add(m.urn);
    out.push({
      urn: m.urn,
      type: m.type,
      name: m.urn.split("::").pop() ?? m.urn,
      op,
      properties: op === "update" || op === "replace" ? propertiesOf(m) : [],
    });
  }
  return out;
}
