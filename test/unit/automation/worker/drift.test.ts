/**
 * Drift detection in the service with the recording engine double: the store's queue rules for drift checks
 * (behind user operations, never while a tenant has work queued, at most N at once), the scheduler (due tenants,
 * jitter), the worker's recording of a check (status `drifted`, resources and property names, no values) and the
 * reconcile policy (one `up --refresh` per interval, none after a failed one), through the HTTP API.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { DriftedResource } from "../../../../model/drift";
import { demandOfSpec } from "../../../../automation/allocator/demand";
import { SqliteStore } from "../../../../automation/store/sqliteStore";
import { reconcileDecision } from "../../../../automation/worker/drift";
import { DriftScheduler, nextCheckTime } from "../../../../automation/worker/driftScheduler";
import { TestService, smallSpec, startService, tempDir } from "../../../../support/serviceApp";

const RULE: DriftedResource = {
  urn: "urn:pulumi:tenant-acme::basphere::basphere:tenant:Tenant$pulumi-nodejs:dynamic/opnsense:FirewallRule::tenant-acme-router-out-lan2",
  type: "pulumi-nodejs:dynamic/opnsense:FirewallRule",
  name: "tenant-acme-router-out-lan2",
  op: "update",
  properties: ["description"],
};
const MD: DriftedResource = {
  urn: "urn:pulumi:tenant-acme::basphere::kubernetes:cluster.x-k8s.io/v1beta2:MachineDeployment::tenant-acme-cluster-dev-machine-deployment",
  type: "kubernetes:cluster.x-k8s.io/v1beta2:MachineDeployment",
  name: "tenant-acme-cluster-dev-machine-deployment",
  op: "update",
  properties: ["spec.replicas"],
};

describe("drift: the store's queue rules", () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(() => {
    dir = tempDir();
    store = new SqliteStore({ path: join(dir, "db.sqlite") });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A tenant whose first up succeeded (ready, spec applied). */
  async function readyTenant(name: string) {
    const spec = { ...smallSpec(), name };
    const { operation } = await store.createTenant({
      name,
      spec,
      tokenHash: "x",
      demand: demandOfSpec(spec),
      requestedBy: "admin",
    });
    await store.claimNext(10);
    await store.finishOperation(operation.id, "succeeded", {});
    await store.updateTenant(name, { status: "ready", appliedVersion: 1 });
  }
  const soon = () => new Date(Date.now() + 600_000).toISOString();

  it("is at schema version 5 (drift since 4) and queues a check only for a ready, applied, idle tenant", async () => {
    assert.equal(store.schemaVersion, 5);
    const spec = { ...smallSpec(), name: "new" };
    await store.createTenant({
      name: "new",
      spec,
      tokenHash: "x",
      demand: demandOfSpec(spec),
      requestedBy: "a",
    });
    assert.deepEqual(await store.enqueueDriftCheck("new", { requestedBy: "t", nextCheckAt: soon() }), {
      skipped: "not-ready",
    });
    await readyTenant("acme");
    const r = await store.enqueueDriftCheck("acme", { requestedBy: "t", nextCheckAt: soon() });
    assert.ok("operation" in r && r.operation.kind === "drift" && r.operation.specVersion === 1);
    assert.deepEqual(await store.enqueueDriftCheck("acme", { requestedBy: "t", nextCheckAt: soon() }), {
      skipped: "busy",
    });
    assert.deepEqual(await store.enqueueDriftCheck("gone", { requestedBy: "t", nextCheckAt: soon() }), {
      skipped: "deleted",
    });
  });

  it("a user operation queued after a check supersedes it and runs first", async () => {
    await readyTenant("acme");
    const check = await store.enqueueDriftCheck("acme", { requestedBy: "t", nextCheckAt: soon() });
    assert.ok("operation" in check);
    const up = await store.enqueue("acme", { kind: "refresh", requestedBy: "admin" });
    const cancelled = await store.getOperation(check.operation.id);
    assert.equal(cancelled?.status, "cancelled");
    assert.match(String(cancelled?.error), new RegExp(`superseded by refresh ${up.id}`));
    const claimed = await store.claimNext(5);
    assert.deepEqual(
      claimed.map((o) => o.id),
      [up.id],
    );
  });

  it("claims checks after every other operation and at most driftLimit at once", async () => {
    for (const n of ["a", "b", "c"]) await readyTenant(n);
    for (const n of ["a", "b"]) await store.enqueueDriftCheck(n, { requestedBy: "t", nextCheckAt: soon() });
    const user = await store.enqueue("c", { kind: "refresh", requestedBy: "admin" });
    const first = await store.claimNext(2, { driftLimit: 1 });
    assert.deepEqual(
      first.map((o) => `${o.tenant}:${o.kind}`),
      ["c:refresh", "a:drift"],
      "the user's operation first, though queued last; one check",
    );
    assert.deepEqual(await store.claimNext(2, { driftLimit: 1 }), [], "the second check waits for the first");
    await store.finishOperation(first[1].id, "succeeded", {});
    assert.deepEqual(
      (await store.claimNext(2, { driftLimit: 1 })).map((o) => o.tenant),
      ["b"],
    );
    await store.finishOperation(user.id, "succeeded", {});
  });

  it("driftDue lists ready, applied, idle tenants whose next check time passed, most overdue first", async () => {
    for (const n of ["a", "b", "c", "d"]) await readyTenant(n);
    const t0 = Date.now();
    await store.updateTenant("a", { driftNextCheckAt: new Date(t0 - 5000).toISOString() });
    await store.updateTenant("b", { driftNextCheckAt: new Date(t0 - 60_000).toISOString() });
    await store.updateTenant("c", { driftNextCheckAt: new Date(t0 + 60_000).toISOString() });
    await store.updateTenant("d", { driftNextCheckAt: new Date(t0 - 1000).toISOString() });
    await store.enqueue("d", { kind: "refresh", requestedBy: "admin" });
    assert.deepEqual(await store.driftDue(new Date(t0).toISOString(), 10), ["b", "a"]);
    assert.deepEqual(await store.driftDue(new Date(t0).toISOString(), 1), ["b"]);
  });

  it("shows a ready tenant whose last check drifted as `drifted`, and stores it as ready", async () => {
    await readyTenant("acme");
    const drift = {
      state: "drifted" as const,
      checkedAt: new Date().toISOString(),
      operationId: "x",
      specVersion: 1,
      resources: [RULE],
      error: null,
      durationSeconds: 1,
    };
    const t = await store.updateTenant("acme", { drift });
    assert.equal(t.status, "drifted");
    assert.equal((await store.counts()).tenants.drifted, 1);
    assert.equal((await store.counts()).tenants.ready, 0);
    // Writing the shown status back keeps it a ready tenant with a drifted check.
    assert.equal((await store.updateTenant("acme", { status: "drifted" })).status, "drifted");
    assert.deepEqual(await store.driftDue(new Date(Date.now() + 1e9).toISOString(), 5), ["acme"]);
  });
});

describe("drift: the reconcile rule", () => {
  const base = {
    check: { state: "drifted" as const, resources: [RULE, MD], operationId: "chk" },
    now: Date.parse("2026-12-03T12:00:00Z"),
    intervalMs: 600_000,
    succeededSince: false,
    lastReconcileStatus: undefined,
  };
  it("detect never reconciles; reconcile does, naming what differs", () => {
    assert.deepEqual(reconcileDecision({ ...base, tenant: { driftPolicy: "detect", lastReconcile: null } }), {
      reconcile: false,
      why: "policy is detect",
    });
    const d = reconcileDecision({ ...base, tenant: { driftPolicy: "reconcile", lastReconcile: null } });
    assert.ok(d.reconcile);
    assert.equal(
      d.reason,
      "drift check chk: 2 resources differ: tenant-acme-router-out-lan2 (description), tenant-acme-cluster-dev-machine-deployment (spec.replicas)",
    );
  });
  it("at most once per interval, and never again after a failed reconcile until an up succeeded", () => {
    const at = (ms: number) => ({
      driftPolicy: "reconcile" as const,
      lastReconcile: { operationId: "r1", at: new Date(base.now - ms).toISOString(), reason: "x" },
    });
    assert.equal(
      reconcileDecision({ ...base, tenant: at(60_000), lastReconcileStatus: "succeeded" }).reconcile,
      false,
    );
    assert.equal(
      reconcileDecision({ ...base, tenant: at(700_000), lastReconcileStatus: "succeeded" }).reconcile,
      true,
    );
    const failed = reconcileDecision({ ...base, tenant: at(7_000_000), lastReconcileStatus: "failed" });
    assert.deepEqual(failed, {
      reconcile: false,
      why: "the last reconcile (r1) failed; no reconcile until an up succeeds",
    });
    assert.equal(
      reconcileDecision({
        ...base,
        tenant: at(7_000_000),
        lastReconcileStatus: "failed",
        succeededSince: true,
      }).reconcile,
      true,
    );
  });
});

describe("drift: the scheduler's next check time", () => {
  it("stays within interval × (1 ± jitter) and spreads", () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const r = Math.random();
      const t = nextCheckTime(0, 600_000, 0.1, () => r);
      assert.ok(t >= 540_000 && t <= 660_000, String(t));
      seen.add(Math.round(t / 10_000));
    }
    assert.ok(seen.size > 5, "the jitter spreads the checks");
    assert.equal(nextCheckTime(1000, 600_000, 0, Math.random), 601_000);
    assert.throws(() => new DriftScheduler({ store: {} as any, intervalMs: 1000, jitter: 0.9 }), /jitter/);
  });
});

describe("drift: checks and reconciles through the service", function () {
  this.timeout(30_000);
  let t: TestService;
  afterEach(async () => t?.close());

  async function created(name = "acme") {
    const r = await t.req("POST", "/v1/tenants", { body: { name, spec: smallSpec() } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.equal((await t.waitOp(r.body.operation.id)).status, "succeeded");
    return r.body.token as string;
  }
  async function check(name = "acme", token?: string) {
    const r = await t.req("POST", `/v1/tenants/${name}/drift/check`, { token });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    return t.waitOp(r.body.operation.id, token);
  }

  it("a clean check, then hand edits reported as drift (names, not values); detect changes nothing", async () => {
    t = await startService({ drift: { intervalMs: 0 } });
    const token = await created();
    const clean = await check("acme", token);
    assert.equal(clean.kind, "drift");
    assert.equal(clean.result.state, "clean");
    let d = await t.req("GET", "/v1/tenants/acme/drift", { token });
    assert.equal(d.status, 200);
    assert.equal(d.body.check.state, "clean");
    assert.equal(d.body.policy, "detect");
    t.driver.liveDrift.set("tenant-acme", [RULE, MD]);
    const drifted = await check("acme", token);
    assert.equal(drifted.result.state, "drifted");
    d = await t.req("GET", "/v1/tenants/acme/drift", { token });
    assert.equal(d.body.status, "drifted");
    assert.deepEqual(
      d.body.check.resources.map((r: DriftedResource) => `${r.name}: ${r.properties.join(",")}`),
      [
        "tenant-acme-router-out-lan2: description",
        "tenant-acme-cluster-dev-machine-deployment: spec.replicas",
      ],
    );
    assert.equal((await t.req("GET", "/v1/tenants/acme")).body.status, "drifted");
    const ev = await t.req("GET", `/v1/operations/${drifted.id}/events`);
    const types = ev.body.items.map((e: any) => e.type);
    assert.ok(types.includes("drift.checked"), types.join(","));
    assert.ok(!types.includes("drift.reconcile.queued"), "detect queues no reconcile");
    assert.equal(t.driver.of("up").length, 1, "only the create's up ran");
    const metrics = await t.req("GET", "/v1/metrics");
    assert.match(metrics.text, /^basphere_tenants_drifted 1$/m);
    assert.match(metrics.text, /^basphere_drift_checks_total\{result="drifted"\} 1$/m);
    assert.match(metrics.text, /^basphere_drift_last_check_age_seconds\{tenant="acme"\} \d/m);
  });

  it("reconcile: one up --refresh with the reason, the next check clean, at most one per interval", async () => {
    t = await startService({ drift: { intervalMs: 0 } });
    await created();
    const bad = await t.req("PUT", "/v1/tenants/acme/drift/policy", { body: { policy: "fix" } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.field, "body.policy");
    const p = await t.req("PUT", "/v1/tenants/acme/drift/policy", { body: { policy: "reconcile" } });
    assert.equal(p.status, 200);
    assert.equal(p.body.policy, "reconcile");
    t.driver.liveDrift.set("tenant-acme", [RULE]);
    const drifted = await check();
    const ev = (await t.req("GET", `/v1/operations/${drifted.id}/events`)).body.items;
    const queued = ev.find((e: any) => e.type === "drift.reconcile.queued");
    assert.ok(queued, JSON.stringify(ev.map((e: any) => e.type)));
    const up = await t.waitOp(queued.data.operation);
    assert.equal(up.status, "succeeded");
    assert.equal(up.kind, "up");
    assert.equal(up.refresh, true);
    assert.equal(up.requestedBy, "service:reconcile");
    assert.match(up.reason, /tenant-acme-router-out-lan2 \(description\)/);
    assert.deepEqual(t.driver.of("up").at(-1)!.options, { refresh: true });
    let d = (await t.req("GET", "/v1/tenants/acme/drift")).body;
    assert.equal(d.status, "ready");
    assert.equal(d.check.reconciledBy, up.id);
    assert.equal((await check()).result.state, "clean", "the next check is clean");
    // Drift again within the interval: recorded, not reconciled again.
    t.driver.liveDrift.set("tenant-acme", [MD]);
    const again = await check();
    const ev2 = (await t.req("GET", `/v1/operations/${again.id}/events`)).body.items;
    const skipped = ev2.find((e: any) => e.type === "drift.reconcile.skipped");
    assert.match(skipped.data.reason, /at most one reconcile per interval/);
    d = (await t.req("GET", "/v1/tenants/acme/drift")).body;
    assert.equal(d.status, "drifted");
    assert.equal(t.driver.of("up").length, 2);
  });

  it("a failed reconcile does not loop: the tenant is failed and no longer checked", async () => {
    t = await startService({ drift: { intervalMs: 0 } });
    await created();
    await t.req("PUT", "/v1/tenants/acme/drift/policy", { body: { policy: "reconcile" } });
    t.driver.liveDrift.set("tenant-acme", [RULE]);
    const drifted = await check();
    const ev = (await t.req("GET", `/v1/operations/${drifted.id}/events`)).body.items;
    t.driver.failures.set("tenant-acme", "router refused the change");
    const queued = ev.find((e: any) => e.type === "drift.reconcile.queued");
    const up = await t.waitOp(queued.data.operation);
    assert.equal(up.status, "failed");
    const r = await t.req("POST", "/v1/tenants/acme/drift/check");
    assert.equal(r.status, 409);
    assert.match(r.body.message, /only a ready \(or drifted\) tenant is checked/);
    assert.deepEqual(await t.svc.store.driftDue(new Date(Date.now() + 1e9).toISOString(), 5), []);
  });

  it("the scheduler checks due tenants only, never one with work queued, and never two operations of a tenant at once", async () => {
    t = await startService({
      drift: { intervalMs: 400, jitter: 0.1, concurrency: 1, tickMs: 50 },
      delayMs: 30,
    });
    await created("a");
    await created("b");
    // A tenant with work queued is not checked meanwhile: hold the engine, queue b's refresh, see no check of b.
    t.driver.hold();
    const r = await t.req("POST", "/v1/tenants/b/refresh");
    assert.equal(r.status, 202);
    await new Promise((res) => setTimeout(res, 1500));
    t.driver.release();
    await t.waitOp(r.body.operation.id);
    await new Promise((res) => setTimeout(res, 1500));
    const drifts = t.driver.of("drift");
    assert.ok(
      drifts.some((c) => c.stack === "tenant-a"),
      "a was checked",
    );
    assert.ok(
      drifts.some((c) => c.stack === "tenant-b"),
      "b was checked after its refresh",
    );
    const refresh = t.driver.of("refresh")[0];
    for (const c of drifts.filter((x) => x.stack === "tenant-b"))
      assert.ok(c.at >= refresh.endedAt! || c.endedAt! <= refresh.at, "no check of b overlaps its refresh");
    assert.equal(t.driver.maxPerStack, 1, "never two operations of one stack at once");
    const checks = (await t.req("GET", "/v1/operations?limit=100")).body.items.filter(
      (o: any) => o.kind === "drift",
    );
    const running = checks.filter((o: any) => o.status === "running").length;
    assert.ok(running <= 1);
    for (const [i, a] of checks.entries())
      for (const b of checks.slice(i + 1))
        if (a.startedAt && b.startedAt && a.finishedAt && b.finishedAt)
          assert.ok(
            a.finishedAt <= b.startedAt || b.finishedAt <= a.startedAt,
            "at most one check at a time",
          );
  });

  it("a tenant token sees its own drift only", async () => {
    t = await startService({ drift: { intervalMs: 0 } });
    const token = await created("acme");
    await created("other");
    assert.equal((await t.req("GET", "/v1/tenants/other/drift", { token })).status, 403);
    assert.equal((await t.req("POST", "/v1/tenants/other/drift/check", { token })).status, 403);
    assert.equal((await t.req("GET", "/v1/tenants/nope/drift")).status, 404);
  });
});
