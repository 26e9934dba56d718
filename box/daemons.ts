/**
 * The box's long-running processes: started detached (own session, output to a log file), recorded by pid and
 * start time (so a recycled pid is never signalled), waited for until ready, and stopped with SIGTERM then SIGKILL.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import { ProcessRef, isSameProcess, processRef } from "../automation/engine/processes";

/** A process the box started, as recorded in its state file. */
export interface DaemonRecord extends ProcessRef {
  name: string;
  command: string;
  log: string;
}

/** Options of {@link startDaemon}. */
export interface DaemonSpec {
  /** Short name (etcd, kube-apiserver, ...), used in messages and for the log file name. */
  name: string;
  command: string;
  args: string[];
  /** Log file (stdout and stderr, appended). */
  log: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Starts `spec` in its own session; it keeps running after this process exits. */
export function startDaemon(spec: DaemonSpec): DaemonRecord {
  const fd = fs.openSync(spec.log, "a");
  try {
    const child = spawn(spec.command, spec.args, {
      detached: true,
      stdio: ["ignore", fd, fd],
      env: spec.env ?? process.env,
      cwd: spec.cwd,
    });
    if (child.pid === undefined) throw new Error(`${spec.name}: could not start ${spec.command}`);
    child.unref();
    const ref = processRef(child.pid);
    if (!ref) throw new Error(`${spec.name} exited at once: ${tail(spec.log)}`);
    return { name: spec.name, command: spec.command, log: spec.log, ...ref };
  } finally {
    fs.closeSync(fd);
  }
}

/** The last lines of a log file, for error messages. */
export function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/**
 * Waits until `ready()` is true; fails (with the end of the daemon's log) when the daemon exits or after
 * `timeoutMs`.
 */
export async function waitReady(
  d: DaemonRecord,
  ready: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (!isSameProcess(d))
      throw new Error(`${d.name} exited while starting; its log (${d.log}):\n${tail(d.log)}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > end)
      throw new Error(`${d.name} was not ready after ${timeoutMs} ms; its log (${d.log}):\n${tail(d.log)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Stops a daemon: SIGTERM, then SIGKILL after `graceMs`. Returns false when it was not running any more. */
export async function stopDaemon(d: ProcessRef, graceMs = 10_000): Promise<boolean> {
  if (!isSameProcess(d)) return false;
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(d.pid, s);
    } catch {
      // gone
    }
  };
  signal("SIGTERM");
  const end = Date.now() + graceMs;
  while (isSameProcess(d) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  if (isSameProcess(d)) signal("SIGKILL");
  while (isSameProcess(d)) await new Promise((r) => setTimeout(r, 50));
  return true;
}

/** A TCP port free on 127.0.0.1 now (the kernel's choice). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on host:port. */
export function isListening(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}
