/**
 * Process-tree helpers for the engine (Linux /proc): find the `pulumi` process running an operation on a stack and
 * kill it with everything it started (language host, node program, dynamic providers).
 */
import * as fs from "node:fs";

/** One process as /proc shows it. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  argv: string[];
}

/** All processes readable in /proc. */
export function listProcesses(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      // Field 4 is the parent pid; the command name (field 2) may contain spaces, so split after its ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").filter(Boolean);
      out.push({ pid: Number(entry), ppid, argv });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** `pid` and all its descendants, parents before children. */
export function processTree(pid: number, all: ProcessInfo[] = listProcesses()): ProcessInfo[] {
  const byParent = new Map<number, ProcessInfo[]>();
  for (const p of all) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p]);
  const root = all.find((p) => p.pid === pid);
  const out: ProcessInfo[] = root ? [root] : [];
  for (let i = 0; i < out.length; i++) out.push(...(byParent.get(out[i].pid) ?? []));
  return out;
}

/**
 * The `pulumi` CLI processes started by this Node process (direct children) that operate on `stack`, i.e. whose
 * argv[0] is `<binDir>/pulumi` and that carry `--stack <stack>`.
 */
export function findEngineProcesses(
  binDir: string,
  stack: string,
  parent: number = process.pid,
): ProcessInfo[] {
  const cli = `${binDir}/pulumi`;
  return listProcesses().filter((p) => {
    if (p.ppid !== parent || p.argv[0] !== cli) return false;
    const i = p.argv.indexOf("--stack");
    return i >= 0 && p.argv[i + 1] === stack;
  });
}

/** Sends `signal` to every process of the tree rooted at `pid` (children first is not needed for SIGKILL). */
export function killTree(pid: number, signal: NodeJS.Signals = "SIGKILL"): number[] {
  const killed: number[] = [];
  for (const p of processTree(pid)) {
    try {
      process.kill(p.pid, signal);
      killed.push(p.pid);
    } catch {
      // already gone
    }
  }
  return killed;
}

/** True when a process with this pid exists (and we may signal it). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
