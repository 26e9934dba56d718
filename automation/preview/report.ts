/**
 * The pull-request preview report: one Markdown document for every stack a change touches — a summary table
 * (stack × create / update / replace / delete / same, and where the numbers come from), then per stack each changed
 * resource with its changed properties and, for a replacement, the properties that force it. A stack whose preview
 * failed is shown with its error beside the others; a stack the engine cannot run here shows the offline plan diff
 * and says so. Pure; secrets are masked before they get here (engineSteps.ts, the offline plan).
 */
import type { PlanDiff } from "./diff";
import type { PreviewStep, StepOp } from "./engineSteps";

/** The marker that identifies the report (the sticky pull-request comment is found by it). */
export const REPORT_MARKER = "<!-- basphere-preview-report -->";

/** One stack's part of the report. */
export interface StackReport {
  stack: string;
  /** Where the steps come from: a real `pulumi preview` (on the box, or live), or the offline plan diff. */
  source: "engine" | "offline";
  /** Why the offline diff stands in for the engine (shown in the report). */
  note?: string;
  /** The engine previewed the live stack (its real backend and providers), not the box. */
  live?: boolean;
  /** The preview failed: its error (the engine's diagnostics), shown instead of steps. */
  error?: string;
  steps: PreviewStep[];
  counts: Record<StepOp, number>;
}

const OPS: StepOp[] = ["create", "update", "replace", "delete", "same"];
const SIGN: Record<StepOp, string> = { create: "+", update: "~", replace: "+-", delete: "-", same: " " };

function code(s: string): string {
  return "`" + s.replace(/`/g, "'") + "`";
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** The short type of a resource (`vsphere:index/virtualMachine:VirtualMachine` → `VirtualMachine`). */
function shortType(t: string): string {
  return t.split(":").pop() ?? t;
}

/** A stack report from an offline plan diff (no engine): creates, updates and deletes; no replacements known. */
export function offlineReport(d: PlanDiff, note: string): StackReport {
  const counts: Record<StepOp, number> = { create: 0, update: 0, replace: 0, delete: 0, same: d.unchanged };
  const steps: PreviewStep[] = d.changes.map((c) => {
    counts[c.op]++;
    return {
      op: c.op,
      engineOp: c.op,
      urn: c.urn,
      type: c.type,
      name: c.name,
      replaceReasons: [],
      properties: c.changes.map((p) => ({
        path: p.path,
        kind: "update",
        ...(p.before !== undefined ? { before: JSON.stringify(p.before) } : {}),
        ...(p.after !== undefined ? { after: JSON.stringify(p.after) } : {}),
      })),
    };
  });
  return { stack: d.stack, source: "offline", note, steps, counts };
}

/** Renders the report; `title` heads it (default "Basphere preview"). */
export function renderPreviewReport(stacks: readonly StackReport[], title = "Basphere preview"): string {
  const lines = [REPORT_MARKER, `## ${title}`, ""];
  lines.push("| stack | create | update | replace | delete | same | from |", "|---|--:|--:|--:|--:|--:|---|");
  for (const s of stacks) {
    if (s.error !== undefined) {
      lines.push(`| ${code(s.stack)} | | | | | | **failed** |`);
      continue;
    }
    const from =
      s.source === "engine" ? (s.live ? "pulumi preview (live)" : "pulumi preview") : "offline plan ⚠";
    lines.push(`| ${code(s.stack)} | ${OPS.map((o) => s.counts[o]).join(" | ")} | ${from} |`);
  }
  lines.push("");
  for (const s of stacks) {
    lines.push(`### ${code(s.stack)}`, "");
    if (s.error !== undefined) {
      lines.push("The preview of this stack failed:", "", "```", s.error.trim(), "```", "");
      continue;
    }
    if (s.live) lines.push("Previewed against the live stack: its backend, providers and credentials.", "");
    if (s.source === "offline")
      lines.push(
        `> ⚠ Offline plan diff, not the engine's preview: ${s.note ?? "the engine could not run"}.`,
        "",
      );
    const changed = s.steps.filter((st) => st.op !== "same");
    if (!changed.length) {
      lines.push("No changes.", "");
      continue;
    }
    for (const op of ["replace", "delete", "update", "create"] as const) {
      const list = changed.filter((st) => st.op === op);
      if (!list.length) continue;
      lines.push(`<details open><summary>${SIGN[op]} ${op} (${list.length})</summary>`, "");
      for (const st of list) {
        const why = st.replaceReasons.length
          ? ` — replaced because ${st.replaceReasons.map(code).join(", ")} cannot change in place`
          : "";
        lines.push(`- ${code(SIGN[op])} **${shortType(st.type)}** ${code(st.name)}${why}`);
        if (op === "create" || op === "delete") continue;
        for (const p of st.properties) {
          const values =
            p.before === undefined && p.after === undefined
              ? ""
              : `: ${cell(p.before ?? "(none)")} → ${cell(p.after ?? "(none)")}`;
          lines.push(
            `  - ${code(p.path)}${p.kind.endsWith("-replace") ? " (forces replacement)" : ""}${values}`,
          );
        }
      }
      lines.push("", "</details>", "");
    }
  }
  return lines.join("\n");
}
