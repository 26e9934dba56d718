/**
 * Shared setup of the service end-to-end tests: a throw-away folder with a copy of the test program
 * (test/e2e/service/program, project `basphere`) linked to the project's node_modules, the OPNsense emulator the
 * program writes to, and small HTTP helpers.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { listProcesses } from "../automation/engine/processes";
import { Emulator } from "../providers/opnsense/emulator";
import { PROJECT_ROOT, waitFor } from "./engine";

export { PROJECT_ROOT, requireEngine, waitFor } from "./engine";

export const ADMIN_TOKEN = "bspa.e2e-service-admin-token-0123456789abcdef";

/** A `basphere serve` child process started by {@link startServe}. */
export interface ServeProcess {
  child: ChildProcess;
  /** The base URL it listens on. */
  url: string;
  /** What it wrote to stderr so far (the last `stderrTail` characters). */
  stderr: () => string;
  /** Resolves with the exit code once it exited. */
  exited: Promise<number | null>;
}

/**
 * Starts `node dist/automation/cli/main.js serve --host 127.0.0.1 --port 0` on the sandbox's data and program
 * folders, with exactly `env` and the extra `args`; resolves once it listens. Fails when it exits first or does not
 * listen within 60 s (then it is killed).
 */
export async function startServe(
  sandbox: ServiceSandbox,
  opts: { env: NodeJS.ProcessEnv; args?: string[]; stderrTail?: number },
): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    [
      path.join(PROJECT_ROOT, "dist", "automation", "cli", "main.js"),
      "serve",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--data-dir",
      sandbox.dataDir,
      "--work-dir",
      sandbox.programDir,
      ...(opts.args ?? []),
    ],
    { cwd: sandbox.dir, env: opts.env, stdio: ["ignore", "ignore", "pipe"] },
  );
  const tail = opts.stderrTail ?? Infinity;
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > tail) stderr = stderr.slice(-tail);
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  try {
    const url = await waitListening(child, () => stderr, 60000);
    return { child, url, stderr: () => stderr, exited };
  } catch (err) {
    if (child.exitCode === null) child.kill("SIGKILL");
    throw err;
  }
}

/** The URL `basphere serve` prints once it listens; fails when it exits first or after `timeoutMs`. */
export function waitListening(child: ChildProcess, stderr: () => string, timeoutMs: number): Promise<string> {
  return waitFor(
    "basphere serve to listen",
    () => {
      if (child.exitCode !== null)
        throw new Error(`basphere serve exited with ${child.exitCode}:\n${stderr()}`);
      return /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr())?.[1];
    },
    timeoutMs,
  );
}

/** A temporary folder with `program/` (the test program) and room for a data folder. */
export class ServiceSandbox {
  readonly dir: string;
  readonly programDir: string;
  readonly dataDir: string;

  constructor(label: string) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `basphere-service-${label}-`));
    this.programDir = path.join(this.dir, "program");
    this.dataDir = path.join(this.dir, "data");
    fs.cpSync(path.join(PROJECT_ROOT, "test", "e2e", "service", "program"), this.programDir, {
      recursive: true,
    });
    fs.symlinkSync(
      path.join(PROJECT_ROOT, "node_modules"),
      path.join(this.programDir, "node_modules"),
      "dir",
    );
  }

  /** The file backend of the service's data folder. */
  get backendDir(): string {
    return path.join(this.dataDir, "pulumi-state");
  }

  /** Stacks in the file backend (`<name>.json` checkpoints of project basphere). */
  stacks(): string[] {
    try {
      return fs
        .readdirSync(path.join(this.backendDir, ".pulumi", "stacks", "basphere"))
        .filter((f) => f.endsWith(".json"))
        .map((f) => f.slice(0, -".json".length))
        .sort();
    } catch {
      return [];
    }
  }

  /** Lock files left in the backend, any stack. */
  locks(): string[] {
    const root = path.join(this.backendDir, ".pulumi", "locks");
    const out: string[] = [];
    const walk = (d: string) => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(d, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else out.push(path.relative(root, p));
      }
    };
    walk(root);
    return out;
  }

  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The environment variable the test program reads the router connection from. */
export function programEnv(emulator: Emulator): Record<string, string> {
  return {
    BASPHERE_E2E_OPNSENSE: JSON.stringify({
      providers: path.join(PROJECT_ROOT, "dist", "providers", "opnsense"),
      url: emulator.url,
      apiKey: emulator.apiKey,
      apiSecret: emulator.apiSecret,
    }),
  };
}

/** Virtual IP addresses in the emulator, sorted. */
export function emulatedVips(emulator: Emulator): string[] {
  return Object.values(emulator.state.collections.vip as Record<string, { subnet: string }>)
    .map((r) => r.subnet)
    .sort();
}

/** Alias records in the emulator by name → { content, description, uuid }. */
export function emulatedAliases(
  emulator: Emulator,
): Record<string, { content: string; description: string; uuid: string }> {
  return Object.fromEntries(
    Object.entries(
      emulator.state.collections.alias as Record<
        string,
        { name: string; content: string; description: string }
      >,
    ).map(([uuid, r]) => [r.name, { content: r.content, description: r.description, uuid }]),
  );
}

/** `pulumi` processes of the engine binary whose command line uses this backend's data (by --stack tenant-*). */
export function enginePulumiProcesses(binDir: string): { pid: number; ppid: number; stack: string }[] {
  const cli = path.join(binDir, "pulumi");
  return listProcesses()
    .filter((p) => p.argv[0] === cli && p.argv.includes("--stack"))
    .map((p) => ({ pid: p.pid, ppid: p.ppid, stack: p.argv[p.argv.indexOf("--stack") + 1] }));
}

/** A minimal JSON HTTP client for a service base URL. */
export function client(base: string, defaultToken: string = ADMIN_TOKEN) {
  return async function req(
    method: string,
    url: string,
    opts: { token?: string | null; body?: unknown } = {},
  ): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = {};
    const token = opts.token === undefined ? defaultToken : opts.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    const r = await fetch(base + url, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await r.text();
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    return { status: r.status, body };
  };
}

export const TERMINAL = ["succeeded", "failed", "cancelled"];

/** Polls an operation until it is terminal. */
export async function waitOperation(
  req: ReturnType<typeof client>,
  id: string,
  timeoutMs = 120000,
  token?: string,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await req("GET", `/v1/operations/${id}`, { token });
    if (r.status === 200 && TERMINAL.includes(r.body.status)) return r.body;
    if (Date.now() > deadline)
      throw new Error(`operation ${id} not terminal after ${timeoutMs} ms: ${JSON.stringify(r.body)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/**
 * SIGKILLs every process (but this one) whose environment contains `marker` — what a test's services and their engine
 * processes carry (a backend folder, a database URL), re-parented dynamic providers included: nothing of a test is
 * left behind, whatever happened. Returns how many were killed.
 */
export function killProcessesWithEnv(marker: string): number {
  let n = 0;
  for (const p of listProcesses()) {
    if (p.pid === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${p.pid}/environ`, "utf8").includes(marker)) {
        process.kill(p.pid, "SIGKILL");
        n++;
      }
    } catch {
      // gone, or not ours to read
    }
  }
  return n;
}
