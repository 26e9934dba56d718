/**
 * An OPNsense API emulator for tests: HTTP(S) on 127.0.0.1, routes and answers as the reference and the
 * 26.7 ground truth describe them, in-memory state, failure injection.
 *
 *   const emu = await startEmulator({ tls: true });
 *   // emu.url, emu.apiKey, emu.apiSecret, emu.caPem, emu.fingerprint, emu.state, emu.failNext(path, kind), emu.close()
 */
import * as crypto from "node:crypto";
import * as http from "node:http";
import * as https from "node:https";
import type { Socket } from "node:net";
import { fingerprintOfPem } from "../tls";
import { selfSigned } from "./certs";
import { handle } from "./handlers";
import { DispatchError, NotEmulatedError, ServerError } from "./model";
import { resolve } from "./routes";
import { EmulatorState, newState } from "./state";

/** How the next matching request fails. */
export type FailKind =
  | "500" // HTTP 500, generic server error (retryable)
  | "503" // HTTP 503
  | "user-exception" // HTTP 500 with errorMessage+errorTitle (OPNsense UserException)
  | "validation" // HTTP 200 {"result":"failed","validations":{...}}
  | "failed" // HTTP 200 {"result":"failed"} / {"status":"failed"}
  | "401" // HTTP 401
  | "reset" // connection destroyed without an answer, before the request is processed
  | "lost" // the request IS processed (state changes), then the connection is destroyed: the answer is lost
  | "slow" // processed and answered after `delayMs` (failNext's options)
  | "hang" // never answers (until close)
  | "answer"; // HTTP 200 with `body` (failNext's options), NOT processed: a router that answers but does nothing

/** Extra settings of an injected failure. */
export interface FailOptions {
  /** "validation": the validations map to answer. */
  validations?: Record<string, string>;
  /** "500" / "user-exception": the errorMessage to answer (e.g. one that echoes posted values). */
  message?: string;
  /** "slow": delay before the answer, ms. Default 1000. */
  delayMs?: number;
  /** "answer": the JSON body to answer. Default `{"result":"failed"}`. */
  body?: unknown;
}

export interface EmulatorOptions {
  /** Serve HTTPS with a self-signed certificate made now (openssl). Default false. */
  tls?: boolean;
  /** With tls: put 127.0.0.1 in the certificate's subjectAltName. Default true (false = CN only, like OPNsense's own). */
  ipSan?: boolean;
  /** Release series to emulate: routes and models from that ground truth. Default "26.7". */
  version?: "26.7" | "26.1";
  /** Address to listen on (a loopback address; the box serves one router per 127.0.x.y). Default 127.0.0.1. */
  host?: string;
  /** Port to listen on. Default 0 (any free port). */
  port?: number;
  /** With tls: this certificate instead of a new one (the box's routers share their golden template's). */
  certificate?: { certPem: string; keyPem: string };
  /** The API key the emulator starts with (a clone of a golden template has the template's). Default random. */
  apiKey?: { key: string; secret: string };
  /** State to continue from (the box's routers keep theirs across restarts); its API keys are kept as they are. */
  state?: EmulatorState;
}

export interface RequestLogEntry {
  method: string;
  /** The path as sent (raw: percent-encoding kept, query dropped), as OPNsense's router sees it. */
  path: string;
  body: unknown;
  status: number;
  /** Why an exception answered 500 (what OPNsense only writes to its log). */
  error?: string;
}

export interface Emulator {
  url: string;
  apiKey: string;
  apiSecret: string;
  /** PEM of the self-signed certificate (tls only). */
  caPem?: string;
  /** SHA-256 fingerprint of the certificate, lowercase hex without colons (tls only). */
  fingerprint?: string;
  /** Records by collection, settings, API keys, pending (unapplied) subsystems, apply log. */
  state: EmulatorState;
  /** Every request answered (or failed), in order. Bodies included: test use only. */
  requests: RequestLogEntry[];
  /**
   * Makes the next `times` requests to `path` (or below it: `path/...`) fail with `kind`. The fourth argument
   * is the validations map (kind "validation") or {@link FailOptions}.
   */
  failNext(
    path: string,
    kind: FailKind,
    times?: number,
    options?: Record<string, string> | FailOptions,
  ): void;
  /** Drops every failure still queued. */
  clearFailures(): void;
  close(): Promise<void>;
}

interface Failure extends FailOptions {
  path: string;
  kind: FailKind;
  times: number;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const state = opts.state ?? newState();
  const version = opts.version ?? "26.7";
  const apiKey = opts.apiKey?.key ?? crypto.randomBytes(60).toString("base64");
  const apiSecret = opts.apiKey?.secret ?? crypto.randomBytes(60).toString("base64");
  if (!opts.state) state.apiKeys.set(apiKey, { secret: apiSecret, username: "root" });
  const failures: Failure[] = [];
  const requests: RequestLogEntry[] = [];
  const sockets = new Set<Socket>();

  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/json; charset=UTF-8",
      "content-length": Buffer.byteLength(text),
    });
    res.end(text);
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      // Router.php takes the raw REQUEST_URI: no normalisation, no decoding; parse_url drops query and fragment.
      const rawUrl = req.url ?? "/";
      const pathname = rawUrl.split(/[?#]/)[0];
      const query = new URLSearchParams(rawUrl.includes("?") ? rawUrl.slice(rawUrl.indexOf("?") + 1) : "");
      const method = (req.method ?? "GET").toUpperCase();
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: any = undefined;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = {}; // OPNsense treats syntactically invalid JSON as an empty body
      }
      const log = (status: number, error?: string) =>
        requests.push({ method, path: pathname, body, status, ...(error ? { error } : {}) });

      const fi = failures.findIndex(
        (f) => pathname === f.path || pathname.startsWith(f.path.endsWith("/") ? f.path : `${f.path}/`),
      );
      let after: Failure | undefined;
      let injected: Failure | undefined;
      if (fi >= 0) {
        const f = failures[fi];
        if (--f.times <= 0) failures.splice(fi, 1);
        if (f.kind === "lost" || f.kind === "slow") after = f;
        else injected = f;
      }
      // Answers of processed requests: normally sent; lost (socket destroyed) or delayed when injected.
      const respond = (status: number, payload: unknown, error?: string) => {
        if (after?.kind === "lost") {
          log(-1, error);
          req.socket.destroy();
          return;
        }
        log(status, error);
        if (after?.kind === "slow") {
          const t = setTimeout(() => !res.destroyed && send(res, status, payload), after.delayMs ?? 1000);
          res.on("close", () => clearTimeout(t));
          return;
        }
        send(res, status, payload);
      };
      if (injected) {
        const f = injected;
        log(-1);
        switch (f.kind) {
          case "reset":
            req.socket.destroy();
            return;
          case "hang":
            return;
          case "500":
            return send(res, 500, {
              errorMessage: f.message ?? "Unexpected error, check log for details",
            });
          case "503":
            res.writeHead(503, { "content-type": "text/html" });
            return res.end("<html>503 Service Unavailable</html>");
          case "user-exception":
            return send(res, 500, { errorMessage: f.message ?? "Item in use", errorTitle: "Error" });
          case "validation":
            return send(res, 200, {
              result: "failed",
              validations: f.validations ?? { "rule.description": "injected validation error" },
            });
          case "failed":
            return send(res, 200, { result: "failed", status: "failed" });
          case "401":
            return send(res, 401, { status: 401, message: "Authentication Failed" });
          case "answer":
            return send(res, 200, f.body ?? { result: "failed" });
        }
      }

      // Authentication: Basic key:secret (the scheme word is not checked, only the second token).
      const token = (req.headers.authorization ?? "").split(" ")[1] ?? "";
      const decoded = Buffer.from(token, "base64").toString("utf8");
      const sep = decoded.indexOf(":");
      const entry = sep > 0 ? state.apiKeys.get(decoded.slice(0, sep)) : undefined;
      if (!entry || entry.secret !== decoded.slice(sep + 1)) {
        return respond(401, { status: 401, message: "Authentication Failed" });
      }
      const route = resolve(pathname, version);
      if (!route) {
        return respond(404, { errorMessage: "Endpoint not found" });
      }
      if (method === "POST" && raw === "" && /application\/json/i.test(req.headers["content-type"] ?? "")) {
        return respond(400, { status: 400, message: "Invalid JSON syntax" });
      }
      if (method === "POST" && route.def.http === "GET") {
        return respond(200, []);
      }
      try {
        const out = handle(route, {
          state,
          method: method as "GET" | "POST",
          body: method === "POST" ? (body ?? {}) : {},
          query,
          username: entry.username,
          version,
        });
        respond(200, out);
      } catch (e) {
        // www/api.php: UserException → its message and title; DispatchException → 404; anything else → the
        // generic message (the real one goes to the log only).
        if (e instanceof ServerError && e.title) {
          respond(500, { errorMessage: e.message, errorTitle: e.title });
        } else if (e instanceof DispatchError) {
          respond(404, { errorMessage: "Endpoint not found" }, e.message);
        } else if (e instanceof NotEmulatedError) {
          respond(500, { errorMessage: e.message }, e.message);
        } else {
          respond(500, { errorMessage: "Unexpected error, check log for details" }, (e as Error).message);
        }
      }
    });
  };

  let caPem: string | undefined;
  let server: http.Server;
  if (opts.tls) {
    const cert =
      opts.certificate ??
      selfSigned("OPNsense.localdomain", opts.ipSan === false ? undefined : (opts.host ?? "127.0.0.1"));
    caPem = cert.certPem;
    server = https.createServer({ key: cert.keyPem, cert: cert.certPem }, onRequest);
  } else {
    server = http.createServer(onRequest);
  }
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as { port: number }).port;

  return {
    url: `${opts.tls ? "https" : "http"}://${host}:${port}`,
    apiKey,
    apiSecret,
    caPem,
    fingerprint: caPem ? fingerprintOfPem(caPem) : undefined,
    state,
    requests,
    failNext(path, kind, times = 1, options) {
      const o: FailOptions =
        options &&
        ("validations" in options || "message" in options || "delayMs" in options || "body" in options)
          ? (options as FailOptions)
          : { validations: options as Record<string, string> | undefined };
      failures.push({ path, kind, times, ...o });
    },
    clearFailures() {
      failures.length = 0;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export type { EmulatorState } from "./state";
