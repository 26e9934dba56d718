/**
 * The box's certificates, made once per box folder with the openssl CLI (Debian's, on every machine here): a CA,
 * the API server's serving certificate (127.0.0.1 and localhost), the admin client certificate (group
 * `system:masters`), the controller manager's client certificate and the service-account signing key pair. Keys
 * are written with mode 0600. Nothing here is a secret of a real datacenter: the CA signs loopback names only.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** Paths of the box's PKI files. */
export interface BoxPki {
  dir: string;
  caCert: string;
  caKey: string;
  apiserverCert: string;
  apiserverKey: string;
  adminCert: string;
  adminKey: string;
  controllerManagerCert: string;
  controllerManagerKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
  } catch (e: any) {
    throw new Error(`openssl ${args[0]} failed: ${e?.stderr?.toString().trim() || e?.message}`);
  }
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** A key and a certificate signed by the CA in `dir`, with the given subject and extensions. */
function issue(dir: string, name: string, subject: string, extensions: string): void {
  const ext = path.join(dir, `${name}.ext`);
  fs.writeFileSync(ext, extensions);
  openssl(["req", ...EC, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject], dir);
  openssl(
    [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "3650",
      "-out",
      `${name}.crt`,
      "-extfile",
      ext,
    ],
    dir,
  );
  fs.rmSync(path.join(dir, `${name}.csr`));
  fs.rmSync(ext);
  fs.chmodSync(path.join(dir, `${name}.key`), 0o600);
}

/** Creates the PKI in `dir` unless it is complete already; returns the paths. */
export function ensurePki(dir: string): BoxPki {
  const p = (f: string) => path.join(dir, f);
  const pki: BoxPki = {
    dir,
    caCert: p("ca.crt"),
    caKey: p("ca.key"),
    apiserverCert: p("apiserver.crt"),
    apiserverKey: p("apiserver.key"),
    adminCert: p("admin.crt"),
    adminKey: p("admin.key"),
    controllerManagerCert: p("controller-manager.crt"),
    controllerManagerKey: p("controller-manager.key"),
    serviceAccountKey: p("sa.key"),
    serviceAccountPub: p("sa.pub"),
  };
  if (Object.values(pki).every((f) => fs.existsSync(f))) return pki;

  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  openssl(
    [
      "req",
      "-x509",
      ...EC,
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
      "-days",
      "3650",
      "-subj",
      "/CN=basphere-box-ca",
    ],
    dir,
  );
  fs.chmodSync(pki.caKey, 0o600);
  issue(
    dir,
    "apiserver",
    "/CN=kube-apiserver",
    "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n",
  );
  issue(dir, "admin", "/O=system:masters/CN=basphere-box-admin", "extendedKeyUsage=clientAuth\n");
  issue(dir, "controller-manager", "/CN=system:kube-controller-manager", "extendedKeyUsage=clientAuth\n");
  openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out", "sa.key"], dir);
  fs.chmodSync(pki.serviceAccountKey, 0o600);
  openssl(["pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub"], dir);
  return pki;
}

/** A kubeconfig for `server` with a client certificate (all data inlined, so the file stands alone). */
export function kubeconfigFor(
  server: string,
  caCert: string,
  cert: string,
  key: string,
  user: string,
): string {
  const b64 = (f: string) => fs.readFileSync(f).toString("base64");
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "  - name: box",
    "    cluster:",
    `      server: ${server}`,
    `      certificate-authority-data: ${b64(caCert)}`,
    "users:",
    `  - name: ${user}`,
    "    user:",
    `      client-certificate-data: ${b64(cert)}`,
    `      client-key-data: ${b64(key)}`,
    "contexts:",
    "  - name: box",
    "    context:",
    "      cluster: box",
    `      user: ${user}`,
    "current-context: box",
    "",
  ].join("\n");
}
