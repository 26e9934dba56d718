/**
 * {@link SqlDb} on a PostgreSQL pool (`pg`): each statement on a pooled connection with a statement timeout; a
 * transaction on one connection for its whole async context (AsyncLocalStorage), serialized with every other
 * writer of the database by one transaction-scoped advisory lock — the same single-writer guarantee SQLite's BEGIN
 * IMMEDIATE gives, across replicas. `?` placeholders become `$1…$n`.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { Pool, PoolClient } from "pg";
import { Row, SqlDb, SqlValue } from "./db";

/** The advisory lock every write transaction of the store takes (an arbitrary constant: "basphere" in ASCII). */
export const WRITE_LOCK = 0x62617370;

/** `?` placeholders (outside string literals) numbered for PostgreSQL. */
export function numbered(sql: string): string {
  let n = 0;
  let quoted = false;
  let out = "";
  for (const ch of sql) {
    if (ch === "'") quoted = !quoted;
    out += ch === "?" && !quoted ? `$${++n}` : ch;
  }
  return out;
}

export interface PgDbOptions {
  /** `postgres://user:password@host:port/db`. */
  url: string;
  /** Connections at most. Default 10. */
  max?: number;
  /** Statement timeout, ms. Default 15000. */
  statementTimeoutMs?: number;
}

export class PgDb implements SqlDb {
  readonly dialect = "postgres" as const;
  readonly pool: Pool;
  private readonly current = new AsyncLocalStorage<PoolClient>();

  constructor(opts: PgDbOptions) {
    this.pool = new Pool({
      connectionString: opts.url,
      max: opts.max ?? 10,
      statement_timeout: opts.statementTimeoutMs ?? 15000,
      connectionTimeoutMillis: 10000,
      application_name: "basphere",
    });
    // An idle connection the server closed must not crash the process; the next query gets a new one.
    this.pool.on("error", () => undefined);
  }

  private query(sql: string, args: readonly SqlValue[]) {
    return (this.current.getStore() ?? this.pool).query(numbered(sql), args as SqlValue[]);
  }

  async get(sql: string, args: readonly SqlValue[] = []): Promise<Row | undefined> {
    return (await this.query(sql, args)).rows[0];
  }

  async all(sql: string, args: readonly SqlValue[] = []): Promise<Row[]> {
    return (await this.query(sql, args)).rows;
  }

  async run(sql: string, args: readonly SqlValue[] = []): Promise<{ changes: number }> {
    return { changes: (await this.query(sql, args)).rowCount ?? 0 };
  }

  async tx<T>(fn: () => Promise<T>): Promise<T> {
    if (this.current.getStore()) return fn();
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      try {
        await client.query("SELECT pg_advisory_xact_lock($1)", [WRITE_LOCK]);
        const out = await this.current.run(client, fn);
        await client.query("COMMIT");
        return out;
      } catch (e) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw e;
      }
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
