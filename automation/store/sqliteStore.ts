/**
 * The embedded store: one SQLite file (`node:sqlite` DatabaseSync), WAL mode, a busy timeout so that several
 * processes can share the file, migrations applied at open (each in its own BEGIN IMMEDIATE transaction), and the
 * statements of {@link SqlStore} on it.
 */
import { DatabaseSync } from "node:sqlite";
import { MIGRATIONS } from "./migrations";
import { SqliteDb } from "./sql/sqliteDb";
import { SqlStore, SqlStoreOptions } from "./sqlStore";

export interface SqliteStoreOptions extends SqlStoreOptions {
  /** Database file, or ":memory:". */
  path: string;
  /** Busy timeout in ms (waiting for another writer). Default 10000. */
  busyTimeoutMs?: number;
}

/** Applies pending migrations, each in its own transaction; returns the schema version. */
function migrate(db: DatabaseSync, now: () => string): number {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
  );
  for (const m of MIGRATIONS) {
    db.exec("BEGIN IMMEDIATE");
    try {
      // Re-checked inside the write transaction: another process may have applied it meanwhile.
      if (!db.prepare("SELECT 1 FROM schema_migrations WHERE version = ?").get(m.version)) {
        db.exec(m.sql);
        db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(
          m.version,
          m.name,
          now(),
        );
      }
      db.exec("COMMIT");
    } catch (e) {
      db.exec("ROLLBACK");
      throw e;
    }
  }
  const row = db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get() as { v: number | null };
  return Number(row.v ?? 0);
}

export class SqliteStore extends SqlStore {
  /** The connection (tests read it directly). */
  readonly db: DatabaseSync;

  constructor(opts: SqliteStoreOptions) {
    const db = new DatabaseSync(opts.path, {
      timeout: opts.busyTimeoutMs ?? 10000,
      enableForeignKeyConstraints: true,
    });
    if (opts.path !== ":memory:") db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    const version = migrate(db, opts.now ?? (() => new Date().toISOString()));
    super(new SqliteDb(db), version, opts);
    this.db = db;
  }
}
