/**
 * A small client of the automation API (Node's fetch): JSON calls with the bearer token, errors that carry the
 * service's message and field, and a Server-Sent Events reader to follow an operation.
 */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly body: { code?: string; message?: string; field?: string } | undefined,
  ) {
    super(`${status}${body?.code ? ` ${body.code}` : ""}: ${body?.message ?? "request failed"}`);
    this.name = "ApiRequestError";
  }
}

export interface StreamEvent {
  id?: number;
  event: string;
  data: any;
}

export class ApiClient {
  readonly baseUrl: string;
  constructor(
    baseUrl: string,
    private readonly token: string | undefined,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...extra };
  }

  async request<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers: this.headers(body !== undefined ? { "content-type": "application/json" } : {}),
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
    } catch (e) {
      throw new Error(
        `cannot reach the service at ${this.baseUrl}: ${(e as Error).cause ?? (e as Error).message}`,
      );
    }
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) throw new ApiRequestError(res.status, json);
    return json as T;
  }

  /** Follows an operation's SSE stream; calls `onEvent` for each event; resolves with the final operation. */
  async follow(opId: string, onEvent: (e: StreamEvent) => void, signal?: AbortSignal): Promise<any> {
    let last = 0;
    for (let attempt = 0; attempt < 20; attempt++) {
      const res = await fetch(`${this.baseUrl}/v1/operations/${opId}/events/stream`, {
        headers: this.headers(
          last
            ? { "last-event-id": String(last), accept: "text/event-stream" }
            : { accept: "text/event-stream" },
        ),
        signal,
      });
      if (!res.ok || !res.body) {
        const text = await res.text();
        let json: any;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        throw new ApiRequestError(res.status, json);
      }
      const decoder = new TextDecoder();
      let buf = "";
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let i: number;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = parseSseBlock(block);
          if (!ev) continue;
          if (ev.event === "end") return ev.data;
          if (ev.id) last = ev.id;
          onEvent(ev);
        }
      }
      // The connection dropped before `end`: resume after the last event seen.
      await new Promise((r) => setTimeout(r, 500));
    }
    return this.request("GET", `/v1/operations/${opId}`);
  }
}

/** Parses one SSE block (lines up to a blank line); undefined for comments and `retry:`-only blocks. */
export function parseSseBlock(block: string): StreamEvent | undefined {
  let event = "message";
  let id: number | undefined;
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":") || line === "") continue;
    const c = line.indexOf(":");
    const field = c < 0 ? line : line.slice(0, c);
    const value = c < 0 ? "" : line.slice(c + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "id") id = Number(value);
    else if (field === "data") data.push(value);
  }
  if (!data.length) return undefined;
  const raw = data.join("\n");
  let parsed: unknown = raw;
  try {
    parsed = JSON.parse(raw);
  } catch {
    /* plain text data */
  }
  return { id, event, data: parsed };
}
