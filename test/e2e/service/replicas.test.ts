/**
 * Three service replicas (child processes) on one PostgreSQL store, with a fake engine that writes each tenant's
 * router record to an OPNsense emulator: 30 creates are each done once; a replica killed with SIGKILL mid-operation
 * has its operations taken over by another after the lease; no two engine runs of one tenant ever overlap; a
 * rolling restart of every replica under load loses nothing; any replica streams any operation's events.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { startEmulator, Emulator } from "../../../providers/opnsense/emulator";
import { TestPostgres, startPostgres } from "../../../support/postgres";
import { ReplicaSet, overlappingRuns, replicaRequest } from "../../../support/replicas";
import { tempDir } from "../../../support/serviceApp";

const LEASE_MS = 3000;
const spec = { vms: [{ name: "web", cpus: 2, memoryMiB: 2048, diskGb: 20 }], floatingIps: [] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("service replicas on one PostgreSQL store", function () {
  this.timeout(240_000);
  let pg: TestPostgres;
  let router: Emulator;
  let dir: string;
  let set: ReplicaSet;
  let storeUrl: string;
  /** Every operation id this test queued. */
  const ops: string[] = [];
  /** When replica 0 was killed (its cut runs end there). */
  let killedAt = 0;

  before(async () => {
    pg = await startPostgres();
    storeUrl = await pg.database("replicas");
    router = await startEmulator();
    dir = tempDir("basphere-replicas-");
    set = new ReplicaSet({
      storeUrl,
      dir,
      router: { url: router.url, apiKey: router.apiKey, apiSecret: router.apiSecret },
      leaseMs: LEASE_MS,
      delayMs: 1500,
      concurrency: 2,
    });
    await Promise.all([0, 1, 2].map((i) => set.start(i)));
  });
  after(async () => {
    await set?.stopAll();
    await router?.close();
    await pg?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Operation rows as the database holds them (read through any replica: they all see the same). */
  async function operation(base: string, id: string) {
    const r = await replicaRequest(base, "GET", `/v1/operations/${id}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as { id: string; tenant: string; status: string; attempt: number; error?: string };
  }
  async function waitAll(base: () => string, ids: string[], ms: number) {
    const end = Date.now() + ms;
    for (;;) {
      const all = await Promise.all(ids.map((id) => operation(base(), id)));
      const open = all.filter((o) => !["succeeded", "failed", "cancelled"].includes(o.status));
      if (open.length === 0) return all;
      if (Date.now() > end) throw new Error(`still open after ${ms} ms: ${open.map((o) => o.id).join(", ")}`);
      await sleep(200);
    }
  }

  it("30 creates over three replicas, one killed with SIGKILL mid-operation: each done once, none overlapping", async () => {
    const names = Array.from({ length: 30 }, (_, i) => `r${i}`);
    for (const [i, name] of names.entries()) {
      const r = await replicaRequest(set.url(i % 3), "POST", "/v1/tenants", { name, spec });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      ops.push(r.body.operation.id);
    }
    // Replica 0 is killed while it runs operations (its engine runs are cut, its leases still held).
    const victim = set.id(0);
    let running: string[] = [];
    for (let k = 0; k < 200 && running.length === 0; k++) {
      await sleep(50);
      running = set
        .runs()
        .filter((r) => r.replica === victim && r.end === undefined)
        .map((r) => r.stack);
    }
    assert.ok(running.length > 0, "replica 0 ran an operation");
    killedAt = await set.kill(0);

    const done = await waitAll(() => set.url(1), ops, 120_000);
    assert.deepEqual(
      done.filter((o) => o.status !== "succeeded").map((o) => `${o.tenant}: ${o.status} ${o.error}`),
      [],
    );
    // Every tenant exists once and is ready; the router holds each tenant's record exactly once.
    const tenants = (await replicaRequest(set.url(2), "GET", "/v1/tenants")).body;
    const list = (tenants.items ?? tenants.tenants ?? tenants) as { name: string; status: string }[];
    assert.deepEqual(list.map((t) => t.name).sort(), [...names].sort());
    assert.ok(
      list.every((t) => t.status === "ready"),
      JSON.stringify(list.filter((t) => t.status !== "ready")),
    );
    const aliases = Object.values(router.state.collections.alias ?? {}).map((a) => a.name);
    assert.deepEqual(aliases.sort(), names.map((n) => `t_${n}`).sort(), "one record per tenant, none twice");

    // The killed replica's operations ran again on another replica, after its lease, never beside the cut run.
    const runs = set.runs();
    assert.deepEqual(
      overlappingRuns(runs, () => killedAt),
      [],
      "no two engine runs of one tenant overlap",
    );
    const failovers: number[] = [];
    for (const stack of running) {
      const again = runs.filter((r) => r.stack === stack && r.start > killedAt && r.method === "up");
      assert.equal(again.length, 1, `${stack} ran once more after the kill`);
      assert.notEqual(again[0].replica, victim);
      assert.ok(again[0].ok, `${stack}: the retried run succeeded`);
      failovers.push(again[0].start - killedAt);
    }
    // Taken over within a lease and a takeover period (+ slack for 2 busy cores), not sooner than the lease allows.
    for (const f of failovers) assert.ok(f < LEASE_MS * 3, `failover took ${f} ms`);
    // Each interrupted operation records who took it over from whom.
    const tenantOp = new Map(done.map((o) => [`tenant-${o.tenant}`, o]));
    for (const stack of running) {
      const op = tenantOp.get(stack)!;
      assert.equal(op.attempt, 2, `${stack}: a second attempt`);
      const evs = (await replicaRequest(set.url(2), "GET", `/v1/operations/${op.id}/events`)).body;
      const items = (evs.items ?? evs.events ?? evs) as { type: string; data: any }[];
      const rec = items.find((e) => e.type === "recovery.started");
      assert.ok(rec, `${stack}: recovery.started recorded`);
      assert.equal(rec.data.takenOverFrom, victim);
      assert.match(String(rec.data.replica), /^replica-[12]-/);
    }
    // Tenants the killed replica did not run were created exactly once.
    for (const name of names.filter((n) => !running.includes(`tenant-${n}`)))
      assert.equal(runs.filter((r) => r.stack === `tenant-${name}` && r.method === "up").length, 1, name);
    process.stdout.write(
      `      failover from SIGKILL to the operation running again: ${failovers.map((f) => `${f} ms`).join(", ")} (lease ${LEASE_MS} ms)\n`,
    );
  });

  it("streams an operation's events from a replica that is not running it", async () => {
    await set.start(0);
    const r = await replicaRequest(set.url(1), "POST", "/v1/tenants/r0/refresh");
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const id = r.body.operation.id;
    // Read the stream from every replica at once: whichever runs it, two of them do not.
    const streams = await Promise.all(
      [0, 1, 2].map(async (i) => {
        const res = await fetch(`${set.url(i)}/v1/operations/${id}/events/stream`, {
          headers: { authorization: `Bearer ${(await import("../../../support/replicas")).REPLICA_ADMIN}` },
        });
        return res.text();
      }),
    );
    for (const text of streams) {
      assert.match(text, /event: end\ndata: .*"status":"succeeded"/);
      assert.match(text, /operation\.started/);
    }
  });

  it("a rolling restart of every replica under load loses nothing and overlaps nothing", async () => {
    const before = set.runs().length;
    const t0 = Date.now();
    const queued: string[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await replicaRequest(set.url(i % 3), "POST", `/v1/tenants/r${i}/refresh`);
      assert.equal(r.status, 202, JSON.stringify(r.body));
      queued.push(r.body.operation.id);
    }
    // One replica at a time: SIGTERM (running work interrupted, leases released), then its successor starts.
    for (const i of [0, 1, 2]) {
      await sleep(1000);
      await set.stop(i);
      await set.start(i);
    }
    const done = await waitAll(() => set.url(0), queued, 120_000);
    assert.deepEqual(
      done.filter((o) => o.status !== "succeeded").map((o) => `${o.tenant}: ${o.status} ${o.error}`),
      [],
    );
    const runs = set.runs();
    assert.ok(runs.length >= before + 30);
    assert.deepEqual(
      overlappingRuns(runs, () => killedAt),
      [],
      "no two engine runs of one tenant overlap",
    );
    assert.ok(
      runs.every((r) => r.end !== undefined || r.start < t0),
      "every run after the kill ended",
    );
  });
});
