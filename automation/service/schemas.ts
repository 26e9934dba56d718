/**
 * JSON schemas of the API (request validation by Fastify/Ajv and the OpenAPI 3.1 document). Every request object
 * is closed (`additionalProperties: false`), every route has a query schema (none: {@link noQuery}); the tenant spec
 * is checked by the spec validator (zod, strict) in the handler and documented as components.schemas.TenantSpec.
 */
import { tenantAllocationsJsonSchema } from "../allocator/demand";
import { DRIFT_POLICIES } from "../../model/drift";
import { OPERATION_KINDS, TENANT_STATUSES } from "../store/types";

/** Tenant names: DNS labels of 1-20 chars starting with a letter (the spec's TENANT_NAME_MAX), so `tenant-<name>` is a valid stack name. */
export const TENANT_NAME_PATTERN = "^[a-z](?:[a-z0-9-]{0,18}[a-z0-9])?$";
export const TENANT_NAME_RE = new RegExp(TENANT_NAME_PATTERN);

const uuid = {
  type: "string",
  minLength: 36,
  maxLength: 36,
  pattern: "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
} as const;

export const tenantNameParam = {
  type: "object",
  required: ["name"],
  additionalProperties: false,
  properties: {
    name: {
      type: "string",
      minLength: 1,
      maxLength: 20,
      pattern: TENANT_NAME_PATTERN,
      description: "Tenant name (lowercase letters, digits, '-'; 1-20 chars)",
    },
  },
} as const;

export const operationIdParam = {
  type: "object",
  required: ["id"],
  additionalProperties: false,
  properties: { id: { ...uuid, description: "Operation id (UUID)" } },
} as const;

/** Every `code` an error body may carry. */
export const ERROR_CODES = [
  "invalid_request",
  "invalid_json",
  "token_in_url",
  "ambiguous_credentials",
  "bad_url",
  "bad_request",
  "malformed_request",
  "unauthorized",
  "forbidden",
  "not_found",
  "request_timeout",
  "conflict",
  "pool_exhausted",
  "body_too_large",
  "uri_too_long",
  "unsupported_media_type",
  "headers_too_large",
  "internal_error",
  "engine_unavailable",
] as const;

export const errorSchema = {
  $id: "Error",
  type: "object",
  description: "The body of every error the service answers, whatever its status",
  required: ["statusCode", "code", "message"],
  additionalProperties: false,
  properties: {
    statusCode: { type: "integer", minimum: 400, maximum: 599, description: "The HTTP status" },
    code: { type: "string", enum: [...ERROR_CODES], description: "Machine-readable error code" },
    message: { type: "string", description: "What is wrong, naming the fields" },
    field: {
      type: "string",
      description:
        "The first offending input: body.spec.vms[0].name, params.name, querystring.limit, headers.authorization, path, pool.vlan",
    },
    issues: {
      type: "array",
      maxItems: 20,
      description: "Each offending input (at most 20; the message counts the rest)",
      items: {
        type: "object",
        required: ["field", "message"],
        additionalProperties: false,
        properties: { field: { type: "string" }, message: { type: "string" } },
      },
    },
  },
} as const;

/** The query schema of a route that takes no query parameters: any parameter is refused (400 naming it). */
export const noQuery = { type: "object", additionalProperties: false, properties: {} } as const;

/**
 * The tenant spec in a request body, as Ajv sees it: an object, checked in the handler by the spec validator
 * (strict, with limits and cross-field rules). The OpenAPI document shows components.schemas.TenantSpec instead.
 */
export const specSchema = {
  type: "object",
  description: "The tenant spec (components.schemas.TenantSpec); validated by the tenant spec schema.",
  additionalProperties: true,
} as const;

export const operationSchema = {
  $id: "Operation",
  type: "object",
  required: ["id", "tenant", "kind", "status", "attempt", "createdAt"],
  properties: {
    id: { type: "string" },
    tenant: { type: "string" },
    tenantId: {
      type: "string",
      description:
        "Id of the tenant incarnation the operation belongs to (a tenant created again under a deleted one's name is a new incarnation)",
    },
    kind: { type: "string", enum: [...OPERATION_KINDS] },
    status: { type: "string", enum: ["queued", "running", "succeeded", "failed", "cancelled"] },
    specVersion: { type: ["integer", "null"] },
    requestedBy: { type: "string" },
    reason: {
      type: ["string", "null"],
      description:
        "Why the service queued it (a reconcile: the drift it puts back); null for a user's operation",
    },
    refresh: {
      type: "boolean",
      description: "up: the state is refreshed from the live systems first (up --refresh)",
    },
    attempt: { type: "integer" },
    cancelRequested: { type: "boolean" },
    error: { type: ["string", "null"] },
    result: { type: ["object", "null"], additionalProperties: true },
    createdAt: { type: "string" },
    startedAt: { type: ["string", "null"] },
    finishedAt: { type: ["string", "null"] },
  },
} as const;

/** The allocations of a tenant (defined with their type in automation/allocator/demand.ts). */
export const allocationsSchema = tenantAllocationsJsonSchema;

export const tenantSchema = {
  $id: "Tenant",
  type: "object",
  required: ["name", "status", "specVersion"],
  properties: {
    id: {
      type: "string",
      description: "Id of this incarnation of the tenant (new when a deleted name is created again)",
    },
    name: { type: "string" },
    status: {
      type: "string",
      enum: [...TENANT_STATUSES],
      description: "`drifted`: ready, but the last drift check found the live systems differ (GET …/drift)",
    },
    specVersion: { type: "integer" },
    appliedVersion: { type: ["integer", "null"] },
    spec: { type: "object", additionalProperties: true },
    allocations: allocationsSchema,
    outputs: {
      type: "object",
      additionalProperties: true,
      description:
        'Stack outputs; secret ones read "[secret]" unless ?showSecrets=true with the tenant\'s own token',
    },
    secretOutputKeys: { type: "array", items: { type: "string" } },
    lastError: { type: ["string", "null"] },
    driftPolicy: { type: "string", enum: [...DRIFT_POLICIES] },
    drift: { oneOf: [{ type: "null" }, { $ref: "DriftCheck#" }] },
    driftNextCheckAt: { type: ["string", "null"] },
    lastReconcile: {
      type: ["object", "null"],
      properties: { operationId: { type: "string" }, at: { type: "string" }, reason: { type: "string" } },
    },
    createdAt: { type: "string" },
    updatedAt: { type: "string" },
  },
} as const;

/** The last drift check of a tenant (model/drift.ts DriftCheck). */
export const driftSchema = {
  $id: "DriftCheck",
  type: "object",
  required: ["state", "checkedAt", "operationId", "resources"],
  properties: {
    state: { type: "string", enum: ["clean", "drifted", "failed"] },
    checkedAt: { type: "string" },
    operationId: { type: "string" },
    specVersion: { type: ["integer", "null"] },
    resources: {
      type: "array",
      items: {
        type: "object",
        required: ["urn", "type", "name", "op", "properties"],
        properties: {
          urn: { type: "string" },
          type: { type: "string" },
          name: { type: "string" },
          op: { type: "string", enum: ["update", "replace", "create", "delete"] },
          properties: {
            type: "array",
            items: { type: "string" },
            description: "Property paths that differ; never values",
          },
        },
      },
    },
    error: { type: ["string", "null"] },
    durationSeconds: { type: ["number", "null"] },
    reconciledBy: { type: "string", description: "The up --refresh that put this drift back" },
  },
} as const;

export const eventSchema = {
  $id: "Event",
  type: "object",
  required: ["seq", "time", "type"],
  properties: {
    opId: { type: "string" },
    seq: { type: "integer" },
    time: { type: "string" },
    type: { type: "string" },
    data: {},
  },
} as const;

/** Largest `after` of an event page (sequence numbers are SQLite integers; JSON numbers are exact up to this). */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;

export const pageQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    limit: {
      type: "integer",
      minimum: 1,
      maximum: 500,
      default: 50,
      description: "Page size: decimal digits, 1-500",
    },
    before: { ...uuid, description: "Return operations older than this operation id" },
  },
} as const;

/** What each error status means, as the OpenAPI document describes it. */
const ERROR_STATUS = {
  400: "Invalid request: a field, query parameter, header, the URL or the body (`field` names it)",
  401: "No valid bearer token",
  403: "The token may not do this",
  404: "No such tenant, operation or route",
  409: "Conflicts with the current state, or an allocation pool is exhausted",
  413: "Body larger than the limit (256 KiB)",
  414: "A path segment longer than 200 characters",
  415: "Body not JSON in UTF-8",
  431: "Request headers too large",
  503: "The engine is not available",
} as const;
export type ErrorStatus = keyof typeof ERROR_STATUS;

/**
 * The error responses of a route: 400 and 431 on every route, plus `statuses`. Each is the Error body (it is also
 * what Fastify serializes an error with).
 */
export function errorResponses(...statuses: ErrorStatus[]): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const s of [...new Set<ErrorStatus>([400, ...statuses, 431])].sort((a, b) => a - b))
    out[s] = {
      description: ERROR_STATUS[s],
      content: { "application/json": { schema: { $ref: "Error#" } } },
    };
  return out;
}

/** The errors of a route that needs a token: 400, 401, 403, 431 and `more`. */
export const authErrors = (...more: ErrorStatus[]) => errorResponses(401, 403, ...more);
/** The errors of a route with a JSON body (413, 415) and a token. */
export const bodyErrors = (...more: ErrorStatus[]) => authErrors(413, 415, ...more);
