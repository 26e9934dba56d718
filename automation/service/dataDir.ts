/**
 * The service's data folder: the pid lock (one service per folder), the admin token file and the engine's secrets
 * passphrase (env, file, or generated into the folder). Changes when what the folder holds changes.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { join, resolve } from "node:path";
import { newAdminToken } from "./auth";

/** Resolves the admin token: explicit, env, file, or a new one written to the file with mode 0600. */
export function resolveAdminToken(cfg: { adminToken?: string; file: string; env: NodeJS.ProcessEnv }): {
  token: string;
  generated: boolean;
  source: string;
} {
  const given = cfg.adminToken ?? cfg.env.BASPHERE_ADMIN_TOKEN;
  if (given !== undefined && given !== "") {
    if (given.length < 24 || /\s/.test(given))
      throw new Error("the admin token must be at least 24 characters without spaces (BASPHERE_ADMIN_TOKEN)");
    return { token: given, generated: false, source: cfg.adminToken ? "option" : "BASPHERE_ADMIN_TOKEN" };
  }
  if (existsSync(cfg.file)) {
    const t = readFileSync(cfg.file, "utf8").trim();
    if (t.length < 24)
      throw new Error(`admin token file ${cfg.file} holds no usable token (at least 24 characters)`);
    return { token: t, generated: false, source: cfg.file };
  }
  const token = newAdminToken();
  writeFileSync(cfg.file, token + "\n", { mode: 0o600, flag: "wx" });
  chmodSync(cfg.file, 0o600);
  return { token, generated: true, source: cfg.file };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the data folder's pid lock: one service per data folder (its recovery assumes no other runner). */
export function lockDataDir(dir: string): () => void {
  const file = join(dir, "service.pid");
  for (let i = 0; i < 2; i++) {
    try {
      writeFileSync(file, String(process.pid), { flag: "wx", mode: 0o600 });
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number(readFileSync(file, "utf8").trim());
      if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) {
        throw new Error(
          `data folder ${dir} is in use by another basphere service (pid ${pid}); stop it or use another --data-dir`,
        );
      }
      rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`cannot lock data folder ${dir}`);
}

/** Where the engine's secrets passphrase comes from. */
export interface PassphraseSource {
  /** `PULUMI_CONFIG_PASSPHRASE`, `PULUMI_CONFIG_PASSPHRASE_FILE`, or the file in the data folder. */
  kind: "env" | "env-file" | "data-dir";
  /** The passphrase file (env-file, data-dir). */
  file?: string;
  /** True when this start generated the data-folder passphrase (say so once, with a warning). */
  generated: boolean;
}

/** Name of the generated passphrase file inside the data folder. */
export const PASSPHRASE_FILE = "pulumi-passphrase";

/**
 * The engine's secrets passphrase: `PULUMI_CONFIG_PASSPHRASE`, else `PULUMI_CONFIG_PASSPHRASE_FILE`, else
 * `<dataDir>/pulumi-passphrase` — generated (256 random bits, mode 0600) on the first start, so that a fresh clone
 * works without configuration. Production should set its own passphrase (and keep it: the stacks' secrets are
 * encrypted with it). The value itself is never returned or logged: the engine reads the file.
 */
export function resolvePassphrase(dataDir: string, env: NodeJS.ProcessEnv): PassphraseSource {
  if (env.PULUMI_CONFIG_PASSPHRASE !== undefined && env.PULUMI_CONFIG_PASSPHRASE !== "")
    return { kind: "env", generated: false };
  if (env.PULUMI_CONFIG_PASSPHRASE_FILE) {
    const file = resolve(env.PULUMI_CONFIG_PASSPHRASE_FILE);
    if (!existsSync(file)) throw new Error(`PULUMI_CONFIG_PASSPHRASE_FILE: ${file} does not exist`);
    return { kind: "env-file", file, generated: false };
  }
  const file = join(dataDir, PASSPHRASE_FILE);
  if (existsSync(file)) {
    if (readFileSync(file, "utf8").trim().length < 16)
      throw new Error(`passphrase file ${file} holds no usable passphrase (at least 16 characters)`);
    return { kind: "data-dir", file, generated: false };
  }
  writeFileSync(file, randomBytes(32).toString("base64url") + "\n", { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return { kind: "data-dir", file, generated: true };
}
