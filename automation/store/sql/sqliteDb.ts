/**
 * {@link SqlDb} on one `node:sqlite` connection (WAL, busy timeout: several processes may share the file). The
 * connection is synchronous and shared by every caller of the process, so a transaction holds it: calls made
 * outside the open transaction wait until it ends (they would otherwise run inside it), calls made inside it (in
 * its async context) go through.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { DatabaseSync } from "node:sqlite";
import { Row, SqlDb, SqlValue } from "./db";

export class SqliteDb implements SqlDb {
  readonly dialect = "sqlite" as const;
  private readonly inTx = new AsyncLocalStorage<true>();
  /** Resolves when the open transaction (if any) has ended; transactions queue on it. */
  private txEnd: Promise<void> = Promise.resolve();
  private open = false;

  constructor(readonly db: DatabaseSync) {}

  /** Whether a transaction of another async context holds the connection (the caller must wait for it). */
  private blocked(): boolean {
    return this.open && !this.inTx.getStore();
  }

  async get(sql: string, args: readonly SqlValue[] = []): Promise<Row | undefined> {
    // The check and the statement run in one synchronous step: nothing can open a transaction in between.
    while (this.blocked()) await this.txEnd;
    return this.db.prepare(sql).get(...args) as Row | undefined;
  }

  async all(sql: string, args: readonly SqlValue[] = []): Promise<Row[]> {
    while (this.blocked()) await this.txEnd;
    return this.db.prepare(sql).all(...args) as Row[];
  }

  async run(sql: string, args: readonly SqlValue[] = []): Promise<{ changes: number }> {
    while (this.blocked()) await this.txEnd;
    return { changes: Number(this.db.prepare(sql).run(...args).changes) };
  }

  async tx<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inTx.getStore()) return fn();
    // Re-checked after every wake-up, and `open` set in the same synchronous step: two waiters woken by the same
    // end never both begin (an awaited helper between the check and the set let them, and the second BEGIN failed).
    while (this.open) await this.txEnd;
    let end!: () => void;
    this.txEnd = new Promise<void>((r) => (end = r));
    this.open = true;
    try {
      this.db.exec("BEGIN IMMEDIATE");
      try {
        const out = await this.inTx.run(true, fn);
        this.db.exec("COMMIT");
        return out;
      } catch (e) {
        this.db.exec("ROLLBACK");
        throw e;
      }
    } finally {
      this.open = false;
      end();
    }
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }
}
