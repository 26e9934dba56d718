/**
 * /v1/tenants: create (admin), list (admin), show, replace spec, delete, preview, refresh, rotate token
 * (admin or the tenant's own token). Every change is an operation in the queue; the answer is 202 with it.
 */
import { FastifyInstance } from "fastify";
import { allocationsObject } from "../../allocator/demand";
import { Tenant } from "../../store/types";
import { stackName } from "../../worker/engineDriver";
import { principalId, hashToken, newTenantToken } from "../auth";
import {
  Context,
  accepted202,
  checkConfig,
  checkSpec,
  mustTenant,
  pinSpec,
  principalOf,
  requireEngine,
} from "../context";
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

const SECRET_PLACEHOLDER = "[secret]";

const accepted = {
  type: "object",
  properties: {
    tenant: { $ref: "Tenant#" },
    operation: { $ref: "Operation#" },
    cancelledOperations: { type: "array", items: { type: "string" } },
  },
} as const;

async function tenantView(
  ctx: Context,
  t: Tenant,
  secrets?: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const outputs: Record<string, unknown> = { ...t.outputs };
  for (const k of t.secretOutputKeys) outputs[k] = secrets && k in secrets ? secrets[k] : SECRET_PLACEHOLDER;
  return {
    ...t,
    spec: await ctx.store.getSpec(t.name, t.specVersion),
    allocations: allocationsObject(await ctx.store.allocationsOf(t.name)),
    outputs,
  };
}

/** The spec names its tenant (`spec.name`): filled in from the tenant name when absent, 400 when different. */
function withName(spec: Record<string, unknown>, name: string): Record<string, unknown> {
  if (spec.name === undefined) return { ...spec, name };
  if (spec.name !== name) {
    throw new ApiError(
      400,
      "invalid_request",
      `body.spec.name: must equal the tenant name ${JSON.stringify(name)}`,
      [{ field: "body.spec.name", message: `must equal the tenant name ${JSON.stringify(name)}` }],
    );
  }
  return spec;
}

/**
 * The program's config check of the spec as the client sent it (so a 400 names the fields it wrote, `cluster.…`
 * rather than the `clusters[0].…` it is stored as), then of the spec as it will be stored (pinned addresses).
 */
function checkBoth(
  ctx: Context,
  parsed: unknown,
  stored: unknown,
  rows: Parameters<typeof checkConfig>[2],
): void {
  checkConfig(ctx, parsed, rows);
  if (stored !== parsed) checkConfig(ctx, stored, rows);
}

export function registerTenantRoutes(app: FastifyInstance, ctx: Context): void {
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
      // A new tenant: nothing holds an address yet.
      const parsed = checkSpec(ctx, withName(req.body.spec, req.body.name));
      const spec = pinSpec(ctx, parsed, []);
      requireEngine(ctx);
      const token = newTenantToken(req.body.name);
      const { tenant, operation } = await ctx.store.createTenant({
        name: req.body.name,
        spec,
        tokenHash: hashToken(token),
        demand: ctx.demandOf(spec),
        requestedBy: principalId(principalOf(req)),
        check: (rows) => checkBoth(ctx, parsed, spec, rows),
      });
      accepted202(ctx, reply, operation);
      return { tenant: await tenantView(ctx, tenant), operation, token };
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
    async () => ({ items: await ctx.store.listTenants() }),
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
      const t = await mustTenant(ctx, req, req.params.name);
      let secrets: Record<string, unknown> | undefined;
      if (req.query.showSecrets && t.secretOutputKeys.length) {
        if (!ctx.driver)
          throw new ApiError(
            503,
            "engine_unavailable",
            ctx.engineUnavailable ?? "the engine is not available to read secret outputs",
          );
        const out = await ctx.driver.outputs(stackName(t.name));
        secrets = Object.fromEntries(
          Object.entries(out)
            .filter(([, v]) => v.secret)
            .map(([k, v]) => [k, v.value]),
        );
      }
      return tenantView(ctx, t, secrets);
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
      const parsed = checkSpec(ctx, withName(req.body.spec, req.params.name));
      requireEngine(ctx);
      // Addresses are pinned inside the store's transaction, against the versions the stack may still hold.
      let spec = parsed;
      const { tenant, operation } = await ctx.store.replaceSpec({
        name: req.params.name,
        spec: parsed,
        settle: (history) => (spec = pinSpec(ctx, parsed, history)),
        demand: ctx.demandOf(parsed),
        requestedBy: principalId(principalOf(req)),
        check: (rows) => checkBoth(ctx, parsed, spec, rows),
      });
      accepted202(ctx, reply, operation);
      return { tenant: await tenantView(ctx, tenant), operation };
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
      requireEngine(ctx);
      const { tenant, operation, cancelled } = await ctx.store.requestDelete({
        name: req.params.name,
        requestedBy: principalId(principalOf(req)),
      });
      accepted202(ctx, reply, operation);
      return { tenant: await tenantView(ctx, tenant), operation, cancelledOperations: cancelled };
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
      const parsed =
        req.body?.spec === undefined ? undefined : checkSpec(ctx, withName(req.body.spec, req.params.name));
      const proposed =
        parsed === undefined ? undefined : pinSpec(ctx, parsed, await ctx.store.specHistory(req.params.name));
      requireEngine(ctx);
      if (proposed !== undefined) {
        // 409 when the pools cannot hold it; 400 when the program would refuse it with these allocations.
        checkBoth(
          ctx,
          parsed,
          proposed,
          await ctx.store.tentativeAllocations(req.params.name, ctx.demandOf(proposed)),
        );
      }
      const operation = await ctx.store.enqueue(req.params.name, {
        kind: "preview",
        requestedBy: principalId(principalOf(req)),
        proposedSpec: proposed,
      });
      accepted202(ctx, reply, operation);
      return { operation };
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
      requireEngine(ctx);
      const operation = await ctx.store.enqueue(req.params.name, {
        kind: "refresh",
        requestedBy: principalId(principalOf(req)),
      });
      accepted202(ctx, reply, operation);
      return { operation };
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
      const t = await mustTenant(ctx, req, req.params.name);
      const token = newTenantToken(req.params.name);
      await ctx.store.setTenantTokenHash(t.name, t.id, hashToken(token));
      return { token };
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
      const t = await mustTenant(ctx, req, req.params.name);
      // The current incarnation's only (the admin sees earlier ones with GET /v1/operations?tenant=<name>).
      return {
        items: await ctx.store.listOperations({
          tenant: t.name,
          tenantId: t.id,
          limit: req.query.limit,
          before: req.query.before,
        }),
      };
    },
  );
}
