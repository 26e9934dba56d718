/**
 * Renderers for an offline plan: an indented resource tree for people, JSON for machines, and a Mermaid
 * topology diagram. Secret inputs and outputs are always shown as "[secret]".
 */
import type { RecordedResource } from "./mockRuntime";
import type { PlanResult } from "./plan";

const SECRET = "[secret]";

/** Inputs worth showing per type (matched on the type token's last segment); others show a few scalars. */
const KEY_PROPS: Record<string, string[]> = {
  VirtualMachine: ["name", "numCpus", "memory", "disks", "networkInterfaces", "hostSystemId"],
  DistributedPortGroup: ["name", "vlanId"],
  ComputeClusterVmGroup: ["name"],
  ComputeClusterHostGroup: ["name", "hostSystemIds"],
  ComputeClusterVmHostRule: ["name", "vmGroupName", "affinityHostGroupName", "mandatory"],
  ComputeClusterVmAntiAffinityRule: ["name", "mandatory"],
  Release: ["chart", "version", "namespace"],
  CustomResource: ["apiVersion", "kind", "metadata"],
};

/** Public view of a resource's inputs: secret keys masked. */
export function publicInputs(r: RecordedResource): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r.inputs)) {
    if (k === "__provider") continue;
    out[k] = r.secretInputs.includes(k) ? SECRET : v;
  }
  return out;
}

function short(v: unknown): string {
  if (v === undefined) return "";
  if (typeof v === "string")
    return v.length > 48 ? JSON.stringify(v.slice(0, 45) + "...") : v.includes(" ") ? JSON.stringify(v) : v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x !== "object")) return `[${v.map(short).join(",")}]`;
    const summary = v.map((x) =>
      x && typeof x === "object" ? (x.networkId ?? x.label ?? x.size ?? x.name ?? "{…}") : x,
    );
    return `[${summary.map(short).join(",")}]`;
  }
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (typeof o.name === "string") return String(o.name);
    return "{…}";
  }
  return String(v);
}

/** The "key properties" of a resource, as `k=v` pairs. */
export function keyProperties(r: RecordedResource): string {
  const inputs = publicInputs(r);
  const last = r.type.split(":").pop() ?? r.type;
  let keys = KEY_PROPS[last];
  if (!keys) {
    keys = Object.keys(inputs)
      .filter((k) => {
        const v = inputs[k];
        return (
          v !== undefined && v !== null && (typeof v !== "object" || Array.isArray(v)) && k !== "connection"
        );
      })
      .slice(0, 5);
  }
  return keys
    .filter((k) => inputs[k] !== undefined)
    .map((k) => `${k}=${short(inputs[k])}`)
    .join(" ");
}

function childrenIndex(resources: RecordedResource[]): Map<string, RecordedResource[]> {
  const m = new Map<string, RecordedResource[]>();
  for (const r of resources) {
    const list = m.get(r.parent) ?? [];
    list.push(r);
    m.set(r.parent, list);
  }
  return m;
}

/** An indented tree: type, name, key properties, parent/child structure. */
export function renderTree(p: PlanResult): string {
  const lines: string[] = [];
  const custom = p.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:")).length;
  lines.push(
    `basphere plan: stack ${p.stack} (kind ${p.kind}): ${p.resources.length} resources, ${custom} provider-backed`,
  );
  const kids = childrenIndex(p.resources);
  const urns = new Set(p.resources.map((r) => r.urn));
  const roots = p.resources.filter((r) => !r.parent || !urns.has(r.parent));
  const walk = (r: RecordedResource, prefix: string, last: boolean, top: boolean) => {
    const branch = top ? "" : last ? "└─ " : "├─ ";
    const props = keyProperties(r);
    lines.push(`${prefix}${branch}${r.type}  ${r.name}${props ? "  " + props : ""}`);
    const cs = kids.get(r.urn) ?? [];
    const nextPrefix = top ? prefix : prefix + (last ? "   " : "│  ");
    cs.forEach((c, i) => walk(c, nextPrefix, i === cs.length - 1, false));
  };
  roots.forEach((r) => walk(r, "", true, true));
  const outKeys = Object.keys(p.outputs);
  if (outKeys.length) {
    lines.push("outputs:");
    for (const k of outKeys) {
      const v = p.outputs[k];
      lines.push(`  ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
    }
  }
  return lines.join("\n");
}

/** A machine-readable plan. */
export function renderJson(p: PlanResult): string {
  return JSON.stringify(
    {
      stack: p.stack,
      kind: p.kind,
      durationMs: Math.round(p.durationMs * 10) / 10,
      resources: p.resources.map((r) => ({
        type: r.type,
        name: r.name,
        urn: r.urn,
        parent: r.parent || undefined,
        custom: r.custom,
        inputs: publicInputs(r),
        dependsOn: r.dependsOn.length ? r.dependsOn : undefined,
      })),
      outputs: p.outputs,
      secretOutputs: p.secretOutputs,
    },
    null,
    2,
  );
}

function mermaidLabel(r: RecordedResource): string {
  const type = r.type.split(":").pop() ?? r.type;
  return `${type}<br/>${r.name}`.replace(/["[\]{}]/g, "");
}

/** A Mermaid flowchart: components as subgraphs, provider-backed resources as nodes. */
export function renderMermaid(p: PlanResult): string {
  const kids = childrenIndex(p.resources);
  const ids = new Map<string, string>();
  p.resources.forEach((r, i) => ids.set(r.urn, `r${i}`));
  const lines = ["flowchart TB"];
  const urns = new Set(p.resources.map((r) => r.urn));
  const emit = (r: RecordedResource, indent: string) => {
    const cs = kids.get(r.urn) ?? [];
    const id = ids.get(r.urn)!;
    if (cs.length) {
      lines.push(`${indent}subgraph ${id}["${mermaidLabel(r)}"]`);
      cs.forEach((c) => emit(c, indent + "  "));
      lines.push(`${indent}end`);
    } else {
      lines.push(`${indent}${id}["${mermaidLabel(r)}"]`);
    }
  };
  p.resources.filter((r) => !r.parent || !urns.has(r.parent)).forEach((r) => emit(r, "  "));
  for (const r of p.resources) {
    for (const d of r.dependsOn) {
      if (
        ids.has(d) &&
        d !== r.parent &&
        (kids.get(d)?.length ?? 0) === 0 &&
        (kids.get(r.urn)?.length ?? 0) === 0
      ) {
        lines.push(`  ${ids.get(d)} --> ${ids.get(r.urn)}`);
      }
    }
  }
  return lines.join("\n");
}
