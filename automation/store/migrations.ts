/**
 * Versioned schema migrations of the SQLite store. Each entry is applied once, in order, in its own transaction
 * together with its row in `schema_migrations`; never edit an applied migration — append a new one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** A random (version 4) UUID as an SQLite expression, evaluated per row. */
const SQL_UUID =
  "lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || " +
  "substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))";

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "tenants, spec versions, operations, events, allocations",
    sql: `
CREATE TABLE tenants (
  name TEXT PRIMARY KEY,
  status TEXT NOT NULL CHECK (status IN ('creating','updating','ready','failed','deleting')),
  spec_version INTEGER NOT NULL,
  applied_version INTEGER,
  token_hash TEXT NOT NULL,
  outputs TEXT NOT NULL DEFAULT '{}',
  secret_output_keys TEXT NOT NULL DEFAULT '[]',
  last_error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE spec_versions (
  tenant TEXT NOT NULL REFERENCES tenants(name) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  spec TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant, version)
);
CREATE TABLE operations (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  tenant TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('up','preview','refresh','destroy')),
  status TEXT NOT NULL CHECK (status IN ('queued','running','succeeded','failed','cancelled')),
  spec_version INTEGER,
  proposed_spec TEXT,
  requested_by TEXT NOT NULL,
  attempt INTEGER NOT NULL DEFAULT 1,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  result TEXT,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT
);
CREATE UNIQUE INDEX operations_one_running_per_tenant ON operations(tenant) WHERE status = 'running';
CREATE INDEX operations_by_status ON operations(status, seq);
CREATE INDEX operations_by_tenant ON operations(tenant, seq);
CREATE TABLE events (
  op_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  time TEXT NOT NULL,
  type TEXT NOT NULL,
  data TEXT,
  PRIMARY KEY (op_id, seq)
);
CREATE TABLE allocations (
  pool TEXT NOT NULL,
  value TEXT NOT NULL,
  tenant TEXT NOT NULL,
  key TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (pool, value),
  UNIQUE (tenant, pool, key)
);
CREATE TABLE allocation_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  action TEXT NOT NULL CHECK (action IN ('allocate','release')),
  pool TEXT NOT NULL,
  value TEXT NOT NULL,
  tenant TEXT NOT NULL,
  at TEXT NOT NULL
);
`,
  },
  {
    version: 2,
    name: "engine processes of running operations (killed at recovery when they outlived a crashed service)",
    sql: `ALTER TABLE operations ADD COLUMN engine_processes TEXT NOT NULL DEFAULT '[]';`,
  },
  {
    version: 3,
    name: "tenant incarnations: tenants.id, operations.tenant_id (a tenant re-created under a deleted one's name does not inherit its operations)",
    // Backfill: each existing tenant gets a fresh id; an operation belongs to the existing tenant of its name when it
    // was created at or after that tenant (ISO timestamps sort as text), otherwise to a deleted incarnation, which
    // is recorded as 'retired:<name>' (never the form of a live tenant's id, a UUID) — visible to the admin only.
    sql: `
ALTER TABLE tenants ADD COLUMN id TEXT NOT NULL DEFAULT '';
UPDATE tenants SET id = ${SQL_UUID};
CREATE UNIQUE INDEX tenants_by_id ON tenants(id);
ALTER TABLE operations ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
UPDATE operations SET tenant_id = COALESCE(
  (SELECT t.id FROM tenants t WHERE t.name = operations.tenant AND operations.created_at >= t.created_at),
  'retired:' || operations.tenant);
CREATE INDEX operations_by_tenant_id ON operations(tenant_id, seq);
`,
  },
  {
    version: 4,
    name: "drift: operation kind 'drift', operation options (reason, refresh), tenant drift policy, last check, next check, last reconcile",
    // SQLite cannot change a CHECK constraint in place: the operations table is rebuilt (nothing references it by
    // a foreign key) with the same rows, sequence numbers and indexes. Tenants only gain columns.
    sql: `
CREATE TABLE operations_v4 (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  tenant TEXT NOT NULL,
  tenant_id TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL CHECK (kind IN ('up','preview','refresh','destroy','drift')),
  status TEXT NOT NULL CHECK (status IN ('queued','running','succeeded','failed','cancelled')),
  spec_version INTEGER,
  proposed_spec TEXT,
  requested_by TEXT NOT NULL,
  reason TEXT,
  refresh INTEGER NOT NULL DEFAULT 0 CHECK (refresh IN (0, 1)),
  attempt INTEGER NOT NULL DEFAULT 1,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  result TEXT,
  engine_processes TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT
);
INSERT INTO operations_v4 (seq, id, tenant, tenant_id, kind, status, spec_version, proposed_spec, requested_by,
  attempt, cancel_requested, error, result, engine_processes, created_at, started_at, finished_at)
SELECT seq, id, tenant, tenant_id, kind, status, spec_version, proposed_spec, requested_by,
  attempt, cancel_requested, error, result, engine_processes, created_at, started_at, finished_at FROM operations;
DROP TABLE operations;
ALTER TABLE operations_v4 RENAME TO operations;
CREATE UNIQUE INDEX operations_one_running_per_tenant ON operations(tenant) WHERE status = 'running';
CREATE INDEX operations_by_status ON operations(status, seq);
CREATE INDEX operations_by_tenant ON operations(tenant, seq);
CREATE INDEX operations_by_tenant_id ON operations(tenant_id, seq);
ALTER TABLE tenants ADD COLUMN drift_policy TEXT NOT NULL DEFAULT 'detect' CHECK (drift_policy IN ('detect','reconcile'));
ALTER TABLE tenants ADD COLUMN drift TEXT;
ALTER TABLE tenants ADD COLUMN drift_next_check_at TEXT;
ALTER TABLE tenants ADD COLUMN last_reconcile TEXT;
`,
  },
  {
    version: 5,
    name: "operation leases: the replica running an operation and until when its claim holds",
    // A running operation belongs to the replica that claimed it while its lease holds; the replica renews it,
    // another takes it over (with the recovery steps of a restart) once it has expired.
    sql: `
ALTER TABLE operations ADD COLUMN lease_owner TEXT;
ALTER TABLE operations ADD COLUMN lease_expires_at TEXT;
CREATE INDEX operations_by_lease ON operations(status, lease_expires_at);
`,
  },
];
