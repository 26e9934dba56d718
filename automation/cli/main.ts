#!/usr/bin/env node
/**
 * `basphere` — the command line. `plan` runs a stack program offline; `serve` and `tenants` drive the automation
 * service (automation/cli/serve.ts, automation/cli/tenants.ts).
 */
import { Command, Option } from "commander";
import { registerPlanCommand } from "./plan";

export function buildProgram(): Command {
  const program = new Command("basphere")
    .description("Basphere private cloud: offline plans, the automation service and its client")
    .showHelpAfterError()
    .exitOverride();
  registerPlanCommand(program);
  for (const mod of ["./configSchema", "./preview", "./serve", "./tenants"]) {
    let m: any;
    try {
      m = require(mod);
    } catch (e: any) {
      if (e?.code === "MODULE_NOT_FOUND" && String(e.message).includes(mod.slice(2))) continue;
      throw e;
    }
    for (const fn of Object.values(m)) {
      if (typeof fn === "function" && /^register\w+Command$/.test(fn.name))
        (fn as (p: Command) => void)(program);
    }
  }
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

void Option;
if (require.main === module) {
  main().then((code) => process.exit(code));
}
