/**
 * Shared setup of the box's end-to-end tests: a box on a throw-away data folder, the service on it (`basphere serve
 * --box`, optionally under strace to record every connect()), and readers of what each system holds.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { BoxState, boxDown, boxUp } from "../box/box";
import { openBoxEngine, upBoxOnpremStack } from "../box/onpremStack";
import { KubeClient } from "../providers/kubernetes/client";
import { PROJECT_ROOT } from "./engine";
import { waitListening } from "./service";

export { PROJECT_ROOT, requireEngine, waitFor } from "./engine";

export const ADMIN_TOKEN = "bspa.e2e-box-admin-token-0123456789abcdef0123";
export const PASSPHRASE = "e2e-box-passphrase-0123456789";

/** The tenant spec of an example stack file (`stacks/Pulumi.<stack>.yaml`: its `basphere:tenant`). */
export function exampleTenant(stack: string): any {
  const file = path.join(PROJECT_ROOT, "stacks", `Pulumi.${stack}.yaml`);
  return YAML.parse(fs.readFileSync(file, "utf8")).config["basphere:tenant"];
}

/** A box on its own data folder. */
export class BoxSandbox {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "basphere-box-"));
  readonly dataDir = path.join(this.dir, "data");
  state!: BoxState;
  kube!: KubeClient;
  startSeconds = 0;

  async up(): Promise<void> {
    fs.mkdirSync(this.dataDir, { recursive: true });
    // A WAN network of its own, so the test runs beside a developer's box (127.0.200.0/24).
    const wanNet = `127.0.${201 + Math.floor(Math.random() * 50)}`;
    const r = await boxUp({ dataDir: this.dataDir, projectRoot: PROJECT_ROOT, wanNet });
    this.state = r.state;
    this.startSeconds = r.seconds;
    this.kube = KubeClient.fromKubeconfig(fs.readFileSync(r.state.kubernetes.kubeconfig, "utf8"));
    process.env.PULUMI_CONFIG_PASSPHRASE = PASSPHRASE;
    const engine = await openBoxEngine(this.dataDir, PROJECT_ROOT, this.state);
    await upBoxOnpremStack(engine, this.state, PROJECT_ROOT);
  }

  /** What the inspection API of the box's simulators answers for `path` (`/routers`, `/routers/<address>`). */
  async inspect(p: string): Promise<any> {
    const token = JSON.parse(fs.readFileSync(this.state.inspect.tokenFile, "utf8"));
    const r = await fetch(`http://127.0.0.1:${this.state.inspect.port}${p}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (r.status !== 200) throw new Error(`inspect ${p}: HTTP ${r.status}`);
    return r.json();
  }

  async down(): Promise<void> {
    await boxDown({ dataDir: this.dataDir });
  }

  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `basphere serve --box` on the sandbox's data folder. */
export interface BoxServe {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  /** strace's output file when started with `trace`. */
  traceFile?: string;
  stop(): Promise<void>;
}

/**
 * Starts the service on the box (the running one is reused). With `trace`, the whole process tree runs under
 * `strace -f -e trace=connect`, so the test can check every address anything connected to.
 */
export async function startBoxServe(
  sandbox: BoxSandbox,
  opts: { trace?: boolean; args?: string[] } = {},
): Promise<BoxServe> {
  const args = [
    path.join(PROJECT_ROOT, "dist", "automation", "cli", "main.js"),
    "serve",
    "--box",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--data-dir",
    sandbox.dataDir,
    "--log-level",
    "warn",
    ...(opts.args ?? []),
  ];
  const traceFile = opts.trace ? path.join(sandbox.dir, "connect.trace") : undefined;
  const [command, argv] = traceFile
    ? [
        "strace",
        ["-f", "-qq", "--seccomp-bpf", "-e", "trace=connect", "-o", traceFile, process.execPath, ...args],
      ]
    : [process.execPath, args];
  const child = spawn(command as string, argv as string[], {
    cwd: sandbox.dir,
    env: { ...process.env, BASPHERE_ADMIN_TOKEN: ADMIN_TOKEN, PULUMI_CONFIG_PASSPHRASE: PASSPHRASE },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const url = await waitListening(child, () => stderr, 120_000);
  return {
    child,
    url,
    stderr: () => stderr,
    traceFile,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      // Under strace the service is strace's child: signal it (strace ends when it does).
      let target = child.pid!;
      if (traceFile) {
        const kids = fs
          .readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8")
          .trim()
          .split(/\s+/);
        if (kids[0]) target = Number(kids[0]);
      }
      process.kill(target, "SIGTERM");
      await exited;
    },
  };
}

/** Every address a traced connect() named that is not loopback (AF_INET 127/8, AF_INET6 ::1 / ::ffff:127/104). */
export function nonLoopbackConnects(trace: string): string[] {
  const bad: string[] = [];
  for (const line of trace.split("\n")) {
    if (!line.includes("connect(")) continue;
    const v4 = /sin_addr=inet_addr\("([\d.]+)"\)/.exec(line);
    const v6 = /inet_pton\(AF_INET6, "([^"]+)"/.exec(line);
    if (v4 && !v4[1].startsWith("127.")) bad.push(line.trim());
    if (v6 && v6[1] !== "::1" && !/^::ffff:127\./.test(v6[1])) bad.push(line.trim());
  }
  return bad;
}

/** Paths (a.b[0].c) of every leaf of `want` that `got` lacks or holds with another value (what an API server pruned). */
export function missingLeaves(want: unknown, got: unknown, at = ""): string[] {
  if (want === null || typeof want !== "object")
    return JSON.stringify(want) === JSON.stringify(got) ? [] : [at];
  if (got === null || typeof got !== "object") return [at];
  return Object.entries(want as Record<string, unknown>).flatMap(([k, v]) =>
    missingLeaves(v, (got as Record<string, unknown>)[k], Array.isArray(want) ? `${at}[${k}]` : `${at}.${k}`),
  );
}

/** Plural resource name of a Cluster API kind, as its CRD declares it (`MachineHealthCheck` → `machinehealthchecks`). */
export function crdPlural(kind: string): string {
  return kind.toLowerCase() + (kind.endsWith("s") ? "es" : "s");
}
