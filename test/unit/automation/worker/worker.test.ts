import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ADMIN, TestService, smallSpec, startService, tempDir } from "../../../../support/serviceApp";
import { FakeDriver } from "../../../../support/fakeDriver";
import { SqliteStore } from "../../../../automation/store/sqliteStore";
import { Worker } from "../../../../automation/worker/worker";

async function create(t: TestService, name: string, spec: Record<string, unknown> = smallSpec()) {
  const r = await t.req("POST", "/v1/tenants", { body: { name, spec } });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  return r.body as { operation: { id: string }; token: string };
}

describe("worker", function () {
  this.timeout(30000);
  let t: TestService | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it("runs one operation per tenant stack at a time, in the order they were queued", async () => {
    t = await startService({ delayMs: 30, concurrency: 4 });
    const { operation } = await create(t, "acme");
    const ids = [operation.id];
    for (let i = 0; i < 3; i++) {
      const r = await t.req("PUT", "/v1/tenants/acme/spec", {
        body: { spec: smallSpec({ vms: [{ name: "web", cpus: 2 + i }] }) },
      });
      assert.equal(r.status, 202);
      ids.push(r.body.operation.id);
    }
    ids.push((await t.req("POST", "/v1/tenants/acme/refresh")).body.operation.id);
    for (const id of ids) assert.equal((await t.waitOp(id)).status, "succeeded");
    assert.equal(t.driver.maxPerStack, 1);
    const calls = t.driver.of().filter((c) => c.stack === "tenant-acme" && c.method !== "outputs");
    assert.deepEqual(
      calls.map((c) => c.method),
      ["up", "up", "up", "up", "refresh"],
    );
    assert.deepEqual(
      calls.slice(0, 4).map((c) => (c.config!["basphere:tenant"] as any).vms[0].cpus),
      [2, 2, 3, 4],
    );
    const tenant = (await t.req("GET", "/v1/tenants/acme")).body;
    assert.equal(tenant.status, "ready");
    assert.equal(tenant.appliedVersion, 4);
  });

  it("respects the global concurrency limit and uses it", async () => {
    t = await startService({ delayMs: 80, concurrency: 2 });
    const ops = [];
    for (let i = 0; i < 6; i++) ops.push((await create(t, `t${i}`)).operation.id);
    for (const id of ops) assert.equal((await t.waitOp(id)).status, "succeeded");
    assert.equal(t.driver.maxRunning, 2);
  });

  it("writes stack tenant-<name> with basphere:kind, basphere:tenant and basphere:allocations", async () => {
    t = await startService();
    const { operation } = await create(t, "acme");
    await t.waitOp(operation.id);
    const up = t.driver.of("up")[0];
    assert.equal(up.stack, "tenant-acme");
    assert.equal(up.config!["basphere:kind"], "tenant");
    assert.equal((up.config!["basphere:tenant"] as any).name, "acme");
    assert.deepEqual(up.config!["basphere:allocations"], {
      lan1VlanId: 100,
      lan2VlanId: 101,
      routerWanAddress: "192.168.200.20",
      floatingIps: [{ name: "web", address: "192.168.200.100" }],
    });
  });

  it("cancels a queued operation without touching the engine, and a running one through its signal", async () => {
    t = await startService({ delayMs: 5000, concurrency: 1 });
    const a = await create(t, "a");
    const b = await create(t, "b");
    while (t.driver.running === 0) await new Promise((r) => setTimeout(r, 5));
    const cq = await t.req("POST", `/v1/operations/${b.operation.id}/cancel`);
    assert.equal(cq.status, 202);
    assert.equal(cq.body.status, "cancelled");
    const cr = await t.req("POST", `/v1/operations/${a.operation.id}/cancel`, { token: a.token });
    assert.equal(cr.status, 202);
    assert.equal(cr.body.cancelRequested, true);
    const done = await t.waitOp(a.operation.id);
    assert.equal(done.status, "cancelled");
    assert.match(done.error, /cancelled/);
    assert.deepEqual(
      t.driver.of("up").map((c) => c.stack),
      ["tenant-a"],
    );
    const ta = (await t.req("GET", "/v1/tenants/a")).body;
    assert.equal(ta.status, "failed");
    assert.match(ta.lastError, /cancelled/);
    assert.equal((await t.req("POST", `/v1/operations/${a.operation.id}/cancel`)).status, 409);
  });

  it("records the engine's message when an operation fails, and the tenant shows it", async () => {
    t = await startService();
    t.driver.failures.set("tenant-acme", "vsphere: datastore ds1 is full");
    const { operation } = await create(t, "acme");
    const op = await t.waitOp(operation.id);
    assert.equal(op.status, "failed");
    assert.equal(op.error, "vsphere: datastore ds1 is full");
    const tenant = (await t.req("GET", "/v1/tenants/acme")).body;
    assert.equal(tenant.status, "failed");
    assert.match(tenant.lastError, /datastore ds1 is full/);
    const ev = (await t.req("GET", `/v1/operations/${operation.id}/events`)).body.items.map(
      (e: any) => e.type,
    );
    assert.ok(ev.includes("operation.failed"));
  });

  it("a graceful stop interrupts running work and the next start resumes it (same DB)", async () => {
    const dir = tempDir();
    try {
      const driver = new FakeDriver({ delayMs: 20 });
      driver.hold();
      t = await startService({ dir, driver });
      const { operation } = await create(t, "acme");
      while (driver.running === 0) await new Promise((r) => setTimeout(r, 5));
      await t.close();
      t = undefined;
      const driver2 = new FakeDriver({ delayMs: 20 });
      t = await startService({ dir, driver: driver2 });
      const op = await t.waitOp(operation.id);
      assert.equal(op.status, "succeeded");
      assert.equal(op.attempt, 2);
      assert.deepEqual(
        driver2.of("recover").map((c) => c.stack),
        ["tenant-acme"],
      );
      const types = (await t.req("GET", `/v1/operations/${operation.id}/events?limit=1000`)).body.items.map(
        (e: any) => e.type,
      );
      for (const x of [
        "operation.interrupted",
        "recovery.started",
        "recovery.engine",
        "recovery.requeued",
        "operation.succeeded",
      ])
        assert.ok(types.includes(x), x);
    } finally {
      await t?.close();
      t = undefined;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const policy of ["retry", "fail"] as const) {
    it(`recovers after a crash (SIGKILL mid-operation), policy ${policy}: nothing left running, no allocation leaked`, async () => {
      const dir = tempDir();
      try {
        const child = fork(join(__dirname, "crashChild.js"), [], {
          stdio: ["ignore", "inherit", "inherit", "ipc"],
        });
        const names = ["a", "b", "c"];
        const info = await new Promise<{ ops: string[]; tokens: Record<string, string> }>(
          (resolve, reject) => {
            child.once("message", (m) => resolve(m as any));
            child.once("exit", (c) => reject(new Error(`crash child exited early (${c})`)));
            child.send({ dir, tenants: names });
          },
        );
        child.removeAllListeners("exit");
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGKILL");
        await exited;

        const driver = new FakeDriver({ delayMs: 10 });
        t = await startService({ dir, driver, recovery: { policy } });
        const ops = await Promise.all(info.ops.map((id) => t!.waitOp(id)));
        const byTenant = Object.fromEntries(ops.map((o) => [o.tenant, o]));
        assert.equal((await t.svc.store.runningOperations()).length, 0, "nothing stays running");
        // The two that were running were recovered through the engine (lock/pending cleanup).
        assert.equal(driver.of("recover").length, 2);
        const running = ops.filter((o) => o.attempt === 2 || o.status === "failed");
        assert.equal(running.length, 2);
        if (policy === "retry") {
          for (const o of ops) assert.equal(o.status, "succeeded", JSON.stringify(o));
        } else {
          for (const o of running) {
            assert.equal(o.status, "failed");
            assert.match(
              o.error,
              /interrupted: the service stopped during attempt 1; engine recovery: removed lock/,
            );
          }
          assert.equal(ops.filter((o) => o.status === "succeeded").length, 1, "the queued one still runs");
        }
        // Delete everything: every allocation comes back.
        for (const n of names) {
          const d = await t.req("DELETE", `/v1/tenants/${n}`, { token: info.tokens[n] });
          assert.equal(d.status, 202, JSON.stringify(d.body));
          assert.equal((await t.waitOp(d.body.operation.id)).status, "succeeded");
          assert.equal(byTenant[n].tenant, n);
        }
        const counts = await t.svc.store.counts();
        assert.deepEqual(counts.allocations, { vlan: 0, routerWan: 0, floatingIp: 0 });
        assert.equal(counts.operations.running + counts.operations.queued, 0);
      } finally {
        await t?.close();
        t = undefined;
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it("refuses a second service on the same data folder while the first lives, takes over a stale lock", async () => {
    const dir = tempDir();
    t = await startService({ dir });
    await assert.rejects(startService({ dir }), /in use by another basphere service \(pid \d+\)/);
    await t.close();
    t = undefined;
    writeFileSync(join(dir, "service.pid"), String(process.ppid));
    await assert.rejects(startService({ dir }), new RegExp(`pid ${process.ppid}`));
    writeFileSync(join(dir, "service.pid"), "999999999"); // no such process
    t = await startService({ dir });
    assert.equal(readFileSync(join(dir, "service.pid"), "utf8"), String(process.pid));
    await t.close();
    t = undefined;
    rmSync(dir, { recursive: true, force: true });
    void ADMIN;
  });
});

describe("worker leases (fencing)", function () {
  this.timeout(30000);
  it("stops its engine before the lease can expire when it cannot renew, and leaves the operation to the next holder", async () => {
    const dir = tempDir("basphere-fence-");
    const store = new SqliteStore({ path: join(dir, "db.sqlite") });
    const driver = new FakeDriver({ delayMs: 60000 });
    // The database answers everything but the renewals (as when this replica's connection is cut).
    let renewalsFail = false;
    let lastRenewed = 0;
    const flaky = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === "renewLeases")
          return async (...a: Parameters<SqliteStore["renewLeases"]>) => {
            if (renewalsFail) throw new Error("connection terminated unexpectedly");
            const held = await target.renewLeases(...a);
            lastRenewed = Date.now();
            return held;
          };
        const v = Reflect.get(target, prop, receiver);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const worker = new Worker({ store: flaky, driver, pollIntervalMs: 20, leaseMs: 2000, replicaId: "r1" });
    try {
      const { operation } = await store.createTenant({
        name: "acme",
        spec: smallSpec(),
        tokenHash: "h",
        demand: { vlan: ["lan1", "lan2"], routerWan: ["router"], floatingIp: ["web"] },
        requestedBy: "admin",
      });
      await worker.start();
      while (driver.running === 0) await new Promise((r) => setTimeout(r, 10));
      const held = await store.getOperation(operation.id);
      assert.equal(held!.leaseOwner, "r1");
      while (lastRenewed === 0) await new Promise((r) => setTimeout(r, 10));
      renewalsFail = true;
      const cut = lastRenewed;
      while (driver.running > 0) await new Promise((r) => setTimeout(r, 10));
      const stoppedAfter = Date.now() - cut;
      // Stopped after half a lease without renewal, well before the lease (2 s from the last renewal) runs out.
      assert.ok(
        stoppedAfter >= 1000 && stoppedAfter < 2000,
        `engine stopped ${stoppedAfter} ms after the last renewal`,
      );
      const op = (await store.getOperation(operation.id))!;
      assert.equal(op.status, "running", "not finished by the fenced replica: the next holder recovers it");
      const events = await store.listEvents(operation.id, 0, 100);
      const fenced = events.find((e) => e.type === "operation.fenced");
      assert.ok(fenced, "operation.fenced recorded");
      assert.match(String((fenced.data as any).reason), /lease not renewed/);
    } finally {
      await worker.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
