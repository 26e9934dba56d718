/**
 * The one place where the service's parts meet: data folder (lock, admin token, SQLite file), pools, store,
 * engine (automation/engine when it is installed), spec validator (stacks/tenantSpec), worker and HTTP app.
 * Without a usable engine the service still starts (reads, docs, health) but refuses operations with 503 and the
 * reason, and readiness reports it.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { join, resolve } from "node:path";
import type { EngineEvent as PulumiEngineEvent } from "@pulumi/pulumi/automation";
import type pino from "pino";
import { z } from "zod";
import { tenantSpecSchema } from "../../stacks/tenantSpec";
import { demandOfSpec } from "../allocator/demand";
import { DEFAULT_POOLS, PoolsConfig, buildPools } from "../allocator/pools";
import { SqliteStore } from "../store/sqliteStore";
import { OperationBus } from "../worker/bus";
import {
  EngineDriver,
  EngineEvent,
  EngineResult,
  OnEvent,
  StackOutputs,
  TenantStackConfig,
} from "../worker/engineDriver";
import { RecoveryPolicy, Worker } from "../worker/worker";
import { buildApp, SpecValidator } from "./app";
import { hashToken, newAdminToken } from "./auth";
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
  /** Default: {@link tenantSpecValidator}. */
  validateSpec?: SpecValidator;
  /** Request body limit in bytes. Default 256 KiB. */
  bodyLimit?: number;
  /** How long `close()` waits for running operations before interrupting them (ms). Default 10000. */
  drainMs?: number;
  env?: NodeJS.ProcessEnv;
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
  /** Listens; returns the base URL. */
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

/** The tenant spec validator (zod, stacks/tenantSpec.ts). */
export const tenantSpecValidator: SpecValidator = (spec) => {
  const r = tenantSpecSchema.safeParse(spec);
  return r.success
    ? { ok: true, spec: r.data }
    : { ok: false, issues: r.error.issues.map((i) => ({ path: i.path, message: i.message })) };
};

/** JSON schema of the tenant spec for the OpenAPI document (input form: defaults not applied). */
export function tenantSpecJsonSchema(): Record<string, unknown> | undefined {
  try {
    const s = z.toJSONSchema(tenantSpecSchema, { io: "input", unrepresentable: "any" }) as Record<
      string,
      unknown
    >;
    delete s.$schema;
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
      data: { op: step.op, type: step.type, urn: step.urn },
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
  signal?: AbortSignal;
}
/** What the adapter uses of automation/engine's Engine. */
export interface EngineLike {
  stack(name: string): Promise<EngineStackLike>;
  removeStack(name: string): Promise<void>;
  recover(name: string): Promise<{ actions: string[] }>;
}

/** Change counts of an engine result, whichever shape it has (`resourceChanges`, `summary.resourceChanges`, `changeSummary`). */
export function changesOf(r: unknown): Record<string, number> | undefined {
  const x = r as
    | { resourceChanges?: unknown; summary?: { resourceChanges?: unknown }; changeSummary?: unknown }
    | undefined;
  return (x?.resourceChanges ?? x?.summary?.resourceChanges ?? x?.changeSummary) as
    Record<string, number> | undefined;
}

/** The real engine behind the worker's {@link EngineDriver} interface. */
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
  const opts = (onEvent: OnEvent, signal: AbortSignal): EngineOpOptions => ({
    onEvent: (e) => onEvent(engineEventOf(e)),
    signal,
  });
  const result = (r: unknown, withDiff = false): EngineResult => {
    const out: EngineResult = { changes: changesOf(r) };
    const stdout = (r as { stdout?: unknown })?.stdout;
    if (withDiff && typeof stdout === "string") out.diff = stdout.slice(-20000);
    return out;
  };
  return {
    async up(stack, config, onEvent, signal) {
      return result(await (await configure(stack, config)).up(opts(onEvent, signal)));
    },
    async preview(stack, config, onEvent, signal) {
      return result(await (await configure(stack, config)).preview(opts(onEvent, signal)), true);
    },
    async refresh(stack, config, onEvent, signal) {
      return result(await (await configure(stack, config)).refresh(opts(onEvent, signal)));
    },
    async destroy(stack, config, onEvent, signal) {
      return result(await (await configure(stack, config)).destroy(opts(onEvent, signal)));
    },
    async removeStack(stack) {
      await engine.removeStack(stack);
    },
    async recover(stack) {
      const r = await engine.recover(stack);
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

/** Opens the real engine; on failure returns the reason operations are refused. */
export async function loadRealEngine(): Promise<{ driver?: EngineDriver; reason?: string }> {
  let mod: { Engine: { open(): Promise<unknown> } };
  try {
    mod = require("../engine/engine");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "MODULE_NOT_FOUND")
      return {
        reason: "operations are disabled: the engine driver (automation/engine) is not part of this build",
      };
    return { reason: `operations are disabled: loading automation/engine failed: ${err.message}` };
  }
  try {
    return { driver: engineDriver((await mod.Engine.open()) as EngineLike) };
  } catch (e) {
    return { reason: `operations are disabled: the Pulumi engine is not available: ${(e as Error).message}` };
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
    if (cfg.driver === null) engineUnavailable = "operations are disabled: no engine driver configured";
    else if (cfg.driver) driver = cfg.driver;
    else ({ driver, reason: engineUnavailable } = await loadRealEngine());
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
