/**
 * Where a process tree's CPU time and memory go, read from /proc (Linux): the tree under a pid, RSS, PSS, VmHWM,
 * CPU seconds with reaped children, the machine's busy time, and a sampler that follows a tree while it runs and
 * attributes CPU by kind of process (service, pulumi CLI, language host, program, providers). For benchmarks.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { processTree } from "../automation/engine/processes";
import { round } from "./stats";

const PAGE = 4096;

export function rssBytes(pid: number): number {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1]) * PAGE;
  } catch {
    return 0;
  }
}

export function pssBytes(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export function statusKiB(pid: number, field: string): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

const TICK = 100; // USER_HZ: /proc times are in 1/100 s on Linux

/** CPU seconds of a process and of its children it has reaped (utime, stime, cutime, cstime). */
export function cpuSecondsWithChildren(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICK;
  } catch {
    return 0;
  }
}

/** Busy and total CPU seconds of the whole machine (all CPUs), from /proc/stat. */
export function machineCpu(): { busy: number; total: number } {
  const v = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = v[3] + v[4]; // idle + iowait
  return { busy: (total - idle) / TICK, total: total / TICK };
}

/** Samples the memory of a process tree until stopped. */
/** What a process of the service's tree is, from its command line. */
export function processKind(argv: string[], isRoot: boolean): string {
  if (isRoot) return "service (node)";
  const cmd = argv.join(" ");
  const exe = path.basename(argv[0] ?? "");
  if (exe === "pulumi") return "pulumi CLI";
  if (exe === "pulumi-language-nodejs") return "language host";
  if (cmd.includes("pulumi-resource-pulumi-nodejs")) return "dynamic provider launcher (sh)";
  if (cmd.includes("cmd/dynamic-provider")) return "dynamic provider (node)";
  if (cmd.includes("cmd/run")) return "program (node)";
  if (exe === "node" && cmd.includes("require.resolve")) return "dynamic provider path lookup (node -e)";
  return exe || "?";
}

/** Own CPU seconds (utime + stime) and start time of a process, undefined when it is gone. */
export function ownCpu(pid: number): { seconds: number; startTime: number } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { seconds: (Number(f[11]) + Number(f[12])) / TICK, startTime: Number(f[19]) };
  } catch {
    return undefined;
  }
}

/**
 * Samples a process tree until stopped: summed RSS and PSS, and each process's own CPU time as last seen (so a
 * process's last < SAMPLE_MS of CPU, and processes shorter than that, are missed: reported as unattributed).
 */
export class TreeSampler {
  samples = 0;
  maxTreeRss = 0;
  maxTreePss = 0;
  maxServiceRss = 0;
  maxProcesses = 0;
  /** `pid:startTime` → kind and last-seen own CPU seconds. */
  private readonly seen = new Map<string, { kind: string; cpu: number }>();
  private timer: NodeJS.Timeout;

  constructor(
    private readonly root: number,
    sampleMs: number,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), sampleMs);
  }

  sample(): void {
    const pids = processTree(this.root).map((p) => p.pid);
    let rss = 0;
    let pss = 0;
    for (const pid of pids) {
      rss += rssBytes(pid);
      pss += pssBytes(pid);
      const c = ownCpu(pid);
      if (!c) continue;
      const key = `${pid}:${c.startTime}`;
      let entry = this.seen.get(key);
      if (!entry) {
        let argv: string[] = [];
        try {
          argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
        } catch {
          // gone
        }
        entry = { kind: processKind(argv, pid === this.root), cpu: 0 };
        this.seen.set(key, entry);
      }
      entry.cpu = c.seconds;
    }
    this.samples++;
    this.maxTreeRss = Math.max(this.maxTreeRss, rss);
    this.maxTreePss = Math.max(this.maxTreePss, pss);
    this.maxServiceRss = Math.max(this.maxServiceRss, rssBytes(this.root));
    this.maxProcesses = Math.max(this.maxProcesses, pids.length);
  }

  /** Stops sampling (one last sample); call while the root is still alive. */
  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  /** The maxima; call while the root is still alive (its VmHWM is read here). */
  report() {
    const hwm = statusKiB(this.root, "VmHWM");
    const mib = (b: number) => round(b / 1024 / 1024, 1);
    return {
      servicePeakRssMiB: hwm !== undefined ? round(hwm / 1024, 1) : mib(this.maxServiceRss),
      treeMaxRssMiB: mib(this.maxTreeRss),
      treeMaxPssMiB: mib(this.maxTreePss),
      treeMaxProcesses: this.maxProcesses,
      samples: this.samples,
    };
  }

  /** Own CPU seconds and process count per kind, as sampled (the service's own counted from `rootCpu0`). */
  cpuByKind(rootCpu0: number): Record<string, { processes: number; cpuSeconds: number }> {
    const out: Record<string, { processes: number; cpuSeconds: number }> = {};
    for (const [key, e] of this.seen) {
      const k = (out[e.kind] ??= { processes: 0, cpuSeconds: 0 });
      k.processes++;
      k.cpuSeconds += key.startsWith(`${this.root}:`) ? e.cpu - rootCpu0 : e.cpu;
    }
    for (const k of Object.values(out)) k.cpuSeconds = round(k.cpuSeconds, 1);
    return out;
  }
}

// ------------------------------------------------------------------------------------------------- the service
