/**
 * The vSphere provider simulator's vCenter: objects the simulator created, in one SQLite file (node:sqlite) shared by
 * every plugin process of the box (one per engine operation, several at once for different tenants). Writes run in
 * `BEGIN IMMEDIATE` transactions, so two operations never both take one name.
 */
import type { DatabaseSync } from "node:sqlite";

/** One simulated object. */
export interface SimObject {
  id: string;
  /** Resource token, e.g. `vsphere:index/virtualMachine:VirtualMachine`. */
  type: string;
  urn: string;
  /** The name vCenter keeps unique, with its scope: `vm:<folder>/<name>`, `pg:<switch>/<name>`, ... */
  nameKey: string;
  inputs: Record<string, any>;
  outputs: Record<string, any>;
}

/** The simulator's object store. */
export class SimStore {
  private readonly db: DatabaseSync;

  constructor(readonly path: string) {
    const { DatabaseSync } = require("node:sqlite") as typeof import("node:sqlite");
    this.db = new DatabaseSync(path);
    this.db.exec("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000;");
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS objects (
         id TEXT PRIMARY KEY, type TEXT NOT NULL, urn TEXT NOT NULL, name_key TEXT NOT NULL UNIQUE,
         inputs TEXT NOT NULL, outputs TEXT NOT NULL)`,
    );
  }

  /** Runs `fn` in a write transaction (other processes wait for it). */
  transaction<T>(fn: () => T): T {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const v = fn();
      this.db.exec("COMMIT");
      return v;
    } catch (e) {
      this.db.exec("ROLLBACK");
      throw e;
    }
  }

  private row(r: any): SimObject {
    return {
      id: r.id,
      type: r.type,
      urn: r.urn,
      nameKey: r.name_key,
      inputs: JSON.parse(r.inputs),
      outputs: JSON.parse(r.outputs),
    };
  }

  get(id: string): SimObject | undefined {
    const r = this.db.prepare("SELECT * FROM objects WHERE id = ?").get(id);
    return r ? this.row(r) : undefined;
  }

  byNameKey(nameKey: string): SimObject | undefined {
    const r = this.db.prepare("SELECT * FROM objects WHERE name_key = ?").get(nameKey);
    return r ? this.row(r) : undefined;
  }

  list(type?: string): SimObject[] {
    const rows = type
      ? this.db.prepare("SELECT * FROM objects WHERE type = ? ORDER BY name_key").all(type)
      : this.db.prepare("SELECT * FROM objects ORDER BY type, name_key").all();
    return rows.map((r) => this.row(r));
  }

  put(o: SimObject): void {
    this.db
      .prepare(
        `INSERT INTO objects (id, type, urn, name_key, inputs, outputs) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET name_key = excluded.name_key, inputs = excluded.inputs,
           outputs = excluded.outputs, urn = excluded.urn`,
      )
      .run(o.id, o.type, o.urn, o.nameKey, JSON.stringify(o.inputs), JSON.stringify(o.outputs));
  }

  remove(id: string): void {
    this.db.prepare("DELETE FROM objects WHERE id = ?").run(id);
  }

  close(): void {
    this.db.close();
  }
}
