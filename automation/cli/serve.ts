/**
 * `basphere serve`: runs the automation service (HTTP API + worker) until SIGINT/SIGTERM.
 */
import { Command, Option } from "commander";
import { resolve } from "node:path";

export interface ServeOptions {
  port: string;
  host: string;
  dataDir: string;
  adminTokenFile?: string;
  concurrency: string;
  pools?: string;
  recovery: "retry" | "fail";
  logLevel: string;
  workDir?: string;
  /** true: on the box; false: real endpoints; undefined: on the box when the program is the project's own. */
  box?: boolean;
  driftInterval: string;
  driftJitter: string;
  driftConcurrency: string;
  /** postgres://… : the shared store of several replicas (default: SQLite in the data folder). */
  store?: string;
  replicaId?: string;
  lease: string;
}

/** A duration flag: `600`, `600s`, `10m`, `1h` → ms; `0`/`off` → 0. */
export function durationMs(name: string, v: string): number {
  if (v === "off") return 0;
  const m = /^(\d+)(s|m|h)?$/.exec(v.trim());
  const n = m ? Number(m[1]) * { s: 1, m: 60, h: 3600 }[(m[2] ?? "s") as "s" | "m" | "h"] : NaN;
  if (!Number.isSafeInteger(n) || n > 7 * 24 * 3600)
    throw new Error(
      `--${name} must be a duration like 600, 90s, 10m or 1h (at most 7 days) or off, got ${JSON.stringify(v)}`,
    );
  return n * 1000;
}

function int(name: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`--${name} must be an integer ${min}-${max}, got ${JSON.stringify(v)}`);
  return n;
}

export async function serve(opts: ServeOptions): Promise<void> {
  // Loaded here, not at the top: the other commands must not load the service (fastify, the store, node:sqlite).
  const { createLogger } = require("../service/logger") as typeof import("../service/logger");
  const { createService } = require("../service/wiring") as typeof import("../service/wiring");
  const port = int("port", opts.port, 0, 65535);
  const concurrency = int("concurrency", opts.concurrency, 1, 64);
  const driftIntervalMs = durationMs("drift-interval", opts.driftInterval);
  const driftJitter = Number(opts.driftJitter);
  if (!(driftJitter >= 0 && driftJitter <= 0.5))
    throw new Error(`--drift-jitter must be a number 0-0.5, got ${JSON.stringify(opts.driftJitter)}`);
  const driftConcurrency = int("drift-concurrency", opts.driftConcurrency, 1, concurrency);
  const leaseMs = durationMs("lease", opts.lease);
  if (leaseMs < 5000 || leaseMs > 600_000)
    throw new Error(`--lease must be from 5s to 10m, got ${JSON.stringify(opts.lease)}`);
  if (opts.replicaId !== undefined && !/^[A-Za-z0-9._/:-]{1,128}$/.test(opts.replicaId))
    throw new Error(
      `--replica-id must be 1-128 letters, digits or . _ / : -, got ${JSON.stringify(opts.replicaId)}`,
    );
  const logger = createLogger(undefined, opts.logLevel);
  const box = opts.box ?? opts.workDir === undefined;
  let onBox: Awaited<ReturnType<typeof startBox>> | undefined;
  if (box) onBox = await startBox(opts.dataDir);
  const svc = await createService({
    dataDir: opts.dataDir,
    adminTokenFile: opts.adminTokenFile,
    concurrency,
    pools: opts.pools ?? onBox?.pools,
    recovery: { policy: opts.recovery },
    workDir: opts.workDir,
    pluginPath: onBox?.pluginPath,
    logger,
    drift: { intervalMs: driftIntervalMs, jitter: driftJitter, concurrency: driftConcurrency },
    storeUrl: opts.store || undefined,
    replicaId: opts.replicaId,
    leaseMs,
  });
  const url = await svc.listen(port, opts.host);
  if (svc.generatedAdminToken) {
    process.stderr.write(
      `\nadmin token (shown once; stored in ${svc.adminTokenFile} with mode 0600):\n\n  ${svc.generatedAdminToken}\n\n` +
        `  export BASPHERE_URL=${url} BASPHERE_TOKEN=$(cat ${svc.adminTokenFile})\n\n`,
    );
  }
  if (svc.passphrase?.generated || (onBox?.passphraseGenerated && svc.passphrase?.kind === "data-dir")) {
    process.stderr.write(
      `warning: PULUMI_CONFIG_PASSPHRASE is not set: generated a secrets passphrase in ${svc.passphrase.file} (mode 0600).\n` +
        `         The stacks' secrets are encrypted with it: keep that file with the data folder. Production should set\n` +
        `         its own PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) before the first start.\n`,
    );
  } else if (svc.passphrase?.kind === "data-dir") {
    process.stderr.write(
      `warning: using the generated secrets passphrase in ${svc.passphrase.file}; production should set PULUMI_CONFIG_PASSPHRASE\n`,
    );
  }
  if (svc.engineUnavailable) process.stderr.write(`warning: ${svc.engineUnavailable}\n`);
  process.stderr.write(
    `basphere service listening on ${url} (API ${url}/v1, docs ${url}/docs, data ${svc.dataDir})\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      process.stderr.write(
        `${sig}: stopping (running operations get 10 s, then the next start recovers them)\n`,
      );
      svc
        .close()
        .then(() => onBox?.stop())
        .then(resolve, (e) => {
          process.stderr.write(`error while stopping: ${(e as Error).message}\n`);
          resolve();
        });
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
}

/**
 * Starts the datacenter in a box on the data folder (or keeps the running one) and brings its onprem stack up;
 * returns the box's pools and plugin folder, and `stop` (which stops the box only if this call started it).
 */
async function startBox(dataDir: string) {
  const { boxUp, boxDown } = await import("../../box/box");
  const { openBoxEngine, upBoxOnpremStack } = await import("../../box/onpremStack");
  const { findProjectRoot } = await import("../engine/environment");
  const projectRoot = findProjectRoot(__dirname);
  const dir = resolve(dataDir);
  const { state, reused, seconds } = await boxUp({
    dataDir: dir,
    projectRoot,
    log: (l) => process.stderr.write(l + "\n"),
  });
  process.stderr.write(
    reused
      ? "box: using the running box\n"
      : `box: started in ${seconds.toFixed(1)} s (basphere box status)\n`,
  );
  // The box's onprem stack is the first engine use on a new data folder: say so if its passphrase is generated now.
  const { resolvePassphrase } = await import("../service/dataDir");
  const passphraseGenerated = resolvePassphrase(dir, process.env).generated;
  try {
    const engine = await openBoxEngine(dir, projectRoot, state);
    const changes = await upBoxOnpremStack(engine, state, projectRoot);
    process.stderr.write(`box: onprem stack up to date (${JSON.stringify(changes)})\n`);
  } catch (e) {
    if (!reused) await boxDown({ dataDir: dir });
    throw e;
  }
  return {
    pools: state.pools,
    passphraseGenerated,
    pluginPath: [state.vsphere.pluginDir],
    stop: async () => {
      if (reused) return;
      const stopped = await boxDown({ dataDir: dir });
      process.stderr.write(`box: stopped ${stopped.join(", ")}\n`);
    },
  };
}

export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description("run the automation service: HTTP API on /v1, docs on /docs, the operation worker")
    .option("-p, --port <port>", "TCP port", process.env.BASPHERE_PORT ?? "8080")
    .option("--host <host>", "address to listen on", process.env.BASPHERE_HOST ?? "127.0.0.1")
    .option(
      "-d, --data-dir <dir>",
      "data folder (SQLite database, admin token)",
      process.env.BASPHERE_DATA_DIR ?? ".data",
    )
    .option(
      "--admin-token-file <file>",
      "admin token file (default <data-dir>/admin-token; BASPHERE_ADMIN_TOKEN wins)",
    )
    .option("-c, --concurrency <n>", "operations running at once", process.env.BASPHERE_CONCURRENCY ?? "2")
    .option("--pools <file.json>", "allocation pools (VLAN range, router WAN and floating IP ranges)")
    .addOption(
      new Option("--recovery <policy>", "what to do with operations a crash interrupted")
        .choices(["retry", "fail"])
        .default("retry"),
    )
    .option(
      "--work-dir <dir>",
      "folder of the Pulumi program operations run (project basphere; default: the project root)",
      process.env.BASPHERE_WORK_DIR,
    )
    .option("--log-level <level>", "pino log level", process.env.BASPHERE_LOG_LEVEL ?? "info")
    .option(
      "--box",
      "run on the datacenter in a box (default when --work-dir is not given): started if not running, its pools",
    )
    .option("--no-box", "real endpoints: the onprem stack, plugins and pools you configure (production)")
    .option(
      "--drift-interval <duration>",
      "drift check of every ready tenant this often (600, 90s, 10m, 1h; off: none)",
      process.env.BASPHERE_DRIFT_INTERVAL ?? "10m",
    )
    .option("--drift-jitter <fraction>", "spread of the drift interval, 0-0.5", "0.1")
    .option(
      "--drift-concurrency <n>",
      "drift checks running at once at most (at most --concurrency; user operations go first)",
      "1",
    )
    .option(
      "--store <url>",
      "shared store of several replicas, postgres://user@host:port/db (stack state goes there too; default: SQLite in the data folder)",
      process.env.BASPHERE_STORE_URL,
    )
    .option(
      "--replica-id <id>",
      "this replica's name in leases and events (default <host>/<pid>/<random>)",
      process.env.BASPHERE_REPLICA_ID,
    )
    .option(
      "--lease <duration>",
      "how long a claimed operation holds without renewal (5s-10m); another replica takes it over after",
      process.env.BASPHERE_LEASE ?? "30s",
    )
    .action(async (opts: ServeOptions) => serve(opts));
}
