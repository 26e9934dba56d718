/**
 * Finds the engine built by `npm run engine` and wraps it in ONE shared {@link PulumiCommand} per engine root, so
 * that `pulumi version` runs once per process instead of once per workspace.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PulumiCommand } from "@pulumi/pulumi/automation";
import { EngineEnvironment } from "./environment";

/** The engine is not there (or too old): tells the user to run `npm run engine`. */
export class EngineMissingError extends Error {
  constructor(detail: string) {
    super(`${detail}. Build or link the Pulumi engine with \`npm run engine\` (see tools/README.md).`);
    this.name = "EngineMissingError";
  }
}

/** The files `npm run engine` puts in `.pulumi-root/bin`. */
export const ENGINE_BINARIES = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"] as const;

/** The engine version pinned in tools/pulumi-engine/go.mod (github.com/pulumi/pulumi/pkg/v3), without the "v". */
export function pinnedEngineVersion(projectRoot: string): string {
  const goMod = path.join(projectRoot, "tools", "pulumi-engine", "go.mod");
  const text = fs.readFileSync(goMod, "utf8");
  const m = /^\s*github\.com\/pulumi\/pulumi\/pkg\/v3 v(\d+\.\d+\.\d+)\b/m.exec(text);
  if (!m) throw new Error(`${goMod} does not require github.com/pulumi/pulumi/pkg/v3`);
  return m[1];
}

/** Throws {@link EngineMissingError} naming the first missing binary. */
export function assertEngineBinaries(e: EngineEnvironment): void {
  for (const name of ENGINE_BINARIES) {
    const file = path.join(e.binDir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
    } catch {
      throw new EngineMissingError(`the Pulumi engine is missing: ${file} not found or not executable`);
    }
  }
}

const commands = new Map<string, Promise<PulumiCommand>>();

/**
 * The shared PulumiCommand for this environment's engine root. It checks that the binaries exist and that the CLI
 * reports at least the pinned version (one `pulumi version` per process and root).
 */
export function pulumiCommand(e: EngineEnvironment): Promise<PulumiCommand> {
  let cmd = commands.get(e.engineRoot);
  if (!cmd) {
    cmd = (async () => {
      assertEngineBinaries(e);
      const pinned = pinnedEngineVersion(e.projectRoot);
      let cmd: PulumiCommand;
      try {
        // The version check is done here against the pin (the SDK's own minimum is far lower).
        cmd = await PulumiCommand.get({ root: e.engineRoot, skipVersionCheck: true });
      } catch (err) {
        throw new EngineMissingError(`the Pulumi CLI in ${e.binDir} does not run: ${(err as Error).message}`);
      }
      if (!cmd.version || cmd.version.compare(pinned) < 0) {
        throw new EngineMissingError(
          `the Pulumi CLI in ${e.binDir} reports version ${cmd.version ?? "(none)"}, older than the pinned ${pinned}`,
        );
      }
      return cmd;
    })();
    cmd.catch(() => commands.delete(e.engineRoot));
    commands.set(e.engineRoot, cmd);
  }
  return cmd;
}
