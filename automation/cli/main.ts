#!/usr/bin/env node
/**
 * `basphere` — the command line. `plan` runs a stack program offline; `serve` and `tenants` drive the automation
 * service (automation/cli/serve.ts, automation/cli/tenants.ts).
 *
 * The register* modules load only commander and node built-ins at the top; each command loads its implementation
 * (the plan runtime, the service, zod schemas, the box) inside its action, so the client commands (`tenants`) run
 * with the HTTP client alone, even on a Node without node:sqlite. test/unit/cli/lazyLoad.test.ts checks it.
 */
import { Command } from "commander";
import { registerBoxCommand } from "./box";
import { registerConfigSchemaCommand } from "./configSchema";
import { registerPinAddressesCommand } from "./pinAddresses";
import { registerPlanCommand } from "./plan";
import { registerPrCommentCommand } from "./prComment";
import { registerPreviewDiffCommand } from "./preview";
import { registerPreviewPrCommand } from "./previewPr";
import { registerServeCommand } from "./serve";
import { registerTenantsCommand } from "./tenants";

export function buildProgram(): Command {
  const program = new Command("basphere")
    .description("Basphere private cloud: offline plans, the automation service and its client")
    .showHelpAfterError()
    .exitOverride();
  registerPlanCommand(program);
  registerConfigSchemaCommand(program);
  registerPreviewDiffCommand(program);
  registerPreviewPrCommand(program);
  registerPrCommentCommand(program);
  registerPinAddressesCommand(program);
  registerServeCommand(program);
  registerTenantsCommand(program);
  registerBoxCommand(program);
  return program;
}

export async function main(argv = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e: any) {
    if (e?.code === "commander.helpDisplayed" || e?.code === "commander.version") return 0;
    if (typeof e?.code === "string" && e.code.startsWith("commander.")) return e.exitCode ?? 2;
    process.stderr.write(`basphere: ${e?.message ?? String(e)}\n`);
    return 1;
  }
}

/**
 * Exits once stdout and stderr have written everything queued: a pipe is written asynchronously, and exiting at
 * once cut piped output at 64 KiB. An empty write's callback runs after every earlier write of that stream.
 */
export function exitAfterFlush(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write("", done);
  process.stderr.write("", done);
}

if (require.main === module) {
  main().then(exitAfterFlush);
}
