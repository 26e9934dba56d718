/**
 * A small REST client for the OPNsense MVC API (`/api/<module>/<controller>/<action>[/<param>...]`).
 * Basic auth with key/secret, pinned TLS (see tls.ts), JSON bodies (`{}` for body-less POSTs), validation
 * errors with field names, retries with exponential backoff on connection errors and 5xx only, per-request
 * timeouts and a health check. Secrets never reach error messages or the log hook.
 */
import * as http from "node:http";
import {
  OpnsenseConnectionError,
  OpnsenseError,
  OpnsenseHttpError,
  OpnsenseInputError,
  OpnsenseResultError,
  OpnsenseTlsError,
  OpnsenseValidationError,
  normaliseValidations,
  redact,
} from "./errors";
import { openTransport } from "./tls";
import { OpnsenseConnection, parseConnection } from "./types";

export interface ClientOptions {
  /** Retries after the first attempt for retryable failures. Default 4. */
  retries?: number;
  /** First backoff delay in ms, doubled per retry (plus jitter). Default 250. */
  backoffMs?: number;
  /** Receives one redacted line per attempt (`POST /api/... -> 200 (12 ms)`). Default: no logging. */
  log?: (line: string) => void;
  /** Further values to mask in messages (private keys, PSKs). */
  secrets?: string[];
}

export interface RequestOptions {
  /**
   * Safe to resend after the request may have reached the server (default true: every mutating call used is
   * an upsert, a delete, an apply or a settings set). When false, only failures before any byte was sent are
   * retried — not timeouts, resets or 5xx answers, after which the server may have done the work.
   */
  idempotent?: boolean;
  /** Values in this request to mask in messages. */
  secrets?: string[];
  /** Timeout of this request in ms. Default: the connection's `timeoutMs` (15000). */
  timeoutMs?: number;
}

/** Default timeout of apply/reconfigure calls (a full pf reload or a Kea restart can take a while). */
export const APPLY_TIMEOUT_MS = 60_000;

/** Search answer of `search_*` endpoints. */
export interface SearchResult<Row = Record<string, unknown>> {
  total: number;
  rowCount: number;
  current: number;
  rows: Row[];
}

const API_PATH = /^\/api\/[a-z0-9_]+\/[a-z0-9_]+\/[a-z0-9_]+(\/[^/]+)*$/;

/**
 * What a path parameter may hold: the characters a URI path segment carries as they are (RFC 3986 `pchar`
 * without percent-encoding). OPNsense routes the raw REQUEST_URI and hands the segments to the action without
 * decoding them (www/api.php, Mvc/Router.php parsePath), so an encoded character (`=` as `%3D`) would reach the
 * controller as the three characters `%3D`.
 */
const RAW_SEGMENT = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]+$/;

/**
 * Builds `/api/<module>/<controller>/<action>/<param>...`. Parameters are sent as they are (never URI-encoded, see
 * {@link RAW_SEGMENT}); one that would need encoding, or is empty (the router drops empty segments), is refused
 * with an {@link OpnsenseInputError} naming the endpoint and the parameter's position (not its value: a key id is
 * a secret).
 */
export function apiPath(base: string, action: string, ...params: string[]): string {
  const endpoint = `${base.replace(/\/$/, "")}/${action}`;
  params.forEach((x, i) => {
    if (typeof x === "string" && RAW_SEGMENT.test(x)) return;
    const bad = typeof x === "string" ? [...x].find((c) => !RAW_SEGMENT.test(c)) : undefined;
    throw new OpnsenseInputError(
      `${endpoint}: path parameter ${i + 1} ${
        typeof x !== "string" || x === ""
          ? "is empty"
          : `holds ${JSON.stringify(bad)}, which a path segment cannot carry unencoded`
      } (OPNsense does not decode path segments; allowed: letters, digits and - . _ ~ ! $ & ' ( ) * + , ; = : @)`,
      `${endpoint}#${i + 1}`,
    );
  });
  const p = [endpoint, ...params].join("/");
  if (!API_PATH.test(p)) throw new Error(`not a snake_case OPNsense API path: ${endpoint}`);
  return p;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface RawResponse {
  status: number;
  text: string;
}

class RetryableError extends Error {
  constructor(readonly inner: OpnsenseError) {
    super(inner.message);
  }
}

export class OpnsenseClient {
  readonly connection: OpnsenseConnection;
  private readonly base: URL;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly log?: (line: string) => void;
  private readonly secrets: string[];

  constructor(connection: OpnsenseConnection, options: ClientOptions = {}) {
    this.connection = parseConnection(connection);
    this.base = new URL(this.connection.url);
    this.retries = options.retries ?? 4;
    this.backoffMs = options.backoffMs ?? 250;
    this.log = options.log;
    this.secrets = [this.connection.apiKey, this.connection.apiSecret, ...(options.secrets ?? [])];
  }

  /** Masks every known secret in `text`. */
  redact(text: string, extra: string[] = []): string {
    return redact(text, [...this.secrets, ...extra]);
  }

  get<T = any>(path: string, opts?: RequestOptions): Promise<T> {
    return this.request<T>("GET", path, undefined, opts);
  }

  /** POST with a JSON body; `{}` when none (an empty body with a JSON content type is a 400 on OPNsense). */
  post<T = any>(path: string, body: unknown = {}, opts?: RequestOptions): Promise<T> {
    return this.request<T>("POST", path, body ?? {}, opts);
  }

  async request<T = any>(
    method: "GET" | "POST",
    path: string,
    body?: unknown,
    opts: RequestOptions = {},
  ): Promise<T> {
    if (!API_PATH.test(path))
      throw new Error(`not a snake_case OPNsense API path: ${this.redact(path, opts.secrets)}`);
    const idempotent = opts.idempotent ?? true;
    let attempt = 0;
    for (;;) {
      attempt++;
      try {
        return await this.once<T>(method, path, body, opts, idempotent, attempt);
      } catch (e) {
        if (!(e instanceof RetryableError)) throw e;
        if (attempt > this.retries) {
          const inner = e.inner;
          inner.message = `${inner.message} (gave up after ${attempt} attempts)`;
          throw inner;
        }
        const delay = this.backoffMs * 2 ** (attempt - 1) * (1 + Math.random() * 0.25);
        await sleep(delay);
      }
    }
  }

  private async once<T>(
    method: string,
    path: string,
    body: unknown,
    opts: RequestOptions,
    idempotent: boolean,
    attempt: number,
  ): Promise<T> {
    const started = Date.now();
    const shown = this.redact(path, opts.secrets);
    const logLine = (what: string) =>
      this.log?.(
        this.redact(
          `${method} ${shown} -> ${what} (${Date.now() - started} ms, attempt ${attempt})`,
          opts.secrets,
        ),
      );
    let res: RawResponse;
    try {
      res = await this.send(method, path, body, opts.timeoutMs);
    } catch (e) {
      const err = e as OpnsenseConnectionError & { sent?: boolean };
      logLine(err.code ?? "error");
      const wrapped = new OpnsenseConnectionError(
        this.redact(`${method} ${shown}: ${err.message}`, opts.secrets),
        shown,
        err.code ?? "ECONNECTION",
      );
      if (e instanceof OpnsenseTlsError) throw new OpnsenseTlsError(wrapped.message, shown, wrapped.code);
      // A request that may have reached the server is only resent when it is idempotent.
      if (!err.sent || idempotent) throw new RetryableError(wrapped);
      throw wrapped;
    }
    logLine(String(res.status));
    let json: any;
    try {
      json = res.text.length ? JSON.parse(res.text) : undefined;
    } catch {
      json = undefined;
    }
    if (res.status >= 200 && res.status < 300) {
      if (json === undefined) {
        throw new OpnsenseResultError(
          `${method} ${shown}: HTTP ${res.status} with a body that is not JSON`,
          shown,
        );
      }
      return json as T;
    }
    const detail = json && typeof json === "object" ? String(json.message ?? json.errorMessage ?? "") : "";
    const title = json && typeof json === "object" && json.errorTitle ? ` [${json.errorTitle}]` : "";
    let what: string;
    if (res.status === 401) what = "authentication failed (check the API key and secret)";
    else if (res.status === 403) what = "forbidden (the API key's user lacks the privilege for this page)";
    else if (res.status === 404) what = "endpoint not found";
    else what = detail ? `${detail}${title}` : "server error";
    const err = new OpnsenseHttpError(
      this.redact(`${method} ${shown}: HTTP ${res.status}: ${what}`, opts.secrets),
      shown,
      res.status,
    );
    // 5xx is retried, except OPNsense's UserException (errorTitle set): a deterministic refusal such as "item in use",
    // and except non-idempotent requests: the server may have done the work before failing.
    if (res.status >= 500 && !title && idempotent) throw new RetryableError(err);
    throw err;
  }

  private async send(method: string, path: string, body: unknown, timeoutMs?: number): Promise<RawResponse> {
    timeoutMs ??= this.connection.timeoutMs ?? 15000;
    const socket = await openTransport({
      url: this.base,
      caPem: this.connection.caPem,
      fingerprint: this.connection.fingerprint,
      timeoutMs,
      apiPath: path,
    });
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const auth = Buffer.from(`${this.connection.apiKey}:${this.connection.apiSecret}`).toString("base64");
    const headers: Record<string, string> = {
      host: this.base.host,
      authorization: `Basic ${auth}`,
      accept: "application/json",
      connection: "close",
    };
    if (payload) {
      headers["content-type"] = "application/json";
      headers["content-length"] = String(payload.length);
    }
    const prefix = this.base.pathname.replace(/\/$/, "");
    return new Promise<RawResponse>((resolve, reject) => {
      let finished = false;
      const fail = (code: string, message: string) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        req.destroy();
        socket.destroy();
        const e = new OpnsenseConnectionError(message, path, code) as OpnsenseConnectionError & {
          sent?: boolean;
        };
        e.sent = true;
        reject(e);
      };
      const req = http.request({
        method,
        path: prefix + path,
        headers,
        createConnection: () => socket as any,
      });
      const timer = setTimeout(() => fail("ETIMEDOUT", `no answer within ${timeoutMs} ms`), timeoutMs);
      req.on("error", (e: NodeJS.ErrnoException) =>
        fail(e.code ?? "ECONNRESET", `connection error: ${e.code ?? e.message}`),
      );
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", (e: NodeJS.ErrnoException) =>
          fail(e.code ?? "ECONNRESET", `connection error: ${e.code ?? e.message}`),
        );
        res.on("aborted", () => fail("ECONNRESET", "connection reset while reading the answer"));
        res.on("end", () => {
          if (finished) return;
          finished = true;
          clearTimeout(timer);
          socket.destroy();
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") });
        });
      });
      req.end(payload);
    });
  }

  // ---- model helpers ---------------------------------------------------------------------------------------

  /** `GET <base>/get_<item>/<uuid>` → the record (inside its wrapper) or undefined when the API answers `[]`. */
  async getRecord(
    base: string,
    item: string,
    wrapper: string,
    uuid: string,
  ): Promise<Record<string, any> | undefined> {
    const r = await this.get(apiPath(base, `get_${item}`, uuid));
    if (Array.isArray(r) || !r || typeof r !== "object") return undefined;
    const rec = r[wrapper];
    if (!rec || typeof rec !== "object" || Array.isArray(rec)) return undefined;
    return rec;
  }

  /** `POST <base>/set_<item>/<uuid> {"<wrapper>": fields}` — an upsert: creates the record when the uuid is new. */
  async setRecord(
    base: string,
    item: string,
    wrapper: string,
    uuid: string,
    fields: Record<string, unknown>,
    secrets: string[] = [],
  ): Promise<void> {
    const path = apiPath(base, `set_${item}`, uuid);
    const r = await this.post(path, { [wrapper]: fields }, { secrets });
    this.expectSaved(r, path, secrets);
  }

  /** `POST <base>/del_<item>/<uuid>` → true when deleted, false when it was already gone. */
  async delRecord(base: string, item: string, uuid: string): Promise<boolean> {
    const path = apiPath(base, `del_${item}`, uuid);
    const r = await this.post(path, {});
    if (r?.result === "deleted") return true;
    if (r?.result === "not found") return false;
    throw new OpnsenseResultError(`POST ${path}: unexpected answer ${this.redact(JSON.stringify(r))}`, path);
  }

  /** `POST <base>/search_<item>` for all rows (rowCount -1), optionally filtered by a search phrase. */
  async search<Row = Record<string, unknown>>(
    base: string,
    item: string,
    searchPhrase = "",
  ): Promise<SearchResult<Row>> {
    return this.post(apiPath(base, `search_${item}`), { current: 1, rowCount: -1, searchPhrase });
  }

  /**
   * POSTs an apply/reconfigure action with `{}` and checks `status`/`result` is ok (case-insensitive prefix).
   * Timeout: `timeoutMs`, else the longer of the connection's and {@link APPLY_TIMEOUT_MS}.
   */
  async apply(path: string, key: "status" | "result" = "status", timeoutMs?: number): Promise<void> {
    const r = await this.post(
      path,
      {},
      { timeoutMs: timeoutMs ?? Math.max(this.connection.timeoutMs ?? 15000, APPLY_TIMEOUT_MS) },
    );
    const v = r && typeof r === "object" ? r[key] : undefined;
    if (typeof v !== "string" || !/^\s*ok/i.test(v)) {
      throw new OpnsenseResultError(
        `POST ${path}: apply did not report success (${key}=${JSON.stringify(v ?? null)})`,
        path,
      );
    }
  }

  /** Checks an add/set answer; throws {@link OpnsenseValidationError} naming every failed field. */
  expectSaved(r: any, path: string, secrets: string[] = []): void {
    if (r && r.result === "saved") return;
    if (r && r.result === "failed" && r.validations) {
      // The router may echo the posted value in a message ("<value> is not a valid ..."): mask secrets there too.
      const v = Object.fromEntries(
        Object.entries(normaliseValidations(r.validations)).map(([k, msgs]) => [
          k,
          msgs.map((m) => this.redact(m, secrets)),
        ]),
      );
      const list = Object.entries(v)
        .map(([k, msgs]) => `${k}: ${msgs.join("; ")}`)
        .join(", ");
      throw new OpnsenseValidationError(
        this.redact(`POST ${path}: validation failed: ${list}`, secrets),
        this.redact(path, secrets),
        v,
      );
    }
    throw new OpnsenseResultError(
      this.redact(`POST ${path}: save failed (${JSON.stringify(r ?? null)})`, secrets),
      this.redact(path, secrets),
    );
  }

  /** Health check: `GET /api/core/system/status`; resolves with the overall status (`OK`, `WARNING`, ...). */
  async health(): Promise<string> {
    const r = await this.get("/api/core/system/status");
    const s = r?.metadata?.system?.status;
    if (typeof s !== "string")
      throw new OpnsenseResultError(
        "GET /api/core/system/status: unexpected answer",
        "/api/core/system/status",
      );
    return s;
  }
}

/**
 * Polls the health check until the API answers (connection errors, 5xx and timeouts are waited out).
 * Fails at once on 401/403 (wrong key) and on TLS pin mismatches; fails after `timeoutMs` (default 300000).
 */
export async function waitForApi(
  connection: OpnsenseConnection,
  opts: { timeoutMs?: number; intervalMs?: number; log?: (l: string) => void } = {},
): Promise<string> {
  const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
  const interval = opts.intervalMs ?? 2000;
  const client = new OpnsenseClient(
    { ...connection, timeoutMs: Math.min(connection.timeoutMs ?? 15000, opts.timeoutMs ?? 15000) },
    { retries: 0, log: opts.log },
  );
  let last = "";
  for (;;) {
    try {
      return await client.health();
    } catch (e) {
      if (e instanceof OpnsenseTlsError) throw e;
      if (e instanceof OpnsenseHttpError && (e.status === 401 || e.status === 403)) throw e;
      last = (e as Error).message;
    }
    if (Date.now() + interval > deadline) {
      throw new OpnsenseConnectionError(
        `the OPNsense API at ${client.connection.url} did not answer in time; last error: ${last}`,
        "/api/core/system/status",
        "ETIMEDOUT",
      );
    }
    await sleep(interval);
  }
}
