/**
 * `basphere preview-diff --head <plan.json> [--base <plan.json>]`: Markdown for a pull request from two offline
 * plans (`basphere plan --json`). Without --base every resource is a create.
 */
import { Command } from "commander";
import { readFileSync } from "node:fs";
import type { PlanJson } from "../preview/diff";

function readPlan(file: string): PlanJson {
  let parsed: any;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (e: any) {
    throw new Error(`${file}: not a readable plan JSON (${e.code ?? e.message})`);
  }
  if (!parsed || !Array.isArray(parsed.resources) || typeof parsed.stack !== "string") {
    throw new Error(`${file}: not a plan (expected the output of "basphere plan --json")`);
  }
  return parsed as PlanJson;
}

export function registerPreviewDiffCommand(program: Command): void {
  program
    .command("preview-diff")
    .description("render the difference of two offline plans as Markdown for a pull request")
    .requiredOption("--head <file>", "plan JSON of the pull request's head")
    .option("--base <file>", "plan JSON of the base branch")
    .action((opts: { head: string; base?: string }) => {
      const { diffPlans, renderMarkdown } = require("../preview/diff") as typeof import("../preview/diff");
      const head = readPlan(opts.head);
      const base = opts.base ? readPlan(opts.base) : undefined;
      if (base && base.stack !== head.stack)
        throw new Error(`--base is stack ${base.stack} but --head is stack ${head.stack}`);
      process.stdout.write(renderMarkdown(diffPlans(base, head)));
    });
}
