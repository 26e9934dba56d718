/**
 * `basphere preview-pr [--base-root <dir>] [--stacks a,b] [--out <file>] [--offline | --live]`: the Markdown report of
 * what a change does to every stack it touches — real `pulumi preview` runs on a datacenter in a box of its own
 * (box/previewPr.ts), or with `--live` against the live stacks on an operator's machine (livePreview.ts), and the
 * offline plan diff where the engine cannot run (said so in the report).
 */
import { Command } from "commander";

export function registerPreviewPrCommand(program: Command): void {
  program
    .command("preview-pr")
    .description(
      "preview every example stack a change touches with the real engine on a box of its own; print a Markdown report",
    )
    .option(
      "--base-root <dir>",
      "a built checkout of the base branch (npm ci && npm run build); default: no base",
    )
    .option("--head-root <dir>", "the head's built project root; default: this project")
    .option("--head-stacks <dir>", "the head's stack files; default: <head-root>/stacks")
    .option("--base-stacks <dir>", "the base's stack files; default: <base-root>/stacks")
    .option("--stacks <names>", "comma-separated stacks to preview (default: those the change touches)")
    .option("--offline", "offline plan diffs only: no box, no engine")
    .option(
      "--live",
      "preview against the live stacks instead of a box (an operator's machine: PULUMI_BACKEND_URL, the passphrase, plugins and credentials)",
    )
    .option("--out <file>", "write the report to a file instead of stdout")
    .action(
      async (opts: {
        baseRoot?: string;
        headRoot?: string;
        headStacks?: string;
        baseStacks?: string;
        stacks?: string;
        offline?: boolean;
        live?: boolean;
        out?: string;
      }) => {
        const path = await import("node:path");
        const fs = await import("node:fs");
        const { findProjectRoot } = await import("../engine/environment");
        const { previewPr, touchedStacks } = await import("../../box/previewPr");
        const { renderPreviewReport } = await import("../preview/report");
        const stacks = opts.stacks
          ?.split(",")
          .map((s) => s.trim())
          .filter(Boolean);
        if (opts.live && opts.offline) throw new Error("--live and --offline exclude each other");
        const head = {
          root: path.resolve(opts.headRoot ?? findProjectRoot()),
          stacksDir: opts.headStacks ? path.resolve(opts.headStacks) : undefined,
        };
        const base = opts.baseRoot
          ? {
              root: path.resolve(opts.baseRoot),
              stacksDir: opts.baseStacks ? path.resolve(opts.baseStacks) : undefined,
            }
          : undefined;
        const reports = opts.live
          ? await (
              await import("./livePreview")
            ).previewLive({
              head,
              stacks: stacks ?? touchedStacks(head, base),
              env: process.env,
              log: (l) => process.stderr.write(`${l}\n`),
            })
          : await previewPr({
              head,
              base,
              stacks,
              offline: opts.offline,
              log: (l) => process.stderr.write(`${l}\n`),
            });
        const md = renderPreviewReport(reports);
        if (opts.out) fs.writeFileSync(opts.out, md);
        else process.stdout.write(md);
        if (reports.some((r) => r.error !== undefined)) process.exitCode = 1;
      },
    );
}
