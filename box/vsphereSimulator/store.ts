/**
 * The simulated vCenter's inventory on disk: one SQLite file (`node:sqlite`, WAL, busy timeout) that every plugin
 * process opens — the engine starts one per operation, and several operations (different tenants) run at once —
 * so all of them see one vCenter. Every change runs in a `BEGIN IMMEDIATE` transaction: the check for a duplicate
 * name and the insert that follows cannot interleave with another process.
 *
 * One table holds every object (inventory and managed alike) by its provider id, with its kind, the namespace its
 * name must be unique in (a folder, a switch, a cluster's groups...) and its properties (for managed objects: the
 * outputs the provider reports, secrets kept in the engine's secret form). Deleted objects stay as tombstones so
 * that an id is never handed out twice. The file is created with mode 0600: like vCenter's database it holds what
 * the VMs were configured with (e.g. `extraConfig`), secrets included.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { SimulatorError } from "./log";
import type { Props } from "./values";

/** Kinds of objects in the simulated vCenter. */
export type Kind =
  | "Datacenter"
  | "Folder"
  | "ComputeCluster"
  | "HostSystem"
  | "ResourcePool"
  | "Datastore"
  | "DistributedVirtualSwitch"
  | "DistributedPortGroup"
  | "Network"
  | "VirtualMachine"
  | "ComputeClusterVmGroup"
  | "ComputeClusterHostGroup"
  | "ComputeClusterVmHostRule"
  | "ComputeClusterVmAntiAffinityRule"
  | "TagCategory"
  | "Tag"
  | "ContentLibrary"
  | "ContentLibraryItem";

/** One object. */
export interface SimObject {
  /** The provider's id (a managed object id such as `vm-1234`, a VM's BIOS UUID, `domain-c8:web-vms`...). */
  id: string;
  kind: Kind;
  /** Where {@link name} must be unique, e.g. `folder:group-v4`, `dvs:<uuid>`, `cluster-groups:domain-c8`. */
  namespace: string;
  name: string;
  /** The URN of the Pulumi resource that created it; absent for the seeded inventory. */
  urn?: string;
  /** For a managed object: exactly the outputs the provider reports. For the inventory: its description. */
  props: Props;
  /** What vCenter knows beyond the outputs (a VM's parent folder, guest family, template flag...). */
  meta: Props;
}

/** The environment variable naming the state file. */
export const STATE_ENV = "BASPHERE_VSPHERE_SIM_STATE";

const SCHEMA_VERSION = "1";

/** The store. Open it with {@link SimulatorStore.open}. */
export class SimulatorStore {
  private depth = 0;

  private constructor(
    private readonly db: DatabaseSync,
    readonly file: string,
  ) {}

  /**
   * Opens (creating if needed) the state file and seeds it with `seed()` the first time. Several processes may
   * open the same file at once; exactly one seeds it.
   */
  static open(file: string, seed: () => SimObject[], opts: { busyTimeoutMs?: number } = {}): SimulatorStore {
    const resolved = path.resolve(file);
    fs.mkdirSync(path.dirname(resolved), { recursive: true });
    if (!fs.existsSync(resolved)) fs.closeSync(fs.openSync(resolved, "a", 0o600));
    const db = new DatabaseSync(resolved);
    db.exec(`PRAGMA busy_timeout = ${Math.trunc(opts.busyTimeoutMs ?? 30000)}`);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    const store = new SimulatorStore(db, resolved);
    store.transaction(() => {
      db.exec(`
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS objects (
          id TEXT PRIMARY KEY,
          kind TEXT NOT NULL,
          namespace TEXT NOT NULL,
          name TEXT NOT NULL,
          urn TEXT,
          props TEXT NOT NULL,
          meta TEXT NOT NULL,
          deleted INTEGER NOT NULL DEFAULT 0,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX IF NOT EXISTS objects_live_name ON objects(namespace, name) WHERE deleted = 0;
        CREATE INDEX IF NOT EXISTS objects_live_kind ON objects(kind) WHERE deleted = 0;
        CREATE TABLE IF NOT EXISTS identifiers (value TEXT PRIMARY KEY);
      `);
      const version = db.prepare("SELECT value FROM meta WHERE key = 'schema'").get()?.value;
      if (version !== undefined && version !== SCHEMA_VERSION) {
        throw new SimulatorError(
          `state file ${resolved} has schema version ${String(version)}, not ${SCHEMA_VERSION}`,
        );
      }
      if (version === undefined) {
        db.prepare("INSERT INTO meta (key, value) VALUES ('schema', ?)").run(SCHEMA_VERSION);
        for (const o of seed()) {
          if (!store.claim(o.id)) throw new SimulatorError(`inventory id ${o.id} is not unique`);
          store.insert(o);
        }
        db.prepare("INSERT INTO meta (key, value) VALUES ('seededAt', ?)").run(new Date().toISOString());
      }
    });
    return store;
  }

  close(): void {
    this.db.close();
  }

  /**
   * Runs `fn` in a write transaction (`BEGIN IMMEDIATE`: the write lock is taken first, so two processes never
   * deadlock on upgrading a read lock). Nested calls join the outer transaction. Rolls back when `fn` throws.
   */
  transaction<T>(fn: () => T): T {
    if (this.depth > 0) return fn();
    this.db.exec("BEGIN IMMEDIATE");
    this.depth++;
    try {
      const result = fn();
      this.db.exec("COMMIT");
      return result;
    } catch (err) {
      this.db.exec("ROLLBACK");
      throw err;
    } finally {
      this.depth--;
    }
  }

  /** The live object with this id (of this kind, when given). */
  get(id: string, kind?: Kind): SimObject | undefined {
    const row = this.db.prepare("SELECT * FROM objects WHERE id = ? AND deleted = 0").get(id);
    const o = row ? toObject(row) : undefined;
    return o && (kind === undefined || o.kind === kind) ? o : undefined;
  }

  /** Live objects of a kind, oldest first, optionally filtered. */
  list(kind: Kind, where?: (o: SimObject) => boolean): SimObject[] {
    const rows = this.db
      .prepare("SELECT * FROM objects WHERE kind = ? AND deleted = 0 ORDER BY created_at, rowid")
      .all(kind);
    const all = rows.map(toObject);
    return where ? all.filter(where) : all;
  }

  /** The live object called `name` in `namespace`. */
  byName(namespace: string, name: string): SimObject | undefined {
    const row = this.db
      .prepare("SELECT * FROM objects WHERE namespace = ? AND name = ? AND deleted = 0")
      .get(namespace, name);
    return row ? toObject(row) : undefined;
  }

  /** Adds an object (its id must have been {@link claim}ed). */
  insert(o: SimObject): void {
    const now = new Date().toISOString();
    this.db
      .prepare(
        "INSERT INTO objects (id, kind, namespace, name, urn, props, meta, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      )
      .run(
        o.id,
        o.kind,
        o.namespace,
        o.name,
        o.urn ?? null,
        JSON.stringify(o.props),
        JSON.stringify(o.meta),
        now,
        now,
      );
  }

  /** Replaces an object's namespace, name, properties and meta. */
  update(o: SimObject): void {
    const r = this.db
      .prepare(
        "UPDATE objects SET namespace = ?, name = ?, props = ?, meta = ?, updated_at = ? WHERE id = ? AND deleted = 0",
      )
      .run(
        o.namespace,
        o.name,
        JSON.stringify(o.props),
        JSON.stringify(o.meta),
        new Date().toISOString(),
        o.id,
      );
    if (Number(r.changes) !== 1) throw new SimulatorError(`object ${o.id} does not exist`);
  }

  /** Deletes an object (a tombstone keeps its id taken). */
  remove(id: string): void {
    const r = this.db
      .prepare("UPDATE objects SET deleted = 1, updated_at = ? WHERE id = ? AND deleted = 0")
      .run(new Date().toISOString(), id);
    if (Number(r.changes) !== 1) throw new SimulatorError(`object ${id} does not exist`);
  }

  /**
   * Drops the tombstone of a deleted object whose id is about to be given again. Only for ids vCenter derives from
   * a name (a DRS group's `<cluster>:<name>`), never for ids it hands out.
   */
  forgetDeleted(id: string): void {
    this.db.prepare("DELETE FROM objects WHERE id = ? AND deleted = 1").run(id);
  }

  /** Registers an identifier (id, moid, UUID, rule key) as taken; false when it already was. */
  claim(value: string): boolean {
    const r = this.db.prepare("INSERT OR IGNORE INTO identifiers (value) VALUES (?)").run(value);
    return Number(r.changes) === 1;
  }

  /** A value of the meta table. */
  meta(key: string): string | undefined {
    const v = this.db.prepare("SELECT value FROM meta WHERE key = ?").get(key)?.value;
    return v === undefined || v === null ? undefined : String(v);
  }
}

function toObject(row: Record<string, unknown>): SimObject {
  const o: SimObject = {
    id: String(row.id),
    kind: String(row.kind) as Kind,
    namespace: String(row.namespace),
    name: String(row.name),
    props: JSON.parse(String(row.props)) as Props,
    meta: JSON.parse(String(row.meta)) as Props,
  };
  if (row.urn !== null && row.urn !== undefined) o.urn = String(row.urn);
  return o;
}
