/**
 * The provider's own configuration (`vsphere:*` stack config, or the `VSPHERE_*` environment variables the
 * Terraform provider reads): checked like the real provider checks it — unknown keys and wrong types are refused,
 * `user`, `password` and a server (`vsphereServer`, or the deprecated `vcenterServer`) are required — then only
 * recorded: the simulator connects to nothing. The password is never logged or kept beyond the check.
 */
import * as fs from "node:fs";
import type { CheckFailure } from "@pulumi/pulumi/provider";
import type { Schema } from "../../providers/vsphere/generate";
import { reason } from "./log";
import { Props, unwrap } from "./values";

/** Environment variable naming a JSON file `{username, password}` used as the credentials' default. */
export const CREDENTIALS_ENV = "BASPHERE_VSPHERE_SIM_CREDENTIALS";

/** Inputs of a provider resource that are the engine's, not the provider's. */
const RESERVED = new Set(["version", "pluginDownloadURL"]);

/** What the simulator keeps of its configuration (no password). */
export interface ProviderSettings {
  server: string;
  user: string;
  allowUnverifiedSsl: boolean;
}

/** The schema's config variables with their environment defaults (the Terraform provider's DefaultFuncs). */
const ENV_DEFAULTS: Record<string, string[]> = {
  user: ["VSPHERE_USER"],
  password: ["VSPHERE_PASSWORD"],
  vsphereServer: ["VSPHERE_SERVER"],
  vcenterServer: ["VSPHERE_VCENTER"],
  allowUnverifiedSsl: ["VSPHERE_ALLOW_UNVERIFIED_SSL"],
};

function fromEnv(key: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const name of ENV_DEFAULTS[key] ?? [])
    if (env[name] !== undefined && env[name] !== "") return env[name];
  return undefined;
}

function credentialsFile(env: NodeJS.ProcessEnv): { username?: string; password?: string } {
  const file = env[CREDENTIALS_ENV];
  if (!file) return {};
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as { username?: string; password?: string };
  } catch (err) {
    throw new Error(
      `${reason(`cannot read the credentials file ${file} (${CREDENTIALS_ENV})`)}: ${(err as Error).message}`,
    );
  }
}

function typeOk(type: string | undefined, v: unknown): boolean {
  switch (type) {
    case "boolean":
      return typeof v === "boolean" || v === "true" || v === "false";
    case "integer":
      return Number.isInteger(v) || (typeof v === "string" && /^-?\d+$/.test(v));
    case "string":
      return typeof v === "string";
    default:
      return true;
  }
}

/**
 * Checks the provider inputs (the `vsphere:*` config, keys without the namespace) as CheckConfig does; returns the
 * failures (empty when all is well). `env` supplies the environment defaults.
 */
export function checkProviderConfig(
  schema: Schema & { config?: any },
  news: Props,
  env: NodeJS.ProcessEnv,
): CheckFailure[] {
  const vars = (schema.config?.variables ?? {}) as Record<string, { type?: string }>;
  const plain = unwrap(news) as Props;
  const failures: CheckFailure[] = [];
  for (const [k, v] of Object.entries(plain)) {
    if (RESERVED.has(k) || v === undefined || v === null) continue;
    const decl = vars[k];
    if (!decl) {
      failures.push({
        property: k,
        reason: reason(
          `could not validate provider configuration: Invalid or unknown key. Examine values at 'vsphere:${k}'.`,
        ),
      });
    } else if (!typeOk(decl.type, v)) {
      failures.push({
        property: k,
        reason: reason(
          `could not validate provider configuration: vsphere:${k} must be ${decl.type === "integer" ? "an" : "a"} ${decl.type}, got ${typeof v}`,
        ),
      });
    }
  }
  const creds = credentialsFile(env);
  const has = (k: string, fallback?: string) =>
    (plain[k] !== undefined && plain[k] !== "") || fromEnv(k, env) !== undefined || fallback !== undefined;
  for (const [k, fallback] of [
    ["user", creds.username],
    ["password", creds.password],
  ] as const) {
    if (!has(k, fallback))
      failures.push({
        property: k,
        reason: reason(
          `Missing required configuration variable 'vsphere:${k}'\n\tplease set a value using the command \`pulumi config set ${k === "password" ? "--secret " : ""}vsphere:${k} <value>\` (or the environment variable ${ENV_DEFAULTS[k][0]})`,
        ),
      });
  }
  if (!has("vsphereServer") && !has("vcenterServer"))
    failures.push({
      property: "vsphereServer",
      reason: reason(
        "one of vsphere_server or [deprecated] vcenter_server must be specified (vsphere:vsphereServer or VSPHERE_SERVER)",
      ),
    });
  return failures;
}

/**
 * The settings of a configured provider (from Configure's arguments, with the environment defaults). Throws when
 * the configuration is incomplete (a provider whose CheckConfig was skipped).
 */
export function providerSettings(args: Props, env: NodeJS.ProcessEnv): ProviderSettings {
  const plain = unwrap(args) as Props;
  const creds = credentialsFile(env);
  const pick = (k: string) =>
    plain[k] !== undefined && plain[k] !== "" ? String(plain[k]) : fromEnv(k, env);
  const server = pick("vsphereServer") ?? pick("vcenterServer");
  const user = pick("user") ?? creds.username;
  const password = pick("password") ?? creds.password;
  if (!server)
    throw new Error(reason("one of vsphere_server or [deprecated] vcenter_server must be specified"));
  if (!user) throw new Error(reason("Missing required configuration variable 'vsphere:user'"));
  if (!password) throw new Error(reason("Missing required configuration variable 'vsphere:password'"));
  const unverified = pick("allowUnverifiedSsl");
  return { server, user, allowUnverifiedSsl: unverified === "true" };
}
