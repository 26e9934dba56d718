/**
 * Property values as the engine sends them to a resource provider (the JSON form of its gRPC structs): plain JSON
 * plus the engine's special objects — secrets, output values and resource references, each marked with a
 * signature key — and the string that stands for a value not known yet (during a preview).
 *
 * The simulator keeps the values it stores in that raw form (so a secret input stays a secret output), and checks
 * and compares their plain form ({@link unwrap}: secrets opened, unknowns as {@link UNKNOWN}).
 */

import {
  OUTPUT_VALUE_SIG,
  RESOURCE_REFERENCE_SIG,
  SECRET_SIG,
  SIG_KEY,
  UNKNOWN,
  containsUnknown,
} from "../../providers/pulumiWire";

// The wire format's constants are defined once (providers/pulumiWire.ts); the simulator's modules import them here.
export { OUTPUT_VALUE_SIG, RESOURCE_REFERENCE_SIG, SECRET_SIG, SIG_KEY, UNKNOWN, containsUnknown };

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
