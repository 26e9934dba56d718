/**
 * Preview diffs for pull requests: compares two offline plans (`basphere plan --json` on the base and on the
 * head of a pull request) and renders what would change as Markdown, the way a reviewer reads it. Secrets never
 * appear: the plans already mask them, and a changed secret is shown as "(secret changed)".
 */

/** A resource as `basphere plan --json` prints it. */
export interface PlannedResource {
  type: string;
  name: string;
  urn: string;
  parent?: string;
  custom: boolean;
  inputs: Record<string, unknown>;
}

/** A plan as `basphere plan --json` prints it. */
export interface PlanJson {
  stack: string;
  kind: string;
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
  secretOutputs?: string[];
}

export interface PropertyChange {
  /** Dotted path, e.g. `networkInterfaces[1].networkId`. */
  path: string;
  before: unknown;
  after: unknown;
}

export interface ResourceChange {
  op: "create" | "delete" | "update";
  type: string;
  name: string;
  urn: string;
  /** For updates: the changed properties. */
  changes: PropertyChange[];
}

export interface PlanDiff {
  stack: string;
  kind: string;
  changes: ResourceChange[];
  unchanged: number;
  outputChanges: PropertyChange[];
}

const SECRET = "[secret]";

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Deep difference of two JSON values as a list of leaf paths. */
export function diffValues(before: unknown, after: unknown, path = ""): PropertyChange[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  if (Array.isArray(before) && Array.isArray(after)) {
    const out: PropertyChange[] = [];
    const n = Math.max(before.length, after.length);
    for (let i = 0; i < n; i++) out.push(...diffValues(before[i], after[i], `${path}[${i}]`));
    return out;
  }
  if (isObj(before) && isObj(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diffValues(before[k], after[k], path ? `${path}.${k}` : k));
  }
  return [{ path: path || "(value)", before, after }];
}

/** Compares two plans of the same stack. */
export function diffPlans(base: PlanJson | undefined, head: PlanJson): PlanDiff {
  const before = new Map((base?.resources ?? []).map((r) => [r.urn, r]));
  const after = new Map(head.resources.map((r) => [r.urn, r]));
  const changes: ResourceChange[] = [];
  let unchanged = 0;
  for (const r of head.resources) {
    const old = before.get(r.urn);
    if (!old) {
      changes.push({ op: "create", type: r.type, name: r.name, urn: r.urn, changes: [] });
      continue;
    }
    const d = diffValues(old.inputs, r.inputs);
    if (d.length) changes.push({ op: "update", type: r.type, name: r.name, urn: r.urn, changes: d });
    else unchanged++;
  }
  for (const r of base?.resources ?? []) {
    if (!after.has(r.urn))
      changes.push({ op: "delete", type: r.type, name: r.name, urn: r.urn, changes: [] });
  }
  return {
    stack: head.stack,
    kind: head.kind,
    changes,
    unchanged,
    outputChanges: diffValues(base?.outputs ?? {}, head.outputs ?? {}),
  };
}

function cell(v: unknown): string {
  if (v === undefined) return "_(none)_";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  const clipped = s.length > 80 ? s.slice(0, 77) + "..." : s;
  return "`" + clipped.replace(/`/g, "'").replace(/\|/g, "\\|") + "`";
}

function shortType(t: string): string {
  return t.split(":").pop() ?? t;
}

/** Markdown for a pull-request comment. */
export function renderMarkdown(d: PlanDiff): string {
  const count = (op: ResourceChange["op"]) => d.changes.filter((c) => c.op === op).length;
  const lines = [
    `### Basphere preview: stack \`${d.stack}\` (kind ${d.kind})`,
    "",
    `| to create | to update | to delete | unchanged |`,
    `|---:|---:|---:|---:|`,
    `| ${count("create")} | ${count("update")} | ${count("delete")} | ${d.unchanged} |`,
    "",
  ];
  if (!d.changes.length && !d.outputChanges.length) {
    lines.push("No changes.");
    return lines.join("\n") + "\n";
  }
  const sign = { create: "+", update: "~", delete: "-" } as const;
  for (const op of ["delete", "update", "create"] as const) {
    const list = d.changes.filter((c) => c.op === op);
    if (!list.length) continue;
    lines.push(
      `<details${op === "create" && list.length > 20 ? "" : " open"}><summary>${sign[op]} ${op} (${list.length})</summary>`,
      "",
    );
    for (const c of list) {
      lines.push(`- \`${sign[op]}\` **${shortType(c.type)}** \`${c.name}\``);
      for (const p of c.changes) {
        const secret = p.before === SECRET || p.after === SECRET;
        lines.push(
          secret && p.before === p.after
            ? `  - \`${p.path}\`: (secret changed)`
            : `  - \`${p.path}\`: ${cell(p.before)} → ${cell(p.after)}`,
        );
      }
    }
    lines.push("", "</details>", "");
  }
  if (d.outputChanges.length) {
    lines.push("**Outputs**", "");
    for (const p of d.outputChanges) lines.push(`- \`${p.path}\`: ${cell(p.before)} → ${cell(p.after)}`);
  }
  return lines.join("\n") + "\n";
}
