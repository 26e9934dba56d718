/**
 * The HTTP API (Fastify 5): authentication before anything else is read, closed request schemas, one error body
 * for every failure, an OpenAPI 3.1 document at /v1/openapi.json and a docs page at /docs.
 */
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type pino from "pino";
import { AllocationDemand, demandOfSpec } from "../allocator/demand";
import { Store } from "../store/types";
import { OperationBus } from "../worker/bus";
import { EngineDriver } from "../worker/engineDriver";
import { Worker } from "../worker/worker";
import { Principal, authenticate, bearer } from "./auth";
import { ApiError, Issue, toApiError } from "./errors";
import { Metrics } from "./metrics";
import { registerOperationRoutes } from "./routes/operations";
import { registerSystemRoutes } from "./routes/system";
import { registerTenantRoutes } from "./routes/tenants";
import { errorSchema, eventSchema, operationSchema, tenantSchema } from "./schemas";

/** Result of validating a tenant spec: the parsed spec, or issues with paths inside the spec. */
export type SpecValidation =
  { ok: true; spec: unknown } | { ok: false; issues: { path: readonly PropertyKey[]; message: string }[] };
export type SpecValidator = (spec: unknown) => SpecValidation;

/** Who may call a route: anyone, the admin only, or the admin and the tenant named in the path (`:name`). */
export type Access = "public" | "admin" | "tenant";

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
}

export interface ServiceDeps {
  store: Store;
  worker: Worker;
  bus: OperationBus;
  /** The engine, for reading secret outputs on request (undefined: engine not installed). */
  driver: EngineDriver | undefined;
  /** Why operations cannot start (set when the engine is missing); operations answer 503 with it. */
  engineUnavailable?: string;
  /** SHA-256 hex of the admin token. */
  adminTokenHash: string;
  validateSpec: SpecValidator;
  /** Pool demand of a spec. Default {@link demandOfSpec}. */
  demandOf?: (spec: unknown) => AllocationDemand;
  /** JSON schema of the tenant spec for the OpenAPI document (components.schemas.TenantSpec). */
  specJsonSchema?: Record<string, unknown>;
  metrics?: Metrics;
  /** A pino logger, or false for none. Default none. */
  logger?: pino.Logger | false;
  /** Request body limit in bytes. Default 256 KiB. */
  bodyLimit?: number;
  version?: string;
}

export interface Context extends Required<
  Pick<ServiceDeps, "store" | "worker" | "bus" | "validateSpec" | "demandOf" | "metrics">
> {
  driver: EngineDriver | undefined;
  engineUnavailable?: string;
}

/** Throws 503 when operations cannot start. */
export function requireEngine(ctx: Context): void {
  if (ctx.engineUnavailable !== undefined)
    throw new ApiError(503, "engine_unavailable", ctx.engineUnavailable);
}

/** Validates a spec; throws a 400 naming `body.spec.<path>`. */
export function checkSpec(ctx: Context, spec: unknown, prefix = "body.spec"): unknown {
  const r = ctx.validateSpec(spec);
  if (r.ok) return r.spec;
  const issues: Issue[] = r.issues.map((i) => ({
    field: i.path.reduce<string>(
      (acc, p) => acc + (typeof p === "number" ? `[${p}]` : `.${String(p)}`),
      prefix,
    ),
    message: i.message,
  }));
  throw ApiError.invalid(issues.length ? issues : [{ field: prefix, message: "is invalid" }]);
}

/** The principal of a request that passed the auth hook. */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new ApiError(401, "unauthorized", "a bearer token is required");
  return req.principal;
}

export async function buildApp(deps: ServiceDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger as unknown as FastifyBaseLogger } : { logger: false }),
    bodyLimit: deps.bodyLimit ?? 256 * 1024,
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: true },
    ajv: {
      customOptions: { removeAdditional: false, allErrors: true, coerceTypes: "array", useDefaults: true },
    },
    forceCloseConnections: true,
  });
  const metrics = deps.metrics ?? new Metrics();
  const ctx: Context = {
    store: deps.store,
    worker: deps.worker,
    bus: deps.bus,
    driver: deps.driver,
    engineUnavailable: deps.engineUnavailable,
    validateSpec: deps.validateSpec,
    demandOf: deps.demandOf ?? demandOfSpec,
    metrics,
  };

  app.removeContentTypeParser("text/plain"); // JSON only: anything else is 415
  for (const s of [errorSchema, operationSchema, tenantSchema, eventSchema]) app.addSchema(s);

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Basphere automation API",
        version: deps.version ?? "0.1.0",
        description:
          "One Pulumi stack per tenant. Admin token: everything except tenant secrets. Tenant token: its own tenant only; " +
          "secret outputs with ?showSecrets=true.",
      },
      components: {
        securitySchemes: {
          bearer: {
            type: "http",
            scheme: "bearer",
            description: "bspa.<...> (admin) or bspt.<tenant>.<...> (tenant)",
          },
        },
        ...(deps.specJsonSchema ? { schemas: { TenantSpec: deps.specJsonSchema as any } } : {}),
      },
      security: [{ bearer: [] }],
      tags: [
        { name: "tenants", description: "Tenants and their stacks" },
        { name: "operations", description: "Queued and running engine operations, their events" },
        { name: "system", description: "Health, readiness, metrics" },
      ],
    },
    refResolver: {
      buildLocalReference: (json: any, _base: unknown, _frag: unknown, i: number) =>
        (json.$id as string) || `def-${i}`,
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  // Authentication runs before the body is read or validated: no token, no parsing.
  app.addHook("onRequest", async (req) => {
    const access = req.routeOptions.config?.access ?? "public";
    const token = bearer(req.headers.authorization);
    if (access === "public") return;
    const p = await authenticate(token, deps.adminTokenHash, (t) => deps.store.tenantTokenHash(t));
    if (!p) {
      metrics.authFailures.inc({ reason: "unauthenticated" });
      throw new ApiError(
        401,
        "unauthorized",
        token
          ? "the bearer token is not valid"
          : "a bearer token is required (Authorization: Bearer <token>)",
      );
    }
    req.principal = p;
    if (access === "admin" && p.kind !== "admin") {
      metrics.authFailures.inc({ reason: "forbidden" });
      throw new ApiError(403, "forbidden", "this route needs the admin token");
    }
    if (access === "tenant" && p.kind === "tenant") {
      // Routes with a tenant in the path are checked here; operation routes check the operation's tenant.
      const params = (req.params ?? {}) as Record<string, unknown>;
      if ("name" in params && params.name !== p.tenant) {
        metrics.authFailures.inc({ reason: "forbidden" });
        throw new ApiError(403, "forbidden", "this token grants access to its own tenant only");
      }
    }
  });

  app.addHook("onResponse", async (req, reply) => {
    const route = req.routeOptions.url ?? "unmatched";
    metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ route }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler(async (err, req, reply: FastifyReply) => {
    const api = toApiError(err);
    if (api.statusCode >= 500 && api.code === "internal_error") req.log.error({ err }, "request failed");
    if (api.statusCode === 401) reply.header("www-authenticate", 'Bearer realm="basphere"');
    return reply.code(api.statusCode).type("application/json").send(api.body());
  });
  app.setNotFoundHandler(async (req, reply) => {
    const e = new ApiError(404, "not_found", `no route ${req.method} ${req.url.split("?")[0].slice(0, 200)}`);
    return reply.code(404).send(e.body());
  });

  registerSystemRoutes(app, ctx);
  registerTenantRoutes(app, ctx);
  registerOperationRoutes(app, ctx);
  app.get("/v1/openapi.json", { schema: { hide: true }, config: { access: "public" } }, async () =>
    app.swagger(),
  );
  return app;
}
