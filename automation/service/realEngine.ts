/**
 * Opening the real engine for the service: the service's Pulumi project folder in the data folder, the engine's
 * environment and passphrase, and why operations are disabled when the engine cannot be used.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import * as YAML from "yaml";
import { EngineDriver } from "../worker/engineDriver";
import { PassphraseSource, resolvePassphrase } from "./dataDir";
import { engineDriver } from "./engineAdapter";

/**
 * The service's own Pulumi project folder, `<dataDir>/project`: a Pulumi.yaml with the program's name, runtime and
 * options, `main` pointing (relatively) at the program folder, and no `stackConfigDir`. The engine runs there, so
 * the per-tenant stack config files (`Pulumi.tenant-<name>.yaml`: the config the service writes and the secrets
 * provider's salt) live in the data folder with the rest of the service's state — never in the source tree (the
 * basphere project keeps its hand-written stack files in `stacks/`). Rewritten at every start. Returns the folder.
 */
export function writeServiceProject(dataDir: string, programDir: string): string {
  const source = join(programDir, "Pulumi.yaml");
  let doc: Record<string, unknown>;
  try {
    doc = YAML.parse(readFileSync(source, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`program folder ${programDir}: cannot read Pulumi.yaml: ${(e as Error).message}`);
  }
  if (!doc || typeof doc !== "object" || typeof doc.name !== "string")
    throw new Error(`${source}: "name" is missing`);
  const dir = join(dataDir, "project");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const main = relative(dir, resolve(programDir, typeof doc.main === "string" ? doc.main : "."));
  const out: Record<string, unknown> = { ...doc, main: main === "" ? "." : main };
  delete out.stackConfigDir;
  writeFileSync(
    join(dir, "Pulumi.yaml"),
    `# Written by the basphere service at every start: the program is ${resolve(programDir)}\n` +
      YAML.stringify(out),
  );
  return dir;
}

/** Where and how the real engine runs (see {@link loadRealEngine}). */
export interface RealEngineOptions {
  /** The service's data folder: the file backend (`pulumi-state`) and PULUMI_HOME (`pulumi-home`) live in it. */
  dataDir: string;
  /** Program folder. Default env BASPHERE_WORK_DIR, else the project root. */
  workDir?: string;
  env?: NodeJS.ProcessEnv;
  /** More plugin folders for the engine's PATH (the box's vSphere provider simulator). */
  pluginPath?: string[];
  /**
   * The stacks' state in this PostgreSQL database (the CLI's `postgres://` backend) instead of the data folder:
   * what several replicas share. Default none.
   */
  backendUrl?: string;
}

/**
 * Opens the real engine (automation/engine) on the service's data folder with the offline environment
 * (`engineEnvironment()`, the one definition of it); on failure returns the reason operations are refused.
 */
export async function loadRealEngine(
  opts: RealEngineOptions,
): Promise<{ driver?: EngineDriver; reason?: string; passphrase?: PassphraseSource; workDir?: string }> {
  let mod: typeof import("../engine");
  try {
    mod = require("../engine");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "MODULE_NOT_FOUND")
      return {
        reason: "operations are disabled: the engine driver (automation/engine) is not part of this build",
      };
    return { reason: `operations are disabled: loading automation/engine failed: ${err.message}` };
  }
  const env = opts.env ?? process.env;
  let passphrase: PassphraseSource;
  try {
    passphrase = resolvePassphrase(opts.dataDir, env);
  } catch (e) {
    return { reason: `operations are disabled: ${(e as Error).message}` };
  }
  try {
    const projectRoot = mod.findProjectRoot(__dirname);
    const workDir = resolve(opts.workDir ?? env.BASPHERE_WORK_DIR ?? projectRoot);
    const environment = mod.engineEnvironment({
      projectRoot,
      dataDir: opts.dataDir,
      pluginPath: opts.pluginPath,
      backendUrl: opts.backendUrl,
      ...(passphrase.kind === "env"
        ? { passphrase: env.PULUMI_CONFIG_PASSPHRASE }
        : { passphraseFile: passphrase.file }),
    });
    // Only one secret source reaches the CLI: PULUMI_CONFIG_PASSPHRASE of this process would win over the file.
    if (passphrase.kind !== "env") environment.env.PULUMI_CONFIG_PASSPHRASE_FILE = passphrase.file!;
    const engine = await mod.Engine.open({
      environment,
      workDir: writeServiceProject(opts.dataDir, workDir),
    });
    if (engine.project !== "basphere")
      return {
        reason: `operations are disabled: the program in ${workDir} is project "${engine.project}", not "basphere"`,
        passphrase,
      };
    return { driver: engineDriver(engine), passphrase, workDir };
  } catch (e) {
    return {
      reason: `operations are disabled: the Pulumi engine is not available: ${(e as Error).message}`,
      passphrase,
    };
  }
}
