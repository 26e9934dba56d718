/**
 * `basphere pr-comment --file <report.md> --repo <owner/name> --pr <number>`: posts the preview report as the pull
 * request's one sticky comment, or edits it (automation/preview/stickyComment.ts). The token comes from the
 * environment (GITHUB_TOKEN), never from the command line.
 */
import { Command } from "commander";

export function registerPrCommentCommand(program: Command): void {
  program
    .command("pr-comment")
    .description(
      "post the preview report as the pull request's sticky comment, or edit the one already there",
    )
    .requiredOption("--file <report.md>", "the report (basphere preview-pr --out)")
    .requiredOption("--repo <owner/name>", "the repository")
    .requiredOption("--pr <number>", "the pull request number")
    .option("--api <url>", "GitHub REST API root", "https://api.github.com")
    .option("--author <login>", "only a comment by this login is ours (Actions: github-actions[bot])")
    .action(async (opts: { file: string; repo: string; pr: string; api: string; author?: string }) => {
      const fs = await import("node:fs");
      const { upsertStickyComment } = await import("../preview/stickyComment");
      const { REPORT_MARKER } = await import("../preview/report");
      const token = process.env.GITHUB_TOKEN;
      if (!token) throw new Error("GITHUB_TOKEN is not set (a token allowed to write pull-request comments)");
      const r = await upsertStickyComment({
        api: opts.api,
        repo: opts.repo,
        pr: Number(opts.pr),
        token,
        body: fs.readFileSync(opts.file, "utf8"),
        marker: REPORT_MARKER,
        author: opts.author,
      });
      process.stdout.write(`pr-comment: ${r.action} comment ${r.id} on ${opts.repo}#${opts.pr}\n`);
    });
}
