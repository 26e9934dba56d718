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
];
