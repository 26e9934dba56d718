/**
 * The API's error body, the same for every route and status:
 * `{ "statusCode": 400, "code": "invalid_request", "message": "body.name: must match ...", "field": "body.name",
 *    "issues": [{ "field": "body.name", "message": "..." }] }`.
 * `field` names the first offending input (`body.*`, `params.*`, `querystring.*`, `headers.*`, `path`, `pool.*`)
 * when there is one. Token-shaped strings an input brought in are redacted from every body.
 */
import { PoolExhaustedError } from "../allocator/pools";
import { ConflictError, NotFoundError } from "../store/types";

export interface Issue {
  field: string;
  message: string;
}

export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  field?: string;
  issues?: Issue[];
}

/** Most issues one error body lists (a list of 10,000 bad entries is not echoed back entry by entry). */
export const MAX_ISSUES = 20;

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly issues: Issue[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }
  /** A 400 naming each offending field (at most {@link MAX_ISSUES}; the message says how many more there were). */
  static invalid(issues: Issue[]): ApiError {
    const shown = issues.slice(0, MAX_ISSUES);
    const more = issues.length - shown.length;
    return new ApiError(
      400,
      "invalid_request",
      shown.map((i) => `${i.field}: ${i.message}`).join("; ") + (more > 0 ? `; and ${more} more` : ""),
      shown,
    );
  }
  /** The error body; token-shaped strings in it (an input echoed back) are redacted. */
  body(): ErrorBody {
    const b: ErrorBody = {
      statusCode: this.statusCode,
      code: this.code,
      message: redactTokens(this.message),
    };
    if (this.issues.length) {
      const issues = this.issues.map((i) => ({
        field: redactTokens(i.field),
        message: redactTokens(i.message),
      }));
      b.field = issues[0].field;
      b.issues = issues;
    }
    return b;
  }
}

/** Formats a path (zod / JSON pointer) under a prefix: `body.spec.clusters[0].name`. */
export function fieldPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const p of path)
    out += typeof p === "number" || /^\d+$/.test(String(p)) ? `[${String(p)}]` : `.${String(p)}`;
  return out;
}

/** Token-shaped strings (`bspa.…`, `bspt.<tenant>.…`), also percent-encoded (`bspa%2E…`). */
const TOKEN_SHAPE = /bsp([at])(?:\.|%2[eE])[^\s"'<>\\/?#&;,]*/g;

/** `text` with every token-shaped string replaced by `bspa.[redacted]` / `bspt.[redacted]`. */
export function redactTokens(text: string): string {
  return text.replace(TOKEN_SHAPE, (_m, kind: string) => `bsp${kind}.[redacted]`);
}

/** True when `text` holds a token-shaped string. */
export function hasToken(text: string): boolean {
  TOKEN_SHAPE.lastIndex = 0;
  const found = TOKEN_SHAPE.test(text);
  TOKEN_SHAPE.lastIndex = 0;
  return found;
}

/** Edit distance with transpositions (optimal string alignment; small strings: field names). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The known name closest to `name` (same letters in another case, or a few edits away), if one is close. */
export function closestName(name: string, known: readonly string[]): string | undefined {
  if (name.length > 64) return undefined;
  const lower = name.toLowerCase();
  const sameCase = known.find((k) => k.toLowerCase() === lower);
  if (sameCase) return sameCase;
  // A shortened name (`proto` for `protocol`).
  const longer = lower.length >= 3 ? known.filter((k) => k.toLowerCase().startsWith(lower)) : [];
  if (longer.length === 1) return longer[0];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = distance(lower, k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

/** The message of an unknown field: says what is allowed, and which one was probably meant. */
export function unknownFieldMessage(name: string, known: readonly string[]): string {
  const close = closestName(name, known);
  if (close) return `is not a known field (did you mean "${close}"?)`;
  return known.length
    ? `is not a known field (known: ${known.map((k) => `"${k}"`).join(", ")})`
    : "is not a known field (none are accepted here)";
}

interface AjvError {
  instancePath?: string;
  keyword?: string;
  params?: Record<string, unknown>;
  message?: string;
  parentSchema?: { properties?: Record<string, unknown> };
}

/** Fastify's validation errors (Ajv) as issues naming the field. */
export function validationIssues(errors: AjvError[], context: string | undefined): Issue[] {
  return errors.map((e) => {
    const segs = (e.instancePath ?? "")
      .split("/")
      .filter(Boolean)
      .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
    if (e.keyword === "required" && typeof e.params?.missingProperty === "string")
      segs.push(e.params.missingProperty);
    if (e.keyword === "additionalProperties" && typeof e.params?.additionalProperty === "string") {
      const name = e.params.additionalProperty;
      return {
        field: fieldPath(context ?? "request", [...segs, name]),
        message: unknownFieldMessage(name, Object.keys(e.parentSchema?.properties ?? {})),
      };
    }
    return { field: fieldPath(context ?? "request", segs), message: e.message ?? "is invalid" };
  });
}

/** Where a state conflict's field lives in the request (`params.name` for a path parameter, else `body.name`). */
function conflictField(field: string, params: unknown): string {
  return params && typeof params === "object" && field in params ? `params.${field}` : `body.${field}`;
}

/** Fastify's own errors (content type, body, URL) by code: status, our code, and the input they are about. */
const FRAMEWORK_ERRORS: Record<string, { status?: number; code: string; field: string; message?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: "body_too_large", field: "body" },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: "unsupported_media_type",
    field: "headers.content-type",
    message: "the body must be JSON: Content-Type application/json (UTF-8)",
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: "bad_request", field: "headers.content-length" },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: "invalid_json", field: "body" },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: "invalid_json", field: "body" },
  FST_ERR_CTP_INSTANCE_ALREADY_STARTED: { code: "bad_request", field: "body" },
  FST_ERR_BAD_URL: { status: 400, code: "bad_url", field: "path" },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, code: "uri_too_long", field: "path" },
};

/**
 * Maps any error thrown in a handler to a status and body. Unknown errors become a 500 without detail. `params`
 * (the route's path parameters) tells where a conflict's field is.
 */
export function toApiError(err: unknown, params?: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof NotFoundError) return new ApiError(404, "not_found", err.message);
  if (err instanceof ConflictError)
    return new ApiError(
      409,
      "conflict",
      err.message,
      err.field ? [{ field: conflictField(err.field, params), message: err.message }] : [],
    );
  if (err instanceof PoolExhaustedError) {
    return new ApiError(409, "pool_exhausted", err.message, [
      { field: `pool.${err.pool}`, message: `${err.free} free, ${err.requested} requested` },
    ]);
  }
  const e = err as {
    statusCode?: number;
    code?: string;
    message?: string;
    validation?: AjvError[];
    validationContext?: string;
  };
  if (e?.validation) return ApiError.invalid(validationIssues(e.validation, e.validationContext));
  const known = e?.code ? FRAMEWORK_ERRORS[e.code] : undefined;
  const status = known?.status ?? e?.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    // A JSON syntax error (secure-json-parse) carries status 400 and no code.
    const { code, field } =
      known ??
      (err instanceof SyntaxError
        ? { code: "invalid_json", field: "body" }
        : { code: "bad_request", field: e.code?.startsWith("FST_ERR_CTP") ? "body" : "request" });
    const message = redactTokens(known?.message ?? e.message ?? "bad request");
    return new ApiError(status, code, message, [{ field, message }]);
  }
  return new ApiError(500, "internal_error", "internal error (see the service log)");
}
