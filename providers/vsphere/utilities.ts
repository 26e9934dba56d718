/**
 * Helpers shared by the generated vSphere bindings (the counterpart of `@pulumi/vsphere`'s `utilities.ts`).
 * Hand-written; not produced by generate.ts.
 */
import * as pulumi from "@pulumi/pulumi";

/**
 * The pulumi-vsphere provider release these bindings mirror. Every resource and invoke asks the engine for this
 * plugin version, so a real `pulumi up` loads `pulumi-resource-vsphere` v4.17.0 whatever else is installed.
 */
export const PROVIDER_VERSION = "4.17.0";

/** The provider version requested by the bindings (the SDK reads it from its package.json; ours is pinned). */
export function getVersion(): string {
  return PROVIDER_VERSION;
}

/**
 * Default options merged under the caller's options on every resource and invoke, as the generated SDK does.
 * `version` is the resource/invoke option that selects the provider plugin version.
 */
export function resourceOptsDefaults(): { version: string } {
  return { version: getVersion() };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !pulumi.Output.isInstance(v);
}

/** True if `value` (plain, possibly nested in arrays) holds a value at `path`. */
function hasValueAt(value: unknown, path: readonly string[]): boolean {
  if (value === undefined || value === null) return false;
  if (path.length === 0) return true;
  if (Array.isArray(value)) return value.some((v) => hasValueAt(v, path));
  if (typeof value !== "object") return false;
  return hasValueAt((value as Record<string, unknown>)[path[0]], path.slice(1));
}

function wrapAt(value: any, path: readonly string[]): any {
  if (value === undefined || value === null) return value;
  if (path.length === 0) return pulumi.secret(value);
  if (pulumi.Output.isInstance(value)) {
    // An Output somewhere on the path: we cannot rewrite inside it without resolving it, so the whole
    // sub-value becomes secret when it does hold the secret field.
    return (value as pulumi.Output<unknown>).apply((v) => (hasValueAt(v, path) ? pulumi.secret(v) : v));
  }
  if (Array.isArray(value)) return value.map((v) => wrapAt(v, path));
  if (!isPlainObject(value)) return value;
  const [head, ...rest] = path;
  if (!(head in value)) return value;
  return { ...value, [head]: wrapAt(value[head], rest) };
}

/**
 * Marks the fields at `paths` inside a nested input value as Pulumi secrets (e.g.
 * `clone.customize.linuxOptions.scriptText`, which the provider schema flags `secret`). Arrays on the way are
 * walked element by element. The value's shape and property names are unchanged; absent fields stay absent.
 *
 * The generated `@pulumi/vsphere` SDK leaves nested secrets to the provider; the bindings also mark them on the
 * way in so that they are encrypted in the state's inputs and in previews.
 */
export function secretFields<T>(
  value: pulumi.Input<T> | undefined,
  paths: readonly (readonly string[])[],
): pulumi.Input<T> | undefined {
  let out: any = value;
  for (const p of paths) out = wrapAt(out, p);
  return out;
}
