/**
 * Opens the transport to the router: a TLS socket verified against a pinned CA/certificate or a SHA-256
 * fingerprint, before a single byte of the HTTP request (and its Authorization header) is written.
 */
import * as crypto from "node:crypto";
import * as net from "node:net";
import * as tls from "node:tls";
import type { Duplex } from "node:stream";
import { OpnsenseConnectionError, OpnsenseTlsError } from "./errors";

/** `AB:cd:...` or `abcd...` → `abcd...` (64 lowercase hex digits). */
export function normaliseFingerprint(fp: string): string {
  return fp.replace(/:/g, "").toLowerCase();
}

/** SHA-256 fingerprint (lowercase hex, no colons) of a certificate in DER form. */
export function fingerprintOfDer(der: Buffer): string {
  return crypto.createHash("sha256").update(der).digest("hex");
}

/** SHA-256 fingerprint of the first certificate in a PEM string. */
export function fingerprintOfPem(pem: string): string {
  return normaliseFingerprint(new crypto.X509Certificate(pem).fingerprint256);
}

export interface TransportOptions {
  url: URL;
  caPem?: string;
  fingerprint?: string;
  timeoutMs: number;
  /** API path being requested (for error messages). */
  apiPath?: string;
}

/**
 * Connects to `url` (host/port) and resolves once the peer is trusted.
 * - `fingerprint`: chain validation is skipped, the leaf's SHA-256 must equal the pin.
 * - `caPem`: the chain must verify against that PEM; the host name is checked unless the server presented
 *   exactly the pinned certificate (OPNsense's self-signed cert names the box, not its IP).
 * - neither: system CA store and normal host name check.
 */
export function openTransport(opts: TransportOptions): Promise<Duplex> {
  const { url, timeoutMs } = opts;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const path = opts.apiPath ?? url.pathname;
  return new Promise<Duplex>((resolve, reject) => {
    let settled = false;
    const done = (err: Error | null, sock?: Duplex) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        socket.destroy();
        reject(err);
      } else resolve(sock!);
    };
    const timer = setTimeout(
      () =>
        done(
          new OpnsenseConnectionError(
            `connect to ${url.host} timed out after ${timeoutMs} ms`,
            path,
            "ETIMEDOUT",
          ),
        ),
      timeoutMs,
    );
    let socket: net.Socket;
    if (url.protocol === "http:") {
      socket = net.connect({ host, port }, () => done(null, socket));
    } else {
      const pinned = opts.fingerprint ? normaliseFingerprint(opts.fingerprint) : undefined;
      const caFp = opts.caPem ? fingerprintOfPem(opts.caPem) : undefined;
      const tlsOpts: tls.ConnectionOptions = {
        host,
        port,
        servername: net.isIP(host) ? undefined : host,
        rejectUnauthorized: !pinned,
        ca: opts.caPem,
        checkServerIdentity: (hostname, cert) => {
          if (caFp && cert.raw && fingerprintOfDer(cert.raw) === caFp) return undefined; // exact cert pinned
          return tls.checkServerIdentity(hostname, cert);
        },
      };
      const t = tls.connect(tlsOpts, () => {
        if (pinned) {
          const raw = t.getPeerCertificate().raw;
          if (!raw || fingerprintOfDer(raw) !== pinned) {
            done(
              new OpnsenseTlsError(
                `TLS: the certificate of ${url.host} does not match the pinned SHA-256 fingerprint`,
                path,
                "EFINGERPRINT",
              ),
            );
            return;
          }
        }
        done(null, t);
      });
      socket = t;
    }
    socket.once("error", (e: NodeJS.ErrnoException) => {
      const code = e.code ?? "ECONNECTION";
      const isTls =
        /CERT|SSL|TLS|ERR_TLS|SELF_SIGNED|UNABLE_TO|HOSTNAME/i.test(code) || code.startsWith("ERR_SSL");
      const Cls = isTls ? OpnsenseTlsError : OpnsenseConnectionError;
      done(
        new Cls(
          `${isTls ? "TLS" : "connection"} error talking to ${url.host}: ${code}${isTls ? ` (${e.message})` : ""}`,
          path,
          code,
        ),
      );
    });
  });
}
