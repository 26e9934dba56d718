/**
 * JSON schemas of the API (request validation by Fastify/Ajv and the OpenAPI 3.1 document). Every object is
 * closed (`additionalProperties: false`) except the tenant spec, which the spec validator checks in the handler.
 */

/** Tenant names: DNS labels of 1-20 chars starting with a letter (the spec's TENANT_NAME_MAX), so `tenant-<name>` is a valid stack name. */
export const TENANT_NAME_PATTERN = "^[a-z](?:[a-z0-9-]{0,18}[a-z0-9])?$";
export const TENANT_NAME_RE = new RegExp(TENANT_NAME_PATTERN);

const uuid = {
  type: "string",
  pattern: "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
} as const;

export const tenantNameParam = {
  type: "object",
  required: ["name"],
  additionalProperties: false,
  properties: {
    name: {
      type: "string",
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

export const errorSchema = {
  $id: "Error",
  type: "object",
  required: ["statusCode", "code", "message"],
  properties: {
    statusCode: { type: "integer" },
    code: {
      type: "string",
      description:
        "Machine-readable error code (invalid_request, unauthorized, forbidden, not_found, conflict, pool_exhausted, engine_unavailable, ...)",
    },
    message: { type: "string" },
    field: {
      type: "string",
      description: "The first offending input, e.g. body.spec.clusters[0].name or pool.vlan",
    },
    issues: {
      type: "array",
      items: {
        type: "object",
        required: ["field", "message"],
        properties: { field: { type: "string" }, message: { type: "string" } },
      },
    },
  },
} as const;

export const specSchema = {
  type: "object",
  description:
    "The tenant spec (see components.schemas.TenantSpec when the spec schema is installed); validated by the tenant spec schema.",
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
    kind: { type: "string", enum: ["up", "preview", "refresh", "destroy"] },
    status: { type: "string", enum: ["queued", "running", "succeeded", "failed", "cancelled"] },
    specVersion: { type: ["integer", "null"] },
    requestedBy: { type: "string" },
    attempt: { type: "integer" },
    cancelRequested: { type: "boolean" },
    error: { type: ["string", "null"] },
    result: { type: ["object", "null"], additionalProperties: true },
    createdAt: { type: "string" },
    startedAt: { type: ["string", "null"] },
    finishedAt: { type: ["string", "null"] },
  },
} as const;

export const allocationsSchema = {
  type: "object",
  properties: {
    lan1VlanId: { type: "integer" },
    lan2VlanId: { type: "integer" },
    routerWanAddress: { type: "string" },
    floatingIps: {
      type: "array",
      items: { type: "object", properties: { name: { type: "string" }, address: { type: "string" } } },
    },
  },
} as const;

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
    status: { type: "string", enum: ["creating", "updating", "ready", "failed", "deleting"] },
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
    createdAt: { type: "string" },
    updatedAt: { type: "string" },
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

export const pageQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    limit: { type: "integer", minimum: 1, maximum: 500, default: 50 },
    before: { ...uuid, description: "Return operations older than this operation id" },
  },
} as const;

export const errorResponses = {
  400: { $ref: "Error#" },
  401: { $ref: "Error#" },
  403: { $ref: "Error#" },
  404: { $ref: "Error#" },
  409: { $ref: "Error#" },
  503: { $ref: "Error#" },
} as const;
