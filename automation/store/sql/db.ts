/**
 * The SQL connection a {@link SqlStore} runs on: SQLite (the embedded default, `node:sqlite`) or PostgreSQL
 * (`pg`, for several replicas). Statements use `?` placeholders (the PostgreSQL adapter numbers them); every write
 * that must be atomic runs in {@link SqlDb.tx}, which serializes the writers of the database (SQLite: BEGIN
 * IMMEDIATE; PostgreSQL: one transaction-scoped advisory lock), so that a check and the insert after it never
 * interleave with another writer, in this process or another.
 */
export type Row = Record<string, any>;
export type SqlValue = string | number | null;

export interface SqlDb {
  readonly dialect: "sqlite" | "postgres";
  get(sql: string, args?: readonly SqlValue[]): Promise<Row | undefined>;
  all(sql: string, args?: readonly SqlValue[]): Promise<Row[]>;
  run(sql: string, args?: readonly SqlValue[]): Promise<{ changes: number }>;
  /** Runs `fn` in one write transaction (nested calls join it); rolls back when it throws. */
  tx<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
