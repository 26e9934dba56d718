/**
 * Runs Pulumi programs on the real engine (the CLI built by `npm run engine`).
 *
 * Stack management (init/select, config, outputs, export/import, cancel, rm) goes through the Automation API;
 * preview/up/refresh/destroy run as one CLI process each (operation.ts), without the SDK's extra calls.
 *
 * - One shared PulumiCommand per engine root (see command.ts): no `pulumi version` per workspace.
 * - A local program: the workspace's workDir is the program folder (the project root for basphere, whose
 *   package.json "main" is the precompiled dist/index.js). Each stack gets its own LocalWorkspace.
 * - `stack select`/`stack init`/`stack rm` rewrite `<PULUMI_HOME>/workspaces/*-workspace.json`, which is not safe
 *   in parallel (pulumi#8186); they are serialized per PULUMI_HOME and workDir. Operations themselves pass
 *   `--stack` and run in parallel across stacks; operations on the same stack are queued.
 * - Stack handles are cached, so the `stack select` spawn happens once per stack and process.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EngineEvent, LocalWorkspace, OutputMap, Stack } from "@pulumi/pulumi/automation";
import * as YAML from "yaml";
import { repairStackBlobs } from "./blobRepair";
import { pulumiCommand } from "./command";
import { EngineEnvironment, engineEnvironment, ensureEngineDirectories } from "./environment";
import { EngineOperationError, OperationKind, OperationResult, runOperation } from "./operation";
import { ProcessRef, isAlive, killSession, listProcesses, sessionMembers } from "./processes";
import { FileStateBackend, StackLock, StateBackend, stateBackendOf } from "./stateBackend";

export type { StackLock } from "./stateBackend";

/** Options of {@link Engine.open}. */
export interface EngineOptions {
  /** The offline environment. Default: {@link engineEnvironment}(). */
  environment?: EngineEnvironment;
  /** Folder of the program's Pulumi.yaml. Default: the project root. */
  workDir?: string;
}

/** A config value: plain string, or `{ value, secret }`. Keys are full keys, e.g. `basphere:kind`. */
export type ConfigInput = Record<string, string | { value: string; secret?: boolean }>;

/** Options common to preview, up, refresh and destroy. */
export interface OperationOptions {
  /** Engine events as the CLI emits them (resource pre/outputs, diagnostics, summary...). */
  onEvent?: (event: EngineEvent) => void;
  /** The CLI's human-readable output, chunk by chunk. */
  onOutput?: (text: string) => void;
  /** Called with the pid and start time of the `pulumi` process once it runs (see {@link RecoverOptions.orphans}). */
  onSpawn?: (process: ProcessRef) => void;
  /** Abort: SIGINT to the CLI (graceful cancel); if it has not ended after `killAfterMs`, its tree gets SIGKILL. */
  signal?: AbortSignal;
  /** Default 15000. */
  killAfterMs?: number;
}

/** Options of {@link EngineStack.preview} and {@link EngineStack.up}. */
export interface PlanOptions extends OperationOptions {
  /**
   * Read every resource back from the live systems first (`--refresh`). A preview with it compares the live
   * systems with the program without saving anything (a drift check); an up with it puts drift back.
   */
  refresh?: boolean;
}

/** Options of {@link EngineStack.refresh}. */
export interface RefreshOptions extends OperationOptions {
  /** Drop pending creates left by a crash (`refresh --clear-pending-creates`). */
  clearPendingCreates?: boolean;
}

/** Options of {@link Engine.recover}. */
export interface RecoverOptions {
  /**
   * `pulumi` processes a previous owner of the stack started (recorded through `onSpawn`) and that may have
   * outlived it (a SIGKILLed service leaves its engine processes running). Each one that still runs — same pid and
   * start time, `<binDir>/pulumi` operating on this stack — is stopped with everything it started (SIGSTOP of the
   * tree, then SIGKILL) before the lock is looked at. Anything else with that pid is left alone.
   */
  orphans?: ProcessRef[];
  /** How long to wait for killed processes to be gone, ms. Default 10000. */
  killTimeoutMs?: number;
}

/** What {@link Engine.recover} found and did. */
export interface RecoveryReport {
  stack: string;
  /** Orphaned engine processes that were killed: the `pulumi` pid (its process group) and the pids killed. */
  killedProcesses: { pid: number; tree: number[] }[];
  /** Lock files that were removed. */
  removedLocks: StackLock[];
  /** Pending operations dropped from the state (a `creating` one may have created a real object). */
  droppedPendingOperations: { type: string; urn: string }[];
  /**
   * Backend files a kill left half-written that were removed (cut `.attrs` sidecars, temporary files of unfinished
   * writes; see blobRepair.ts). Absent when recovery did not get that far (the stack does not exist).
   */
  repairedFiles?: string[];
  /** Human-readable log of the steps. */
  actions: string[];
}

/** The stack is busy: an operation is running (in this process, or in a live process holding its lock). */
export class StackBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackBusyError";
  }
}

const workspaceLocks = new Map<string, Promise<unknown>>();

/** Runs `fn` after every earlier call with the same key has settled. */
function serialized<T>(locks: Map<string, Promise<unknown>>, key: string, fn: () => Promise<T>): Promise<T> {
  const previous = locks.get(key) ?? Promise.resolve();
  const next = previous.then(fn, fn);
  const tail = next.catch(() => undefined);
  locks.set(key, tail);
  void tail.then(() => {
    if (locks.get(key) === tail) locks.delete(key);
  });
  return next;
}

/** Reads the project name and its `stackConfigDir` (absolute; default the folder itself) from `<workDir>/Pulumi.yaml`. */
function projectSettings(workDir: string): { name: string; stackConfigDir: string } {
  const file = path.join(workDir, "Pulumi.yaml");
  const doc = YAML.parse(fs.readFileSync(file, "utf8"));
  if (!doc || typeof doc.name !== "string" || doc.name === "") throw new Error(`${file}: "name" is missing`);
  const dir = typeof doc.stackConfigDir === "string" && doc.stackConfigDir !== "" ? doc.stackConfigDir : ".";
  return { name: doc.name, stackConfigDir: path.resolve(workDir, dir) };
}

/** A config key as the CLI takes it: `<namespace>:<name>`. */
const CONFIG_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]*:[^\s]+$/;

/**
 * Sets plain config values in a stack settings file (`Pulumi.<stack>.yaml`) the way `pulumi config set-all
 * --plaintext` does (each value a string under `config:`), keeping everything else in it — the secrets provider's
 * salt, secure values, comments. The file is replaced atomically (a reader sees the old or the new file, never half
 * of one). Nothing goes through a command line, so the size of a value never meets the kernel's argument limits.
 */
export function writeStackConfigFile(file: string, values: Record<string, string>): void {
  let text = "";
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const parsed = YAML.parseDocument(text);
  if (parsed.errors.length > 0) throw new Error(`${file}: ${parsed.errors[0].message}`);
  if (parsed.contents !== null && !YAML.isMap(parsed.contents)) throw new Error(`${file}: not a YAML map`);
  const doc: YAML.Document = parsed.contents === null ? new YAML.Document({}) : parsed;
  const config = doc.get("config", true);
  if (config === undefined || (YAML.isScalar(config) && config.value === null))
    doc.set("config", doc.createNode({}));
  else if (!YAML.isMap(config)) throw new Error(`${file}: "config" is not a map`);
  for (const [key, value] of Object.entries(values)) {
    if (!CONFIG_KEY.test(key)) throw new Error(`config key "${key}" must look like "<namespace>:<name>"`);
    doc.setIn(["config", key], value);
  }
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    fs.writeFileSync(tmp, doc.toString({ lineWidth: 0 }), { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Entry point: one per environment and program folder. */
export class Engine {
  readonly environment: EngineEnvironment;
  readonly workDir: string;
  readonly project: string;
  /** Folder of the stacks' settings files (`Pulumi.<stack>.yaml`): the project's `stackConfigDir`, or workDir. */
  readonly stackConfigDir: string;
  private readonly stacks = new Map<string, Promise<EngineStack>>();
  /** The state backend (`file://` folder or the CLI's `postgres://` backend) recovery reads. */
  readonly backend: StateBackend;

  private constructor(environment: EngineEnvironment, workDir: string) {
    this.environment = environment;
    this.workDir = workDir;
    const settings = projectSettings(workDir);
    this.project = settings.name;
    this.stackConfigDir = settings.stackConfigDir;
    this.backend = stateBackendOf(environment.backendUrl);
  }

  /** Checks the engine binaries (throws EngineMissingError telling to run `npm run engine`) and prepares folders. */
  static async open(opts: EngineOptions = {}): Promise<Engine> {
    const environment = opts.environment ?? engineEnvironment();
    const engine = new Engine(environment, path.resolve(opts.workDir ?? environment.projectRoot));
    ensureEngineDirectories(environment);
    await pulumiCommand(environment);
    return engine;
  }

  private get workspaceKey(): string {
    return `${this.environment.pulumiHome}\0${this.workDir}`;
  }

  private async workspace(): Promise<LocalWorkspace> {
    return LocalWorkspace.create({
      workDir: this.workDir,
      pulumiHome: this.environment.pulumiHome,
      envVars: this.environment.env,
      pulumiCommand: await pulumiCommand(this.environment),
    });
  }

  /** Creates the stack if needed, selects it, and returns a cached handle. */
  stack(name: string): Promise<EngineStack> {
    let handle = this.stacks.get(name);
    if (!handle) {
      handle = (async () => {
        await this.restoreStackSettings(name);
        const ws = await this.workspace();
        const stack = await serialized(workspaceLocks, this.workspaceKey, () =>
          Stack.createOrSelect(name, ws),
        );
        return new EngineStack(this, stack);
      })();
      handle.catch(() => this.stacks.delete(name));
      this.stacks.set(name, handle);
    }
    return handle;
  }

  /** True when the backend holds a checkpoint of the stack (the file backend's `<stack>.json[.gz]`). */
  hasStack(name: string): Promise<boolean> {
    return this.backend.hasStack(this.project, name);
  }

  /**
   * A shared backend (PostgreSQL) holds the stack, but this machine has not got its settings file (another replica
   * created the stack): the file gets the secrets salt the checkpoint records, so that this replica encrypts the
   * stack's config with the same key instead of starting a new salt. Nothing happens on the file backend.
   */
  private async restoreStackSettings(name: string): Promise<void> {
    if (this.backend.kind === "file") return;
    const file = this.stackConfigFile(name);
    if (fs.existsSync(file)) return;
    const salt = await this.backend.secretsSalt(this.project, name);
    if (!salt) return;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, YAML.stringify({ encryptionsalt: salt }), { mode: 0o600, flag: "wx" });
  }

  /**
   * Removes the stack, its state and history (`force` also when resources remain). A stack that does not exist is
   * not created to be removed: nothing happens.
   */
  async removeStack(name: string, opts: { force?: boolean } = {}): Promise<void> {
    if (!(await this.hasStack(name)) && !this.stacks.has(name)) return;
    const handle = await this.stack(name);
    await handle.exclusive(async () => {
      await serialized(workspaceLocks, this.workspaceKey, () =>
        handle.stack.workspace.removeStack(name, { force: opts.force }),
      );
    });
    this.stacks.delete(name);
  }

  /** The settings file of a stack (its config): `<stackConfigDir>/Pulumi.<stack>.yaml`. */
  stackConfigFile(stack: string): string {
    return path.join(this.stackConfigDir, `Pulumi.${stack.split("/").pop()}.yaml`);
  }

  /** Lock folder of a stack in the file backend. */
  lockDir(stack: string): string {
    return new FileStateBackend(this.environment.backendDir).lockDir(this.project, stack);
  }

  /** Lock files of a stack (a lock left by a crashed CLI blocks every later operation). */
  locks(stack: string): Promise<StackLock[]> {
    return this.backend.locks(this.project, stack);
  }

  /**
   * Recovers a stack left by a crash: removes its lock files (`pulumi cancel` on the file backend deletes them)
   * unless a live `pulumi` process on this host holds them, then drops pending operations from the state
   * (`stack export` → `pending_operations: []` → `stack import`). Orphaned engine processes named in
   * `opts.orphans` are killed first. A stack that does not exist is not created. Returns what was done.
   */
  async recover(name: string, opts: RecoverOptions = {}): Promise<RecoveryReport> {
    const report: RecoveryReport = {
      stack: name,
      killedProcesses: [],
      removedLocks: [],
      droppedPendingOperations: [],
      actions: [],
    };
    for (const ref of opts.orphans ?? []) {
      const killed = await this.killOrphan(name, ref, opts.killTimeoutMs ?? 10000);
      if (killed) {
        report.killedProcesses.push(killed);
        report.actions.push(
          `killed the orphaned pulumi process ${killed.pid} and ${killed.tree.length - 1} process(es) it started`,
        );
      }
    }
    if (!(await this.hasStack(name)) && !this.stacks.has(name)) {
      const stale = await this.locks(name);
      // A stack that does not exist cannot be `pulumi cancel`led: its stale lock files go by hand (file backend;
      // the PostgreSQL backend's lock rows of a stack it does not hold are left, and block nothing).
      if (this.backend.kind === "file") for (const lock of stale) fs.rmSync(lock.file, { force: true });
      if (stale.length) {
        report.removedLocks = stale;
        report.actions.push(`removed ${stale.length} lock file(s) of a stack that does not exist`);
      }
      if (report.actions.length === 0) report.actions.push("nothing to recover (the stack does not exist)");
      return report;
    }
    const handle = await this.stack(name);
    return handle.exclusive(async () => {
      const locks = await this.locks(name);
      for (const lock of locks) {
        if (lock.pid !== undefined && lock.hostname === os.hostname() && isAlive(lock.pid)) {
          const proc = listProcesses().find((p) => p.pid === lock.pid);
          if (proc && path.basename(proc.argv[0] ?? "") === "pulumi") {
            throw new StackBusyError(
              `stack ${name} is locked by a running pulumi process (pid ${lock.pid}); not removing ${lock.file}`,
            );
          }
        }
      }
      // Nothing writes the stack now: repair what a kill can leave half-written before the CLI reads it (the file
      // backend's two writes per blob; a PostgreSQL row is written in one statement).
      const pulumiDir = path.join(this.environment.backendDir, ".pulumi");
      const repair =
        this.backend.kind !== "file"
          ? { removedAttrs: [], removedTemps: [] }
          : repairStackBlobs(
              path.join(pulumiDir, "stacks", this.project),
              [
                this.lockDir(name),
                path.join(pulumiDir, "history", this.project, name),
                path.join(pulumiDir, "backups", this.project, name),
              ],
              name,
            );
      report.repairedFiles = [...repair.removedAttrs, ...repair.removedTemps];
      if (repair.removedAttrs.length)
        report.actions.push(
          `removed ${repair.removedAttrs.length} cut attribute file(s) (a kill between the backend's two writes): ${repair.removedAttrs
            .map((f) => path.relative(pulumiDir, f))
            .join(", ")}`,
        );
      if (repair.removedTemps.length)
        report.actions.push(
          `removed ${repair.removedTemps.length} temporary file(s) of unfinished writes: ${repair.removedTemps
            .map((f) => path.relative(pulumiDir, f))
            .join(", ")}`,
        );
      if (locks.length > 0) {
        await handle.stack.cancel();
        const left = await this.locks(name);
        if (left.length > 0)
          throw new Error(`stack ${name}: lock files remain after cancel: ${left.map((l) => l.file)}`);
        report.removedLocks = locks;
        report.actions.push(
          `removed ${locks.length} lock file(s): ${locks
            .map(
              (l) =>
                `${path.basename(l.file)} (pid ${l.pid ?? "?"}@${l.hostname ?? "?"}, ${l.timestamp ?? "?"})`,
            )
            .join(", ")}`,
        );
      }
      const state = await handle.stack.exportStack();
      const pending: { type?: string; resource?: { urn?: string } }[] =
        state.deployment?.pending_operations ?? [];
      if (pending.length > 0) {
        report.droppedPendingOperations = pending.map((op) => ({
          type: op.type ?? "unknown",
          urn: op.resource?.urn ?? "unknown",
        }));
        state.deployment.pending_operations = [];
        await handle.stack.importStack(state);
        report.actions.push(
          `dropped ${pending.length} pending operation(s): ${report.droppedPendingOperations
            .map((o) => `${o.type} ${o.urn}`)
            .join(", ")}`,
        );
      }
      if (report.actions.length === 0) report.actions.push("nothing to recover");
      return report;
    });
  }

  /**
   * Kills what is left of the engine process `ref` started by a crashed owner: its session (the CLI leads a session
   * of its own, see operation.ts), whether the CLI itself still runs or already died and left its language host,
   * program or dynamic providers behind. Returns what was killed, or undefined when nothing of it is left or the
   * pid now belongs to something else (another CLI, another stack: left alone).
   */
  private async killOrphan(
    stack: string,
    ref: ProcessRef,
    timeoutMs: number,
  ): Promise<{ pid: number; tree: number[] } | undefined> {
    if (ref.pid === process.pid) return undefined;
    const all = listProcesses();
    const leader = all.find((p) => p.pid === ref.pid && p.state !== "Z" && p.state !== "X");
    if (leader) {
      // The pid is alive: it must be the same process (start time), this engine's CLI, on this stack.
      const i = leader.argv.indexOf("--stack");
      if (
        leader.startTime !== ref.startTime ||
        leader.argv[0] !== path.join(this.environment.binDir, "pulumi") ||
        leader.argv[i + 1] !== stack
      )
        return undefined;
    }
    const members = sessionMembers(ref.pid, ref.startTime, all);
    if (members.length === 0 || members.some((m) => m.pid === process.pid)) return undefined;
    const killed = killSession(ref.pid, ref.startTime);
    const deadline = Date.now() + timeoutMs;
    while (sessionMembers(ref.pid, ref.startTime).length > 0) {
      if (Date.now() > deadline)
        throw new Error(
          `stack ${stack}: orphaned engine processes did not end after SIGKILL: ${sessionMembers(
            ref.pid,
            ref.startTime,
          )
            .map((p) => p.pid)
            .join(", ")}`,
        );
      killSession(ref.pid, ref.startTime);
      await new Promise((r) => setTimeout(r, 50));
    }
    return { pid: ref.pid, tree: killed.map((r) => r.pid) };
  }
}

/** One stack of an {@link Engine}. Operations on it are queued (one at a time). */
export class EngineStack {
  private readonly queue = new Map<string, Promise<unknown>>();

  constructor(
    readonly engine: Engine,
    readonly stack: Stack,
  ) {}

  get name(): string {
    return this.stack.name;
  }

  /** Runs `fn` when no other operation of this handle runs. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return serialized(this.queue, "op", fn);
  }

  /**
   * Sets the given config values. The plain ones are written into the stack's settings file
   * ({@link writeStackConfigFile}; the engine reads it at the next operation) — not passed on a command line
   * (`config set-all`), where a large value (a tenant spec) fails with E2BIG. Each secret goes through
   * `config set --secret` reading the value from stdin — never on a command line, where any local user could read it
   * (`ps`, /proc/<pid>/cmdline). Secrets are encrypted with the passphrase.
   */
  async setConfig(values: ConfigInput): Promise<void> {
    const plain: Record<string, string> = {};
    const secrets: [string, string][] = [];
    for (const [key, v] of Object.entries(values)) {
      if (!CONFIG_KEY.test(key)) throw new Error(`config key "${key}" must look like "<namespace>:<name>"`);
      if (typeof v !== "string" && v.secret) secrets.push([key, v.value]);
      else plain[key] = typeof v === "string" ? v : v.value;
    }
    await this.exclusive(async () => {
      if (Object.keys(plain).length > 0) writeStackConfigFile(this.engine.stackConfigFile(this.name), plain);
      for (const [key, value] of secrets) await this.setSecretConfig(key, value);
    });
  }

  private async setSecretConfig(key: string, value: string): Promise<void> {
    const command = await pulumiCommand(this.engine.environment);
    const args = ["config", "set", "--secret", "--stack", this.name, "--non-interactive", "--", key];
    const child = spawn(command.command, args, {
      cwd: this.engine.workDir,
      env: { ...process.env, ...this.engine.environment.env, PULUMI_AUTOMATION_API: "true" },
      stdio: ["pipe", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdin.on("error", () => undefined); // a CLI that fails early closes stdin; its exit code tells
    child.stdin.end(value);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", resolve);
    });
    if (code !== 0)
      throw new Error(
        `pulumi config set --secret ${key} on stack ${this.name} exited with code ${code}: ${stderr.trim()}`,
      );
  }

  /** Stack outputs (2 CLI calls: masked and with secrets, to know which are secret). */
  outputs(): Promise<OutputMap> {
    return this.exclusive(() => this.stack.outputs());
  }

  /** `pulumi preview`: the planned changes (resourceChanges) and, through onEvent, each resource's planned op. */
  preview(opts: PlanOptions = {}): Promise<OperationResult> {
    return this.operation("preview", opts, opts.refresh ? ["--refresh"] : []);
  }

  /** `pulumi up --yes --skip-preview` (preview separately when wanted). Outputs: {@link outputs}. */
  up(opts: PlanOptions = {}): Promise<OperationResult> {
    return this.operation("up", opts, opts.refresh ? ["--refresh"] : []);
  }

  /** `pulumi refresh --yes --skip-preview` (`clearPendingCreates` adds `--clear-pending-creates`). */
  refresh(opts: RefreshOptions = {}): Promise<OperationResult> {
    return this.operation("refresh", opts, opts.clearPendingCreates ? ["--clear-pending-creates"] : []);
  }

  /** `pulumi destroy --yes --skip-preview`. */
  destroy(opts: OperationOptions = {}): Promise<OperationResult> {
    return this.operation("destroy", opts);
  }

  /**
   * One CLI process per operation (see operation.ts). Abort: SIGINT, then SIGKILL of the process tree after
   * `killAfterMs`; a killed CLI may leave the lock behind, which {@link Engine.recover} removes.
   */
  private operation(
    kind: OperationKind,
    opts: OperationOptions,
    extraArgs: string[] = [],
  ): Promise<OperationResult> {
    const signal = opts.signal;
    let started = false;
    const run = this.exclusive(async () => {
      started = true;
      return runOperation({
        command: await pulumiCommand(this.engine.environment),
        kind,
        stack: this.name,
        workDir: this.engine.workDir,
        env: this.engine.environment.env,
        extraArgs,
        onEvent: opts.onEvent,
        onSpawn: opts.onSpawn,
        onOutput: opts.onOutput,
        signal,
        killAfterMs: opts.killAfterMs,
      });
    });
    if (!signal) return run;
    // An operation still queued behind another one of this stack is rejected at once when aborted; when its turn
    // comes, runOperation sees the aborted signal and starts nothing. A running one ends through runOperation.
    run.catch(() => undefined);
    return new Promise<OperationResult>((resolve, reject) => {
      const onAbort = () => {
        if (!started) reject(new EngineOperationError(kind, this.name, null, null, "", "", true));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      run.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
  }
}
