/**
 * The store on PostgreSQL, for several service replicas on one database: the statements of {@link SqlStore} on a
 * `pg` pool (statement timeout, bounded connections), every write transaction serialized by one advisory lock
 * (sql/pgDb.ts), migrations applied at open under a session advisory lock (replicas starting together apply each
 * once). Chosen with `basphere serve --store postgres://…`; SQLite stays the default.
 */
import { Migration } from "./migrations";
import { POSTGRES_MIGRATIONS } from "./postgresMigrations";
import { PgDb, PgDbOptions, WRITE_LOCK } from "./sql/pgDb";
import { SqlStore, SqlStoreOptions } from "./sqlStore";

export interface PostgresStoreOptions extends SqlStoreOptions, PgDbOptions {}

/** Applies pending migrations (each in its own transaction, all under the store's lock); returns the version. */
async function migrate(db: PgDb, migrations: readonly Migration[], now: () => string): Promise<number> {
  const client = await db.pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [WRITE_LOCK]);
    try {
      await client.query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
      );
      for (const m of migrations) {
        const done = await client.query("SELECT 1 FROM schema_migrations WHERE version = $1", [m.version]);
        if (done.rowCount) continue;
        await client.query("BEGIN");
        try {
          await client.query(m.sql);
          await client.query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            [m.version, m.name, now()],
          );
          await client.query("COMMIT");
        } catch (e) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw new Error(`PostgreSQL migration ${m.version} (${m.name}): ${(e as Error).message}`);
        }
      }
      const r = await client.query("SELECT MAX(version) AS v FROM schema_migrations");
      return Number(r.rows[0]?.v ?? 0);
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [WRITE_LOCK]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}

export class PostgresStore extends SqlStore {
  private constructor(
    readonly pg: PgDb,
    version: number,
    opts: PostgresStoreOptions,
  ) {
    super(pg, version, opts);
  }

  /** Connects, applies the migrations, and returns the store (the URL's password is never logged or echoed). */
  static async open(opts: PostgresStoreOptions): Promise<PostgresStore> {
    const db = new PgDb(opts);
    try {
      const version = await migrate(db, POSTGRES_MIGRATIONS, opts.now ?? (() => new Date().toISOString()));
      return new PostgresStore(db, version, opts);
    } catch (e) {
      await db.close().catch(() => undefined);
      throw new Error(`store ${redactUrl(opts.url)}: ${(e as Error).message}`);
    }
  }
}

/** A connection URL without its password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres://(unparseable URL)";
  }
}
