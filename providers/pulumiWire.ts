/**
 * Pulumi's wire format for property values (the JSON form of its gRPC structs, as an engine hands them to a provider
 * and as the Node SDK serialises them): the signature key that marks its special objects (secrets, output values,
 * resource references) with each one's value, and the string that stands for a value not known yet (a preview).
 * One definition for the providers, the offline plan's mocks, the preview report and the box's simulators.
 */

/** The signature key of the engine's special objects and its values. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
export const RESOURCE_REFERENCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
/** What the engine sends for a value that is not known yet. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True for a secret envelope (`{<SIG_KEY>: SECRET_SIG, value}`). */
export function isSecretEnvelope(v: unknown): v is { value?: unknown } {
  return v !== null && typeof v === "object" && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** True when `v` is, or holds anywhere, the unknown value. */
export function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v && typeof v === "object") return Object.values(v).some(containsUnknown);
  return false;
}
