/**
 * Health (liveness), readiness (store open, worker started, engine installed) and Prometheus metrics (admin).
 */
import { FastifyInstance } from "fastify";
import { Context } from "../context";
import { authErrors, errorResponses, noQuery } from "../schemas";

export function registerSystemRoutes(app: FastifyInstance, ctx: Context): void {
  app.get(
    "/v1/health",
    {
      config: { access: "public" },
      schema: {
        tags: ["system"],
        operationId: "getHealth",
        summary: "Liveness",
        security: [],
        querystring: noQuery,
        response: {
          200: { type: "object", properties: { status: { type: "string" } } },
          ...errorResponses(),
        },
      },
    },
    async () => ({ status: "ok" }),
  );

  app.get(
    "/v1/ready",
    {
      config: { access: "public" },
      schema: {
        tags: ["system"],
        operationId: "getReadiness",
        summary:
          "Readiness: 200 when the store answers, the worker runs and the engine is installed; 503 with the reasons otherwise",
        security: [],
        querystring: noQuery,
        response: {
          ...errorResponses(),
          200: {
            type: "object",
            properties: {
              ready: { type: "boolean" },
              checks: { type: "object", additionalProperties: true },
            },
          },
          503: {
            type: "object",
            properties: {
              ready: { type: "boolean" },
              checks: { type: "object", additionalProperties: true },
            },
          },
        },
      },
    },
    async (_req, reply) => {
      const checks: Record<string, string> = {};
      try {
        await ctx.store.counts();
        checks.store = "ok";
      } catch (e) {
        checks.store = `failed: ${(e as Error).message}`;
      }
      checks.worker = ctx.worker.isStarted ? "ok" : "not started";
      checks.engine = ctx.engineUnavailable ?? "ok";
      const ready = Object.values(checks).every((v) => v === "ok");
      reply.code(ready ? 200 : 503);
      return { ready, checks };
    },
  );

  app.get(
    "/v1/metrics",
    {
      config: { access: "admin" },
      schema: {
        tags: ["system"],
        operationId: "getMetrics",
        summary: "Prometheus metrics (text format 0.0.4)",
        produces: ["text/plain"],
        querystring: noQuery,
        response: {
          200: { description: "Prometheus text exposition format 0.0.4", type: "string" },
          ...authErrors(),
        },
      },
    },
    async (_req, reply) => {
      reply.type("text/plain; version=0.0.4; charset=utf-8");
      return ctx.metrics.render(ctx.store, {
        running: ctx.worker.runningCount,
        concurrency: ctx.worker.concurrency,
      });
    },
  );
}
