/**
 * The one definition of the offline engine environment, used by the tests, the service, the benchmark and (through
 * `node dist/automation/engine/environment.js`, which prints `export` lines) the README's shell instructions.
 *
 * - CLI and plugins: `<project>/.pulumi-root/bin` (built by `npm run engine`, see tools/README.md).
 * - State: the DIY file backend under the data folder (`<data>/pulumi-state`), or the CLI's own PostgreSQL backend
 *   (`backendUrl: postgres://…`, several service replicas sharing one database), never the Pulumi Cloud.
 * - Secrets: the passphrase provider (`PULUMI_CONFIG_PASSPHRASE` or `PULUMI_CONFIG_PASSPHRASE_FILE`).
 * - `PULUMI_HOME` isolated under the data folder (plugin cache, workspace.json, credentials).
 * - No network: update check skipped, automatic plugin downloads disabled.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** Options of {@link engineEnvironment}. */
export interface EngineEnvironmentOptions {
  /** Project root (folder of package.json and Pulumi.yaml). Default: found from this file upwards. */
  projectRoot?: string;
  /** Data folder. Default: `$BASPHERE_DATA_DIR`, else `<projectRoot>/.data`. */
  dataDir?: string;
  /** Backend folder (file:// backend). Default: `<dataDir>/pulumi-state`. */
  backendDir?: string;
  /**
   * A `postgres://` state backend instead of the folder (the CLI's pkg/backend/diy/postgres: one table of blobs),
   * or another `file://` folder (an operator's live stacks). A database URL contains its password: never log it.
   * Default none (the folder).
   */
  backendUrl?: string;
  /** PULUMI_HOME. Default: `<dataDir>/pulumi-home`. */
  pulumiHome?: string;
  /** Passphrase of the secrets provider. Default: `$PULUMI_CONFIG_PASSPHRASE`. */
  passphrase?: string;
  /** Passphrase file. Default: `$PULUMI_CONFIG_PASSPHRASE_FILE`. */
  passphraseFile?: string;
  /** Fail when no passphrase (or passphrase file) is known. Default: true. */
  requirePassphrase?: boolean;
  /**
   * Folders put on PATH right after the engine's own bin folder: where the engine finds more plugins (the box's
   * vSphere provider simulator). Default none.
   */
  pluginPath?: string[];
}

/** The resolved environment: paths plus the exact variables every engine process gets. */
export interface EngineEnvironment {
  projectRoot: string;
  /** `.pulumi-root`: the PulumiCommand root (the CLI is `<root>/bin/pulumi`). */
  engineRoot: string;
  binDir: string;
  dataDir: string;
  backendDir: string;
  backendUrl: string;
  pulumiHome: string;
  /** Variables for the CLI and everything it starts. Contains the passphrase (and a database URL): never log it. */
  env: Record<string, string>;
}

/** Names of the variables that carry secrets in {@link EngineEnvironment.env}. */
export const SECRET_VARIABLES: readonly string[] = ["PULUMI_CONFIG_PASSPHRASE"];

/** Finds the project root: the nearest folder upwards from `start` whose package.json is named "basphere". */
export function findProjectRoot(start: string = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) {
      try {
        if (JSON.parse(fs.readFileSync(manifest, "utf8")).name === "basphere") return dir;
      } catch {
        // not ours; keep looking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`could not find the basphere project root above ${start}`);
    dir = parent;
  }
}

/** Builds the offline engine environment. Throws when no passphrase is known (unless `requirePassphrase: false`). */
export function engineEnvironment(opts: EngineEnvironmentOptions = {}): EngineEnvironment {
  const projectRoot = path.resolve(opts.projectRoot ?? findProjectRoot());
  const dataDir = path.resolve(projectRoot, opts.dataDir ?? process.env.BASPHERE_DATA_DIR ?? ".data");
  const backendDir = path.resolve(dataDir, opts.backendDir ?? "pulumi-state");
  const pulumiHome = path.resolve(dataDir, opts.pulumiHome ?? "pulumi-home");
  const engineRoot = path.join(projectRoot, ".pulumi-root");
  const binDir = path.join(engineRoot, "bin");
  const passphrase = opts.passphrase ?? process.env.PULUMI_CONFIG_PASSPHRASE;
  const passphraseFile = opts.passphraseFile ?? process.env.PULUMI_CONFIG_PASSPHRASE_FILE;
  if (passphrase === undefined && passphraseFile === undefined && opts.requirePassphrase !== false) {
    throw new Error(
      "the engine needs the secrets passphrase: set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE)",
    );
  }

  if (opts.backendUrl !== undefined && !/^(postgres|file):\/\//.test(opts.backendUrl))
    throw new Error(
      "backendUrl: only postgres:// or file:// URLs (the state backends the engine reads locks and salts of)",
    );
  const env: Record<string, string> = {
    PULUMI_BACKEND_URL: opts.backendUrl ?? `file://${backendDir}`,
    PULUMI_HOME: pulumiHome,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    // The CLI runs `node` from PATH (language host, dynamic providers): use the Node running us first.
    PATH: [binDir, ...(opts.pluginPath ?? []), path.dirname(process.execPath), process.env.PATH ?? ""]
      .filter(Boolean)
      .join(path.delimiter),
  };
  if (passphrase !== undefined) env.PULUMI_CONFIG_PASSPHRASE = passphrase;
  if (passphraseFile !== undefined) env.PULUMI_CONFIG_PASSPHRASE_FILE = path.resolve(passphraseFile);

  return {
    projectRoot,
    engineRoot,
    binDir,
    dataDir,
    backendDir,
    backendUrl: env.PULUMI_BACKEND_URL,
    pulumiHome,
    env,
  };
}

/** Creates the backend and home folders (the file backend refuses a missing folder). */
export function ensureEngineDirectories(e: EngineEnvironment): void {
  fs.mkdirSync(e.backendDir, { recursive: true });
  fs.mkdirSync(e.pulumiHome, { recursive: true });
}

/** Shell form: `export NAME='value'` lines (secrets left out: set PULUMI_CONFIG_PASSPHRASE yourself). */
export function shellExports(e: EngineEnvironment): string {
  const quote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
  return Object.entries(e.env)
    .filter(([k]) => !SECRET_VARIABLES.includes(k))
    .map(([k, v]) => `export ${k}=${quote(v)}`)
    .join("\n");
}

if (require.main === module) {
  const e = engineEnvironment({ requirePassphrase: false });
  ensureEngineDirectories(e);
  process.stdout.write(shellExports(e) + "\n");
}
