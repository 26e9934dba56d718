/**
 * Reading and validating stack configuration. Every stack kind keeps its settings as `basphere:<key>` config
 * values; {@link readBasphereConfig} collects them into one object and {@link parseConfig} validates it with a
 * zod schema, turning every problem into a message that names the config key.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { STACK_KINDS, type StackKind } from "../model/stackKinds";

/** The config namespace of the project. */
export const NAMESPACE = "basphere";

/** The stack kinds this program knows. */
export { STACK_KINDS, type StackKind };

/** A configuration problem; `message` names every offending key. */
export class ConfigError extends Error {
  constructor(
    message: string,
    /** One entry per problem: key path and what is wrong. */
    readonly issues: { key: string; message: string }[] = [],
  ) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Config values of the project namespace, JSON values decoded, plus which top-level keys are secret. */
export interface BasphereConfig {
  values: Record<string, unknown>;
  secretKeys: Set<string>;
}

function decode(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Collects `basphere:*` config of the running stack (the engine's, or the mock runtime's). */
export function readBasphereConfig(): BasphereConfig {
  const all = pulumi.runtime.allConfig();
  const isSecret = (k: string): boolean => Boolean((pulumi.runtime as any).isConfigSecret?.(k));
  const values: Record<string, unknown> = {};
  const secretKeys = new Set<string>();
  for (const [k, v] of Object.entries(all)) {
    if (!k.startsWith(`${NAMESPACE}:`)) continue;
    const key = k.slice(NAMESPACE.length + 1);
    values[key] = decode(v);
    if (isSecret(k)) secretKeys.add(key);
  }
  return { values, secretKeys };
}

/** Formats a zod issue path as a config key: `basphere:cluster.workers[0].name`. */
export function configKey(path: readonly PropertyKey[]): string {
  let out = NAMESPACE + ":";
  path.forEach((p, i) => {
    if (typeof p === "number") out += `[${p}]`;
    else out += (i === 0 ? "" : ".") + String(p);
  });
  return out.endsWith(":") ? `${NAMESPACE} config` : out;
}

/** Validates config with a zod schema; throws {@link ConfigError} naming every key that is wrong. */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  values: unknown,
  what = "stack config",
): z.infer<S> {
  const r = schema.safeParse(values);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ key: configKey(i.path), message: i.message }));
  const lines = issues.map((i) => `${i.key}: ${i.message}`);
  throw new ConfigError(`invalid ${what}: ${lines.join("; ")}`, issues);
}

/** Reads `basphere:kind`; throws a clear error when it is missing or unknown. */
export function stackKind(values: Record<string, unknown>): StackKind {
  const kind = values["kind"];
  if (kind === undefined || kind === "") {
    throw new ConfigError(
      `stack config key ${NAMESPACE}:kind is missing: set it to one of ${STACK_KINDS.join(", ")} ` +
        `(e.g. pulumi config set ${NAMESPACE}:kind tenant)`,
      [{ key: `${NAMESPACE}:kind`, message: "missing" }],
    );
  }
  if (!STACK_KINDS.includes(kind as StackKind)) {
    throw new ConfigError(
      `stack config key ${NAMESPACE}:kind has unknown value ${JSON.stringify(kind)}: expected one of ${STACK_KINDS.join(", ")}`,
      [{ key: `${NAMESPACE}:kind`, message: "unknown kind" }],
    );
  }
  return kind as StackKind;
}
