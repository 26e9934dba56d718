/**
 * What the engine's recovery needs to read from a DIY state backend, for both backends the service uses:
 *
 * - `file://<dir>`: the folder (one machine; the embedded default).
 * - `postgres://…`: the Pulumi CLI's own PostgreSQL backend (pkg/backend/diy/postgres, compiled into the CLI built
 *   here): every blob of the `.pulumi` tree is a row of one table (`pulumi_state` unless the URL's `table=` says
 *   otherwise), keyed by its path under the URL's path prefix, the bytes base64 in a JSON `{"data": …}`. Several
 *   service replicas then share the state, its locks and history without a shared disk.
 *
 * Only reads (and the lock check) live here: every write goes through the CLI (`pulumi cancel`, `stack import`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Client } from "pg";

/** A lock of a stack (a lock left by a crashed CLI blocks every later operation). */
export interface StackLock {
  /** The lock's file (file backend) or key (PostgreSQL backend). */
  file: string;
  pid?: number;
  hostname?: string;
  username?: string;
  timestamp?: string;
}

/** Reads of a DIY backend. */
export interface StateBackend {
  readonly kind: "file" | "postgres";
  /** True when the backend holds a checkpoint of the stack. */
  hasStack(project: string, stack: string): Promise<boolean>;
  /** The stack's lock files. */
  locks(project: string, stack: string): Promise<StackLock[]>;
  /** The passphrase secrets provider's salt recorded in the stack's checkpoint, if any. */
  secretsSalt(project: string, stack: string): Promise<string | undefined>;
}

function lockOf(file: string, text: string | undefined): StackLock {
  if (text === undefined) return { file };
  try {
    const c = JSON.parse(text);
    return { file, pid: c.pid, hostname: c.hostname, username: c.username, timestamp: c.timestamp };
  } catch {
    return { file };
  }
}

function saltOf(checkpoint: string | undefined): string | undefined {
  if (checkpoint === undefined) return undefined;
  try {
    const salt = JSON.parse(checkpoint)?.checkpoint?.latest?.secrets_providers?.state?.salt;
    return typeof salt === "string" ? salt : undefined;
  } catch {
    return undefined;
  }
}

/** The file backend under `dir` (`file://<dir>`). */
export class FileStateBackend implements StateBackend {
  readonly kind = "file" as const;
  constructor(readonly dir: string) {}

  lockDir(project: string, stack: string): string {
    return path.join(this.dir, ".pulumi", "locks", "organization", project, stack);
  }

  private checkpointFile(project: string, stack: string): string | undefined {
    const dir = path.join(this.dir, ".pulumi", "stacks", project);
    return [".json", ".json.gz"].map((ext) => path.join(dir, stack + ext)).find((f) => fs.existsSync(f));
  }

  async hasStack(project: string, stack: string): Promise<boolean> {
    return this.checkpointFile(project, stack) !== undefined;
  }

  async locks(project: string, stack: string): Promise<StackLock[]> {
    return this.locksSync(project, stack);
  }

  /** {@link locks}, synchronously (the file backend's tests read it between two steps). */
  locksSync(project: string, stack: string): StackLock[] {
    const dir = this.lockDir(project, stack);
    let files: string[];
    try {
      files = fs.readdirSync(dir).filter((f) => f.endsWith(".json"));
    } catch {
      return [];
    }
    return files.map((f) => {
      const file = path.join(dir, f);
      let text: string | undefined;
      try {
        text = fs.readFileSync(file, "utf8");
      } catch {
        text = undefined;
      }
      return lockOf(file, text);
    });
  }

  async secretsSalt(project: string, stack: string): Promise<string | undefined> {
    const f = this.checkpointFile(project, stack);
    return f && f.endsWith(".json") ? saltOf(fs.readFileSync(f, "utf8")) : undefined;
  }
}

/** Table name of a `postgres://` backend URL (the CLI's default: `pulumi_state`). */
export function stateTable(url: string): string {
  const table = new URL(url).searchParams.get("table") ?? "pulumi_state";
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(table))
    throw new Error(
      `state backend URL: table=${table} is not a plain (optionally schema-qualified) SQL name`,
    );
  return table;
}

/** The CLI's PostgreSQL backend (`postgres://…`), read with `pg` (one short connection per call). */
export class PostgresStateBackend implements StateBackend {
  readonly kind = "postgres" as const;
  private readonly table: string;
  constructor(readonly url: string) {
    this.table = stateTable(url);
  }

  /** Rows whose key ends with `suffix` (keys carry the URL's path prefix), decoded; none before the table exists. */
  private async rows(where: "suffix" | "contains", text: string): Promise<{ key: string; text: string }[]> {
    const u = new URL(this.url);
    u.searchParams.delete("table");
    const client = new Client({ connectionString: u.toString(), statement_timeout: 10_000 });
    await client.connect();
    try {
      const exists = await client.query("SELECT to_regclass($1)::text AS t", [this.table]);
      if (!exists.rows[0]?.t) return [];
      const cond = where === "suffix" ? "right(key, length($1)) = $1" : "strpos(key, $1) > 0";
      const r = await client.query(`SELECT key, data::text AS data FROM ${this.table} WHERE ${cond}`, [text]);
      return r.rows.map((row: { key: string; data: string }) => {
        let decoded = "";
        try {
          decoded = Buffer.from(JSON.parse(row.data).data ?? "", "base64").toString("utf8");
        } catch {
          decoded = "";
        }
        return { key: row.key, text: decoded };
      });
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async hasStack(project: string, stack: string): Promise<boolean> {
    const found = await this.rows("suffix", `.pulumi/stacks/${project}/${stack}.json`);
    const gz = found.length ? [] : await this.rows("suffix", `.pulumi/stacks/${project}/${stack}.json.gz`);
    return found.length + gz.length > 0;
  }

  async locks(project: string, stack: string): Promise<StackLock[]> {
    const dir = `.pulumi/locks/organization/${project}/${stack}/`;
    return (await this.rows("contains", dir))
      .filter((r) => r.key.endsWith(".json") && !r.key.slice(r.key.indexOf(dir) + dir.length).includes("/"))
      .map((r) => lockOf(r.key, r.text));
  }

  async secretsSalt(project: string, stack: string): Promise<string | undefined> {
    const [row] = await this.rows("suffix", `.pulumi/stacks/${project}/${stack}.json`);
    return saltOf(row?.text);
  }
}

/** The backend of a `PULUMI_BACKEND_URL` (`file://` or `postgres://`). */
export function stateBackendOf(url: string): StateBackend {
  if (url.startsWith("file://")) return new FileStateBackend(url.slice("file://".length));
  if (url.startsWith("postgres://")) return new PostgresStateBackend(url);
  throw new Error(
    `state backend ${url.replace(/\/\/[^@/]*@/, "//***@")}: only file:// and postgres:// are supported`,
  );
}
