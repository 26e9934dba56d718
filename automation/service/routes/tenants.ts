/**
 * /v1/tenants: create (admin), list (admin), show, replace spec, delete, preview, refresh, rotate token
 * (admin or the tenant's own token). Each route declares its schema, authenticates and calls one tenant use case
 * (../tenantUseCases.ts), which alone talks to the store; every change is an operation in the queue, answered 202.
 */
import { FastifyInstance } from "fastify";
import { principalId } from "../auth";
import { Context, accepted202, mustTenant, principalOf } from "../context";
import { ApiError } from "../errors";
import {
  TENANT_NAME_PATTERN,
  authErrors,
  bodyErrors,
  noQuery,
  pageQuery,
  specSchema,
  tenantNameParam,
} from "../schemas";
import { TenantUseCases } from "../tenantUseCases";

const accepted = {
  type: "object",
  properties: {
    tenant: { $ref: "Tenant#" },
    operation: { $ref: "Operation#" },
    cancelledOperations: { type: "array", items: { type: "string" } },
  },
} as const;

export function registerTenantRoutes(app: FastifyInstance, ctx: Context): void {
  const tenants = new TenantUseCases(ctx);
  const by = (req: Parameters<typeof principalOf>[0]) => principalId(principalOf(req));
  app.post<{ Body: { name: string; spec: Record<string, unknown> } }>(
    "/v1/tenants",
    {
      config: { access: "admin" },
      schema: {
        tags: ["tenants"],
        operationId: "createTenant",
        summary: "Create a tenant: validate the spec, allocate VLANs and addresses, queue `up`",
        querystring: noQuery,
        body: {
          type: "object",
          required: ["name", "spec"],
          additionalProperties: false,
          properties: {
            name: { type: "string", pattern: TENANT_NAME_PATTERN, minLength: 1, maxLength: 20 },
            spec: specSchema,
          },
        },
        response: {
          202: {
            type: "object",
            properties: {
              tenant: { $ref: "Tenant#" },
              operation: { $ref: "Operation#" },
              token: { type: "string", description: "The tenant's token, shown once (stored hashed)" },
            },
          },
          ...bodyErrors(409, 503),
        },
      },
    },
    async (req, reply) => {
      const out = await tenants.create(req.body.name, req.body.spec, by(req));
      accepted202(ctx, reply, out.operation);
      return out;
    },
  );

  app.get(
    "/v1/tenants",
    {
      config: { access: "admin" },
      schema: {
        tags: ["tenants"],
        operationId: "listTenants",
        summary: "List tenants",
        querystring: noQuery,
        response: {
          200: {
            type: "object",
            properties: {
              items: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    id: { type: "string" },
                    name: { type: "string" },
                    status: { type: "string" },
                    specVersion: { type: "integer" },
                    appliedVersion: { type: ["integer", "null"] },
                    lastError: { type: ["string", "null"] },
                    createdAt: { type: "string" },
                    updatedAt: { type: "string" },
                  },
                },
              },
            },
          },
          ...authErrors(),
        },
      },
    },
    async () => ({ items: await tenants.list() }),
  );

  app.get<{ Params: { name: string }; Querystring: { showSecrets?: boolean } }>(
    "/v1/tenants/:name",
    {
      config: { access: "tenant" },
      schema: {
        tags: ["tenants"],
        operationId: "getTenant",
        summary:
          "Show a tenant: status, spec, allocations, outputs (secret outputs only to its own token with ?showSecrets=true)",
        params: tenantNameParam,
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            showSecrets: {
              type: "boolean",
              default: false,
              description: "true: the secret outputs' values (the tenant's own token only); true or false",
            },
          },
        },
        response: { 200: { $ref: "Tenant#" }, ...authErrors(404, 503) },
      },
    },
    async (req) => {
      const p = principalOf(req);
      if (req.query.showSecrets && p.kind !== "tenant") {
        throw new ApiError(403, "forbidden", "secret outputs are shown only to the tenant's own token", [
          { field: "querystring.showSecrets", message: "needs the tenant's own token" },
        ]);
      }
      return tenants.show(await mustTenant(ctx, req, req.params.name), req.query.showSecrets === true);
    },
  );

  app.put<{ Params: { name: string }; Body: { spec: Record<string, unknown> } }>(
    "/v1/tenants/:name/spec",
    {
      config: { access: "tenant" },
      schema: {
        tags: ["tenants"],
        operationId: "replaceTenantSpec",
        summary: "Replace the spec: stores a new spec version, tops up allocations, queues `up`",
        params: tenantNameParam,
        querystring: noQuery,
        body: {
          type: "object",
          required: ["spec"],
          additionalProperties: false,
          properties: { spec: specSchema },
        },
        response: { 202: accepted, ...bodyErrors(404, 409, 503) },
      },
    },
    async (req, reply) => {
      await mustTenant(ctx, req, req.params.name);
      const out = await tenants.replaceSpec(req.params.name, req.body.spec, by(req));
      accepted202(ctx, reply, out.operation);
      return out;
    },
  );

  app.delete<{ Params: { name: string } }>(
    "/v1/tenants/:name",
    {
      config: { access: "tenant" },
      schema: {
        tags: ["tenants"],
        operationId: "deleteTenant",
        summary:
          "Delete a tenant: queued operations are cancelled, then destroy, remove the stack, release allocations",
        params: tenantNameParam,
        querystring: noQuery,
        response: { 202: accepted, ...bodyErrors(404, 409, 503) },
      },
    },
    async (req, reply) => {
      await mustTenant(ctx, req, req.params.name);
      const out = await tenants.remove(req.params.name, by(req));
      accepted202(ctx, reply, out.operation);
      return out;
    },
  );

  app.post<{ Params: { name: string }; Body: { spec?: Record<string, unknown> } | undefined }>(
    "/v1/tenants/:name/preview",
    {
      config: { access: "tenant" },
      schema: {
        tags: ["tenants"],
        operationId: "previewTenant",
        summary: "Preview a spec change without applying it (no spec: preview the current spec, i.e. drift)",
        params: tenantNameParam,
        querystring: noQuery,
        body: { type: ["object", "null"], additionalProperties: false, properties: { spec: specSchema } },
        response: { 202: accepted, ...bodyErrors(404, 409, 503) },
      },
    },
    async (req, reply) => {
      await mustTenant(ctx, req, req.params.name);
      const out = await tenants.preview(req.params.name, req.body?.spec, by(req));
      accepted202(ctx, reply, out.operation);
      return out;
    },
  );

  app.post<{ Params: { name: string } }>(
    "/v1/tenants/:name/refresh",
    {
      config: { access: "tenant" },
      schema: {
        tags: ["tenants"],
        operationId: "refreshTenant",
        summary: "Refresh the stack's state from the real infrastructure",
        params: tenantNameParam,
        querystring: noQuery,
        response: { 202: accepted, ...bodyErrors(404, 409, 503) },
      },
    },
    async (req, reply) => {
      await mustTenant(ctx, req, req.params.name);
      const out = await tenants.refresh(req.params.name, by(req));
      accepted202(ctx, reply, out.operation);
      return out;
    },
  );

  app.post<{ Params: { name: string } }>(
    "/v1/tenants/:name/token",
    {
      config: { access: "tenant" },
      schema: {
        tags: ["tenants"],
        operationId: "rotateTenantToken",
        summary: "Issue a new tenant token (the old one stops working at once)",
        params: tenantNameParam,
        querystring: noQuery,
        response: {
          200: { type: "object", properties: { token: { type: "string" } } },
          ...bodyErrors(404),
        },
      },
    },
    async (req) => {
      return tenants.rotateToken(await mustTenant(ctx, req, req.params.name));
    },
  );

  app.get<{ Params: { name: string }; Querystring: { limit: number; before?: string } }>(
    "/v1/tenants/:name/operations",
    {
      config: { access: "tenant" },
      schema: {
        tags: ["operations"],
        operationId: "listTenantOperations",
        summary: "The tenant's operations, newest first",
        params: tenantNameParam,
        querystring: pageQuery,
        response: {
          200: { type: "object", properties: { items: { type: "array", items: { $ref: "Operation#" } } } },
          ...authErrors(404),
        },
      },
    },
    async (req) => {
      return tenants.operations(await mustTenant(ctx, req, req.params.name), req.query);
    },
  );
}
