/**
 * Reads a Pulumi stack config file (`Pulumi.<stack>.yaml`: a `config:` map of `namespace:key` → value) into the
 * flat string map that the Pulumi runtime uses (`basphere:kind` → "tenant", objects as JSON), without
 * decrypting anything: `secure:` values become a placeholder marked secret, so the plan needs no passphrase.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parseDocument } from "yaml";

/** What a stack file holds, as the runtime sees it. */
export interface StackFileConfig {
  /** Stack name from the file name (`Pulumi.tenant-acme.yaml` → `tenant-acme`), or `plan`. */
  stack: string;
  /** `namespace:key` → string (JSON for structured values). */
  config: Record<string, string>;
  /** Keys whose value is secret (`secure:` in the file). */
  secretKeys: string[];
}

/** Placeholder for an encrypted value: the offline plan never decrypts. */
export const SECRET_PLACEHOLDER = "[secret]";

const PROJECT = "basphere";

/** A stack-file problem; the message is one line naming the file and the problem. */
export class StackFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackFileError";
  }
}

function hasSecure(v: unknown): boolean {
  if (v === null || typeof v !== "object") return false;
  if (!Array.isArray(v) && Object.keys(v).length === 1 && "secure" in (v as object)) return true;
  return Object.values(v as object).some(hasSecure);
}

function replaceSecure(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (!Array.isArray(v) && Object.keys(v).length === 1 && "secure" in (v as object))
    return SECRET_PLACEHOLDER;
  if (Array.isArray(v)) return v.map(replaceSecure);
  return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, replaceSecure(x)]));
}

/** Parses stack-file text. `file` is only used in messages and for the stack name. */
export function parseStackFile(text: string, file = "stack file"): StackFileConfig {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line;
    throw new StackFileError(
      `${file}: not valid YAML${line ? ` (line ${line})` : ""}: ${e.message.split("\n")[0]}`,
    );
  }
  const body = doc.toJS() as unknown;
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new StackFileError(`${file}: expected a mapping with a "config:" key`);
  }
  const cfg = (body as Record<string, unknown>).config;
  if (cfg === undefined) throw new StackFileError(`${file}: missing "config:" key`);
  if (cfg === null || typeof cfg !== "object" || Array.isArray(cfg)) {
    throw new StackFileError(`${file}: "config" must be a mapping of key: value`);
  }
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [rawKey, value] of Object.entries(cfg as Record<string, unknown>)) {
    const key = rawKey.includes(":") ? rawKey : `${PROJECT}:${rawKey}`;
    if (hasSecure(value)) secretKeys.push(key);
    const v = replaceSecure(value);
    config[key] = typeof v === "string" ? v : JSON.stringify(v);
  }
  const m = /^Pulumi\.(.+)\.ya?ml$/.exec(basename(file));
  return { stack: m ? m[1] : "plan", config, secretKeys };
}

/** Reads and parses a stack file from disk. */
export function readStackFile(path: string): StackFileConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e: any) {
    throw new StackFileError(`${path}: cannot read file (${e.code ?? e.message})`);
  }
  return parseStackFile(text, path);
}
