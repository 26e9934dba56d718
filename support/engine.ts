/**
 * Shared setup of the engine end-to-end tests: the real CLI from `.pulumi-root/bin`, a throw-away data folder
 * (file backend + PULUMI_HOME) and a throw-away copy of a test program from test/e2e/engine/programs/<name>.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EngineMissingError, assertEngineBinaries, pulumiCommand } from "../automation/engine/command";
import { Engine } from "../automation/engine/engine";
import { EngineEnvironment, engineEnvironment, findProjectRoot } from "../automation/engine/environment";

export const PROJECT_ROOT = findProjectRoot(__dirname);
export const PASSPHRASE = "e2e-engine-test-passphrase";

/**
 * Fails (never skips) when the engine is missing, with the message telling to run `npm run engine`.
 * Call it in a `before` hook.
 */
export async function requireEngine(): Promise<void> {
  const probe = engineEnvironment({ projectRoot: PROJECT_ROOT, requirePassphrase: false });
  try {
    assertEngineBinaries(probe);
    await pulumiCommand(probe);
  } catch (err) {
    if (err instanceof EngineMissingError) {
      throw new Error(`The engine end-to-end tests need the real Pulumi engine: ${err.message}`);
    }
    throw err;
  }
}

/** A temporary folder removed by {@link Sandbox.dispose}. */
export class Sandbox {
  readonly dir: string;
  readonly environment: EngineEnvironment;

  constructor(label: string) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `basphere-engine-${label}-`));
    this.environment = engineEnvironment({
      projectRoot: PROJECT_ROOT,
      dataDir: path.join(this.dir, "data"),
      passphrase: PASSPHRASE,
    });
  }

  /**
   * Copies test/e2e/engine/programs/<name> into the sandbox and links the project's node_modules next to it, so
   * that the program resolves @pulumi/pulumi like the main program does. Returns the program folder.
   */
  program(name: string, folder: string = name): string {
    const src = path.join(PROJECT_ROOT, "test", "e2e", "engine", "programs", name);
    const dest = path.join(this.dir, folder);
    fs.cpSync(src, dest, { recursive: true });
    fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(dest, "node_modules"), "dir");
    return dest;
  }

  /** Opens an engine on a copy of the program. */
  async engine(program: string, folder?: string): Promise<Engine> {
    return Engine.open({ environment: this.environment, workDir: this.program(program, folder) });
  }

  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Names of the regular files in `dir` (empty when it does not exist), sorted. */
export function filesIn(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** Polls `check` every 50 ms until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 60000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The creates of the `files` test program's records (`pulumi-nodejs:dynamic:Resource`) that the state at
 * `checkpoint` records as in flight; [] when the file cannot be read yet. Only these stay pending while a slow create
 * runs: the stack and provider resources are pending for an instant too, and a kill right after would find nothing.
 */
export function recordCreatesInFlight(checkpoint: string): { type?: string; resource?: { urn?: string } }[] {
  try {
    const ops: { type?: string; resource?: { urn?: string; type?: string } }[] =
      JSON.parse(fs.readFileSync(checkpoint, "utf8")).checkpoint?.latest?.pending_operations ?? [];
    return ops.filter((o) => o.type === "creating" && o.resource?.type === "pulumi-nodejs:dynamic:Resource");
  } catch {
    return [];
  }
}
