/**
 * Tenant incarnations in the store: every tenant row has its own id, every operation the id of the incarnation it
 * was enqueued for, and schema version 3 backfills both on a database written by version 2.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { MIGRATIONS } from "../../../../automation/store/migrations";
import { SqliteStore } from "../../../../automation/store/sqliteStore";
import { NotFoundError } from "../../../../automation/store/types";
import { tempDir } from "../../../../support/serviceApp";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const demand = { vlan: ["lan1", "lan2"], routerWan: ["router"], floatingIp: [] };

describe("SqliteStore tenant incarnations", () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir("basphere-store-inc-");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("gives a tenant created again under a deleted name a new id; operations keep their incarnation", async () => {
    const store = new SqliteStore({ path: join(dir, "db.sqlite") });
    try {
      const create = () =>
        store.createTenant({
          name: "acme",
          spec: {},
          tokenHash: "a".repeat(64),
          demand,
          requestedBy: "admin",
        });
      const first = await create();
      assert.match(first.tenant.id, UUID);
      assert.equal(first.operation.tenantId, first.tenant.id);
      const [up] = await store.claimNext(1);
      await store.finishOperation(up.id, "succeeded", {});
      const refresh = await store.enqueue("acme", { kind: "refresh", requestedBy: "admin" });
      assert.equal(refresh.tenantId, first.tenant.id);
      await store.requestDelete({ name: "acme", requestedBy: "admin" });
      const [destroy] = await store.claimNext(1);
      assert.equal(destroy.kind, "destroy");
      assert.equal(destroy.tenantId, first.tenant.id);
      await store.completeDelete("acme", destroy.id, {});

      const second = await create();
      assert.notEqual(second.tenant.id, first.tenant.id);
      assert.equal(second.operation.tenantId, second.tenant.id);
      assert.deepEqual(await store.tenantCredential("acme"), {
        id: second.tenant.id,
        tokenHash: "a".repeat(64),
      });

      const byName = await store.listOperations({ tenant: "acme", limit: 50 });
      assert.equal(byName.length, 4, "the name filter sees every incarnation");
      const current = await store.listOperations({ tenant: "acme", tenantId: second.tenant.id, limit: 50 });
      assert.deepEqual(
        current.map((o) => o.id),
        [second.operation.id],
      );
      const old = await store.listOperations({ tenantId: first.tenant.id, limit: 50 });
      assert.deepEqual(old.map((o) => o.id).sort(), [up.id, refresh.id, destroy.id].sort());

      // a token hash can be set only on the incarnation it was meant for
      await assert.rejects(store.setTenantTokenHash("acme", first.tenant.id, "b".repeat(64)), NotFoundError);
      assert.equal((await store.tenantCredential("acme"))!.tokenHash, "a".repeat(64));
      await store.setTenantTokenHash("acme", second.tenant.id, "c".repeat(64));
      assert.equal((await store.tenantCredential("acme"))!.tokenHash, "c".repeat(64));
    } finally {
      store.close();
    }
  });

  it("migrates a version-2 database: ids for tenants, operations backfilled by incarnation, events kept", async () => {
    const path = join(dir, "v2.sqlite");
    const db = new DatabaseSync(path);
    db.exec(
      "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    );
    for (const m of MIGRATIONS.filter((x) => x.version <= 2)) {
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations VALUES (?, ?, ?)").run(
        m.version,
        m.name,
        "2024-01-01T00:00:00.000Z",
      );
    }
    const tenant = db.prepare(
      "INSERT INTO tenants (name, status, spec_version, token_hash, created_at, updated_at) VALUES (?, 'ready', 1, ?, ?, ?)",
    );
    tenant.run("acme", "d".repeat(64), "2024-03-01T00:00:00.000Z", "2024-03-01T00:00:00.000Z");
    tenant.run("beta", "e".repeat(64), "2024-02-01T00:00:00.000Z", "2024-02-01T00:00:00.000Z");
    const op = db.prepare(
      "INSERT INTO operations (id, tenant, kind, status, spec_version, requested_by, created_at) VALUES (?, ?, ?, 'succeeded', 1, 'admin', ?)",
    );
    op.run("op-acme-old-up", "acme", "up", "2024-01-10T00:00:00.000Z"); // an acme deleted before the current one
    op.run("op-acme-old-destroy", "acme", "destroy", "2024-02-20T00:00:00.000Z");
    op.run("op-acme-up", "acme", "up", "2024-03-01T00:00:00.000Z"); // same instant as the tenant row
    op.run("op-acme-refresh", "acme", "refresh", "2024-03-05T00:00:00.000Z");
    op.run("op-beta-up", "beta", "up", "2024-02-01T00:00:01.000Z");
    op.run("op-gone-up", "gone", "up", "2024-01-05T00:00:00.000Z"); // a tenant deleted for good
    db.prepare("INSERT INTO events (op_id, seq, time, type, data) VALUES (?, 1, ?, 'log', ?)").run(
      "op-acme-old-up",
      "2024-01-10T00:00:01.000Z",
      JSON.stringify({ line: "old" }),
    );
    db.close();

    const store = new SqliteStore({ path });
    let acmeId = "";
    try {
      assert.equal(store.schemaVersion, MIGRATIONS[MIGRATIONS.length - 1].version);
      const acme = (await store.getTenant("acme"))!;
      const beta = (await store.getTenant("beta"))!;
      acmeId = acme.id;
      assert.match(acme.id, UUID);
      assert.match(beta.id, UUID);
      assert.notEqual(acme.id, beta.id);
      const owner = async (id: string) => (await store.getOperation(id))!.tenantId;
      assert.equal(await owner("op-acme-up"), acme.id);
      assert.equal(await owner("op-acme-refresh"), acme.id);
      assert.equal(await owner("op-beta-up"), beta.id);
      assert.equal(await owner("op-acme-old-up"), "retired:acme");
      assert.equal(await owner("op-acme-old-destroy"), "retired:acme");
      assert.equal(await owner("op-gone-up"), "retired:gone");
      assert.deepEqual(
        (await store.listOperations({ tenant: "acme", tenantId: acme.id, limit: 10 })).map((o) => o.id),
        ["op-acme-refresh", "op-acme-up"],
      );
      assert.deepEqual(
        (await store.listEvents("op-acme-old-up", 0, 10)).map((e) => e.data),
        [{ line: "old" }],
      );
      assert.deepEqual(await store.tenantCredential("acme"), { id: acme.id, tokenHash: "d".repeat(64) });
      // new operations of a migrated tenant belong to its (backfilled) incarnation
      assert.equal(
        (await store.enqueue("acme", { kind: "refresh", requestedBy: "admin" })).tenantId,
        acme.id,
      );
      const unique = store.db
        .prepare("SELECT COUNT(DISTINCT id) AS n, COUNT(*) AS total FROM tenants")
        .get() as any;
      assert.equal(unique.n, unique.total);
    } finally {
      store.close();
    }
    // opening again applies nothing more and keeps the ids
    const again = new SqliteStore({ path });
    try {
      assert.equal(again.schemaVersion, MIGRATIONS[MIGRATIONS.length - 1].version);
      assert.equal((await again.getTenant("acme"))!.id, acmeId);
      assert.equal((await again.getOperation("op-acme-up"))!.tenantId, acmeId);
    } finally {
      again.close();
    }
  });
});
