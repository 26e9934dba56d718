/**
 * /v1/operations: list (admin), show, cancel, events as JSON pages and as a Server-Sent Events stream
 * (admin or the token of the operation's tenant).
 */
import { FastifyInstance, FastifyRequest } from "fastify";
import {
  OPERATION_STATUSES,
  Operation,
  OperationEvent,
  OperationStatus,
  TERMINAL_STATUSES,
} from "../../store/types";
import { mayAccess } from "../auth";
import { Context, principalOf } from "../context";
import { ApiError } from "../errors";
import {
  MAX_SEQ,
  TENANT_NAME_PATTERN,
  authErrors,
  bodyErrors,
  noQuery,
  operationIdParam,
  pageQuery,
} from "../schemas";

async function visibleOperation(
  ctx: Context,
  req: FastifyRequest<{ Params: { id: string } }>,
): Promise<Operation> {
  const op = await ctx.store.getOperation(req.params.id);
  if (!op)
    throw new ApiError(404, "not_found", `operation ${req.params.id} not found`, [
      { field: "params.id", message: "names no operation" },
    ]);
  // By incarnation: a tenant created again under a deleted tenant's name does not see the old operations.
  if (!mayAccess(principalOf(req), { name: op.tenant, id: op.tenantId })) {
    ctx.metrics.authFailures.inc({ reason: "forbidden" });
    throw new ApiError(403, "forbidden", "this token grants access to its own tenant's operations only", [
      { field: "params.id", message: "is an operation of another tenant" },
    ]);
  }
  return op;
}

const eventsQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    after: {
      type: "integer",
      minimum: 0,
      maximum: MAX_SEQ,
      default: 0,
      description: `Return events with seq greater than this: decimal digits, 0-${MAX_SEQ}`,
    },
    limit: {
      type: "integer",
      minimum: 1,
      maximum: 1000,
      default: 100,
      description: "Page size: decimal digits, 1-1000",
    },
  },
} as const;

/** Formats one SSE message. `data` is a single JSON line, so no newline can break the framing. */
/** How often an event stream reads the database when another replica may be writing its events, ms. */
export const SHARED_POLL_MS = 500;

export function sseMessage(ev: OperationEvent): string {
  return `id: ${ev.seq}\nevent: ${ev.type}\ndata: ${JSON.stringify(ev)}\n\n`;
}

export function registerOperationRoutes(app: FastifyInstance, ctx: Context): void {
  app.get<{ Querystring: { limit: number; before?: string; status?: OperationStatus; tenant?: string } }>(
    "/v1/operations",
    {
      config: { access: "admin" },
      schema: {
        tags: ["operations"],
        operationId: "listOperations",
        summary: "All operations, newest first",
        querystring: {
          ...pageQuery,
          properties: {
            ...pageQuery.properties,
            status: {
              type: "string",
              enum: [...OPERATION_STATUSES],
              description: "Only operations in this status",
            },
            tenant: {
              type: "string",
              pattern: TENANT_NAME_PATTERN,
              maxLength: 20,
              description: "Only operations of tenants of this name (every incarnation)",
            },
          },
        },
        response: {
          200: { type: "object", properties: { items: { type: "array", items: { $ref: "Operation#" } } } },
          ...authErrors(),
        },
      },
    },
    async (req) => ({ items: await ctx.store.listOperations(req.query) }),
  );

  app.get<{ Params: { id: string } }>(
    "/v1/operations/:id",
    {
      config: { access: "tenant" },
      schema: {
        tags: ["operations"],
        operationId: "getOperation",
        summary: "One operation",
        params: operationIdParam,
        querystring: noQuery,
        response: { 200: { $ref: "Operation#" }, ...authErrors(404) },
      },
    },
    async (req) => visibleOperation(ctx, req),
  );

  app.post<{ Params: { id: string } }>(
    "/v1/operations/:id/cancel",
    {
      config: { access: "tenant" },
      schema: {
        tags: ["operations"],
        operationId: "cancelOperation",
        summary:
          "Cancel: a queued operation at once, a running one by cancelling the engine (202); 409 when already finished",
        params: operationIdParam,
        querystring: noQuery,
        response: { 202: { $ref: "Operation#" }, ...bodyErrors(404, 409) },
      },
    },
    async (req, reply) => {
      await visibleOperation(ctx, req);
      const op = await ctx.worker.cancel(req.params.id);
      reply.code(202);
      return op;
    },
  );

  app.get<{ Params: { id: string }; Querystring: { after: number; limit: number } }>(
    "/v1/operations/:id/events",
    {
      config: { access: "tenant" },
      schema: {
        tags: ["operations"],
        operationId: "listOperationEvents",
        summary:
          "The operation's events as JSON pages (`next` is the `after` of the next page, null at the end of a finished operation)",
        params: operationIdParam,
        querystring: eventsQuery,
        response: {
          200: {
            type: "object",
            properties: {
              items: { type: "array", items: { $ref: "Event#" } },
              next: { type: ["integer", "null"] },
              status: { type: "string" },
            },
          },
          ...authErrors(404),
        },
      },
    },
    async (req) => {
      const op = await visibleOperation(ctx, req);
      const items = await ctx.store.listEvents(op.id, req.query.after, req.query.limit);
      const last = items.length ? items[items.length - 1].seq : req.query.after;
      const done = TERMINAL_STATUSES.includes(op.status) && items.length < req.query.limit;
      return { items, next: done ? null : last, status: op.status };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { after: number } }>(
    "/v1/operations/:id/events/stream",
    {
      config: { access: "tenant" },
      schema: {
        tags: ["operations"],
        operationId: "streamOperationEvents",
        summary:
          "Server-Sent Events: every stored event (id = seq; resumes after Last-Event-ID), then `end` with the final operation",
        params: operationIdParam,
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { after: eventsQuery.properties.after },
        },
        produces: ["text/event-stream"],
        response: { 200: { description: "text/event-stream", type: "string" }, ...authErrors(404) },
      },
    },
    async (req, reply) => {
      const op = await visibleOperation(ctx, req);
      // Last-Event-ID (sent by a reconnecting EventSource): a seq this stream gave, decimal digits like `after`.
      const lastHeader = req.headers["last-event-id"] as string | undefined;
      if (lastHeader !== undefined && (!/^[0-9]{1,16}$/.test(lastHeader) || Number(lastHeader) > MAX_SEQ))
        throw ApiError.invalid([
          { field: "headers.last-event-id", message: `must be a decimal integer from 0 to ${MAX_SEQ}` },
        ]);
      let last = lastHeader !== undefined && Number(lastHeader) > 0 ? Number(lastHeader) : req.query.after;
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      raw.write(`retry: 2000\n\n`);
      let closed = false;
      let pumping = false;
      let again = false;
      let finished = TERMINAL_STATUSES.includes(op.status);
      const heartbeat = setInterval(() => raw.write(`: keepalive\n\n`), 15000);
      heartbeat.unref();
      // With a shared store another replica may be running the operation: its events reach this stream from the
      // database, read every SHARED_POLL_MS (the bus only knows this replica's operations).
      const poll = ctx.store.shared
        ? setInterval(() => {
            if (pumping) return;
            void ctx.store.getOperation(op.id).then(
              (o) => {
                if (o && TERMINAL_STATUSES.includes(o.status)) finished = true;
                return pump();
              },
              () => undefined,
            );
          }, SHARED_POLL_MS)
        : undefined;
      poll?.unref();
      const close = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        if (poll) clearInterval(poll);
        unwatch();
        raw.end();
      };
      const pump = async (): Promise<void> => {
        if (pumping) {
          again = true;
          return;
        }
        pumping = true;
        try {
          do {
            again = false;
            for (;;) {
              const evs = await ctx.store.listEvents(op.id, last, 500);
              for (const ev of evs) {
                if (closed) return;
                raw.write(sseMessage(ev));
                last = ev.seq;
              }
              if (evs.length < 500) break;
            }
          } while (again && !closed);
          if (finished && !closed) {
            const fin = await ctx.store.getOperation(op.id);
            raw.write(`event: end\ndata: ${JSON.stringify(fin)}\n\n`);
            close();
          }
        } catch (e) {
          req.log.warn({ err: e }, "sse stream failed");
          close();
        } finally {
          pumping = false;
        }
      };
      const unwatch = ctx.bus.watch(
        op.id,
        () => void pump(),
        (o) => {
          if (TERMINAL_STATUSES.includes(o.status)) finished = true;
          void pump();
        },
      );
      raw.on("close", close);
      // The client may have gone while the operation was read: its "close" has fired already.
      if (raw.destroyed || req.raw.socket?.destroyed) return close();
      // The operation may have finished between the read above and the subscription: look again.
      const now = await ctx.store.getOperation(op.id);
      if (now && TERMINAL_STATUSES.includes(now.status)) finished = true;
      await pump();
    },
  );
}
