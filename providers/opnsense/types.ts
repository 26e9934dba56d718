/** The connection every OPNsense resource and the client take. */
import { z } from "zod";
import { OpnsenseInputError } from "./errors";

/**
 * How to reach one router's API. `apiKey`/`apiSecret` are secrets. For `https:` URLs trust is one of:
 * `caPem` (the router's CA or its self-signed certificate), `fingerprint` (SHA-256 of the server
 * certificate), or neither (the system CA store). There is no "insecure" switch. Plain `http:` is only
 * accepted for loopback addresses (tests).
 */
export interface OpnsenseConnection {
  /** Base URL of the router's web GUI/API, e.g. `https://192.168.200.11`. */
  url: string;
  /** API key (secret). */
  apiKey: string;
  /** API secret (secret). */
  apiSecret: string;
  /** PEM of a CA or self-signed certificate to trust. */
  caPem?: string;
  /** SHA-256 fingerprint of the server certificate (hex, colons optional). */
  fingerprint?: string;
  /** Per-request timeout in ms. Default 15000 (apply/reconfigure calls: at least 60000). */
  timeoutMs?: number;
  /**
   * OPNsense release series of the router: "26.7" (default) or "26.1". With "26.1" the client adapts where the
   * API differs (no outbound NAT mode switch; see README "26.7 vs 26.1").
   */
  version?: "26.7" | "26.1";
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

export const connectionSchema = z
  .object({
    url: z.string().url(),
    apiKey: z.string().min(1),
    apiSecret: z.string().min(1),
    caPem: z.string().includes("BEGIN CERTIFICATE").optional(),
    fingerprint: z
      .string()
      .regex(
        /^([0-9a-fA-F]{2}:?){31}[0-9a-fA-F]{2}$/,
        "must be a SHA-256 fingerprint (64 hex digits, colons optional)",
      )
      .optional(),
    timeoutMs: z.number().int().positive().max(600_000).optional(),
    version: z.enum(["26.7", "26.1"]).optional(),
  })
  .superRefine((c, ctx) => {
    const u = new URL(c.url);
    if (u.protocol !== "https:" && u.protocol !== "http:") {
      ctx.addIssue({ code: "custom", path: ["url"], message: "must be an https:// URL" });
    }
    if (u.protocol === "http:" && !LOOPBACK.has(u.hostname)) {
      ctx.addIssue({
        code: "custom",
        path: ["url"],
        message: "plain http is only allowed for loopback; use https",
      });
    }
  });

/** Validates a connection; throws {@link OpnsenseInputError} naming `connection.<field>` (never echoing values). */
export function parseConnection(c: unknown): OpnsenseConnection {
  const r = connectionSchema.safeParse(c);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = ["connection", ...issue.path.map(String)].join(".");
    throw new OpnsenseInputError(`${field}: ${issue.message}`, field);
  }
  return r.data;
}
