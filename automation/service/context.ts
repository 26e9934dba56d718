/**
 * What the HTTP API's routes share: the service's dependencies, the context the routes get, and the checks they
 * run on specs and principals. app.ts builds the context and registers the routes; the routes import this module,
 * never app.ts (one-way: app -> routes -> context).
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type pino from "pino";
import { Allocation, AllocationDemand, TenantAllocations, allocationsObject } from "../allocator/demand";
import { Store, Tenant } from "../store/types";
import { OperationBus } from "../worker/bus";
import { EngineDriver } from "../worker/engineDriver";
import type { DriftScheduler } from "../worker/driftScheduler";
import { Worker } from "../worker/worker";
import { Principal, mayAccess } from "./auth";
import { ApiError, Issue, fieldPath } from "./errors";
import { Metrics } from "./metrics";

/** Result of validating a tenant spec: the parsed spec, or issues with paths inside the spec. */
export type SpecValidation =
  { ok: true; spec: unknown } | { ok: false; issues: { path: readonly PropertyKey[]; message: string }[] };
export type SpecValidator = (spec: unknown) => SpecValidation;
/**
 * Settles a parsed spec against the specs its stack may still hold (`history`, newest first): for the tenant spec,
 * pins every VM's and peer's address so that it never moves (model/tenant/addressPins.ts). Returns the spec to
 * store, or issues with paths inside the spec.
 */
export type SpecPinner = (spec: unknown, history: readonly unknown[]) => SpecValidation;
/**
 * Validates a parsed spec together with the allocations the stack will get, as the tenant program does
 * (`tenantConfigSchema`: issue paths start with `tenant` or `allocations`).
 */
export type ConfigValidator = (spec: unknown, allocations: TenantAllocations) => SpecValidation;

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
  /** The spec with its allocations (what the program checks). Default: none (the spec check only). */
  validateConfig?: ConfigValidator;
  /** Pins the addresses of a parsed spec against its history. Default: none (the spec is stored as parsed). */
  pinSpec?: SpecPinner;
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
  /** The drift scheduler (next check times of checks asked for by hand); undefined: scheduled checks are off. */
  drift?: DriftScheduler;
}

export interface Context extends Required<
  Pick<ServiceDeps, "store" | "worker" | "bus" | "validateSpec" | "demandOf" | "metrics">
> {
  driver: EngineDriver | undefined;
  engineUnavailable?: string;
  validateConfig?: ConfigValidator;
  pinSpec?: SpecPinner;
  drift?: DriftScheduler;
}

/** Throws 503 when operations cannot start. */
export function requireEngine(ctx: Context): void {
  if (ctx.engineUnavailable !== undefined)
    throw new ApiError(503, "engine_unavailable", ctx.engineUnavailable);
}

/** Validates a spec; throws a 400 naming `body.spec.<path>`. */
export function checkSpec(ctx: Context, spec: unknown, prefix = "body.spec"): unknown {
  return settled(ctx.validateSpec(spec), prefix);
}

/**
 * Pins a parsed spec's addresses against `history` (the specs its stack may still hold, newest first; [] for a new
 * tenant); throws a 400 naming `body.spec.<path>` (an address another entry still holds, a full range).
 */
export function pinSpec(
  ctx: Context,
  spec: unknown,
  history: readonly unknown[],
  prefix = "body.spec",
): unknown {
  return ctx.pinSpec ? settled(ctx.pinSpec(spec, history), prefix) : spec;
}

function settled(r: SpecValidation, prefix: string): unknown {
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

/**
 * Checks a parsed spec with the allocations its stack would get (only the keys the spec's demand names), the way
 * the tenant program checks its config; throws a 400 naming `body.spec.<path>` (or `allocations.<path>`).
 * Used inside the store's transaction, so that a refused spec leaves nothing behind.
 */
export function checkConfig(ctx: Context, spec: unknown, rows: readonly Allocation[]): void {
  if (!ctx.validateConfig) return;
  const demand = ctx.demandOf(spec);
  const needed = rows.filter((a) => demand[a.pool] === undefined || demand[a.pool]!.includes(a.key));
  const r = ctx.validateConfig(spec, allocationsObject(needed));
  if (r.ok) return;
  const issues: Issue[] = r.issues.map((i) => {
    const [head, ...rest] = i.path;
    return head === "tenant"
      ? { field: fieldPath("body.spec", rest), message: i.message }
      : { field: fieldPath("allocations", head === "allocations" ? rest : i.path), message: i.message };
  });
  throw ApiError.invalid(issues.length ? issues : [{ field: "body.spec", message: "is invalid" }]);
}

/** The principal of a request that passed the auth hook. */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new ApiError(401, "unauthorized", "a bearer token is required");
  return req.principal;
}

/**
 * The tenant named in the path; 404 when there is none. A tenant token must be of its current incarnation (the auth
 * hook checked the name; this closes the gap where the tenant was deleted and created again since): 403 otherwise.
 */
export async function mustTenant(ctx: Context, req: FastifyRequest, name: string): Promise<Tenant> {
  const t = await ctx.store.getTenant(name);
  if (!t)
    throw new ApiError(404, "not_found", `tenant ${JSON.stringify(name)} not found`, [
      { field: "params.name", message: "names no tenant" },
    ]);
  if (!mayAccess(principalOf(req), t)) {
    ctx.metrics.authFailures.inc({ reason: "forbidden" });
    throw new ApiError(403, "forbidden", "this token grants access to its own tenant only", [
      { field: "headers.authorization", message: "is the token of an earlier tenant of this name" },
    ]);
  }
  return t;
}

/** An operation was queued: wakes the worker and answers 202 with the operation's location. */
export function accepted202(ctx: Context, reply: FastifyReply, operation: { id: string }): void {
  ctx.worker.kick();
  reply.code(202).header("location", `/v1/operations/${operation.id}`);
}
