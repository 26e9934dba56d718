/**
 * A throw-away PostgreSQL server for tests: Debian's PostgreSQL 15 binaries (`postgresql-15`, installed by .ci/run),
 * its own data folder under the temp dir, listening on 127.0.0.1 only (and a socket in that folder), fsync off.
 * As root (CI) the server runs as the `postgres` user, as PostgreSQL refuses to run as root.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Client } from "pg";
import { freePort } from "../box/daemons";

const BIN_DIRS = ["/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin"];

/** The folder of PostgreSQL's server binaries, or an error saying how to install them. */
export function postgresBinDir(): string {
  const dir = BIN_DIRS.find((d) => fs.existsSync(path.join(d, "pg_ctl")));
  if (!dir)
    throw new Error(
      "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/{15,16,17}/bin): apt-get install postgresql-15",
    );
  return dir;
}

export interface TestPostgres {
  /** `postgres://basphere@127.0.0.1:<port>/postgres` (trust authentication, loopback only). */
  url: string;
  /** A new, empty database; its URL. */
  database(name: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "basphere-pg-"));
  const data = path.join(dir, "data");
  const root = process.getuid?.() === 0;
  const as = (cmd: string, args: string[]) =>
    root ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
  if (root) execFileSync("chown", ["postgres:postgres", dir]);
  const run = (cmd: string, args: string[]) => {
    const [c, a] = as(path.join(bin, cmd), args) as [string, string[]];
    const r = spawnSync(c, a, { encoding: "utf8", cwd: dir });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr || r.stdout}`);
  };
  run("initdb", ["-D", data, "-U", "basphere", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  const port = await freePort();
  run("pg_ctl", [
    "-D",
    data,
    "-l",
    path.join(dir, "server.log"),
    "-w",
    "-t",
    "60",
    "-o",
    `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
    "start",
  ]);
  const url = `postgres://basphere@127.0.0.1:${port}/postgres`;
  return {
    url,
    async database(name: string) {
      const c = new Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE "${name.replace(/"/g, "")}"`);
      } finally {
        await c.end();
      }
      return `postgres://basphere@127.0.0.1:${port}/${encodeURIComponent(name)}`;
    },
    async stop() {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Keys of the Pulumi CLI's postgres:// backend (table `pulumi_state`): checkpoints, locks, backups, history. */
export async function pulumiStateKeys(url: string): Promise<string[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query("SELECT key FROM pulumi_state ORDER BY key")).rows.map((r) => r.key as string);
  } finally {
    await c.end();
  }
}
