/**
 * The service logger: pino, JSON lines, with Authorization headers, tokens and secret-bearing fields redacted
 * wherever they appear in a logged object.
 */
import pino from "pino";

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
 * included — the API refuses tokens in URLs, but the request is logged before it is refused), host and peer.
 */
export function requestSerializer(req: {
  method?: string;
  url?: string;
  host?: string;
  hostname?: string;
  ip?: string;
  socket?: { remotePort?: number };
}): Record<string, unknown> {
  const url = typeof req.url === "string" ? req.url : "";
  const q = url.indexOf("?");
  return {
    method: req.method,
    url: q < 0 ? url : url.slice(0, q) + "?[query omitted]",
    host: req.host ?? req.hostname,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

export function loggerOptions(level = process.env.BASPHERE_LOG_LEVEL ?? "info"): pino.LoggerOptions {
  return {
    level,
    serializers: { req: requestSerializer },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    base: { service: "basphere" },
  };
}

/** A logger writing to `destination` (default stdout). */
export function createLogger(destination?: pino.DestinationStream, level?: string): pino.Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}
