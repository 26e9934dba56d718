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

export function loggerOptions(level = process.env.BASPHERE_LOG_LEVEL ?? "info"): pino.LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    base: { service: "basphere" },
  };
}

/** A logger writing to `destination` (default stdout). */
export function createLogger(destination?: pino.DestinationStream, level?: string): pino.Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}
