/**
 * The tenant spec's validators for the API: the spec alone and the spec with its allocations (the zod schemas of
 * model/tenant/spec.ts), their issues with "did you mean" field names, and the spec's JSON Schema for the OpenAPI
 * document. Changes when the spec's schema or how its errors read changes.
 */
import { z } from "zod";
import { tenantConfigSchema } from "../../model/tenant/allocations";
import { pinAddresses } from "../../model/tenant/addressPins";
import { TenantSpec, tenantSpecSchema } from "../../model/tenant/spec";
import type { ConfigValidator, SpecPinner, SpecValidator } from "./context";
import { unknownFieldMessage } from "./errors";

/** Internals of a zod 4 schema that {@link objectKeysAt} walks. */
interface ZodDef {
  type: string;
  shape?: Record<string, { _zod: { def: ZodDef } }>;
  element?: { _zod: { def: ZodDef } };
  innerType?: { _zod: { def: ZodDef } };
  in?: { _zod: { def: ZodDef } };
  options?: { _zod: { def: ZodDef } }[];
}

/** The field names of the object `schema` describes at `path` (through optional/default/array wrappers). */
export function objectKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let defs: ZodDef[] = [(schema as unknown as { _zod: { def: ZodDef } })._zod.def];
  const unwrap = (d: ZodDef): ZodDef[] => {
    if (d.innerType) return unwrap(d.innerType._zod.def);
    if (d.type === "pipe" && d.in) return unwrap(d.in._zod.def);
    if (d.type === "union" && d.options) return d.options.flatMap((o) => unwrap(o._zod.def));
    return [d];
  };
  for (const seg of path) {
    defs = defs.flatMap(unwrap).flatMap((d): ZodDef[] => {
      if (d.type === "object" && typeof seg === "string" && d.shape && Object.hasOwn(d.shape, seg))
        return [d.shape[seg]._zod.def];
      if (d.type === "array" && typeof seg === "number" && d.element) return [d.element._zod.def];
      return [];
    });
  }
  return [
    ...new Set(defs.flatMap(unwrap).flatMap((d) => (d.type === "object" ? Object.keys(d.shape ?? {}) : []))),
  ];
}

/**
 * zod issues as the service reports them: one issue per unknown field, at the field's own path, saying which known
 * field was probably meant (`vms[0].memoryMib: … did you mean "memoryMiB"?`).
 */
export function specIssues(schema: z.ZodType, issues: readonly z.core.$ZodIssue[]): SpecIssue[] {
  return issues.flatMap((i): SpecIssue[] =>
    i.code === "unrecognized_keys"
      ? i.keys.map((k) => ({
          path: [...i.path, k],
          message: unknownFieldMessage(k, objectKeysAt(schema, i.path)),
        }))
      : [{ path: i.path, message: i.message }],
  );
}
type SpecIssue = { path: PropertyKey[]; message: string };

/** The tenant spec validator (zod, model/tenant/spec.ts; strict: unknown fields are refused). */
export const tenantSpecValidator: SpecValidator = (spec) => {
  const r = tenantSpecSchema.safeParse(spec);
  return r.success
    ? { ok: true, spec: r.data }
    : { ok: false, issues: specIssues(tenantSpecSchema, r.error.issues) };
};

/**
 * Pins the addresses of a parsed tenant spec (model/tenant/addressPins.ts) against the stored versions its stack may
 * still hold. A stored version this schema no longer reads is left out of the history (it cannot be interpreted).
 */
export const tenantSpecPinner: SpecPinner = (spec, history) => {
  const past = history.flatMap((h) => {
    const r = tenantSpecSchema.safeParse(h);
    return r.success ? [r.data] : [];
  });
  const r = pinAddresses(spec as TenantSpec, past);
  return r.issues.length ? { ok: false, issues: r.issues } : { ok: true, spec: r.spec };
};

/**
 * The tenant program's own config check (`tenantConfigSchema`: the spec with its allocations), on the values as the
 * stack config carries them (JSON). What the API accepts, the program accepts.
 */
export const tenantConfigValidator: ConfigValidator = (spec, allocations) => {
  const r = tenantConfigSchema.safeParse(JSON.parse(JSON.stringify({ tenant: spec, allocations })));
  return r.success
    ? { ok: true, spec: r.data.tenant }
    : { ok: false, issues: specIssues(tenantConfigSchema, r.error.issues) };
};

/** JSON schema of the tenant spec for the OpenAPI document (input form: defaults not applied). */
export function tenantSpecJsonSchema(): Record<string, unknown> | undefined {
  try {
    const s = z.toJSONSchema(tenantSpecSchema, { io: "input", unrepresentable: "any" }) as Record<
      string,
      unknown
    >;
    delete s.$schema;
    // The API fills in `name` from the tenant name when the spec leaves it out.
    if (Array.isArray(s.required)) s.required = s.required.filter((k) => k !== "name");
    return s;
  } catch {
    return undefined;
  }
}
