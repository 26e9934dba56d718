import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_POOLS, PoolExhaustedError, buildPools } from "../../../../automation/allocator/pools";
import { MIGRATIONS } from "../../../../automation/store/migrations";
import { POSTGRES_MIGRATIONS } from "../../../../automation/store/postgresMigrations";
import { PostgresStore } from "../../../../automation/store/postgresStore";
import { SqlStore } from "../../../../automation/store/sqlStore";
import { SqliteStore } from "../../../../automation/store/sqliteStore";
import { ConflictError, LeaseLostError } from "../../../../automation/store/types";
import { TestPostgres, startPostgres } from "../../../../support/postgres";
import { tempDir } from "../../../../support/serviceApp";

const demand = (fips: string[] = []) => ({ vlan: ["lan1", "lan2"], routerWan: ["router"], floatingIp: fips });

/** The same suite on both stores: SQLite (the embedded default) and PostgreSQL (a server of the test's own). */
for (const backend of ["sqlite", "postgres"] as const)
  describe(`the store on ${backend}`, function () {
    this.timeout(30_000);
    let dir: string;
    let store: SqlStore;
    let pg: TestPostgres | undefined;
    let databases = 0;
    /** The stores' clock (leases expire by it): starts at a fixed instant for every test, moved by `advance`. */
    let clock = 0;
    const now = () => new Date(clock).toISOString();
    const advance = (ms: number) => (clock += ms);
    const pools = buildPools({
      ...DEFAULT_POOLS,
      floatingIp: { first: "192.168.200.100", last: "192.168.200.102" },
    });
    before(async () => {
      if (backend === "postgres") pg = await startPostgres();
    });
    after(async () => pg?.stop());
    beforeEach(async () => {
      clock = Date.parse("2026-06-01T00:00:00.000Z");
      dir = tempDir("basphere-store-");
      store =
        backend === "sqlite"
          ? new SqliteStore({ path: join(dir, "db.sqlite"), pools, now })
          : await PostgresStore.open({ url: await pg!.database(`t${databases++}`), pools, now });
    });
    /** Creates tenant `name` (admin, token hash "h") demanding two VLANs, a router WAN address and `fips`. */
    const createTenant = (name: string, fips: string[] = [], spec: unknown = {}) =>
      store.createTenant({ name, spec, tokenHash: "h", demand: demand(fips), requestedBy: "admin" });
    afterEach(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    if (backend === "postgres")
      it("applies its migrations once under a lock, even when replicas open the database together", async () => {
        await store.close();
        const url = await pg!.database("together");
        const opened = await Promise.all([1, 2, 3].map(() => PostgresStore.open({ url, pools })));
        for (const s of opened) assert.equal(s.schemaVersion, POSTGRES_MIGRATIONS.at(-1)!.version);
        assert.deepEqual(
          (await opened[0].sql.all("SELECT version FROM schema_migrations")).map((r) => r.version),
          POSTGRES_MIGRATIONS.map((m) => m.version),
        );
        await Promise.all(opened.map((s) => s.close()));
        store = await PostgresStore.open({ url, pools });
        await assert.rejects(
          PostgresStore.open({ url: url.replace("basphere@", "basphere:hunter2@").replace(/\d+\//, "1/") }),
          (e: Error) =>
            /store postgres:\/\/basphere:\*\*\*@/.test(e.message) && !e.message.includes("hunter2"),
        );
      });

    if (backend === "postgres")
      it("three replicas creating 30 tenants at once: each created once, no value handed out twice, one claim each", async () => {
        const url = await pg!.database("replicas");
        const big = buildPools(DEFAULT_POOLS);
        const replicas = await Promise.all(
          [1, 2, 3].map(() => PostgresStore.open({ url, pools: big, max: 4 })),
        );
        try {
          const results = await Promise.all(
            Array.from({ length: 30 }, (_, i) =>
              replicas[i % 3].createTenant({
                name: `t${i}`,
                spec: {},
                tokenHash: "h",
                demand: demand(["web"]),
                requestedBy: "admin",
              }),
            ),
          );
          assert.equal(results.length, 30);
          const rows = await replicas[0].sql.all("SELECT pool, value FROM allocations");
          assert.equal(rows.length, 30 * 4);
          assert.equal(new Set(rows.map((r) => `${r.pool}/${r.value}`)).size, rows.length, "no value twice");
          // Every replica claims at once: each operation is claimed by exactly one of them.
          const claims = (await Promise.all(replicas.map((r) => r.claimNext(30)))).flat();
          assert.equal(claims.length, 30);
          assert.equal(new Set(claims.map((o) => o.id)).size, 30, "no operation claimed twice");
        } finally {
          await Promise.all(replicas.map((r) => r.close()));
        }
      });

    if (backend === "sqlite")
      it("SQLite: every migration once, recorded; WAL mode with a busy timeout", async () => {
        const db = (store as SqliteStore).db;
        assert.equal(store.schemaVersion, MIGRATIONS[MIGRATIONS.length - 1].version);
        const rows = db.prepare("SELECT version FROM schema_migrations ORDER BY version").all() as any[];
        assert.deepEqual(
          rows.map((r) => r.version),
          MIGRATIONS.map((m) => m.version),
        );
        assert.equal((db.prepare("PRAGMA journal_mode").get() as any).journal_mode, "wal");
        assert.equal((db.prepare("PRAGMA busy_timeout").get() as any).timeout, 10000);
        await store.close();
        const again = new SqliteStore({ path: join(dir, "db.sqlite") });
        assert.equal(again.schemaVersion, store.schemaVersion);
        assert.equal(
          (again.db.prepare("SELECT COUNT(*) AS n FROM schema_migrations").get() as any).n,
          MIGRATIONS.length,
        );
        store = again;
      });

    it("transactions of many async callers never interleave (woken together, they still run one at a time)", async () => {
      await store.sql.run("CREATE TABLE counter (n INTEGER NOT NULL)");
      await store.sql.run("INSERT INTO counter (n) VALUES (0)");
      const bump = () =>
        store.sql.tx(async () => {
          const { n } = (await store.sql.get("SELECT n FROM counter"))!;
          await new Promise((r) => setImmediate(r));
          await store.sql.run("UPDATE counter SET n = ?", [Number(n) + 1]);
        });
      // Reads outside the transactions run between them, never inside one.
      const reads = Array.from({ length: 20 }, () => store.sql.get("SELECT n FROM counter"));
      await Promise.all([...Array.from({ length: 40 }, bump), ...reads]);
      assert.equal(Number((await store.sql.get("SELECT n FROM counter"))!.n), 40);
    });

    it("creates tenant, spec, allocations and the up operation in one transaction", async () => {
      const r = await createTenant("acme", ["web"], { name: "acme" });
      assert.equal(r.tenant.status, "creating");
      assert.equal(r.operation.kind, "up");
      assert.equal(r.operation.status, "queued");
      assert.deepEqual(r.allocations.map((a) => `${a.pool}/${a.key}=${a.value}`).sort(), [
        "floatingIp/web=192.168.200.100",
        "routerWan/router=192.168.200.20",
        "vlan/lan1=100",
        "vlan/lan2=101",
      ]);
      await assert.rejects(createTenant("acme"), ConflictError);
    });

    it("rolls the whole create back when a pool is exhausted", async () => {
      await createTenant("a", ["x", "y"]);
      await assert.rejects(
        createTenant("b", ["x", "y"]),
        (e: unknown) => e instanceof PoolExhaustedError && e.pool === "floatingIp",
      );
      assert.equal(await store.getTenant("b"), undefined);
      assert.deepEqual(await store.allocationsOf("b"), []);
      assert.equal((await store.listOperations({ tenant: "b", limit: 10 })).length, 0);
    });

    it("claims oldest first, one per tenant, never a tenant already running", async () => {
      await createTenant("a");
      await createTenant("b");
      await store.enqueue("a", { kind: "refresh", requestedBy: "admin" });
      const first = await store.claimNext(5);
      assert.deepEqual(
        first.map((o) => `${o.tenant}:${o.kind}`),
        ["a:up", "b:up"],
      );
      assert.deepEqual(await store.claimNext(5), []);
      await store.finishOperation(first[0].id, "succeeded", {});
      const next = await store.claimNext(5);
      assert.deepEqual(
        next.map((o) => `${o.tenant}:${o.kind}`),
        ["a:refresh"],
      );
      // the database itself refuses two running operations of one tenant
      await store.enqueue("b", { kind: "refresh", requestedBy: "admin" });
      await assert.rejects(
        store.sql.run("UPDATE operations SET status = 'running' WHERE tenant = 'b'"),
        /UNIQUE|unique constraint/,
      );
    });

    it("leases: a claim holds for its replica, renewals extend it, only an expired one is taken over", async () => {
      await createTenant("a");
      await createTenant("b");
      const [opA, opB] = await store.claimNext(2, { lease: { owner: "r1", ms: 30_000 } });
      assert.equal(opA.leaseOwner, "r1");
      assert.equal(opA.leaseExpiresAt, "2026-06-01T00:00:30.000Z");
      // Nothing to take over while the lease holds.
      advance(20_000);
      assert.deepEqual(await store.takeOverRunning({ owner: "r2", ms: 30_000 }), []);
      // r1 renews a; b is left to run out (r1 went away with it).
      assert.deepEqual(await store.renewLeases("r1", [opA.id], 30_000), [
        { id: opA.id, cancelRequested: false },
      ]);
      // Another replica cannot renew what it does not hold.
      assert.deepEqual(await store.renewLeases("r2", [opA.id, opB.id], 30_000), []);
      advance(15_000);
      const taken = await store.takeOverRunning({ owner: "r2", ms: 30_000 });
      assert.deepEqual(
        taken.map((t) => [t.op.id, t.previousOwner, t.expiredAt, t.op.leaseOwner]),
        [[opB.id, "r1", "2026-06-01T00:00:30.000Z", "r2"]],
      );
      // Taking over is atomic: a third replica finds nothing left.
      assert.deepEqual(await store.takeOverRunning({ owner: "r3", ms: 30_000 }), []);
      // The fenced replica's renewal no longer returns b: it learns the lease is lost.
      assert.deepEqual(
        (await store.renewLeases("r1", [opA.id, opB.id], 30_000)).map((h) => h.id),
        [opA.id],
      );
      // A cancel requested through any replica reaches the holder with its renewal.
      await store.requestCancel(opA.id);
      assert.deepEqual(await store.renewLeases("r1", [opA.id], 30_000), [
        { id: opA.id, cancelRequested: true },
      ]);
    });

    it("fencing: a replica that lost a lease can neither finish nor requeue nor release its operation", async () => {
      const { operation } = await createTenant("a");
      await store.claimNext(1, { lease: { owner: "r1", ms: 10_000 } });
      advance(10_001);
      await store.takeOverRunning({ owner: "r2", ms: 10_000 });
      for (const attempt of [
        () => store.finishOperation(operation.id, "succeeded", { owner: "r1" }),
        () => store.requeue(operation.id, { owner: "r1" }),
      ])
        await assert.rejects(attempt(), (e: Error) => e instanceof LeaseLostError && /r2/.test(e.message));
      assert.equal((await store.getOperation(operation.id))!.status, "running", "untouched by r1");
      const done = await store.finishOperation(operation.id, "succeeded", { owner: "r2" });
      assert.equal(done.status, "succeeded");
      assert.equal(done.leaseExpiresAt, null, "a finished operation holds no lease");
      // A released lease (renewed for 0 ms: a replica stopping) is taken over at once.
      await store.enqueue("a", { kind: "refresh", requestedBy: "admin" });
      const [r] = await store.claimNext(1, { lease: { owner: "r3", ms: 10_000 } });
      await store.renewLeases("r3", [r.id], 0);
      advance(1);
      assert.deepEqual(
        (await store.takeOverRunning({ owner: "r4", ms: 10_000 })).map((t) => t.op.id),
        [r.id],
      );
      // `all` (a restart of the only replica) takes over every running operation, expired or not.
      assert.equal((await store.takeOverRunning({ owner: "r5", ms: 10_000 }, { all: true })).length, 1);
    });

    it("cancels queued at once, flags running, refuses finished", async () => {
      const { operation } = await createTenant("a");
      const q = await store.enqueue("a", { kind: "refresh", requestedBy: "admin" });
      assert.equal((await store.requestCancel(q.id)).status, "cancelled");
      await store.claimNext(1);
      const r = await store.requestCancel(operation.id);
      assert.equal(r.status, "running");
      assert.equal(r.cancelRequested, true);
      await store.finishOperation(operation.id, "cancelled", { error: "x" });
      await assert.rejects(store.requestCancel(operation.id), ConflictError);
    });

    it("replaces specs (new version, extra allocations) and releases only surplus keys", async () => {
      await createTenant("a", ["web"], { v: 1 });
      const r = await store.replaceSpec({
        name: "a",
        spec: { v: 2 },
        demand: demand(["web", "api"]),
        requestedBy: "admin",
      });
      assert.equal(r.tenant.specVersion, 2);
      assert.deepEqual(await store.getSpec("a", 2), { v: 2 });
      assert.deepEqual(
        (await store.allocationsOf("a"))
          .filter((x) => x.pool === "floatingIp")
          .map((x) => x.key)
          .sort(),
        ["api", "web"],
      );
      assert.equal(await store.release("a", demand(["api"])), 1);
      const left = await store.allocationsOf("a");
      assert.deepEqual(
        left.filter((x) => x.pool === "floatingIp").map((x) => `${x.key}=${x.value}`),
        ["api=192.168.200.101"],
      );
    });

    it("deletes: cancels queued work, then completeDelete frees everything atomically", async () => {
      await createTenant("a", ["web"]);
      const d = await store.requestDelete({ name: "a", requestedBy: "admin" });
      assert.equal(d.cancelled.length, 1);
      await assert.rejects(store.requestDelete({ name: "a", requestedBy: "admin" }), ConflictError);
      await assert.rejects(
        store.replaceSpec({ name: "a", spec: {}, demand: demand(), requestedBy: "admin" }),
        ConflictError,
      );
      const [op] = await store.claimNext(1);
      assert.equal(op.kind, "destroy");
      const { released } = await store.completeDelete("a", op.id, {});
      assert.equal(released, 4);
      assert.equal(await store.getTenant("a"), undefined);
      assert.equal((await store.getOperation(op.id))!.status, "succeeded");
      const log = await store.sql.all(
        "SELECT action, COUNT(*) AS n FROM allocation_log GROUP BY action ORDER BY action",
      );
      assert.deepEqual(
        log.map((l) => `${l.action}:${l.n}`),
        ["allocate:4", "release:4"],
      );
    });

    it("numbers events per operation and pages them", async () => {
      const { operation } = await createTenant("a");
      for (let i = 0; i < 5; i++) await store.appendEvent(operation.id, "t", { i });
      const page = await store.listEvents(operation.id, 2, 2);
      assert.deepEqual(
        page.map((e) => [e.seq, (e.data as any).i]),
        [
          [3, 2],
          [4, 3],
        ],
      );
    });

    it("refuses page bounds that are not safe integers (not the database's datatype mismatch)", async () => {
      const { operation } = await createTenant("a");
      for (const bad of [Infinity, -Infinity, NaN, 1.5, 0, -1, 2 ** 53])
        await assert.rejects(() => store.listOperations({ limit: bad }), RangeError, String(bad));
      for (const bad of [Infinity, NaN, -1, 0.5])
        await assert.rejects(() => store.listEvents(operation.id, bad, 10), RangeError, String(bad));
      await assert.rejects(() => store.listEvents(operation.id, 0, Infinity), /limit must be an integer/);
      assert.equal((await store.listOperations({ limit: 1 })).length, 1);
    });
  });
