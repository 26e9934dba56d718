/**
 * Property values as the engine sends them to a resource provider (the JSON form of its gRPC structs): plain JSON
 * plus the engine's special objects — secrets, output values and resource references, each marked with a
 * signature key — and the string that stands for a value not known yet (during a preview).
 *
 * The simulator keeps the values it stores in that raw form (so a secret input stays a secret output), and checks
 * and compares their plain form ({@link unwrap}: secrets opened, unknowns as {@link UNKNOWN}).
 */

/** The signature key of the engine's special objects and its values. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
export const RESOURCE_REFERENCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
/** What the engine sends for a value that is not known yet. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A JSON object. */
export type Props = Record<string, unknown>;

/** True for the engine's unknown value. */
export function isUnknown(v: unknown): boolean {
  return v === UNKNOWN;
}

/** True for a secret wrapper (`{<sig>: SECRET_SIG, value}`). */
export function isSecret(v: unknown): v is { value: unknown } {
  return isObject(v) && v[SIG_KEY] === SECRET_SIG;
}

/** True for a non-array, non-null object. */
export function isObject(v: unknown): v is Props {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The plain form of a raw value: secrets and output values opened (an output value without a value becomes
 * {@link UNKNOWN}), resource references replaced by their id (or URN), everything else copied.
 */
export function unwrap(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwrap);
  if (!isObject(v)) return v;
  const sig = v[SIG_KEY];
  if (sig === SECRET_SIG) return unwrap(v.value);
  if (sig === OUTPUT_VALUE_SIG) return "value" in v ? unwrap(v.value) : UNKNOWN;
  if (sig === RESOURCE_REFERENCE_SIG) return v.id !== undefined && v.id !== "" ? unwrap(v.id) : v.urn;
  const out: Props = {};
  for (const [k, x] of Object.entries(v)) out[k] = unwrap(x);
  return out;
}

/** {@link unwrap} of a property map. */
export function unwrapProps(p: Props | undefined): Props {
  return (unwrap(p ?? {}) as Props) ?? {};
}

/** True when the plain value is, or holds anywhere, an unknown. */
export function containsUnknown(v: unknown): boolean {
  if (isUnknown(v)) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (isObject(v)) return Object.values(v).some(containsUnknown);
  return false;
}

/** True when the raw value is, or holds anywhere, a secret. */
export function containsSecret(v: unknown): boolean {
  if (isSecret(v)) return true;
  if (Array.isArray(v)) return v.some(containsSecret);
  if (isObject(v)) return Object.values(v).some(containsSecret);
  return false;
}

/** Structural equality of plain JSON values (object key order ignored; `undefined` members ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!deepEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}

/** A value as a string for messages (never used for secrets). */
export function show(v: unknown): string {
  return typeof v === "string" ? `"${v}"` : JSON.stringify(v);
}
