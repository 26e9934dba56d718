/**
 * The one place where the service's parts meet: data folder (lock, admin token, SQLite file), pools, store,
 * engine (automation/engine when it is installed), spec validator (model/tenant/spec.ts), worker and HTTP app.
 * Without a usable engine the service still starts (reads, docs, health) but refuses operations with 503 and the
 * reason, and readiness reports it. The parts it wires live in their own modules: dataDir.ts (lock, admin token,
 * passphrase), specValidation.ts (spec validators), engineAdapter.ts (Engine -> EngineDriver), realEngine.ts
 * (opening the real engine).
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type pino from "pino";
import { demandOfSpec } from "../allocator/demand";
import { DEFAULT_POOLS, PoolsConfig, buildPools } from "../allocator/pools";
import { PostgresStore } from "../store/postgresStore";
import { SqlStore } from "../store/sqlStore";
import { SqliteStore } from "../store/sqliteStore";
import { OperationBus } from "../worker/bus";
import { EngineDriver } from "../worker/engineDriver";
import { DEFAULT_DRIFT_INTERVAL_MS, RECONCILE_REQUESTER } from "../worker/drift";
import { DriftScheduler } from "../worker/driftScheduler";
import { RecoveryPolicy, Worker } from "../worker/worker";
import { buildApp } from "./app";
import type { ConfigValidator, SpecPinner, SpecValidator } from "./context";
import { hashToken } from "./auth";
import { Metrics } from "./metrics";
import type { FastifyInstance } from "fastify";
import { PassphraseSource, lockDataDir, resolveAdminToken } from "./dataDir";
import { loadRealEngine } from "./realEngine";
import {
  tenantConfigValidator,
  tenantSpecJsonSchema,
  tenantSpecPinner,
  tenantSpecValidator,
} from "./specValidation";

export interface ServiceConfig {
  /** Data folder (SQLite file, admin token file, pid lock). Default `.data`. */
  dataDir?: string;
  /**
   * `postgres://…`: the store and the stacks' state in this PostgreSQL database, shared by every replica (then the
   * admin token and the secrets passphrase must come from the environment, the same for all). Default: SQLite in
   * the data folder and the file state backend.
   */
  storeUrl?: string;
  /** This replica's id in operation leases. Default `<host>/<pid>/<random>`. */
  replicaId?: string;
  /** Lease of a claimed operation, ms (see WorkerOptions.leaseMs). Default 30000. */
  leaseMs?: number;
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
  /** Default: {@link tenantSpecPinner} with the default spec validator, none with a custom one. */
  pinSpec?: SpecPinner | null;
  /** Request body limit in bytes. Default 256 KiB. */
  bodyLimit?: number;
  /** How long `close()` waits for running operations before interrupting them (ms). Default 10000. */
  drainMs?: number;
  env?: NodeJS.ProcessEnv;
  /** More plugin folders for the real engine's PATH (the box's vSphere provider simulator). Default none. */
  pluginPath?: string[];
  /** Drift detection (see {@link DriftConfig}). Default: every 10 minutes, jitter 0.1, one check at a time. */
  drift?: Partial<DriftConfig>;
}

/** How the service checks its tenants for drift. */
export interface DriftConfig {
  /** Interval between two checks of a tenant, ms; 0 turns the scheduled checks off. Default 600000 (10 min). */
  intervalMs: number;
  /** Jitter as a fraction of the interval (0–0.5). Default 0.1. */
  jitter: number;
  /** Drift checks running at once at most (below `concurrency`: user operations keep a slot). Default 1. */
  concurrency: number;
  /** How often due tenants are looked for, ms. Default min(interval / 10, 30 s). */
  tickMs?: number;
}

export const DEFAULT_DRIFT: DriftConfig = {
  intervalMs: DEFAULT_DRIFT_INTERVAL_MS,
  jitter: 0.1,
  concurrency: 1,
};

export interface Service {
  app: FastifyInstance;
  store: SqlStore;
  worker: Worker;
  bus: OperationBus;
  /** The drift scheduler (undefined when the interval is 0 or there is no engine). */
  drift?: DriftScheduler;
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
    // postgresql:// (what CloudNativePG's app Secret holds) is the same URL; the Pulumi CLI's backend takes postgres://.
    const storeUrl = cfg.storeUrl?.replace(/^postgresql:\/\//, "postgres://");
    const shared = storeUrl !== undefined;
    if (shared && !storeUrl.startsWith("postgres://"))
      throw new Error(
        "store: only postgres://user@host:port/database URLs (without --store: SQLite in the data folder)",
      );
    if (
      shared &&
      !cfg.adminToken &&
      !env.BASPHERE_ADMIN_TOKEN &&
      !env.BASPHERE_ADMIN_TOKEN_FILE &&
      !cfg.adminTokenFile
    )
      throw new Error(
        "store postgres://: every replica needs the same admin token: set BASPHERE_ADMIN_TOKEN or BASPHERE_ADMIN_TOKEN_FILE",
      );
    if (
      shared &&
      cfg.driver === undefined &&
      !env.PULUMI_CONFIG_PASSPHRASE &&
      !env.PULUMI_CONFIG_PASSPHRASE_FILE
    )
      throw new Error(
        "store postgres://: every replica needs the same secrets passphrase: set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE",
      );
    const admin = resolveAdminToken({ adminToken: cfg.adminToken, file: adminTokenFile, env });
    const pools = buildPools(loadPools(cfg.pools));
    const store: SqlStore = shared
      ? await PostgresStore.open({ url: storeUrl, pools })
      : new SqliteStore({ path: join(dataDir, "basphere.sqlite"), pools });
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
      } = await loadRealEngine({
        dataDir,
        workDir: cfg.workDir,
        env,
        pluginPath: cfg.pluginPath,
        backendUrl: storeUrl,
      }));
    const bus = new OperationBus();
    const metrics = new Metrics();
    const logger = cfg.logger ?? false;
    const drift: DriftConfig = { ...DEFAULT_DRIFT, ...cfg.drift };
    const worker = new Worker({
      store,
      driver,
      bus,
      concurrency: cfg.concurrency ?? 2,
      pollIntervalMs: cfg.pollIntervalMs,
      recovery: cfg.recovery,
      demandOf: demandOfSpec,
      log: logger || undefined,
      driftLimit: drift.concurrency,
      driftIntervalMs: drift.intervalMs || DEFAULT_DRIFT.intervalMs,
      replicaId: cfg.replicaId,
      leaseMs: cfg.leaseMs,
      onFinished: (op, seconds) => {
        metrics.operationsFinished.inc({ kind: op.kind, status: op.status });
        metrics.operationDuration.observe({ kind: op.kind }, seconds);
        if (op.kind === "drift") {
          const state = op.status === "succeeded" ? String(op.result?.state ?? "clean") : op.status;
          metrics.driftChecks.inc({ result: state });
          if (op.status === "succeeded") metrics.driftCheckDuration.observe({}, seconds);
        }
        if (op.requestedBy === RECONCILE_REQUESTER) metrics.reconciles.inc({ status: op.status });
      },
    });
    const scheduler =
      drift.intervalMs > 0 && driver
        ? new DriftScheduler({
            store,
            intervalMs: drift.intervalMs,
            jitter: drift.jitter,
            maxConcurrent: drift.concurrency,
            tickMs: drift.tickMs,
            log: logger || undefined,
            onQueued: (op) => {
              bus.publishOperation(op);
              worker.kick();
            },
          })
        : undefined;
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
      pinSpec:
        cfg.pinSpec === null ? undefined : (cfg.pinSpec ?? (cfg.validateSpec ? undefined : tenantSpecPinner)),
      demandOf: demandOfSpec,
      specJsonSchema: tenantSpecJsonSchema(),
      metrics,
      logger,
      bodyLimit: cfg.bodyLimit,
      drift: scheduler,
    });
    await worker.start();
    scheduler?.start();
    let closed = false;
    return {
      app,
      store,
      worker,
      bus,
      drift: scheduler,
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
        await scheduler?.stop();
        await worker.stop(cfg.drainMs ?? 10000);
        await app.close();
        await store.close();
        unlock();
      },
    };
  } catch (e) {
    unlock();
    throw e;
  }
}
