/**
 * The tenant use cases of the service — create, show, list, replace the spec, preview, refresh, delete, rotate the
 * token, list operations — the one module of the service that talks to the store, the allocator's rules and the
 * queue for a tenant. The HTTP routes (routes/tenants.ts) only declare schemas, authenticate, and call one of these;
 * a request's path runs route → use case → store, and back.
 */
import { allocationsObject } from "../allocator/demand";
import { Operation, Tenant } from "../store/types";
import { stackName } from "../worker/engineDriver";
import { hashToken, newTenantToken } from "./auth";
import { Context, checkConfig, checkSpec, pinSpec, requireEngine } from "./context";
import { ApiError } from "./errors";

/** What a secret output shows as, except to its owner with `showSecrets`. */
export const SECRET_PLACEHOLDER = "[secret]";

/** A tenant as the API shows it: the row, its current spec, its allocations and its outputs (secrets masked). */
export type TenantView = Record<string, unknown>;

/** The spec names its tenant (`spec.name`): filled in from the tenant name when absent, 400 when different. */
export function withName(spec: Record<string, unknown>, name: string): Record<string, unknown> {
  if (spec.name === undefined) return { ...spec, name };
  if (spec.name !== name) {
    const message = `must equal the tenant name ${JSON.stringify(name)}`;
    throw new ApiError(400, "invalid_request", `body.spec.name: ${message}`, [
      { field: "body.spec.name", message },
    ]);
  }
  return spec;
}

export class TenantUseCases {
  constructor(private readonly ctx: Context) {}

  /**
   * The program's config check of the spec as the client sent it (so a 400 names the fields it wrote,
   * `cluster.…` rather than the `clusters[0].…` it is stored as), then of the spec as it will be stored.
   */
  private checkBoth(parsed: unknown, stored: unknown, rows: Parameters<typeof checkConfig>[2]): void {
    checkConfig(this.ctx, parsed, rows);
    if (stored !== parsed) checkConfig(this.ctx, stored, rows);
  }

  /** The API's view of `t`; `secrets` (the owner's, read from the stack) replace the placeholders. */
  async view(t: Tenant, secrets?: Record<string, unknown>): Promise<TenantView> {
    const outputs: Record<string, unknown> = { ...t.outputs };
    for (const k of t.secretOutputKeys)
      outputs[k] = secrets && k in secrets ? secrets[k] : SECRET_PLACEHOLDER;
    return {
      ...t,
      spec: await this.ctx.store.getSpec(t.name, t.specVersion),
      allocations: allocationsObject(await this.ctx.store.allocationsOf(t.name)),
      outputs,
    };
  }

  /** Validates the spec, allocates, queues `up`; the tenant's token is returned once (stored hashed). */
  async create(name: string, body: Record<string, unknown>, requestedBy: string) {
    const { ctx } = this;
    // A new tenant: nothing holds an address yet.
    const parsed = checkSpec(ctx, withName(body, name));
    const spec = pinSpec(ctx, parsed, []);
    requireEngine(ctx);
    const token = newTenantToken(name);
    const { tenant, operation } = await ctx.store.createTenant({
      name,
      spec,
      tokenHash: hashToken(token),
      demand: ctx.demandOf(spec),
      requestedBy,
      check: (rows) => this.checkBoth(parsed, spec, rows),
    });
    return { tenant: await this.view(tenant), operation, token };
  }

  list() {
    return this.ctx.store.listTenants();
  }

  /** The tenant's view; with `showSecrets` its secret outputs read from the stack (the caller checked it is the owner). */
  async show(t: Tenant, showSecrets: boolean): Promise<TenantView> {
    const { ctx } = this;
    let secrets: Record<string, unknown> | undefined;
    if (showSecrets && t.secretOutputKeys.length) {
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
    return this.view(t, secrets);
  }

  /** A new spec version; addresses pinned inside the store's transaction against the versions the stack may hold. */
  async replaceSpec(name: string, body: Record<string, unknown>, requestedBy: string) {
    const { ctx } = this;
    const parsed = checkSpec(ctx, withName(body, name));
    requireEngine(ctx);
    let spec = parsed;
    const { tenant, operation } = await ctx.store.replaceSpec({
      name,
      spec: parsed,
      settle: (history) => (spec = pinSpec(ctx, parsed, history)),
      demand: ctx.demandOf(parsed),
      requestedBy,
      check: (rows) => this.checkBoth(parsed, spec, rows),
    });
    return { tenant: await this.view(tenant), operation };
  }

  /** Queued operations cancelled, then destroy, stack removal and release of the allocations (queued). */
  async remove(name: string, requestedBy: string) {
    requireEngine(this.ctx);
    const { tenant, operation, cancelled } = await this.ctx.store.requestDelete({ name, requestedBy });
    return { tenant: await this.view(tenant), operation, cancelledOperations: cancelled };
  }

  /** A preview of the current spec, or of `body` (checked like a replace: 400 / 409 before anything is queued). */
  async preview(name: string, body: Record<string, unknown> | undefined, requestedBy: string) {
    const { ctx } = this;
    const parsed = body === undefined ? undefined : checkSpec(ctx, withName(body, name));
    const proposed =
      parsed === undefined ? undefined : pinSpec(ctx, parsed, await ctx.store.specHistory(name));
    requireEngine(ctx);
    if (proposed !== undefined)
      // 409 when the pools cannot hold it; 400 when the program would refuse it with these allocations.
      this.checkBoth(parsed, proposed, await ctx.store.tentativeAllocations(name, ctx.demandOf(proposed)));
    const operation = await ctx.store.enqueue(name, { kind: "preview", requestedBy, proposedSpec: proposed });
    return { operation };
  }

  async refresh(name: string, requestedBy: string): Promise<{ operation: Operation }> {
    requireEngine(this.ctx);
    return { operation: await this.ctx.store.enqueue(name, { kind: "refresh", requestedBy }) };
  }

  /** A new token for the tenant; the old one stops working at once. */
  async rotateToken(t: Tenant): Promise<{ token: string }> {
    const token = newTenantToken(t.name);
    await this.ctx.store.setTenantTokenHash(t.name, t.id, hashToken(token));
    return { token };
  }

  /** The current incarnation's operations (the admin sees earlier ones with GET /v1/operations?tenant=<name>). */
  async operations(t: Tenant, page: { limit: number; before?: string }) {
    return {
      items: await this.ctx.store.listOperations({
        tenant: t.name,
        tenantId: t.id,
        limit: page.limit,
        before: page.before,
      }),
    };
  }
}
