/**
 * Process-tree helpers for the engine (Linux /proc): find the `pulumi` process running an operation on a stack and
 * kill it with everything it started (language host, node program, dynamic providers).
 */
import * as fs from "node:fs";

/** One process as /proc shows it. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Process group. */
  pgid: number;
  /**
   * Session. The engine runs each `pulumi` process as the leader of a new session (sid = its pid); everything it
   * starts stays in that session (the CLI puts its plugins in process groups of their own, not in new sessions).
   */
  sid: number;
  /** State letter (R, S, D, Z for a zombie...). */
  state: string;
  /** Start time, clock ticks after boot. */
  startTime: number;
  argv: string[];
}

/** All processes readable in /proc. */
export function listProcesses(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      // The command name (field 2) may contain spaces, so split after its ')': index 0 is field 3 (state),
      // 1 is field 4 (parent pid), 2 is field 5 (process group), 3 is field 6 (session), 19 is field 22 (start time).
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").filter(Boolean);
      out.push({
        pid: Number(entry),
        ppid: Number(f[1]),
        pgid: Number(f[2]),
        sid: Number(f[3]),
        state: f[0],
        startTime: Number(f[19]),
        argv,
      });
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

/**
 * Sends `signal` to every process of the tree rooted at `pid`. For SIGKILL the tree is frozen first (SIGSTOP, again
 * until no new child appears), so that the kill lands on all of it at one instant, like a crash: no member sees a
 * sibling die and reacts (an engine that saw its provider die would record the failed creates in the state).
 */
export function killTree(pid: number, signal: NodeJS.Signals = "SIGKILL"): number[] {
  const send = (p: number, s: NodeJS.Signals): boolean => {
    try {
      process.kill(p, s);
      return true;
    } catch {
      return false; // already gone
    }
  };
  if (signal !== "SIGKILL")
    return processTree(pid)
      .filter((p) => send(p.pid, signal))
      .map((p) => p.pid);
  const frozen = new Set<number>();
  for (let round = 0; round < 20; round++) {
    const fresh = processTree(pid).filter((p) => !frozen.has(p.pid));
    if (fresh.length === 0) break;
    for (const p of fresh) if (send(p.pid, "SIGSTOP")) frozen.add(p.pid);
    if (frozen.size === 0) break;
  }
  return [...frozen].filter((p) => send(p, "SIGKILL"));
}

/**
 * A process identified so that a reused pid is not mistaken for it: pid plus its start time (clock ticks after
 * boot, field 22 of /proc/<pid>/stat). What the service records for every engine process it starts.
 */
export interface ProcessRef {
  pid: number;
  startTime: number;
}

/** Start time of a process (clock ticks after boot), undefined when it does not exist. */
export function processStartTime(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces): field 3 is at index 0, so field 22 is at 19.
    const v = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The reference of a running process, undefined when it is gone. */
export function processRef(pid: number): ProcessRef | undefined {
  const startTime = processStartTime(pid);
  return startTime === undefined ? undefined : { pid, startTime };
}

/**
 * True when `ref` still names the same live process (same pid and start time). A zombie (ended, not yet reaped by
 * its parent — orphans are reaped by pid 1, which in a container may never do it) counts as ended.
 */
export function isSameProcess(ref: ProcessRef): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${ref.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[0] !== "Z" && fields[0] !== "X" && Number(fields[19]) === ref.startTime;
  } catch {
    return false;
  }
}

/**
 * Live members of session `sid` that started at or after `since`. A session id is the pid of its leader and that pid
 * is not handed out again while any member lives, so with `since` = the leader's start time these are what the
 * leader started, even after the leader died and they were re-parented. Zombies are left out: they are ended.
 */
export function sessionMembers(sid: number, since = 0, all: ProcessInfo[] = listProcesses()): ProcessInfo[] {
  return all.filter((p) => p.sid === sid && p.state !== "Z" && p.state !== "X" && p.startTime >= since);
}

/**
 * Stops the live members of session `sid` (started at or after `since`): SIGSTOP until no new member appears (a
 * running engine may be starting a plugin), then SIGKILL to all. Returns the processes signalled.
 */
export function killSession(sid: number, since = 0): ProcessRef[] {
  const seen = new Map<number, ProcessRef>();
  for (let round = 0; round < 20; round++) {
    const fresh = sessionMembers(sid, since).filter((p) => !seen.has(p.pid));
    if (fresh.length === 0) break;
    for (const p of fresh) {
      seen.set(p.pid, { pid: p.pid, startTime: p.startTime });
      try {
        process.kill(p.pid, "SIGSTOP");
      } catch {
        // gone already
      }
    }
  }
  for (const r of seen.values()) {
    try {
      if (isSameProcess(r)) process.kill(r.pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
  return [...seen.values()];
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
