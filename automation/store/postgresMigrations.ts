/**
 * Schema migrations of the PostgreSQL store. The schema is the SQLite store's at its version 4 (migrations.ts),
 * written for PostgreSQL in one step, with the same tables, columns, CHECK constraints and unique indexes — the
 * ones that make a double allocation or two running operations of one tenant impossible. Later changes append a
 * migration here and in migrations.ts under the same version number.
 */
import type { Migration } from "./migrations";

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 4,
    name: "tenants, spec versions, operations (with drift), events, allocations: the SQLite schema 4",
    sql: `
CREATE TABLE tenants (
  name TEXT PRIMARY KEY,
  id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('creating','updating','ready','failed','deleting')),
  spec_version INTEGER NOT NULL,
  applied_version INTEGER,
  token_hash TEXT NOT NULL,
  outputs TEXT NOT NULL DEFAULT '{}',
  secret_output_keys TEXT NOT NULL DEFAULT '[]',
  last_error TEXT,
  drift_policy TEXT NOT NULL DEFAULT 'detect' CHECK (drift_policy IN ('detect','reconcile')),
  drift TEXT,
  drift_next_check_at TEXT,
  last_reconcile TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX tenants_by_id ON tenants(id);
CREATE TABLE spec_versions (
  tenant TEXT NOT NULL REFERENCES tenants(name) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  spec TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant, version)
);
CREATE TABLE operations (
  seq BIGSERIAL PRIMARY KEY,
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
CREATE UNIQUE INDEX operations_one_running_per_tenant ON operations(tenant) WHERE status = 'running';
CREATE INDEX operations_by_status ON operations(status, seq);
CREATE INDEX operations_by_tenant ON operations(tenant, seq);
CREATE INDEX operations_by_tenant_id ON operations(tenant_id, seq);
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
  seq BIGSERIAL PRIMARY KEY,
  action TEXT NOT NULL CHECK (action IN ('allocate','release')),
  pool TEXT NOT NULL,
  value TEXT NOT NULL,
  tenant TEXT NOT NULL,
  at TEXT NOT NULL
);
`,
  },
  {
    version: 5,
    name: "operation leases: the replica running an operation and until when its claim holds",
    sql: `
ALTER TABLE operations ADD COLUMN lease_owner TEXT;
ALTER TABLE operations ADD COLUMN lease_expires_at TEXT;
CREATE INDEX operations_by_lease ON operations(status, lease_expires_at);
`,
  },
];
