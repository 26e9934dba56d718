/**
 * Errors raised by the OPNsense client and providers. Messages name the endpoint and the API fields involved,
 * never a credential or a secret body value: every message passes through {@link redact} first.
 */

/** Replaces every occurrence of each secret (and its base64 / URI-encoded forms) with `***`. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  const forms = new Set<string>();
  for (const s of secrets) {
    if (!s || s.length < 4) continue;
    forms.add(s);
    forms.add(Buffer.from(s).toString("base64"));
    forms.add(encodeURIComponent(s));
    forms.add(encodeURIComponent(Buffer.from(s).toString("base64")));
  }
  // Longest first so a secret that contains another is fully masked.
  for (const f of [...forms].sort((a, b) => b.length - a.length)) {
    out = out.split(f).join("***");
  }
  return out;
}

/** Base class: every error from this package. `path` is the API path (e.g. `/api/firewall/alias/set_item/<uuid>`). */
export class OpnsenseError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The API answered with an HTTP error status (401, 403, 404, 5xx, 400 ...). */
export class OpnsenseHttpError extends OpnsenseError {
  constructor(
    message: string,
    path: string,
    readonly status: number,
  ) {
    super(message, path);
  }
}

/**
 * The API refused a save with `{"result":"failed","validations":{...}}`. `validations` maps the API field
 * (`rule.source_net`) to its messages; the message lists them all.
 */
export class OpnsenseValidationError extends OpnsenseError {
  constructor(
    message: string,
    path: string,
    readonly validations: Record<string, string[]>,
  ) {
    super(message, path);
  }
}

/** The API answered HTTP 200 but the action did not succeed (e.g. `{"result":"failed"}` without validations, `{"status":"failed"}`). */
export class OpnsenseResultError extends OpnsenseError {}

/** Could not talk to the API at all: connection refused/reset, TLS failure, timeout. */
export class OpnsenseConnectionError extends OpnsenseError {
  constructor(
    message: string,
    path: string,
    readonly code: string,
  ) {
    super(message, path);
  }
}

/** The server certificate did not match the pinned fingerprint or CA. Never retried. */
export class OpnsenseTlsError extends OpnsenseConnectionError {}

/** Bad input to a resource or the client (names the argument, e.g. `OneToOneNat.external`). */
export class OpnsenseInputError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = "OpnsenseInputError";
  }
}

/** Normalises `validations` values (string or list) into lists of strings. */
export function normaliseValidations(v: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!v || typeof v !== "object") return out;
  for (const [k, msg] of Object.entries(v as Record<string, unknown>)) {
    out[k] = Array.isArray(msg) ? msg.map(String) : [String(msg)];
  }
  return out;
}
