/**
 * The API's error body, the same for every route and status:
 * `{ "statusCode": 400, "code": "invalid_request", "message": "body.name: must match ...", "field": "body.name",
 *    "issues": [{ "field": "body.name", "message": "..." }] }`.
 * `field` names the first offending input (`body.*`, `params.*`, `querystring.*`, `headers.*`) when there is one.
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
  static invalid(issues: Issue[]): ApiError {
    return new ApiError(
      400,
      "invalid_request",
      issues.map((i) => `${i.field}: ${i.message}`).join("; "),
      issues,
    );
  }
  body(): ErrorBody {
    const b: ErrorBody = { statusCode: this.statusCode, code: this.code, message: this.message };
    if (this.issues.length) {
      b.field = this.issues[0].field;
      b.issues = this.issues;
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

interface AjvError {
  instancePath?: string;
  keyword?: string;
  params?: Record<string, unknown>;
  message?: string;
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
      return {
        field: fieldPath(context ?? "request", [...segs, e.params.additionalProperty as string]),
        message: "is not an allowed property",
      };
    }
    return { field: fieldPath(context ?? "request", segs), message: e.message ?? "is invalid" };
  });
}

/** Maps any error thrown in a handler to a status and body. Unknown errors become a 500 without detail. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof NotFoundError) return new ApiError(404, "not_found", err.message);
  if (err instanceof ConflictError)
    return new ApiError(
      409,
      "conflict",
      err.message,
      err.field ? [{ field: `body.${err.field}`, message: err.message }] : [],
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
  if (typeof e?.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
    const code =
      e.code === "FST_ERR_CTP_BODY_TOO_LARGE"
        ? "body_too_large"
        : e.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE"
          ? "unsupported_media_type"
          : "bad_request";
    const field = e.code?.startsWith("FST_ERR_CTP") ? "body" : "request";
    return new ApiError(e.statusCode, code, e.message ?? "bad request", [
      { field, message: e.message ?? "bad request" },
    ]);
  }
  return new ApiError(500, "internal_error", "internal error (see the service log)");
}
