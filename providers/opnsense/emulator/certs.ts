/** A throw-away self-signed certificate for the emulator, made with the openssl CLI. */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface SelfSigned {
  certPem: string;
  keyPem: string;
}

/**
 * An EC P-256 certificate for `cn`; with `ipSan` it also names that IP (like a proper cert), without it
 * it only has the CN (like OPNsense's install-time certificate, which names the box, not its address).
 */
export function selfSigned(cn = "OPNsense.localdomain", ipSan?: string): SelfSigned {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opnsense-emu-"));
  try {
    const key = path.join(dir, "key.pem");
    const cert = path.join(dir, "cert.pem");
    const args = [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "2",
      "-subj",
      `/CN=${cn}`,
    ];
    if (ipSan) args.push("-addext", `subjectAltName=IP:${ipSan}`);
    execFileSync("openssl", args, { stdio: "ignore" });
    return { certPem: fs.readFileSync(cert, "utf8"), keyPem: fs.readFileSync(key, "utf8") };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
