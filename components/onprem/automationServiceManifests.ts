/**
 * The automation service on the management cluster's workers, as plain Kubernetes objects (pure renderers,
 * unit-tested; validated against reference/crds/cloudnative-pg and admitted by the box's real API server in
 * test/e2e/box/automationServiceAdmission.test.ts):
 *
 * - a Namespace and a ServiceAccount that mounts no token (the service never talks to the Kubernetes API);
 * - a Deployment of at least 2 replicas, one per worker (required pod anti-affinity on the host name), rolled one
 *   pod at a time without ever going below the wanted count (maxUnavailable 0, maxSurge 1), non-root with a
 *   read-only root file system, no capabilities and the runtime's seccomp profile; startup/liveness probes on
 *   `/v1/health`, readiness on `/v1/ready`; every secret reaches it by `secretKeyRef` only;
 * - a PodDisruptionBudget (at most one replica down for a drain) and a ClusterIP Service (80 → 8080);
 * - the PostgreSQL store: a CloudNativePG `Cluster` (operator 1.27.1, see {@link CNPG_CHART}) of 3 instances on
 *   three different workers, database and owner `basphere`. CloudNativePG creates the Secret `<cluster>-app` (keys
 *   username, password, host, port, dbname, uri, jdbc-uri, pgpass); the service reads its `uri`.
 *
 * The operator provides one Secret (default `basphere-automation-service`) with the keys of
 * {@link OPERATOR_SECRET_KEYS}; nothing here ever holds a secret value.
 */
import { WORKER_NODE_SELECTOR } from "./clusterTemplate";
import type { ChartSpec } from "./platformCharts";

/** A Kubernetes object as these renderers return it (plain data, ready for `kubectl apply` or a Pulumi resource). */
export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: any;
}

/**
 * CloudNativePG's operator chart, pinned: chart `cloudnative-pg` 0.26.1 is operator 1.27.1 (its Chart.yaml at tag
 * cloudnative-pg-v0.26.1 of cloudnative-pg/charts: `appVersion: "1.27.1"`), the release whose Cluster CRD is in
 * reference/crds/cloudnative-pg. Values: `nodeSelector` (top level), `crds.create` (default true).
 */
export const CNPG_CHART: ChartSpec = {
  release: "cnpg",
  chart: "cloudnative-pg",
  repo: "https://cloudnative-pg.github.io/charts",
  version: "0.26.1",
  namespace: "cnpg-system",
  tier: "worker",
};

/** The CloudNativePG operator version {@link CNPG_CHART} installs. */
export const CNPG_OPERATOR_VERSION = "1.27.1";

/**
 * The PostgreSQL image of the store: the image CloudNativePG 1.27.1 itself defaults to (`DefaultImageName` in its
 * pkg/versions/versions.go), a pinned tag (PostgreSQL 18.0 on Debian trixie), no digest.
 */
export const CNPG_POSTGRES_IMAGE = "ghcr.io/cloudnative-pg/postgresql:18.0-system-trixie";

/** The API version of CloudNativePG's Cluster. */
export const CNPG_API_VERSION = "postgresql.cnpg.io/v1";

/** The keys of the Secret the operator creates (`secretName`), and the environment variable each one feeds. */
export const OPERATOR_SECRET_KEYS = {
  /** The service's admin token (at least 24 characters): `BASPHERE_ADMIN_TOKEN`. */
  adminToken: "admin-token",
  /** The passphrase the tenant stacks' secrets are encrypted with: `PULUMI_CONFIG_PASSPHRASE`. Keep it. */
  pulumiConfigPassphrase: "pulumi-config-passphrase",
} as const;

/** The container port of the service, and the Service's port. */
export const SERVICE_PORT = 8080;
export const SERVICE_CLUSTER_PORT = 80;

/** Where the (per-pod, emptyDir) data folder is mounted: engine home, stack config files, lock. */
export const DATA_DIR = "/var/lib/basphere";

/** The non-root user and group of the image (deploy/automation-service/Dockerfile). */
export const SERVICE_UID = 10001;

/** CPU and memory of the container. */
export interface ResourceSettings {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/**
 * Default resources: one operation peaks near 1 GiB (README, "Numbers": 968 MiB for a full tenant create), two run
 * at once by default (`--concurrency 2`).
 */
export const DEFAULT_RESOURCES: ResourceSettings = {
  requests: { cpu: "500m", memory: "1Gi" },
  limits: { cpu: "2", memory: "4Gi" },
};

/** The PostgreSQL cluster of the store. */
export interface PostgresSettings {
  /** Cluster name; CloudNativePG names its Secret `<name>-app`. Default `basphere-postgres`. */
  name?: string;
  /** PostgreSQL instances (one primary, the rest hot standbys), each on its own worker. Default 3. */
  instances?: number;
  /** Volume size of each instance (a Kubernetes quantity). Default `10Gi`. */
  storageSize?: string;
  /** Storage class of the volumes. Default: the cluster's default class. */
  storageClass?: string;
  /** PostgreSQL image, a pinned tag or digest. Default {@link CNPG_POSTGRES_IMAGE}. */
  imageName?: string;
}

/** Input of {@link renderAutomationServiceObjects}. */
export interface AutomationServiceInput {
  /** The service image, pinned by a tag other than `latest` or by a digest (`…@sha256:<64 hex>`). Required. */
  image: string;
  /** Replicas of the service (at least 2). Default 2. */
  replicas?: number;
  /** Namespace of the service and its database. Default `basphere-system`. */
  namespace?: string;
  /** Name of the Secret the operator provides (keys: {@link OPERATOR_SECRET_KEYS}). Default `basphere-automation-service`. */
  secretName?: string;
  /** Name of the Deployment, ServiceAccount, Service and PodDisruptionBudget. Default `basphere-automation-service`. */
  name?: string;
  /** The PostgreSQL store. Defaults: see {@link PostgresSettings}. */
  postgres?: PostgresSettings;
  /** CPU and memory. Default {@link DEFAULT_RESOURCES}. */
  resources?: ResourceSettings;
  /** Operations running at once per replica (`--concurrency`). Default 2. */
  concurrency?: number;
}

/** Every object of the service, by role. */
export interface AutomationServiceObjects {
  namespace: ManifestObject;
  serviceAccount: ManifestObject;
  postgresCluster: ManifestObject;
  deployment: ManifestObject;
  podDisruptionBudget: ManifestObject;
  service: ManifestObject;
}

/** The order to create them in (the Deployment after the database it reads the Secret of). */
export const OBJECT_ORDER: readonly (keyof AutomationServiceObjects)[] = [
  "namespace",
  "serviceAccount",
  "postgresCluster",
  "deployment",
  "podDisruptionBudget",
  "service",
];

/** Defaults of {@link AutomationServiceInput}. */
export const AUTOMATION_SERVICE_DEFAULTS = {
  replicas: 2,
  namespace: "basphere-system",
  secretName: "basphere-automation-service",
  name: "basphere-automation-service",
  concurrency: 2,
  postgres: { name: "basphere-postgres", instances: 3, storageSize: "10Gi" },
} as const;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A Kubernetes quantity such as 10Gi, 500m, 2, 1.5. */
const QUANTITY = /^(\d+(\.\d+)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const DIGEST = /@sha256:[0-9a-f]{64}$/;
/** A tag: up to 128 word characters, dots and dashes, not starting with one of the last two. */
const TAG = /^[\w][\w.-]{0,127}$/;

/**
 * What is wrong with an image reference as a pin, or undefined: it needs a digest (`@sha256:<64 hex>`) or a tag
 * that is not `latest` (a registry's `host:port/` is not a tag).
 */
export function imagePinProblem(image: string): string | undefined {
  if (!image || /\s/.test(image))
    return "must be an image reference such as registry/basphere/automation-service:0.1.0";
  if (image.includes("@")) {
    return DIGEST.test(image) ? undefined : "has a malformed digest: use …@sha256:<64 lowercase hex digits>";
  }
  const last = image.slice(image.lastIndexOf("/") + 1);
  const colon = last.lastIndexOf(":");
  if (colon < 0) return "has no tag or digest: pin it (…:0.1.0 or …@sha256:<digest>)";
  const tag = last.slice(colon + 1);
  if (!TAG.test(tag)) return `has an invalid tag ${JSON.stringify(tag)}`;
  if (tag === "latest") return 'must not use the tag "latest": pin a version or a digest';
  return undefined;
}

function fail(field: string, problem: string): never {
  throw new Error(`${field} ${problem}`);
}

function checkInt(field: string, v: number, min: number, max: number, why = ""): void {
  if (!Number.isInteger(v) || v < min || v > max)
    fail(field, `must be an integer ${min}-${max}${why}, got ${JSON.stringify(v)}`);
}

/** The input with every default applied; throws naming the field on a bad value. */
export function resolveAutomationServiceInput(a: AutomationServiceInput): Required<
  Omit<AutomationServiceInput, "postgres">
> & {
  postgres: Required<Omit<PostgresSettings, "storageClass">> & { storageClass?: string };
} {
  const d = AUTOMATION_SERVICE_DEFAULTS;
  const problem = imagePinProblem(a.image ?? "");
  if (problem) fail("image", problem);
  const replicas = a.replicas ?? d.replicas;
  checkInt("replicas", replicas, 2, 20, " (at least 2, so one node or rollout never stops the service)");
  const namespace = a.namespace ?? d.namespace;
  if (!DNS_LABEL.test(namespace)) fail("namespace", `must be a DNS label, got ${JSON.stringify(namespace)}`);
  const name = a.name ?? d.name;
  if (!DNS_LABEL.test(name)) fail("name", `must be a DNS label, got ${JSON.stringify(name)}`);
  const secretName = a.secretName ?? d.secretName;
  if (!DNS_SUBDOMAIN.test(secretName) || secretName.length > 253)
    fail("secretName", `must be a Kubernetes object name (DNS subdomain), got ${JSON.stringify(secretName)}`);
  const concurrency = a.concurrency ?? d.concurrency;
  checkInt("concurrency", concurrency, 1, 64);
  const p = a.postgres ?? {};
  const pgName = p.name ?? d.postgres.name;
  // CloudNativePG derives Services (`-rw`, `-ro`, `-r`) and pods (`-<n>`) from the name: keep room for them.
  if (!DNS_LABEL.test(pgName) || pgName.length > 50)
    fail("postgres.name", `must be a DNS label of at most 50 characters, got ${JSON.stringify(pgName)}`);
  const instances = p.instances ?? d.postgres.instances;
  checkInt("postgres.instances", instances, 1, 9);
  const storageSize = p.storageSize ?? d.postgres.storageSize;
  if (!QUANTITY.test(storageSize))
    fail(
      "postgres.storageSize",
      `must be a Kubernetes quantity such as 10Gi, got ${JSON.stringify(storageSize)}`,
    );
  if (p.storageClass !== undefined && !DNS_SUBDOMAIN.test(p.storageClass))
    fail("postgres.storageClass", `must be a storage class name, got ${JSON.stringify(p.storageClass)}`);
  const imageName = p.imageName ?? CNPG_POSTGRES_IMAGE;
  const pgProblem = imagePinProblem(imageName);
  if (pgProblem) fail("postgres.imageName", pgProblem);
  const resources = a.resources ?? DEFAULT_RESOURCES;
  for (const [kind, r] of Object.entries(resources) as [string, { cpu: string; memory: string }][]) {
    for (const [what, v] of Object.entries(r)) {
      if (!QUANTITY.test(v))
        fail(`resources.${kind}.${what}`, `must be a Kubernetes quantity, got ${JSON.stringify(v)}`);
    }
  }
  return {
    image: a.image,
    replicas,
    namespace,
    name,
    secretName,
    concurrency,
    resources,
    postgres: { name: pgName, instances, storageSize, imageName, storageClass: p.storageClass },
  };
}

/** The name of the Secret CloudNativePG creates for the application user of a cluster. */
export function cnpgAppSecretName(cluster: string): string {
  return `${cluster}-app`;
}

/** Labels of every object; the selector labels are the first two. */
function labels(name: string, component: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": "basphere",
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/** Renders every object of the service; throws naming the field on a bad input. */
export function renderAutomationServiceObjects(input: AutomationServiceInput): AutomationServiceObjects {
  const a = resolveAutomationServiceInput(input);
  const ns = a.namespace;
  const appLabels = labels(a.name, "api");
  const selector = {
    "app.kubernetes.io/name": appLabels["app.kubernetes.io/name"],
    "app.kubernetes.io/component": appLabels["app.kubernetes.io/component"],
  };
  const secretEnv = (env: string, secret: string, key: string) => ({
    name: env,
    valueFrom: { secretKeyRef: { name: secret, key } },
  });
  const namespace: ManifestObject = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: ns, labels: { "app.kubernetes.io/part-of": "basphere" } },
  };
  const serviceAccount: ManifestObject = {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: a.name, namespace: ns, labels: appLabels },
    // The service talks to its store and the engine, never to the Kubernetes API: no token in its pods.
    automountServiceAccountToken: false,
  };
  const postgresCluster: ManifestObject = {
    apiVersion: CNPG_API_VERSION,
    kind: "Cluster",
    metadata: { name: a.postgres.name, namespace: ns, labels: labels(a.postgres.name, "database") },
    spec: {
      instances: a.postgres.instances,
      imageName: a.postgres.imageName,
      // Minor upgrades and restarts: standbys first, then a switchover, without an operator's approval.
      primaryUpdateStrategy: "unsupervised",
      storage: {
        size: a.postgres.storageSize,
        ...(a.postgres.storageClass ? { storageClass: a.postgres.storageClass } : {}),
      },
      bootstrap: { initdb: { database: "basphere", owner: "basphere" } },
      affinity: {
        enablePodAntiAffinity: true,
        podAntiAffinityType: "required",
        topologyKey: "kubernetes.io/hostname",
        nodeSelector: { ...WORKER_NODE_SELECTOR },
      },
      enablePDB: true,
    },
  };
  const deployment: ManifestObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: a.name, namespace: ns, labels: appLabels },
    spec: {
      replicas: a.replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: appLabels },
        spec: {
          serviceAccountName: a.name,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          // Long enough for SIGTERM: running operations get 10 s, then the replica releases its leases and exits.
          terminationGracePeriodSeconds: 60,
          // The workers carry no taint (only the LB tier does), so the selector alone places the pods there.
          nodeSelector: { ...WORKER_NODE_SELECTOR },
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { labelSelector: { matchLabels: selector }, topologyKey: "kubernetes.io/hostname" },
              ],
            },
          },
          securityContext: {
            runAsNonRoot: true,
            runAsUser: SERVICE_UID,
            runAsGroup: SERVICE_UID,
            fsGroup: SERVICE_UID,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: "service",
              image: a.image,
              imagePullPolicy: "IfNotPresent",
              args: [
                "serve",
                "--no-box",
                "--host",
                "0.0.0.0",
                "--port",
                String(SERVICE_PORT),
                "--data-dir",
                DATA_DIR,
                "--concurrency",
                String(a.concurrency),
              ],
              ports: [{ name: "http", containerPort: SERVICE_PORT, protocol: "TCP" }],
              env: [
                secretEnv("BASPHERE_STORE_URL", cnpgAppSecretName(a.postgres.name), "uri"),
                secretEnv("BASPHERE_ADMIN_TOKEN", a.secretName, OPERATOR_SECRET_KEYS.adminToken),
                secretEnv(
                  "PULUMI_CONFIG_PASSPHRASE",
                  a.secretName,
                  OPERATOR_SECRET_KEYS.pulumiConfigPassphrase,
                ),
                { name: "BASPHERE_REPLICA_ID", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                // The root file system is read-only: anything that writes to $HOME writes to the /tmp volume.
                { name: "HOME", value: "/tmp" },
              ],
              resources: a.resources,
              startupProbe: {
                httpGet: { path: "/v1/health", port: "http" },
                periodSeconds: 5,
                failureThreshold: 60,
                timeoutSeconds: 3,
              },
              livenessProbe: {
                httpGet: { path: "/v1/health", port: "http" },
                periodSeconds: 20,
                failureThreshold: 3,
                timeoutSeconds: 5,
              },
              readinessProbe: {
                httpGet: { path: "/v1/ready", port: "http" },
                periodSeconds: 10,
                failureThreshold: 3,
                timeoutSeconds: 5,
              },
              securityContext: {
                runAsNonRoot: true,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
              },
              volumeMounts: [
                { name: "data", mountPath: DATA_DIR },
                { name: "tmp", mountPath: "/tmp" },
              ],
            },
          ],
          volumes: [
            { name: "data", emptyDir: {} },
            { name: "tmp", emptyDir: {} },
          ],
        },
      },
    },
  };
  const podDisruptionBudget: ManifestObject = {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: a.name, namespace: ns, labels: appLabels },
    spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
  };
  const service: ManifestObject = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: a.name, namespace: ns, labels: appLabels },
    spec: {
      type: "ClusterIP",
      selector,
      ports: [{ name: "http", port: SERVICE_CLUSTER_PORT, targetPort: "http", protocol: "TCP" }],
    },
  };
  return { namespace, serviceAccount, postgresCluster, deployment, podDisruptionBudget, service };
}

/** Helm values of the CloudNativePG operator chart: the operator on the workers. */
export function cnpgOperatorValues(): Record<string, any> {
  return { nodeSelector: { ...WORKER_NODE_SELECTOR }, crds: { create: true } };
}
