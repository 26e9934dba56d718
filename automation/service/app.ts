/**
 * The HTTP API (Fastify 5): authentication before anything else is read, closed request schemas, one error body
 * for every failure, an OpenAPI 3.1 document at /v1/openapi.json and a docs page at /docs.
 */
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { Socket } from "node:net";
import Fastify, { FastifyBaseLogger, FastifyInstance, FastifyReply } from "fastify";
import { demandOfSpec } from "../allocator/demand";
import { authenticate } from "./auth";
import { Context, ServiceDeps } from "./context";
import { ApiError, toApiError } from "./errors";
import {
  clientErrorHandler,
  credentials,
  frameworkErrors,
  jsonBodyParser,
  readQuery,
  refuseUnexpectedBody,
  safeUrl,
} from "./guards";
import { Metrics } from "./metrics";
import { registerDriftRoutes } from "./routes/drift";
import { registerOperationRoutes } from "./routes/operations";
import { registerSystemRoutes } from "./routes/system";
import { registerTenantRoutes } from "./routes/tenants";
import {
  driftSchema,
  errorSchema,
  eventSchema,
  noQuery,
  operationSchema,
  specSchema,
  tenantSchema,
} from "./schemas";

export type { Access, ConfigValidator, Context, ServiceDeps, SpecValidation, SpecValidator } from "./context";

/**
 * A route schema for the OpenAPI document: the opaque `spec` object of a body (validated by the tenant spec schema
 * in the handler) replaced with a reference to components.schemas.TenantSpec.
 */
function documentSpec<T>(schema: T): T {
  const body = (schema as { body?: { properties?: Record<string, unknown> } } | undefined)?.body;
  if (!body?.properties || body.properties.spec !== specSchema) return schema;
  return {
    ...schema,
    body: { ...body, properties: { ...body.properties, spec: { $ref: "#/components/schemas/TenantSpec" } } },
  };
}

/** For callers that imported it from here. */
export { tokenInQuery } from "./guards";

export async function buildApp(deps: ServiceDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger as unknown as FastifyBaseLogger } : { logger: false }),
    bodyLimit: deps.bodyLimit ?? 256 * 1024,
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: true },
    // No coercion: `{"name": true}` is not the name "true". Query parameters are read from their text by
    // readQuery (guards.ts) before validation. `verbose` gives the schema of an unknown field's object (did you mean).
    ajv: {
      customOptions: {
        removeAdditional: false,
        allErrors: true,
        coerceTypes: false,
        useDefaults: true,
        verbose: true,
      },
    },
    forceCloseConnections: true,
    frameworkErrors,
    // What Node's HTTP parser refuses (431, malformed requests) gets the API's error body too.
    clientErrorHandler(this: FastifyInstance, err: Error & { code?: string }, socket: Socket) {
      clientErrorHandler(this.log)(err, socket);
    },
  });
  const metrics = deps.metrics ?? new Metrics();
  const ctx: Context = {
    store: deps.store,
    worker: deps.worker,
    bus: deps.bus,
    driver: deps.driver,
    engineUnavailable: deps.engineUnavailable,
    validateSpec: deps.validateSpec,
    validateConfig: deps.validateConfig,
    pinSpec: deps.pinSpec,
    demandOf: deps.demandOf ?? demandOfSpec,
    metrics,
    drift: deps.drift,
  };

  // JSON in UTF-8 only: anything else is 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    "application/json",
    { parseAs: "buffer" },
    jsonBodyParser(app.getDefaultJsonParser("error", "error")),
  );
  for (const s of [errorSchema, operationSchema, tenantSchema, eventSchema, driftSchema]) app.addSchema(s);

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Basphere automation API",
        version: deps.version ?? "0.1.0",
        description:
          "One Pulumi stack per tenant. Admin token: everything except tenant secrets. Tenant token: its own tenant only; " +
          "secret outputs with ?showSecrets=true. Every error, whatever its status, has the body `Error`: " +
          "`{statusCode, code, message, field?, issues?}`, `field` naming the input (body.spec.vms[0].name, " +
          "params.name, querystring.limit, headers.authorization, path, pool.vlan). Inputs are strict: unknown " +
          "fields are refused, nothing is coerced, every list and string has a documented limit (maxItems, maxLength).",
        license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
      },
      servers: [{ url: "/", description: "This service (the API's paths start with /v1)" }],
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
        { name: "drift", description: "Drift checks, drift policy, reconcile" },
        { name: "system", description: "Health, readiness, metrics" },
      ],
    },
    // The spec is validated by the tenant spec schema (zod) in the handler; the document shows that schema.
    transform: ({ schema, url }) => ({ schema: deps.specJsonSchema ? documentSpec(schema) : schema, url }),
    refResolver: {
      buildLocalReference: (json: any, _base: unknown, _frag: unknown, i: number) =>
        (json.$id as string) || `def-${i}`,
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  // Authentication runs before the body is read or validated: no token, no parsing.
  app.addHook("onRequest", async (req) => {
    const access = req.routeOptions.config?.access ?? "public";
    // Tokens travel in the Authorization header only (URLs end up in logs, proxies and browser histories), once.
    let token: string | undefined;
    try {
      token = credentials(req, access !== "public");
    } catch (e) {
      const code = (e as ApiError).code;
      metrics.authFailures.inc({ reason: code === "unauthorized" ? "unauthenticated" : code });
      throw e;
    }
    if (access === "public") return;
    const p = await authenticate(token, deps.adminTokenHash, (t) => deps.store.tenantCredential(t));
    if (!p) {
      metrics.authFailures.inc({ reason: "unauthenticated" });
      const message = token
        ? "the bearer token is not valid"
        : "a bearer token is required (Authorization: Bearer <token>)";
      throw new ApiError(401, "unauthorized", message, [{ field: "headers.authorization", message }]);
    }
    req.principal = p;
    if (access === "admin" && p.kind !== "admin") {
      metrics.authFailures.inc({ reason: "forbidden" });
      throw new ApiError(403, "forbidden", "this route needs the admin token", [
        { field: "headers.authorization", message: "is a tenant token; this route needs the admin token" },
      ]);
    }
    if (access === "tenant" && p.kind === "tenant") {
      // Routes with a tenant in the path are checked here; operation routes check the operation's tenant.
      const params = (req.params ?? {}) as Record<string, unknown>;
      if ("name" in params && params.name !== p.tenant) {
        metrics.authFailures.inc({ reason: "forbidden" });
        throw new ApiError(403, "forbidden", "this token grants access to its own tenant only", [
          { field: "params.name", message: "names another tenant than the token's" },
        ]);
      }
    }
  });

  // Query parameters from their text (decimal integers within bounds, true/false, once); no body where none is taken.
  app.addHook("preValidation", async (req) => {
    readQuery(req);
    refuseUnexpectedBody(req);
  });

  app.addHook("onResponse", async (req, reply) => {
    const route = req.routeOptions.url ?? "unmatched";
    metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ route }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler(async (err, req, reply: FastifyReply) => {
    const api = toApiError(err, req.params);
    if (api.statusCode >= 500 && api.code === "internal_error") req.log.error({ err }, "request failed");
    if (api.statusCode === 401) reply.header("www-authenticate", 'Bearer realm="basphere"');
    return reply.code(api.statusCode).type("application/json; charset=utf-8").send(api.body());
  });
  app.setNotFoundHandler(async (req, reply) => {
    const e = new ApiError(
      404,
      "not_found",
      `no route ${req.method.slice(0, 20)} ${safeUrl(req.url).slice(0, 200)}`,
      [{ field: "path", message: "matches no route" }],
    );
    return reply.code(404).type("application/json; charset=utf-8").send(e.body());
  });

  registerSystemRoutes(app, ctx);
  registerTenantRoutes(app, ctx);
  registerDriftRoutes(app, ctx);
  registerOperationRoutes(app, ctx);
  app.get(
    "/v1/openapi.json",
    { schema: { hide: true, querystring: noQuery }, config: { access: "public" } },
    async () => app.swagger(),
  );
  return app;
}
