/**
 * Checks plain values (recorded resource inputs, invoke arguments or results) against the vSphere provider
 * schema: every property name must exist at its place (nested object types included) and every value must have
 * the schema's type; with {@link CheckOptions.required}, every required property (a resource's `requiredInputs`,
 * a nested type's `required`, a function's required arguments) must be present. Used by the bindings' tests, by
 * the vSphere provider simulator (box/vsphereSimulator) to check what the engine sends, and usable by any
 * component test that wants to prove that what it sends to the provider is something the provider knows.
 */
import type { Schema, SchemaObject, SchemaProperty } from "./generate";

/** One problem found, with the dotted path of the offending property (e.g. `clone.customize.foo`). */
export interface SchemaProblem {
  path: string;
  message: string;
}

/** How strictly to check. The default (`{}`) checks names and types only, as the bindings' tests need. */
export interface CheckOptions {
  /** Also report required properties that are missing (`undefined` or `null`). Default false. */
  required?: boolean;
  /**
   * Values this returns true for are taken as present but not yet known (the engine's unknown during a preview):
   * neither type-checked nor descended into. Default: none.
   */
  isUnknown?: (value: unknown) => boolean;
}

function refType(schema: Schema, ref: string): SchemaObject {
  const token = ref.replace(/^#\/types\//, "");
  const t = schema.types[token];
  if (!t) throw new Error(`schema has no type ${token}`);
  return t;
}

function checkValue(
  schema: Schema,
  prop: SchemaProperty,
  value: unknown,
  path: string,
  out: SchemaProblem[],
  opts: CheckOptions,
): void {
  if (value === undefined || value === null) return;
  if (opts.isUnknown?.(value)) return;
  if (prop.$ref) {
    if (typeof value !== "object" || Array.isArray(value)) {
      out.push({ path, message: `expected an object, got ${JSON.stringify(value)}` });
      return;
    }
    const t = refType(schema, prop.$ref);
    checkObject(schema, t.properties, value as Record<string, unknown>, path, out, opts, t.required);
    return;
  }
  switch (prop.type) {
    case "array":
      if (!Array.isArray(value))
        out.push({ path, message: `expected an array, got ${JSON.stringify(value)}` });
      else value.forEach((v, i) => checkValue(schema, prop.items!, v, `${path}[${i}]`, out, opts));
      return;
    case "object":
      if (typeof value !== "object" || Array.isArray(value)) {
        out.push({ path, message: `expected a map, got ${JSON.stringify(value)}` });
      } else {
        const inner = prop.additionalProperties ?? { type: "string" };
        for (const [k, v] of Object.entries(value))
          checkValue(schema, inner, v, `${path}[${JSON.stringify(k)}]`, out, opts);
      }
      return;
    case "integer":
      if (!Number.isInteger(value))
        out.push({ path, message: `expected an integer, got ${JSON.stringify(value)}` });
      return;
    case "number":
      if (typeof value !== "number")
        out.push({ path, message: `expected a number, got ${JSON.stringify(value)}` });
      return;
    case "boolean":
    case "string":
      if (typeof value !== prop.type)
        out.push({ path, message: `expected a ${prop.type}, got ${JSON.stringify(value)}` });
      return;
    default:
      out.push({ path, message: `unsupported schema type ${String(prop.type)}` });
  }
}

function checkObject(
  schema: Schema,
  props: Record<string, SchemaProperty>,
  value: Record<string, unknown>,
  prefix: string,
  out: SchemaProblem[],
  opts: CheckOptions,
  required: string[] = [],
): void {
  for (const [k, v] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${k}` : k;
    const prop = props[k];
    if (!prop) out.push({ path, message: "is not a property of the provider schema here" });
    else checkValue(schema, prop, v, path, out, opts);
  }
  if (!opts.required) return;
  for (const k of required) {
    if (value[k] === undefined || value[k] === null)
      out.push({ path: prefix ? `${prefix}.${k}` : k, message: "is required but missing" });
  }
}

/** Problems in the inputs a resource of type `token` was registered with (empty when all is known and well typed). */
export function checkResourceInputs(
  schema: Schema,
  token: string,
  inputs: Record<string, unknown>,
  opts: CheckOptions = {},
): SchemaProblem[] {
  const r = schema.resources[token];
  if (!r) return [{ path: "", message: `${token} is not a resource of the provider schema` }];
  const out: SchemaProblem[] = [];
  checkObject(schema, r.inputProperties ?? {}, inputs, "", out, opts, r.requiredInputs);
  return out;
}

/**
 * Problems in the outputs (state) of a resource of type `token`: unknown or mistyped properties, and missing
 * required output properties (the schema's `required`).
 */
export function checkResourceOutputs(
  schema: Schema,
  token: string,
  outputs: Record<string, unknown>,
  opts: CheckOptions = {},
): SchemaProblem[] {
  const r = schema.resources[token];
  if (!r) return [{ path: "", message: `${token} is not a resource of the provider schema` }];
  const out: SchemaProblem[] = [];
  checkObject(schema, r.properties, outputs, "", out, opts);
  for (const req of r.required ?? []) {
    if (outputs[req] === undefined)
      out.push({ path: req, message: "is required in the outputs but missing" });
  }
  return out;
}

/** Problems in the arguments of an invoke of `token`. */
export function checkInvokeArgs(
  schema: Schema,
  token: string,
  args: Record<string, unknown>,
  opts: CheckOptions = {},
): SchemaProblem[] {
  const f = schema.functions[token];
  if (!f) return [{ path: "", message: `${token} is not a function of the provider schema` }];
  const out: SchemaProblem[] = [];
  checkObject(schema, f.inputs?.properties ?? {}, args, "", out, opts, f.inputs?.required);
  return out;
}

/** Problems in the result of an invoke of `token` (unknown or mistyped fields, missing required fields). */
export function checkInvokeResult(
  schema: Schema,
  token: string,
  result: Record<string, unknown>,
): SchemaProblem[] {
  const f = schema.functions[token];
  if (!f) return [{ path: "", message: `${token} is not a function of the provider schema` }];
  const out: SchemaProblem[] = [];
  checkObject(schema, f.outputs.properties, result, "", out, {});
  for (const req of f.outputs.required ?? []) {
    if (result[req] === undefined) out.push({ path: req, message: "is required in the result but missing" });
  }
  return out;
}

/** Formats problems one per line, for assertion messages. */
export function formatProblems(problems: SchemaProblem[]): string {
  return problems.map((p) => `${p.path || "<root>"}: ${p.message}`).join("\n");
}
