/**
 * What the Terraform provider's schema says about each input property beyond its type: its default, whether it
 * is Optional+Computed (left unset, it keeps what vSphere reports), whether it is a set (order does not matter),
 * and how its value is normalised into the state (a StateFunc, e.g. folder paths without slashes).
 *
 * From that, {@link planProps} computes what a resource's state becomes for given inputs (the provider's plan), and
 * {@link changedProps} which input properties differ from the current state (the provider's diff), the way the
 * Terraform SDK does: an unset property with a default is compared with its default, an unset computed property is
 * no change, an unset optional one equals its zero value, sets compare as sets.
 */
import { Props, containsUnknown, deepEqual, isObject, isSecret, unwrap } from "./values";

/** Facts about one property. */
export interface PropSpec {
  /** The provider's default, applied when the property is unset. */
  default?: unknown;
  /** Optional+Computed: unset, it keeps its current (or the created object's) value. */
  computed?: boolean;
  /** A set: compared without order. */
  set?: boolean;
  /** Normalises a known plain value into its state form (Terraform StateFunc). */
  normalize?: (v: unknown) => unknown;
  /** For an object, or the elements of a list of objects: the facts about their fields. */
  fields?: ObjectSpec;
}

/** Facts about the properties of an object. */
export type ObjectSpec = Record<string, PropSpec>;

function planValue(spec: PropSpec, value: unknown, current: unknown): unknown {
  if (value === undefined || value === null) {
    if (spec.default !== undefined) return structuredClone(spec.default);
    if (spec.computed) return current;
    return undefined;
  }
  if (isSecret(value)) {
    // Secrets stay opaque (and secret); a computed value cannot hide in them.
    return value;
  }
  if (spec.fields && Array.isArray(value)) {
    const cur = Array.isArray(current) ? current : [];
    return value.map((el, i) => (isObject(el) ? planObject(spec.fields!, el, cur[i]) : el));
  }
  if (spec.fields && isObject(value)) return planObject(spec.fields, value, current);
  if (spec.normalize && !containsUnknown(value)) return spec.normalize(value);
  return value;
}

/** The planned form of an object: every field of `value`, plus the defaults and kept computed values of `spec`. */
export function planObject(spec: ObjectSpec, value: Props, current: unknown): Props {
  const cur = isObject(current) ? current : isSecret(current) && isObject(current.value) ? current.value : {};
  const out: Props = {};
  for (const k of new Set([...Object.keys(spec), ...Object.keys(value)])) {
    const v = planValue(spec[k] ?? {}, value[k], cur[k]);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/**
 * The planned state of a resource's input properties: `inputs` (raw; secrets kept as they are), with defaults for
 * unset properties and, for unset computed ones, their value in `current` (the resource's current outputs).
 */
export function planProps(spec: ObjectSpec, inputs: Props, current: Props = {}): Props {
  return planObject(spec, inputs, current);
}

/**
 * Zero values dropped, as the Terraform SDK compares: an unset optional field equals `false`, `0`, `""`, `[]` or
 * `{}` in the state (vSphere reports those for what was never set).
 */
function withoutZeros(v: unknown): unknown {
  if (v === false || v === 0 || v === "" || v === null) return undefined;
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map((x) => withoutZeros(x) ?? null);
  if (isObject(v)) {
    const out: Props = {};
    for (const [k, x] of Object.entries(v)) {
      const y = withoutZeros(x);
      if (y !== undefined) out[k] = y;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return v;
}

function comparable(spec: PropSpec | undefined, v: unknown): unknown {
  const plain = withoutZeros(unwrap(v));
  if (spec?.set && Array.isArray(plain)) {
    return [...plain].map((x) => JSON.stringify(x)).sort();
  }
  return plain;
}

/**
 * The input properties (top-level names) whose planned value differs from `current`, given `inputs`. A property
 * whose new value holds an unknown counts as changed.
 */
export function changedProps(
  spec: ObjectSpec,
  inputProperties: string[],
  inputs: Props,
  current: Props,
): string[] {
  const planned = planProps(spec, inputs, current);
  const changed: string[] = [];
  for (const k of new Set([...inputProperties, ...Object.keys(inputs)])) {
    if (k.startsWith("__")) continue;
    const next = planned[k];
    if (containsUnknown(unwrap(next))) {
      changed.push(k);
      continue;
    }
    if (!deepEqual(comparable(spec[k], next), comparable(spec[k], current[k]))) changed.push(k);
  }
  return changed.sort();
}

/**
 * True when a field marked `replaceOn` (the schema's nested `willReplaceOnChanges`) differs between the plain values
 * `a` (current) and `b` (new) of an object or list of objects (a field only one side has counts against undefined). `replaceOn` holds dotted paths of fields inside the property.
 */
export function nestedChange(a: unknown, b: unknown, replaceOn: string[]): boolean {
  const at = (v: unknown, path: string[]): unknown[] => {
    if (path.length === 0) return [v];
    if (Array.isArray(v)) return v.flatMap((x) => at(x, path));
    if (isObject(v)) return at(v[path[0]], path.slice(1));
    return [undefined];
  };
  return replaceOn.some((p) => {
    const parts = p.split(".");
    const left = at(unwrap(a), parts);
    const right = at(unwrap(b), parts);
    const n = Math.max(left.length, right.length);
    for (let i = 0; i < n; i++) {
      if (containsUnknown(right[i]) || !deepEqual(left[i], right[i])) return true;
    }
    return false;
  });
}
