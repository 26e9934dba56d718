/**
 * The service logger: pino, JSON lines, with Authorization headers, tokens and secret-bearing fields redacted
 * wherever they appear in a logged object.
 */
import pino from "pino";
import { redactTokens } from "./errors";
import { safeUrl } from "./guards";

/** Paths pino replaces with `[redacted]`. */
export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "headers.authorization",
  "authorization",
  "token",
  "*.token",
  "adminToken",
  "*.adminToken",
  "kubeconfig",
  "*.kubeconfig",
  "*.*.kubeconfig",
  "wireguard",
  "*.wireguard",
  "*.*.wireguard",
  "secret",
  "*.secret",
  "secrets",
  "*.secrets",
  "password",
  "*.password",
  "privateKey",
  "*.privateKey",
];

/**
 * How a request is logged: method, path without the query string (a client may put anything there, a token
 * included — the API refuses tokens in URLs, but the request is logged before it is refused) and with token-shaped
 * segments redacted, host and peer.
 */
export function requestSerializer(req: {
  method?: string;
  url?: string;
  host?: string;
  hostname?: string;
  ip?: string;
  socket?: { remotePort?: number };
}): Record<string, unknown> {
  return {
    method: req.method,
    url: safeUrl(typeof req.url === "string" ? req.url : ""),
    host: req.host ?? req.hostname,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/**
 * Logger options: the request serializer, redaction of the secret-bearing paths, and a last pass over every line
 * written that redacts token-shaped strings (`bspa.…`, `bspt.…`) wherever they ended up — a message, an error, a
 * field nobody thought of.
 */
export function loggerOptions(level = process.env.BASPHERE_LOG_LEVEL ?? "info"): pino.LoggerOptions {
  return {
    level,
    serializers: { req: requestSerializer },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    hooks: { streamWrite: (line: string) => redactTokens(line) },
    base: { service: "basphere" },
  };
}

/** A logger writing to `destination` (default stdout). */
export function createLogger(destination?: pino.DestinationStream, level?: string): pino.Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}
