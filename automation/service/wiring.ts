/**
 * The one place where the service's parts meet: data folder (lock, admin token, SQLite file), pools, store,
 * engine (automation/engine when it is installed), spec validator (stacks/tenantSpec), worker and HTTP app.
 * Without a usable engine the service still starts (reads, docs, health) but refuses operations with 503 and the
 * reason, and readiness reports it.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import * as YAML from "yaml";
import type { EngineEvent as PulumiEngineEvent } from "@pulumi/pulumi/automation";
import type pino from "pino";
import { z } from "zod";
import { tenantConfigSchema, tenantSpecSchema } from "../../stacks/tenantSpec";
import { demandOfSpec } from "../allocator/demand";
import { DEFAULT_POOLS, PoolsConfig, buildPools } from "../allocator/pools";
import { SqliteStore } from "../store/sqliteStore";
import { OperationBus } from "../worker/bus";
import {
  EngineDriver,
  EngineEvent,
  EngineProcess,
  EngineResult,
  OnEvent,
  OnProcess,
  RecoveryReport,
  StackOutputs,
  TenantStackConfig,
} from "../worker/engineDriver";
import { RecoveryPolicy, Worker } from "../worker/worker";
import { buildApp, ConfigValidator, SpecValidator } from "./app";
import { hashToken, newAdminToken } from "./auth";
import { unknownFieldMessage } from "./errors";
import { Metrics } from "./metrics";
import type { FastifyInstance } from "fastify";

export interface ServiceConfig {
  /** Data folder (SQLite file, admin token file, pid lock). Default `.data`. */
  dataDir?: string;
  /** Admin token; default: env BASPHERE_ADMIN_TOKEN, else the file, else generated once and stored there. */
  adminToken?: string;
  /** Admin token file. Default env BASPHERE_ADMIN_TOKEN_FILE, else `<dataDir>/admin-token`. */
  adminTokenFile?: string;
  /** Global limit of operations at once. Default 2. */
  concurrency?: number;
  /** Pools, or the path of a JSON file holding them. Default {@link DEFAULT_POOLS}. */
  pools?: PoolsConfig | string;
  recovery?: Partial<RecoveryPolicy>;
  /** Queue poll interval (ms). Default 500. */
  pollIntervalMs?: number;
  logger?: pino.Logger | false;
  /** The engine: default the real one (automation/engine); `null` = none (operations refused); or any driver. */
  driver?: EngineDriver | null;
  /**
   * Folder of the Pulumi program the real engine runs (its Pulumi.yaml; the project must be named `basphere`).
   * Default: env BASPHERE_WORK_DIR, else the project root (the real `basphere` program, dist/index.js).
   */
  workDir?: string;
  /** Default: {@link tenantSpecValidator}. */
  validateSpec?: SpecValidator;
  /** Default: {@link tenantConfigValidator} with the default spec validator, none with a custom one. */
  validateConfig?: ConfigValidator | null;
  /** Request body limit in bytes. Default 256 KiB. */
  bodyLimit?: number;
  /** How long `close()` waits for running operations before interrupting them (ms). Default 10000. */
  drainMs?: number;
  env?: NodeJS.ProcessEnv;
  /** More plugin folders for the real engine's PATH (the box's vSphere provider simulator). Default none. */
  pluginPath?: string[];
}

export interface Service {
  app: FastifyInstance;
  store: SqliteStore;
  worker: Worker;
  bus: OperationBus;
  dataDir: string;
  /** The admin token when this start generated it (print it once); undefined otherwise. */
  generatedAdminToken?: string;
  adminTokenFile: string;
  /** Why operations are refused (no engine); undefined when the engine is there. */
  engineUnavailable?: string;
  /** Where the real engine's secrets passphrase comes from (undefined with a driver given in the config). */
  passphrase?: PassphraseSource;
  /** Listens; returns the base URL. */
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

/** Internals of a zod 4 schema that {@link objectKeysAt} walks. */
interface ZodDef {
  type: string;
  shape?: Record<string, { _zod: { def: ZodDef } }>;
  element?: { _zod: { def: ZodDef } };
  innerType?: { _zod: { def: ZodDef } };
  in?: { _zod: { def: ZodDef } };
  options?: { _zod: { def: ZodDef } }[];
}

/** The field names of the object `schema` describes at `path` (through optional/default/array wrappers). */
export function objectKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let defs: ZodDef[] = [(schema as unknown as { _zod: { def: ZodDef } })._zod.def];
  const unwrap = (d: ZodDef): ZodDef[] => {
    if (d.innerType) return unwrap(d.innerType._zod.def);
    if (d.type === "pipe" && d.in) return unwrap(d.in._zod.def);
    if (d.type === "union" && d.options) return d.options.flatMap((o) => unwrap(o._zod.def));
    return [d];
  };
  for (const seg of path) {
    defs = defs.flatMap(unwrap).flatMap((d): ZodDef[] => {
      if (d.type === "object" && typeof seg === "string" && d.shape && Object.hasOwn(d.shape, seg))
        return [d.shape[seg]._zod.def];
      if (d.type === "array" && typeof seg === "number" && d.element) return [d.element._zod.def];
      return [];
    });
  }
  return [
    ...new Set(defs.flatMap(unwrap).flatMap((d) => (d.type === "object" ? Object.keys(d.shape ?? {}) : []))),
  ];
}

/**
 * zod issues as the service reports them: one issue per unknown field, at the field's own path, saying which known
 * field was probably meant (`vms[0].memoryMib: … did you mean "memoryMiB"?`).
 */
export function specIssues(schema: z.ZodType, issues: readonly z.core.$ZodIssue[]): SpecIssue[] {
  return issues.flatMap((i): SpecIssue[] =>
    i.code === "unrecognized_keys"
      ? i.keys.map((k) => ({
          path: [...i.path, k],
          message: unknownFieldMessage(k, objectKeysAt(schema, i.path)),
        }))
      : [{ path: i.path, message: i.message }],
  );
}
type SpecIssue = { path: PropertyKey[]; message: string };

/** The tenant spec validator (zod, stacks/tenantSpec.ts; strict: unknown fields are refused). */
export const tenantSpecValidator: SpecValidator = (spec) => {
  const r = tenantSpecSchema.safeParse(spec);
  return r.success
    ? { ok: true, spec: r.data }
    : { ok: false, issues: specIssues(tenantSpecSchema, r.error.issues) };
};

/**
 * The tenant program's own config check (`tenantConfigSchema`: the spec with its allocations), on the values as the
 * stack config carries them (JSON). What the API accepts, the program accepts.
 */
export const tenantConfigValidator: ConfigValidator = (spec, allocations) => {
  const r = tenantConfigSchema.safeParse(JSON.parse(JSON.stringify({ tenant: spec, allocations })));
  return r.success
    ? { ok: true, spec: r.data.tenant }
    : { ok: false, issues: specIssues(tenantConfigSchema, r.error.issues) };
};

/** JSON schema of the tenant spec for the OpenAPI document (input form: defaults not applied). */
export function tenantSpecJsonSchema(): Record<string, unknown> | undefined {
  try {
    const s = z.toJSONSchema(tenantSpecSchema, { io: "input", unrepresentable: "any" }) as Record<
      string,
      unknown
    >;
    delete s.$schema;
    // The API fills in `name` from the tenant name when the spec leaves it out.
    if (Array.isArray(s.required)) s.required = s.required.filter((k) => k !== "name");
    return s;
  } catch {
    return undefined;
  }
}

/** Reads a pools file (JSON); errors name the file. */
export function loadPools(p: PoolsConfig | string | undefined): PoolsConfig {
  if (p === undefined) return DEFAULT_POOLS;
  if (typeof p !== "string") return p;
  try {
    return JSON.parse(readFileSync(p, "utf8")) as PoolsConfig;
  } catch (e) {
    throw new Error(`pools file ${p}: ${(e as Error).message}`);
  }
}

/** Resolves the admin token: explicit, env, file, or a new one written to the file with mode 0600. */
export function resolveAdminToken(cfg: { adminToken?: string; file: string; env: NodeJS.ProcessEnv }): {
  token: string;
  generated: boolean;
  source: string;
} {
  const given = cfg.adminToken ?? cfg.env.BASPHERE_ADMIN_TOKEN;
  if (given !== undefined && given !== "") {
    if (given.length < 24 || /\s/.test(given))
      throw new Error("the admin token must be at least 24 characters without spaces (BASPHERE_ADMIN_TOKEN)");
    return { token: given, generated: false, source: cfg.adminToken ? "option" : "BASPHERE_ADMIN_TOKEN" };
  }
  if (existsSync(cfg.file)) {
    const t = readFileSync(cfg.file, "utf8").trim();
    if (t.length < 24)
      throw new Error(`admin token file ${cfg.file} holds no usable token (at least 24 characters)`);
    return { token: t, generated: false, source: cfg.file };
  }
  const token = newAdminToken();
  writeFileSync(cfg.file, token + "\n", { mode: 0o600, flag: "wx" });
  chmodSync(cfg.file, 0o600);
  return { token, generated: true, source: cfg.file };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the data folder's pid lock: one service per data folder (its recovery assumes no other runner). */
export function lockDataDir(dir: string): () => void {
  const file = join(dir, "service.pid");
  for (let i = 0; i < 2; i++) {
    try {
      writeFileSync(file, String(process.pid), { flag: "wx", mode: 0o600 });
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number(readFileSync(file, "utf8").trim());
      if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) {
        throw new Error(
          `data folder ${dir} is in use by another basphere service (pid ${pid}); stop it or use another --data-dir`,
        );
      }
      rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`cannot lock data folder ${dir}`);
}

/** Where the engine's secrets passphrase comes from. */
export interface PassphraseSource {
  /** `PULUMI_CONFIG_PASSPHRASE`, `PULUMI_CONFIG_PASSPHRASE_FILE`, or the file in the data folder. */
  kind: "env" | "env-file" | "data-dir";
  /** The passphrase file (env-file, data-dir). */
  file?: string;
  /** True when this start generated the data-folder passphrase (say so once, with a warning). */
  generated: boolean;
}

/** Name of the generated passphrase file inside the data folder. */
export const PASSPHRASE_FILE = "pulumi-passphrase";

/**
 * The engine's secrets passphrase: `PULUMI_CONFIG_PASSPHRASE`, else `PULUMI_CONFIG_PASSPHRASE_FILE`, else
 * `<dataDir>/pulumi-passphrase` — generated (256 random bits, mode 0600) on the first start, so that a fresh clone
 * works without configuration. Production should set its own passphrase (and keep it: the stacks' secrets are
 * encrypted with it). The value itself is never returned or logged: the engine reads the file.
 */
export function resolvePassphrase(dataDir: string, env: NodeJS.ProcessEnv): PassphraseSource {
  if (env.PULUMI_CONFIG_PASSPHRASE !== undefined && env.PULUMI_CONFIG_PASSPHRASE !== "")
    return { kind: "env", generated: false };
  if (env.PULUMI_CONFIG_PASSPHRASE_FILE) {
    const file = resolve(env.PULUMI_CONFIG_PASSPHRASE_FILE);
    if (!existsSync(file)) throw new Error(`PULUMI_CONFIG_PASSPHRASE_FILE: ${file} does not exist`);
    return { kind: "env-file", file, generated: false };
  }
  const file = join(dataDir, PASSPHRASE_FILE);
  if (existsSync(file)) {
    if (readFileSync(file, "utf8").trim().length < 16)
      throw new Error(`passphrase file ${file} holds no usable passphrase (at least 16 characters)`);
    return { kind: "data-dir", file, generated: false };
  }
  writeFileSync(file, randomBytes(32).toString("base64url") + "\n", { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return { kind: "data-dir", file, generated: true };
}

/** Maps an Automation API engine event to the recorded form (metadata only: no inputs/outputs values). */
export function engineEventOf(e: PulumiEngineEvent): EngineEvent {
  if (e.diagnosticEvent)
    return {
      type: "diagnostic",
      message: e.diagnosticEvent.message.trim(),
      data: { severity: e.diagnosticEvent.severity, urn: e.diagnosticEvent.urn },
    };
  const step = e.resourcePreEvent?.metadata ?? e.resOutputsEvent?.metadata ?? e.resOpFailedEvent?.metadata;
  if (step) {
    const type = e.resourcePreEvent ? "resourcePre" : e.resOutputsEvent ? "resOutputs" : "resOpFailed";
    return {
      type,
      message: `${step.op} ${step.type} ${step.urn.split("::").pop()}`,
      // Property names only (diffs), never values.
      data: {
        op: step.op,
        type: step.type,
        urn: step.urn,
        ...(step.diffs?.length ? { diffs: step.diffs } : {}),
      },
    };
  }
  if (e.summaryEvent)
    return {
      type: "summary",
      data: { changes: e.summaryEvent.resourceChanges, durationSeconds: e.summaryEvent.durationSeconds },
    };
  if (e.preludeEvent) return { type: "prelude" };
  if (e.cancelEvent) return { type: "cancel" };
  if (e.policyEvent) return { type: "policy", message: e.policyEvent.message };
  const key = Object.keys(e).find((k) => k.endsWith("Event")) ?? "event";
  return { type: key.replace(/Event$/, "") };
}

/** What the adapter uses of automation/engine's stack handle (structural, so the two evolve independently). */
export interface EngineStackLike {
  setConfig(values: Record<string, string>): Promise<void>;
  outputs(): Promise<Record<string, { value: unknown; secret?: boolean }>>;
  up(opts: EngineOpOptions): Promise<unknown>;
  preview(opts: EngineOpOptions): Promise<unknown>;
  refresh(opts: EngineOpOptions & { clearPendingCreates?: boolean }): Promise<unknown>;
  destroy(opts: EngineOpOptions): Promise<unknown>;
}
export interface EngineOpOptions {
  onEvent?: (e: PulumiEngineEvent) => void;
  onSpawn?: (p: EngineProcess) => void;
  signal?: AbortSignal;
}
/** What the adapter uses of automation/engine's Engine. */
export interface EngineLike {
  stack(name: string): Promise<EngineStackLike>;
  removeStack(name: string): Promise<void>;
  recover(name: string, opts?: { orphans?: EngineProcess[] }): Promise<RecoveryReport>;
}

/** One planned or applied resource step (from the engine's resourcePre events), without values. */
export interface ResourceStep {
  op: string;
  type: string;
  name: string;
  /** Names of the properties that differ (update/replace). */
  diffs?: string[];
}

/** Change counts of an engine result, whichever shape it has (`resourceChanges`, `summary.resourceChanges`, `changeSummary`). */
export function changesOf(r: unknown): Record<string, number> | undefined {
  const x = r as
    | { resourceChanges?: unknown; summary?: { resourceChanges?: unknown }; changeSummary?: unknown }
    | undefined;
  return (x?.resourceChanges ?? x?.summary?.resourceChanges ?? x?.changeSummary) as
    Record<string, number> | undefined;
}

/**
 * The real engine behind the worker's {@link EngineDriver} interface. Each operation writes the stack config, runs
 * one `pulumi` process (its pid goes to `onProcess` at once), records every engine event, and returns the change
 * counts, the resource steps (op, type, name, changed property names — what a preview shows) and the timings; a
 * preview adds the engine's human-readable diff.
 */
export function engineDriver(engine: EngineLike): EngineDriver {
  const configure = async (stack: string, config: TenantStackConfig) => {
    const s = await engine.stack(stack);
    await s.setConfig({
      "basphere:kind": config["basphere:kind"],
      "basphere:tenant": JSON.stringify(config["basphere:tenant"]),
      "basphere:allocations": JSON.stringify(config["basphere:allocations"]),
    });
    return s;
  };
  const run = async (
    kind: "up" | "preview" | "refresh" | "destroy",
    stack: string,
    config: TenantStackConfig,
    onEvent: OnEvent,
    signal: AbortSignal,
    onProcess?: OnProcess,
  ): Promise<EngineResult> => {
    if (signal.aborted) throw new Error(`${kind} of ${stack} cancelled before it started`);
    const s = await configure(stack, config);
    const steps: ResourceStep[] = [];
    const byUrn = new Map<string, ResourceStep>();
    const r = await s[kind]({
      signal,
      onSpawn: onProcess,
      onEvent: (e) => {
        // One step per resource (resourcePre, completed by resOutputs, which carries the changed property names).
        const m = e.resourcePreEvent?.metadata ?? e.resOutputsEvent?.metadata;
        // The stack itself and provider resources are bookkeeping, not the tenant's resources.
        if (m && m.type !== "pulumi:pulumi:Stack" && !m.type.startsWith("pulumi:providers:")) {
          let step = byUrn.get(m.urn);
          if (!step) {
            step = { op: m.op, type: m.type, name: m.urn.split("::").pop() ?? m.urn };
            byUrn.set(m.urn, step);
            steps.push(step);
          }
          const diffs = m.diffs?.length ? m.diffs : Object.keys(m.detailedDiff ?? {});
          if (diffs.length && !step.diffs) step.diffs = [...diffs].sort();
        }
        // Debug diagnostics (the engine's own trace of each RPC) are not worth a stored event each.
        if ((e.diagnosticEvent?.severity as string | undefined) === "debug") return;
        onEvent(engineEventOf(e));
      },
    });
    const out: EngineResult = { changes: changesOf(r) ?? {}, steps };
    const x = r as { durationSeconds?: unknown; elapsedMs?: unknown; stdout?: unknown };
    if (typeof x?.durationSeconds === "number") out.durationSeconds = x.durationSeconds;
    if (typeof x?.elapsedMs === "number") out.elapsedMs = x.elapsedMs;
    if (kind === "preview" && typeof x?.stdout === "string") out.diff = x.stdout.slice(-20000);
    return out;
  };
  return {
    up: (...args) => run("up", ...args),
    preview: (...args) => run("preview", ...args),
    refresh: (...args) => run("refresh", ...args),
    destroy: (...args) => run("destroy", ...args),
    async removeStack(stack) {
      await engine.removeStack(stack);
    },
    async recover(stack, orphans) {
      const r = await engine.recover(stack, { orphans: orphans ?? [] });
      return { ...r, actions: Array.isArray(r?.actions) ? r.actions : [] };
    },
    async outputs(stack): Promise<StackOutputs> {
      const out = await (await engine.stack(stack)).outputs();
      return Object.fromEntries(
        Object.entries(out).map(([k, v]) => [k, { value: v.value, secret: v.secret === true }]),
      );
    },
  };
}

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

/** Builds the whole service (not yet listening). */
export async function createService(cfg: ServiceConfig = {}): Promise<Service> {
  const env = cfg.env ?? process.env;
  const dataDir = resolve(cfg.dataDir ?? ".data");
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const unlock = lockDataDir(dataDir);
  try {
    const adminTokenFile = resolve(
      cfg.adminTokenFile ?? env.BASPHERE_ADMIN_TOKEN_FILE ?? join(dataDir, "admin-token"),
    );
    const admin = resolveAdminToken({ adminToken: cfg.adminToken, file: adminTokenFile, env });
    const pools = buildPools(loadPools(cfg.pools));
    const store = new SqliteStore({ path: join(dataDir, "basphere.sqlite"), pools });
    let driver: EngineDriver | undefined;
    let engineUnavailable: string | undefined;
    let passphrase: PassphraseSource | undefined;
    if (cfg.driver === null) engineUnavailable = "operations are disabled: no engine driver configured";
    else if (cfg.driver) driver = cfg.driver;
    else
      ({
        driver,
        reason: engineUnavailable,
        passphrase,
      } = await loadRealEngine({ dataDir, workDir: cfg.workDir, env, pluginPath: cfg.pluginPath }));
    const bus = new OperationBus();
    const metrics = new Metrics();
    const logger = cfg.logger ?? false;
    const worker = new Worker({
      store,
      driver,
      bus,
      concurrency: cfg.concurrency ?? 2,
      pollIntervalMs: cfg.pollIntervalMs,
      recovery: cfg.recovery,
      demandOf: demandOfSpec,
      log: logger || undefined,
      onFinished: (op, seconds) => {
        metrics.operationsFinished.inc({ kind: op.kind, status: op.status });
        metrics.operationDuration.observe({ kind: op.kind }, seconds);
      },
    });
    const app = await buildApp({
      store,
      worker,
      bus,
      driver,
      engineUnavailable,
      adminTokenHash: hashToken(admin.token),
      validateSpec: cfg.validateSpec ?? tenantSpecValidator,
      validateConfig:
        cfg.validateConfig === null
          ? undefined
          : (cfg.validateConfig ?? (cfg.validateSpec ? undefined : tenantConfigValidator)),
      demandOf: demandOfSpec,
      specJsonSchema: tenantSpecJsonSchema(),
      metrics,
      logger,
      bodyLimit: cfg.bodyLimit,
    });
    await worker.start();
    let closed = false;
    return {
      app,
      store,
      worker,
      bus,
      dataDir,
      adminTokenFile,
      generatedAdminToken: admin.generated ? admin.token : undefined,
      engineUnavailable,
      passphrase,
      async listen(port: number, host = "127.0.0.1") {
        return app.listen({ port, host });
      },
      async close() {
        if (closed) return;
        closed = true;
        await worker.stop(cfg.drainMs ?? 10000);
        await app.close();
        store.close();
        unlock();
      },
    };
  } catch (e) {
    unlock();
    throw e;
  }
}
