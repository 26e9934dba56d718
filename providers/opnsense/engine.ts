/**
 * The lifecycle of every record-style resource (one uuid in one OPNsense collection), driven by the field
 * maps in fields.ts and the hooks in hooks.ts:
 * - create: uuid derived from the resource key (stack + name), `set_<item>/<uuid>` upsert (creates it, or
 *   adopts the record a crashed earlier run left), then the kind's apply. A failed apply removes the new
 *   record again, or says that it is left behind.
 * - read: `get_<item>/<uuid>`, option maps decoded back to arguments; gone → empty result.
 * - update: the same upsert + apply. diff: compares the encoded API values, so only real changes show.
 * - delete: `del_<item>/<uuid>` + apply.
 */
import * as crypto from "node:crypto";
import { OpnsenseClient } from "./client";
import { OpnsenseInputError, OpnsenseValidationError } from "./errors";
import { RecordSpec, SPECS, decodeRecord, encodeFlat, encodeValue, nest } from "./fields";
import { HOOKS, KindHooks } from "./hooks";
import { Kind, parseArgs } from "./schemas";
import { OpnsenseConnection, parseConnection } from "./types";

import { UNKNOWN, containsUnknown } from "../pulumiWire";

export { UNKNOWN, containsUnknown };

/** A lowercase UUIDv4-shaped id derived from `key` (OPNsense only upserts ids matching the v4 pattern). */
export function deterministicUuid(key: string): string {
  const h = crypto.createHash("sha256").update(`basphere-opnsense:${key}`).digest();
  h[6] = (h[6] & 0x0f) | 0x40;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

export interface ProviderInputs extends Record<string, any> {
  connection: OpnsenseConnection;
  /** Stable identity of the resource (`<project>/<stack>/<name>`), set by the resource class. */
  resourceKey: string;
}

/** Client factory; tests may swap it to tune retries. */
export const clientFactory = {
  make: (c: OpnsenseConnection, secrets: string[] = []) => new OpnsenseClient(c, { secrets }),
};

function specOf(kind: string): RecordSpec {
  const s = SPECS[kind];
  if (!s) throw new Error(`unknown OPNsense resource kind ${kind}`);
  return s;
}

function prepared(kind: string, inputs: Record<string, any>, olds?: Record<string, any>) {
  const args = parseArgs(kind as Kind, inputs);
  checkVersion(kind, args, inputs.connection?.version);
  const hooks = HOOKS[kind] ?? {};
  // Values the router chose (or we generated) stay when the argument is omitted.
  for (const k of hooks.keepWhenOmitted ?? [])
    if (args[k] === undefined && olds?.[k] !== undefined) args[k] = olds[k];
  const full = hooks.prepare ? hooks.prepare(args, olds) : args;
  return { args: full, secrets: secretsOf(kind, full), hooks };
}

/**
 * What the configured release cannot do (see README "26.7 vs 26.1"): on 26.1 MVC outbound NAT rules are always
 * rendered and the mode is not switched, so an explicit outboundMode is refused rather than silently ignored.
 */
export function checkVersion(kind: string, args: Record<string, any>, version: string | undefined): void {
  if (
    version === "26.1" &&
    kind === "SourceNatRule" &&
    args.outboundMode &&
    args.outboundMode !== "unchanged"
  )
    throw new OpnsenseInputError(
      "SourceNatRule.outboundMode: not supported with connection.version 26.1 (26.1 renders MVC outbound rules in every mode; omit it)",
      "SourceNatRule.outboundMode",
    );
}

/** The values of the kind's secret arguments (fields.ts `secretArgs`), masked in every message of that call. */
function secretsOf(kind: string, props: Record<string, any>): string[] {
  return (specOf(kind).secretArgs ?? [])
    .map((a) => props[a])
    .filter((s): s is string => typeof s === "string");
}

/** Rewrites API field names in a validation error to `<Kind>.<argument> (<wrapper.field>)`. */
function explain(
  kind: string,
  spec: RecordSpec,
  e: unknown,
  client: OpnsenseClient,
  secrets: string[],
): never {
  if (e instanceof OpnsenseValidationError) {
    // e.validations are already masked by the client; mask again in case the caller's secrets differ.
    const parts = Object.entries(e.validations).map(([k, raw]) => {
      const msgs = raw.map((m) => client.redact(m, secrets));
      const api = k.startsWith(`${spec.wrapper}.`) ? k.slice(spec.wrapper.length + 1) : k;
      const f = spec.fields.find((x) => x.api === api);
      return `${f ? `${kind}.${f.arg} (${k})` : k}: ${msgs.join("; ")}`;
    });
    e.message = client.redact(`${kind}: the router refused the record: ${parts.join(", ")}`, secrets);
    e.stack = `${e.name}: ${e.message}`;
  }
  throw e;
}

/** `set_<item>/<uuid>` upsert of the encoded arguments; a refusal names the arguments (see explain). */
async function save(
  kind: string,
  spec: RecordSpec,
  client: OpnsenseClient,
  uuid: string,
  args: Record<string, any>,
  secrets: string[],
): Promise<void> {
  try {
    await client.setRecord(spec.base, spec.item, spec.wrapper, uuid, nest(encodeFlat(spec, args)), secrets);
  } catch (e) {
    explain(kind, spec, e, client, secrets);
  }
}

/** The kind's preparatory calls (hooks.beforeApply), then its apply call. */
async function applyChange(
  spec: RecordSpec,
  hooks: KindHooks,
  client: OpnsenseClient,
  args: Record<string, any>,
): Promise<void> {
  await hooks.beforeApply?.(client, args);
  await client.apply(spec.apply.path, spec.apply.key);
}

function outputs(inputs: Record<string, any>, args: Record<string, any>, uuid: string) {
  return { ...inputs, ...args, uuid };
}

export async function create(
  kind: string,
  inputs: ProviderInputs,
): Promise<{ id: string; outs: Record<string, any> }> {
  const spec = specOf(kind);
  const connection = parseConnection(inputs.connection);
  if (!inputs.resourceKey)
    throw new OpnsenseInputError(
      `${kind}.resourceKey: missing (set by the resource class)`,
      `${kind}.resourceKey`,
    );
  const { args, secrets, hooks } = prepared(kind, inputs);
  const uuid = deterministicUuid(`${kind}/${inputs.resourceKey}`);
  const client = clientFactory.make(connection, secrets);
  // A record with our uuid is ours: a crashed earlier create (saved, never applied or recorded) is adopted.
  const existing = await client.getRecord(spec.base, spec.item, spec.wrapper, uuid);
  await save(kind, spec, client, uuid, args, secrets);
  try {
    await applyChange(spec, hooks, client, args);
  } catch (e) {
    const why = (e as Error).message;
    if (existing) {
      throw new Error(
        client.redact(
          `${kind} ${uuid}: adopted the existing record and saved it, but applying failed: ${why}. Run again to retry.`,
          secrets,
        ),
      );
    }
    try {
      await client.delRecord(spec.base, spec.item, uuid);
    } catch (e2) {
      throw new Error(
        client.redact(
          `${kind} ${uuid}: applying failed (${why}) and removing the saved record failed too (${(e2 as Error).message}); record ${uuid} is left in the configuration, not applied. The next run adopts it.`,
          secrets,
        ),
      );
    }
    throw new Error(
      client.redact(
        `${kind} ${uuid}: applying failed (${why}); the saved record was removed again, nothing is left behind.`,
        secrets,
      ),
    );
  }
  return { id: uuid, outs: outputs(inputs, args, uuid) };
}

export async function read(
  kind: string,
  id: string,
  props: Record<string, any>,
): Promise<{ id?: string; props?: Record<string, any> }> {
  const spec = specOf(kind);
  const client = clientFactory.make(parseConnection(props.connection), secretsOf(kind, props));
  const rec = await client.getRecord(spec.base, spec.item, spec.wrapper, id);
  if (!rec) return {};
  // The engine's wire format (protobuf Struct) has no `undefined`: a field the router leaves out of a record
  // (a WireGuard server's decoded `peers`, for one) must be absent, not undefined, or every refresh fails with
  // "Unexpected struct type".
  return { id, props: definedOnly({ ...props, ...decodeRecord(spec, rec), uuid: id }) };
}

export async function update(
  kind: string,
  id: string,
  olds: Record<string, any>,
  news: ProviderInputs,
): Promise<{ outs: Record<string, any> }> {
  const spec = specOf(kind);
  const { args, secrets, hooks } = prepared(kind, news, olds);
  const client = clientFactory.make(parseConnection(news.connection), secrets);
  await save(kind, spec, client, id, args, secrets);
  try {
    await applyChange(spec, hooks, client, args);
  } catch (e) {
    throw new Error(
      client.redact(
        `${kind} ${id}: the change was saved but applying failed: ${(e as Error).message}. The next run saves and applies it again.`,
        secrets,
      ),
    );
  }
  return { outs: outputs(news, args, id) };
}

export async function remove(kind: string, id: string, props: Record<string, any>): Promise<void> {
  const spec = specOf(kind);
  const client = clientFactory.make(parseConnection(props.connection), secretsOf(kind, props));
  await client.delRecord(spec.base, spec.item, id);
  // Applied even when it was already gone: a crash between del and apply must not leave it running.
  await client.apply(spec.apply.path, spec.apply.key);
}

/** Arguments that differ between the previous outputs and the new inputs, compared as API values. */
export function diff(kind: string, olds: Record<string, any>, news: Record<string, any>) {
  const spec = specOf(kind);
  const hooks = HOOKS[kind] ?? {};
  const changed = new Set<string>();
  const replaces: string[] = [];
  for (const f of spec.fields) {
    if (hooks.computed?.includes(f.arg)) continue;
    if (news[f.arg] === undefined && hooks.keepWhenOmitted?.includes(f.arg)) continue;
    if (containsUnknown(news[f.arg])) {
      changed.add(f.arg);
      continue;
    }
    let o = encodeValue(f.codec, olds[f.arg] === undefined ? f.default : olds[f.arg]);
    let n = encodeValue(f.codec, news[f.arg] === undefined ? f.default : news[f.arg]);
    if (f.unordered) [o, n] = [o, n].map((x) => x.split(",").sort().join(","));
    if (o !== n) changed.add(f.arg);
  }
  // Arguments that are not API fields of the record (e.g. DhcpSubnet.interface, SourceNatRule.outboundMode).
  const mapped = new Set(spec.fields.map((f) => f.arg));
  for (const k of new Set([...Object.keys(olds), ...Object.keys(news)])) {
    if (mapped.has(k) || k === "connection" || k === "resourceKey" || k === "uuid" || k.startsWith("__"))
      continue;
    if (hooks.computed?.includes(k)) continue;
    if (JSON.stringify(olds[k]) !== JSON.stringify(news[k]) && (k in news || olds[k] !== undefined))
      changed.add(k);
  }
  // A different router (url) is a different record: replace. Key/secret changes (rotation) are not changes.
  const oldUrl = olds.connection?.url;
  const newUrl = news.connection?.url;
  if (oldUrl && newUrl && !containsUnknown(newUrl) && oldUrl !== newUrl) replaces.push("connection");
  for (const a of spec.replaceArgs ?? []) if (changed.has(a)) replaces.push(a);
  const changes = [...changed, ...replaces.filter((r) => !changed.has(r))];
  return { changes: changes.length > 0, replaces, deleteBeforeReplace: true, changedArgs: changes };
}

/** check(): validation failures as `{property, reason}`; inputs with unknowns (preview) are passed through. */
export function check(kind: string, news: Record<string, any>) {
  if (containsUnknown(news)) return { inputs: news };
  const failures: { property: string; reason: string }[] = [];
  try {
    parseConnection(news.connection);
  } catch (e) {
    failures.push({ property: "connection", reason: (e as Error).message });
  }
  try {
    checkVersion(kind, parseArgs(kind as Kind, news), news.connection?.version);
  } catch (e) {
    const f = (e as OpnsenseInputError).field ?? kind;
    failures.push({ property: f.split(".")[1] ?? f, reason: (e as Error).message });
  }
  return failures.length ? { inputs: news, failures } : { inputs: news };
}

/** A copy of `v` without `undefined` values, at any depth (arrays keep their length: undefined becomes null). */
export function definedOnly<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : definedOnly(x))) as T;
  if (v !== null && typeof v === "object")
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== undefined)
        .map(([k, x]) => [k, definedOnly(x)]),
    ) as T;
  return v;
}
