/**
 * Cluster API kubeconfig SIMULATOR (box only). Cluster API's controllers cannot run on the box (no infrastructure
 * for CAPV to create machines in), so nothing would ever write the `<cluster>-kubeconfig` Secret that Cluster API's
 * control plane provider writes for every workload cluster, nor mark the Cluster initialised; the tenant program
 * waits for the one (`pulumi.com/waitFor` on `status.initialization.controlPlaneInitialized`) and then reads the
 * other. This loop stands in for those two behaviours, and nothing else. For every `Cluster` (cluster.x-k8s.io)
 * it sets `status.initialization` (infrastructureProvisioned, controlPlaneInitialized) and `status.phase:
 * Provisioned` through the status subresource, after it has written
 * `<name>-kubeconfig` in the Cluster's namespace, shaped as Cluster API's (type `cluster.x-k8s.io/secret`, label
 * `cluster.x-k8s.io/cluster-name`, key `value`, owner reference to the Cluster, so the real garbage collector
 * deletes it with the Cluster). The kubeconfig names the endpoint of the Cluster's VSphereCluster
 * (`spec.controlPlaneEndpoint`) and a user whose name says it is simulated; no cluster answers there.
 */
import * as fs from "node:fs";
import { KubeApiError, KubeClient, resourcePath } from "../../providers/kubernetes/client";

/** The simulator's kubeconfig for a cluster reached at host:port. */
export function simulatedKubeconfig(cluster: string, host: string, port: number): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `  - name: ${cluster}`,
    "    cluster:",
    `      server: https://${host}:${port}`,
    "users:",
    `  - name: ${cluster}-admin-simulated-by-basphere-box`,
    "    user:",
    `      token: simulated-${cluster}`,
    "contexts:",
    `  - name: ${cluster}-admin@${cluster}`,
    "    context:",
    `      cluster: ${cluster}`,
    `      user: ${cluster}-admin-simulated-by-basphere-box`,
    `current-context: ${cluster}-admin@${cluster}`,
    "",
  ].join("\n");
}

interface ClusterObject {
  apiVersion?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; deletionTimestamp?: string };
  spec?: {
    controlPlaneEndpoint?: { host?: string; port?: number };
    infrastructureRef?: { apiGroup?: string; kind?: string; name?: string };
  };
  status?: { initialization?: { controlPlaneInitialized?: boolean } };
}

/**
 * Writes the kubeconfig Secret of one Cluster if it is missing, then marks the Cluster initialised. Returns true when
 * it changed something.
 */
export async function reconcileCluster(api: KubeClient, cluster: ClusterObject): Promise<boolean> {
  const name = cluster.metadata!.name!;
  const namespace = cluster.metadata!.namespace!;
  if (cluster.metadata?.deletionTimestamp) return false;
  const secretName = `${name}-kubeconfig`;
  const initialized = cluster.status?.initialization?.controlPlaneInitialized === true;
  if (await api.find(resourcePath("v1", "secrets", namespace, secretName))) {
    if (initialized) return false;
    await markInitialized(api, cluster);
    return true;
  }
  let endpoint = cluster.spec?.controlPlaneEndpoint;
  const infra = cluster.spec?.infrastructureRef;
  if (!endpoint?.host && infra?.kind === "VSphereCluster" && infra.name) {
    const vc = await api.find<ClusterObject>(
      resourcePath("infrastructure.cluster.x-k8s.io/v1beta2", "vsphereclusters", namespace, infra.name),
    );
    endpoint = vc?.spec?.controlPlaneEndpoint;
  }
  if (!endpoint?.host) return false; // not there yet: the next pass tries again
  const secret = {
    apiVersion: "v1",
    kind: "Secret",
    type: "cluster.x-k8s.io/secret",
    metadata: {
      name: secretName,
      namespace,
      labels: { "cluster.x-k8s.io/cluster-name": name },
      annotations: { "basphere.io/simulated-by": "basphere box (Cluster API kubeconfig simulator)" },
      ownerReferences: [
        {
          apiVersion: cluster.apiVersion!,
          kind: "Cluster",
          name,
          uid: cluster.metadata!.uid!,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    stringData: { value: simulatedKubeconfig(name, endpoint.host, endpoint.port ?? 6443) },
  };
  try {
    await api.create(resourcePath("v1", "secrets", namespace), secret);
  } catch (e) {
    if (!(e instanceof KubeApiError && e.code === 409)) throw e;
  }
  await markInitialized(api, cluster);
  return true;
}

/** Sets the Cluster's initialization status, as Cluster API does once the control plane answers. */
async function markInitialized(api: KubeClient, cluster: ClusterObject): Promise<void> {
  await api.request(
    "PATCH",
    resourcePath(
      cluster.apiVersion ?? "cluster.x-k8s.io/v1beta2",
      "clusters",
      cluster.metadata!.namespace,
      cluster.metadata!.name,
    ) + "/status",
    {
      status: {
        initialization: { infrastructureProvisioned: true, controlPlaneInitialized: true },
        phase: "Provisioned",
      },
    },
    "application/merge-patch+json",
  );
}

/** Options of {@link runCapiKubeconfigSimulator}. */
export interface CapiSimulatorOptions {
  kubeconfig: string;
  /** Pass interval, ms. Default 500. */
  intervalMs?: number;
  log: (line: string) => void;
  signal: AbortSignal;
}

/**
 * Lists Clusters every `intervalMs` and reconciles each (a list every half second is cheap on the box and, unlike
 * a watch, needs no resync logic). Ends when `signal` aborts.
 */
export async function runCapiKubeconfigSimulator(opts: CapiSimulatorOptions): Promise<void> {
  const api = KubeClient.fromKubeconfig(fs.readFileSync(opts.kubeconfig, "utf8"));
  let lastError = "";
  while (!opts.signal.aborted) {
    try {
      const list = await api.get<{ items: ClusterObject[] }>(
        resourcePath("cluster.x-k8s.io/v1beta2", "clusters"),
      );
      for (const c of list.items) {
        if (await reconcileCluster(api, c))
          opts.log(
            `capi-kubeconfig-simulator: ${c.metadata!.namespace}/${c.metadata!.name}: kubeconfig Secret written, ` +
              `status initialised (simulated)`,
          );
      }
      lastError = "";
    } catch (e) {
      const msg = (e as Error).message;
      if (msg !== lastError) opts.log(`capi-kubeconfig-simulator: ${msg}`);
      lastError = msg;
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 500));
  }
}
