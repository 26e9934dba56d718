/**
 * The box's Kubernetes control plane: etcd, kube-apiserver and kube-controller-manager, the real binaries built by
 * scripts/box-tools.sh (k8s.io/kubernetes v1.37.2), on 127.0.0.1 only. Client authentication by certificate
 * (anonymous access off, RBAC on); the controller manager runs namespace deletion and garbage collection, without
 * which a deleted object keeps its `foregroundDeletion` finalizer and `pulumi destroy` waits for its timeout.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as path from "node:path";
import { DaemonRecord, freePort, startDaemon, waitReady } from "./daemons";
import { BoxPki, ensurePki, kubeconfigFor } from "./pki";

/** Where the control plane lives and what it listens on. */
export interface ControlPlane {
  etcd: DaemonRecord;
  apiserver: DaemonRecord;
  controllerManager: DaemonRecord;
  /** `https://127.0.0.1:<port>`. */
  server: string;
  /** Admin kubeconfig file (client certificate of group system:masters). */
  kubeconfig: string;
  pki: BoxPki;
  ports: { etcdClient: number; etcdPeer: number; apiserver: number; controllerManager: number };
}

/** Options of {@link startControlPlane}. */
export interface ControlPlaneOptions {
  /** Box folder: pki/, etcd/, logs/, kubeconfig. */
  dir: string;
  /** Folder of etcd, kube-apiserver and kube-controller-manager. */
  binDir: string;
  /** Ready timeout per process, ms. Default 60000. */
  timeoutMs?: number;
  /** Ports to use (the box keeps them across restarts, so the kubeconfig stays the same). Default: free ones. */
  ports?: ControlPlane["ports"];
}

/** GET `url` (with the admin client certificate for https); true on a 2xx answer. */
export function probe(url: string, pki?: BoxPki): Promise<boolean> {
  return new Promise((resolve) => {
    const opts: https.RequestOptions = { timeout: 2000 };
    if (url.startsWith("https:") && pki) {
      opts.ca = fs.readFileSync(pki.caCert);
      opts.cert = fs.readFileSync(pki.adminCert);
      opts.key = fs.readFileSync(pki.adminKey);
    } else if (url.startsWith("https:")) {
      opts.rejectUnauthorized = false; // the controller manager's self-signed serving certificate (health only)
    }
    const req = (url.startsWith("https:") ? https : http).get(url, opts, (res) => {
      res.resume();
      resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
  });
}

function binary(binDir: string, name: string): string {
  const file = path.join(binDir, name);
  if (!fs.existsSync(file))
    throw new Error(
      `${file} is missing: build the box's tools first (npm run box:tools, scripts/box-tools.sh)`,
    );
  return file;
}

/** Starts etcd, the API server and the controller manager (in that order, each ready before the next). */
export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const dir = path.resolve(opts.dir);
  const logs = path.join(dir, "logs");
  fs.mkdirSync(logs, { recursive: true });
  const pki = ensurePki(path.join(dir, "pki"));
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const ports = opts.ports ?? {
    etcdClient: await freePort(),
    etcdPeer: await freePort(),
    apiserver: await freePort(),
    controllerManager: await freePort(),
  };

  const etcdUrl = `http://127.0.0.1:${ports.etcdClient}`;
  const peerUrl = `http://127.0.0.1:${ports.etcdPeer}`;
  const etcd = startDaemon({
    name: "etcd",
    command: binary(opts.binDir, "etcd"),
    args: [
      "--name=box",
      `--data-dir=${path.join(dir, "etcd")}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=box=${peerUrl}`,
      "--log-level=warn",
      // The box holds little: a small backend quota and frequent compaction keep etcd's memory down.
      "--quota-backend-bytes=1073741824",
      "--auto-compaction-retention=5m",
    ],
    log: path.join(logs, "etcd.log"),
  });
  await waitReady(etcd, () => probe(`${etcdUrl}/health`), timeoutMs);

  const server = `https://127.0.0.1:${ports.apiserver}`;
  const apiserver = startDaemon({
    name: "kube-apiserver",
    command: binary(opts.binDir, "kube-apiserver"),
    args: [
      `--etcd-servers=${etcdUrl}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${ports.apiserver}`,
      // No routable address to advertise for the `kubernetes` Service's endpoints.
      "--endpoint-reconciler-type=none",
      `--tls-cert-file=${pki.apiserverCert}`,
      `--tls-private-key-file=${pki.apiserverKey}`,
      `--client-ca-file=${pki.caCert}`,
      "--anonymous-auth=false",
      "--authorization-mode=RBAC",
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      "--service-account-issuer=https://kubernetes.default.svc",
      "--service-cluster-ip-range=10.96.0.0/16",
      "--allow-privileged=true",
      "--profiling=false",
      "--v=0",
    ],
    log: path.join(logs, "kube-apiserver.log"),
  });
  await waitReady(apiserver, () => probe(`${server}/readyz`, pki), timeoutMs);

  const kubeconfig = path.join(dir, "kubeconfig");
  fs.writeFileSync(kubeconfig, kubeconfigFor(server, pki.caCert, pki.adminCert, pki.adminKey, "box-admin"), {
    mode: 0o600,
  });
  const kcmKubeconfig = path.join(dir, "pki", "controller-manager.kubeconfig");
  fs.writeFileSync(
    kcmKubeconfig,
    kubeconfigFor(
      server,
      pki.caCert,
      pki.controllerManagerCert,
      pki.controllerManagerKey,
      "system:kube-controller-manager",
    ),
    { mode: 0o600 },
  );
  const controllerManager = startDaemon({
    name: "kube-controller-manager",
    command: binary(opts.binDir, "kube-controller-manager"),
    args: [
      `--kubeconfig=${kcmKubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${ports.controllerManager}`,
      // No nodes on the box: the node controllers would only complain.
      "--controllers=*,-nodeipam,-nodelifecycle",
      "--leader-elect=false",
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--root-ca-file=${pki.caCert}`,
      "--use-service-account-credentials=true",
      "--profiling=false",
    ],
    log: path.join(logs, "kube-controller-manager.log"),
  });
  await waitReady(
    controllerManager,
    () => probe(`https://127.0.0.1:${ports.controllerManager}/healthz`),
    timeoutMs,
  );

  return { etcd, apiserver, controllerManager, server, kubeconfig, pki, ports };
}
