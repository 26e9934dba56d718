/**
 * Several replicas of the automation service on one PostgreSQL store, each a child process of its own (so that a
 * test can kill one with SIGKILL), for the multi-replica tests and the replica benchmark.
 *
 * Each replica runs the real service (HTTP API, worker, leases) with a fake engine whose `up` also does what the
 * tenant program's first record would: an OPNsense alias `t_<tenant>` created through the project's provider code
 * (deterministic uuid, upsert) on a shared OPNsense emulator, so the router shows whether a create was done once.
 * Every engine run is journaled (replica, stack, start, end) to a file the parent reads: a replica killed mid-run
 * leaves a start without an end.
 */
import { ChildProcess, fork } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  EngineDriver,
  OnEvent,
  StackOperation,
  StackOperationOptions,
  TenantStackConfig,
} from "../automation/worker/engineDriver";
import { create as createRecord } from "../providers/opnsense/engine";
import type { OpnsenseConnection } from "../providers/opnsense/types";
import { FakeDriver } from "./fakeDriver";

export const REPLICA_ADMIN = "bspa.replica-admin-token-0123456789abcdefghij";

export interface ReplicaOptions {
  /** postgres://… shared by every replica. */
  storeUrl: string;
  /** Folder for the replicas' data folders and the run journal. */
  dir: string;
  /** The OPNsense emulator the fake engine writes its records to. */
  router: OpnsenseConnection;
  /** Lease of a claimed operation, ms. Default 3000. */
  leaseMs?: number;
  /** Run time of each fake engine call, ms. Default 1000. */
  delayMs?: number;
  /** Operations at once per replica. Default 2. */
  concurrency?: number;
}

/** One engine run as journaled by a replica. */
export interface EngineRun {
  replica: string;
  stack: string;
  method: string;
  start: number;
  /** Undefined: the run never ended (its replica was killed). */
  end?: number;
  ok?: boolean;
}

interface ChildStart extends Required<ReplicaOptions> {
  replicaId: string;
  journal: string;
}

/** The fake engine of a replica: {@link FakeDriver} plus the router record and the run journal. */
class JournaledDriver implements EngineDriver {
  private readonly fake: FakeDriver;
  constructor(private readonly cfg: ChildStart) {
    this.fake = new FakeDriver({ delayMs: cfg.delayMs });
  }
  private journal(line: Record<string, unknown>) {
    appendFileSync(this.cfg.journal, JSON.stringify({ replica: this.cfg.replicaId, ...line }) + "\n");
  }
  private wrap(method: string, inner: StackOperation): StackOperation {
    return async (stack, config, onEvent: OnEvent, signal, onProcess, options?: StackOperationOptions) => {
      const id = `${this.cfg.replicaId}:${stack}:${Date.now()}:${Math.random()}`;
      this.journal({ id, stack, method, start: Date.now() });
      let ok = false;
      try {
        const r = await inner(stack, config, onEvent, signal, onProcess, options);
        if (method === "up") await this.routerRecord(stack, config);
        ok = true;
        return r;
      } finally {
        this.journal({ id, end: Date.now(), ok });
      }
    };
  }
  private async routerRecord(stack: string, config: TenantStackConfig) {
    const tenant = stack.replace(/^tenant-/, "");
    await createRecord("Alias", {
      connection: this.cfg.router,
      resourceKey: `basphere/${stack}/tenant-address`,
      name: `t_${tenant.replace(/-/g, "_")}`,
      type: "host",
      content: [config["basphere:allocations"].routerWanAddress],
      description: `router WAN address of ${stack}`,
    });
  }
  readonly up = this.wrap("up", (...a) => this.fake.up(...a));
  readonly preview = this.wrap("preview", (...a) => this.fake.preview(...a));
  readonly refresh = this.wrap("refresh", (...a) => this.fake.refresh(...a));
  readonly destroy = this.wrap("destroy", (...a) => this.fake.destroy(...a));
  readonly drift = this.wrap("drift", (...a) => this.fake.drift(...a));
  removeStack = (stack: string) => this.fake.removeStack(stack);
  recover = (stack: string) => this.fake.recover(stack);
  outputs = (stack: string) => this.fake.outputs(stack);
}

/** The replicas of one test: started, killed and restarted by index. */
export class ReplicaSet {
  readonly journal: string;
  private readonly opts: Required<ReplicaOptions>;
  private readonly children = new Map<number, { child: ChildProcess; id: string; url: string }>();
  private generation = 0;

  constructor(opts: ReplicaOptions) {
    this.opts = { leaseMs: 3000, delayMs: 1000, concurrency: 2, ...opts };
    mkdirSync(opts.dir, { recursive: true });
    this.journal = join(opts.dir, "engine-runs.jsonl");
  }

  /** Starts replica `i` (a new process with a new replica id); resolves with its URL once it listens. */
  async start(i: number): Promise<{ id: string; url: string }> {
    const id = `replica-${i}-${++this.generation}`;
    const child = fork(__filename, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const msg: ChildStart = {
      ...this.opts,
      replicaId: id,
      journal: this.journal,
      dir: join(this.opts.dir, `data-${i}`),
    };
    const url = await new Promise<string>((resolve, reject) => {
      child.once("message", (m: { url?: string; error?: string }) =>
        m.url ? resolve(m.url) : reject(new Error(`replica ${id}: ${m.error}`)),
      );
      child.once("exit", (code) => reject(new Error(`replica ${id} exited (${code}) before it listened`)));
      child.send(msg);
    });
    child.removeAllListeners("exit");
    this.children.set(i, { child, id, url });
    return { id, url };
  }

  url(i: number): string {
    return this.need(i).url;
  }
  id(i: number): string {
    return this.need(i).id;
  }
  private need(i: number) {
    const c = this.children.get(i);
    if (!c) throw new Error(`replica ${i} is not running`);
    return c;
  }

  /** kill -9: the process ends with no cleanup at all (leases held, engine runs cut). Resolves at its exit. */
  async kill(i: number): Promise<number> {
    const { child } = this.need(i);
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
    this.children.delete(i);
    return Date.now();
  }

  /** SIGTERM: the graceful stop of `basphere serve` (interrupts its runs, releases their leases). */
  async stop(i: number): Promise<void> {
    const { child } = this.need(i);
    const exited = new Promise((r) => child.once("exit", r));
    child.send({ stop: true });
    await exited;
    this.children.delete(i);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.children.keys()].map((i) => this.kill(i)));
  }

  /** Every engine run journaled so far. */
  runs(): EngineRun[] {
    if (!existsSync(this.journal)) return [];
    const byId = new Map<string, EngineRun>();
    for (const line of readFileSync(this.journal, "utf8").split("\n")) {
      if (!line) continue;
      const e = JSON.parse(line);
      const cur = byId.get(e.id);
      if (cur) Object.assign(cur, { end: e.end, ok: e.ok });
      else byId.set(e.id, { replica: e.replica, stack: e.stack, method: e.method, start: e.start });
    }
    return [...byId.values()];
  }
}

/** Admin request to a replica. */
export async function replicaRequest(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const r = await fetch(base + path, {
    method,
    headers: {
      authorization: `Bearer ${REPLICA_ADMIN}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}

/** Pairs of engine runs of one stack that overlapped in time (a run without an end lasts until `cutAt`). */
export function overlappingRuns(
  runs: EngineRun[],
  cutAt: (r: EngineRun) => number,
): [EngineRun, EngineRun][] {
  const out: [EngineRun, EngineRun][] = [];
  const byStack = new Map<string, EngineRun[]>();
  for (const r of runs) byStack.set(r.stack, [...(byStack.get(r.stack) ?? []), r]);
  for (const list of byStack.values()) {
    list.sort((a, b) => a.start - b.start);
    for (let k = 1; k < list.length; k++) {
      const prev = list[k - 1];
      if ((prev.end ?? cutAt(prev)) > list[k].start) out.push([prev, list[k]]);
    }
  }
  return out;
}

if (require.main === module) {
  process.once("message", async (cfg: ChildStart) => {
    try {
      const { createService } = await import("../automation/service/wiring");
      const svc = await createService({
        dataDir: cfg.dir,
        adminToken: REPLICA_ADMIN,
        driver: new JournaledDriver(cfg),
        storeUrl: cfg.storeUrl,
        replicaId: cfg.replicaId,
        leaseMs: cfg.leaseMs,
        concurrency: cfg.concurrency,
        pollIntervalMs: 100,
        drift: { intervalMs: 0 },
        env: {},
      });
      const url = await svc.listen(0, "127.0.0.1");
      process.on("message", (m: { stop?: boolean }) => {
        if (m.stop) void svc.close().then(() => process.exit(0));
      });
      process.send!({ url });
    } catch (e) {
      process.send!({ error: (e as Error).stack ?? String(e) });
      process.exit(1);
    }
  });
}
