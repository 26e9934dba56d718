/**
 * /v1/tenants/:name/drift: the last drift check (resources and property names that differ, never values), the
 * tenant's policy (`detect` or `reconcile`), a check or a reconcile asked for now. Admin or the tenant's own token.
 */
import { FastifyInstance } from "fastify";
import { DRIFT_POLICIES, DriftPolicy } from "../../../model/drift";
import { Tenant } from "../../store/types";
import { DEFAULT_DRIFT_INTERVAL_MS, DRIFT_REQUESTER } from "../../worker/drift";
import { principalId } from "../auth";
import { Context, accepted202, mustTenant, principalOf, requireEngine } from "../context";
import { ApiError } from "../errors";
import { authErrors, bodyErrors, noQuery, tenantNameParam } from "../schemas";

const driftView = {
  type: "object",
  properties: {
    tenant: { type: "string" },
    status: { type: "string" },
    policy: { type: "string", enum: [...DRIFT_POLICIES] },
    check: { oneOf: [{ type: "null" }, { $ref: "DriftCheck#" }] },
    nextCheckAt: { type: ["string", "null"] },
    intervalSeconds: { type: ["number", "null"], description: "null: scheduled checks are off" },
    lastReconcile: {
      type: ["object", "null"],
      properties: { operationId: { type: "string" }, at: { type: "string" }, reason: { type: "string" } },
    },
  },
} as const;

const accepted = { type: "object", properties: { operation: { $ref: "Operation#" } } } as const;

function view(ctx: Context, t: Tenant) {
  return {
    tenant: t.name,
    status: t.status,
    policy: t.driftPolicy,
    check: t.drift,
    nextCheckAt: t.driftNextCheckAt,
    intervalSeconds: ctx.drift ? ctx.drift.intervalMs / 1000 : null,
    lastReconcile: t.lastReconcile,
  };
}

const SKIPPED: Record<string, string> = {
  busy: "the tenant has an operation queued or running; it is checked after it",
  "not-ready": "only a ready (or drifted) tenant is checked",
  "not-applied": "the tenant's newest spec is not applied yet",
  deleted: "the tenant was deleted",
};

export function registerDriftRoutes(app: FastifyInstance, ctx: Context): void {
  app.get<{ Params: { name: string } }>(
    "/v1/tenants/:name/drift",
    {
      config: { access: "tenant" },
      schema: {
        tags: ["drift"],
        operationId: "getTenantDrift",
        summary: "The last drift check: resources and property names whose live state differs (never values)",
        params: tenantNameParam,
        querystring: noQuery,
        response: { 200: driftView, ...authErrors(404) },
      },
    },
    async (req) => view(ctx, await mustTenant(ctx, req, req.params.name)),
  );

  app.put<{ Params: { name: string }; Body: { policy: DriftPolicy } }>(
    "/v1/tenants/:name/drift/policy",
    {
      config: { access: "tenant" },
      schema: {
        tags: ["drift"],
        operationId: "setTenantDriftPolicy",
        summary:
          "detect (record drift) or reconcile (also put it back with an up --refresh, at most once per interval)",
        params: tenantNameParam,
        querystring: noQuery,
        body: {
          type: "object",
          required: ["policy"],
          additionalProperties: false,
          properties: { policy: { type: "string", enum: [...DRIFT_POLICIES] } },
        },
        response: { 200: driftView, ...bodyErrors(404) },
      },
    },
    async (req) => {
      await mustTenant(ctx, req, req.params.name);
      return view(ctx, await ctx.store.setDriftPolicy(req.params.name, req.body.policy));
    },
  );

  app.post<{ Params: { name: string } }>(
    "/v1/tenants/:name/drift/check",
    {
      config: { access: "tenant" },
      schema: {
        tags: ["drift"],
        operationId: "checkTenantDrift",
        summary:
          "Queue a drift check now (behind every other operation); 409 while the tenant has work queued",
        params: tenantNameParam,
        querystring: noQuery,
        response: { 202: accepted, ...bodyErrors(404, 409, 503) },
      },
    },
    async (req, reply) => {
      await mustTenant(ctx, req, req.params.name);
      requireEngine(ctx);
      const next = ctx.drift?.nextCheckAt() ?? null;
      const r = await ctx.store.enqueueDriftCheck(req.params.name, {
        requestedBy: `${principalId(principalOf(req))} (${DRIFT_REQUESTER})`,
        nextCheckAt: next ?? new Date(Date.now() + DEFAULT_DRIFT_INTERVAL_MS).toISOString(),
      });
      if ("skipped" in r)
        throw new ApiError(409, "conflict", `no drift check queued: ${SKIPPED[r.skipped]}`, [
          { field: "params.name", message: SKIPPED[r.skipped] },
        ]);
      accepted202(ctx, reply, r.operation);
      return { operation: r.operation };
    },
  );

  app.post<{ Params: { name: string } }>(
    "/v1/tenants/:name/reconcile",
    {
      config: { access: "tenant" },
      schema: {
        tags: ["drift"],
        operationId: "reconcileTenant",
        summary: "Put the live systems back to the applied spec now (an up --refresh), whatever the policy",
        params: tenantNameParam,
        querystring: noQuery,
        response: { 202: accepted, ...bodyErrors(404, 409, 503) },
      },
    },
    async (req, reply) => {
      const t = await mustTenant(ctx, req, req.params.name);
      requireEngine(ctx);
      if (t.appliedVersion === null)
        throw new ApiError(409, "conflict", "the tenant was never applied: nothing to reconcile", [
          { field: "params.name", message: "names a tenant whose spec was never applied" },
        ]);
      const who = principalId(principalOf(req));
      const operation = await ctx.store.enqueue(req.params.name, {
        kind: "up",
        requestedBy: who,
        refresh: true,
        reason: `reconcile requested by ${who}`,
      });
      accepted202(ctx, reply, operation);
      return { operation };
    },
  );
}
