/**
 * `basphere plan --kind <oci|onprem|tenant> --config <file.yaml> [--json|--mermaid]`: the credential-free offline
 * plan of a stack. `--all` plans every example stack file in stacks/.
 */
import { Command, Option } from "commander";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { StackKind } from "../../stacks/config";
import { STACK_KINDS } from "../../model/stackKinds";

async function runOne(
  file: string,
  opts: { kind?: StackKind; json?: boolean; mermaid?: boolean },
): Promise<void> {
  const { plan } = require("../plan/plan") as typeof import("../plan/plan");
  const { renderJson, renderMermaid, renderTree } =
    require("../plan/render") as typeof import("../plan/render");
  const result = await plan({ configFile: file, kind: opts.kind });
  const out = opts.json ? renderJson(result) : opts.mermaid ? renderMermaid(result) : renderTree(result);
  process.stdout.write(out + "\n");
  if (!opts.json && !opts.mermaid) {
    process.stderr.write(
      `planned ${result.resources.length} resources in ${result.durationMs.toFixed(1)} ms\n`,
    );
  }
}

export function registerPlanCommand(program: Command): void {
  program
    .command("plan")
    .description("run a stack program under mocks (no credentials, no engine) and print its resource tree")
    .addOption(new Option("-k, --kind <kind>", "stack kind").choices([...STACK_KINDS]))
    .option("-c, --config <file>", "stack config file (Pulumi.<stack>.yaml format)")
    .option("--json", "print the plan as JSON")
    .option("--mermaid", "print a Mermaid topology diagram")
    .option("--all", "plan every example stack config in stacks/ (one after another)")
    .action(
      async (opts: {
        kind?: StackKind;
        config?: string;
        json?: boolean;
        mermaid?: boolean;
        all?: boolean;
      }) => {
        if (opts.json && opts.mermaid) throw new Error("choose one of --json and --mermaid");
        if (opts.all) {
          const { findProjectRoot } =
            require("../engine/environment") as typeof import("../engine/environment");
          const dir = join(findProjectRoot(), "stacks");
          const files = readdirSync(dir)
            .filter((f) => /^Pulumi\..+\.ya?ml$/.test(f))
            .sort();
          if (!files.length) throw new Error(`no example stack configs in ${dir}`);
          // Each plan runs in its own process: Pulumi's runtime keeps one stack per process.
          const { execFileSync } = require("node:child_process") as typeof import("node:child_process");
          for (const f of files) {
            process.stdout.write(`\n# ${f}\n`);
            execFileSync(
              process.execPath,
              [__filename.replace(/plan\.js$/, "main.js"), "plan", "--config", join(dir, f)],
              {
                stdio: "inherit",
              },
            );
          }
          return;
        }
        if (!opts.config)
          throw new Error(
            "missing --config <file.yaml> (a stack config file, e.g. stacks/Pulumi.tenant-small.yaml)",
          );
        await runOne(opts.config, opts);
      },
    );
}
