/**
 * The platform services of the management cluster as pinned Helm charts, and the values that place them:
 * everything on the worker tier (node selector `basphere.io/tier=worker`; control-plane and LB nodes are tainted
 * anyway), except what must run on every node (node exporter) and the MetalLB speakers, which run only on the LB
 * tier with a toleration for its taint. Pure data and renderers, unit-tested.
 *
 * Tenant LoadBalancer endpoints: MetalLB in L2 mode. Its controller runs on the workers; its speakers run only on
 * the LB nodes (one per ESXi host, pinned by DRS), and the L2Advertisement names only those nodes, so service
 * addresses from the configured IPAddressPool are answered by the LB tier and survive the loss of any one host.
 */
import { LB_NODE_SELECTOR, LB_TOLERATION, WORKER_NODE_SELECTOR } from "./clusterTemplate";

/** Keys of the switchable services. */
export type ServiceKey =
  | "monitoring"
  | "logging"
  | "logCollector"
  | "argocd"
  | "clusterApi"
  | "crossplane"
  | "harbor"
  | "gitea"
  | "metallb";

/** One pinned chart. */
export interface ChartSpec {
  /** Helm release name. */
  release: string;
  chart: string;
  /** Chart repository URL (`repositoryOpts.repo`). */
  repo: string;
  /** Pinned chart version. */
  version: string;
  namespace: string;
  /** Which tier the workload runs on. */
  tier: "worker" | "lb+worker";
}

/**
 * Pinned defaults (chart versions; CAPI v1.14 / CAPV v1.17 through the operator). Where each version and repository
 * was checked (stored public sources):
 *  - kube-prometheus-stack 79.7.1, https://prometheus-community.github.io/helm-charts: renovate bumps 79.7.0 -> 79.7.1
 *    (josephpipitone/k8s-gitops PR 847, graphops/launchpad-namespaces PR 1864).
 *  - loki 6.29.0, https://grafana.github.io/helm-charts: the repository and the 6.x line are confirmed
 *    (grafana/helm-charts releases helm-loki-6.*); 6.29.0 itself was not found in the stored sources.
 *  - alloy 1.11.0, same repository: tag helm-chart/1.11.0 in grafana/alloy (pins Alloy v1.18.0).
 *  - argo-cd 9.0.6, https://argoproj.github.io/argo-helm: renovate bump 9.0.5 -> 9.0.6 (shortlink-org/gitops PR 149).
 *  - cluster-api-operator 0.30.0, https://kubernetes-sigs.github.io/cluster-api-operator: release v0.30.0 listed by
 *    newreleases.io for kubernetes-sigs/cluster-api-operator; the repo serves its chart index from GitHub Pages.
 *  - crossplane 2.0.2, https://charts.crossplane.io/stable: docs.crossplane.io install page; sylva-core MR 5189
 *    (1.20.1 -> 2.0.2).
 *  - harbor 1.17.0, https://helm.goharbor.io: goharbor/harbor-helm publishes harbor-1.17.0.tgz (README: helm repo add).
 *  - gitea 12.0.0, https://dl.gitea.com/charts/: gitea/helm-gitea v12.0.0 release notes ("Migrate to Valkey from
 *    Redis"; maxim-mityutko/home-infra PR 975).
 *  - metallb 0.15.2, https://metallb.github.io/metallb: sylva-core MR 4560 (0.14.9 -> 0.15.2).
 */
export const CHARTS: Record<ServiceKey, ChartSpec> = {
  monitoring: {
    release: "kube-prometheus-stack",
    chart: "kube-prometheus-stack",
    repo: "https://prometheus-community.github.io/helm-charts",
    version: "79.7.1",
    namespace: "monitoring",
    tier: "worker",
  },
  logging: {
    release: "loki",
    chart: "loki",
    repo: "https://grafana.github.io/helm-charts",
    version: "6.29.0",
    namespace: "logging",
    tier: "worker",
  },
  logCollector: {
    release: "alloy",
    chart: "alloy",
    repo: "https://grafana.github.io/helm-charts",
    version: "1.11.0",
    namespace: "logging",
    tier: "worker",
  },
  argocd: {
    release: "argocd",
    chart: "argo-cd",
    repo: "https://argoproj.github.io/argo-helm",
    version: "9.0.6",
    namespace: "argocd",
    tier: "worker",
  },
  clusterApi: {
    release: "capi-operator",
    chart: "cluster-api-operator",
    repo: "https://kubernetes-sigs.github.io/cluster-api-operator",
    version: "0.30.0",
    namespace: "capi-operator-system",
    tier: "worker",
  },
  crossplane: {
    release: "crossplane",
    chart: "crossplane",
    repo: "https://charts.crossplane.io/stable",
    version: "2.0.2",
    namespace: "crossplane-system",
    tier: "worker",
  },
  harbor: {
    release: "harbor",
    chart: "harbor",
    repo: "https://helm.goharbor.io",
    version: "1.17.0",
    namespace: "harbor",
    tier: "worker",
  },
  gitea: {
    release: "gitea",
    chart: "gitea",
    repo: "https://dl.gitea.com/charts/",
    version: "12.0.0",
    namespace: "gitea",
    tier: "worker",
  },
  metallb: {
    release: "metallb",
    chart: "metallb",
    repo: "https://metallb.github.io/metallb",
    version: "0.15.2",
    namespace: "metallb-system",
    tier: "lb+worker",
  },
};

/**
 * Cluster API provider versions the operator installs. CAPV v1.17 pairs with CAPI v1.14 (CAPV go.mod, reference/crds
 * README). Tenant clusters also use InClusterIPPool (ipam.cluster.x-k8s.io/v1alpha2), which the in-cluster IPAM
 * provider serves from GA v1.0.3 (same CRD as v1.1.0-rc.2, reference/crds README).
 */
export const CAPI_VERSIONS = {
  core: "v1.14.0",
  vsphere: "v1.17.0",
  kubeadm: "v1.14.0",
  ipamInCluster: "v1.0.3",
} as const;

/** CAPI provider versions (see {@link CAPI_VERSIONS}). */
export interface CapiVersions {
  core: string;
  vsphere: string;
  kubeadm: string;
  ipamInCluster: string;
}

/**
 * Namespace of the CAPV controller. The operator chart's default is `<name>-infrastructure-system`
 * (kubernetes-sigs/cluster-api-operator hack/charts/cluster-api-operator/templates/infra.yaml); Basphere sets it
 * explicitly so the VSphereClusterIdentity secret lands where CAPV reads it.
 */
export const CAPV_NAMESPACE = "vsphere-infrastructure-system";

const onWorkers = { nodeSelector: { ...WORKER_NODE_SELECTOR } };
const lbToleration = [{ ...LB_TOLERATION }];

/** Context some values need. */
export interface ValuesContext {
  /** Loki push URL for the collector (derived from the logging release when not given). */
  lokiPushUrl?: string;
  /** Harbor external URL, e.g. https://harbor.lab.local. */
  harborExternalUrl?: string;
  /** Secret name holding CAPV's VSPHERE_USERNAME / VSPHERE_PASSWORD (namespace of the operator). */
  capvConfigSecret?: string;
  /** CAPI provider versions. */
  capiVersions?: CapiVersions;
}

/** Default values of a service's chart; secrets (admin passwords) are merged in by the component. */
export function chartValues(key: ServiceKey, ctx: ValuesContext = {}): Record<string, any> {
  switch (key) {
    case "monitoring":
      // kube-prometheus-stack: operator and its admission-webhook patch job, the Prometheus/Alertmanager CR specs,
      // and the grafana / kube-state-metrics / prometheus-node-exporter subcharts each take their own keys
      // (not re-checked against the stored chart in this review).
      return {
        prometheusOperator: { ...onWorkers, admissionWebhooks: { patch: { ...onWorkers } } },
        prometheus: { prometheusSpec: { ...onWorkers, retention: "15d" } },
        alertmanager: { alertmanagerSpec: { ...onWorkers } },
        grafana: { ...onWorkers },
        "kube-state-metrics": { ...onWorkers },
        // The node exporter is a DaemonSet that must cover every node, LB and control plane included.
        "prometheus-node-exporter": { tolerations: [{ operator: "Exists" }] },
      };
    case "logging":
      // loki 6.x SingleBinary mode (backend/read/write at 0 replicas); per-component nodeSelector under
      // singleBinary / gateway / chunksCache / resultsCache (not re-checked against the stored chart).
      return {
        deploymentMode: "SingleBinary",
        loki: {
          auth_enabled: false,
          commonConfig: { replication_factor: 1 },
          storage: { type: "filesystem" },
          schemaConfig: {
            configs: [
              {
                from: "2024-04-01",
                store: "tsdb",
                object_store: "filesystem",
                schema: "v13",
                index: { prefix: "loki_index_", period: "24h" },
              },
            ],
          },
        },
        singleBinary: { replicas: 1, ...onWorkers },
        gateway: { ...onWorkers },
        chunksCache: { ...onWorkers },
        resultsCache: { ...onWorkers },
        backend: { replicas: 0 },
        read: { replicas: 0 },
        write: { replicas: 0 },
        minio: { enabled: false },
        lokiCanary: { tolerations: [{ operator: "Exists" }] },
      };
    case "logCollector": {
      const push = ctx.lokiPushUrl ?? "http://loki-gateway.logging.svc.cluster.local/loki/api/v1/push";
      // One Alloy instance (Deployment) tails every pod's log through the Kubernetes API and ships it to Loki.
      const config = [
        'discovery.kubernetes "pods" {',
        '  role = "pod"',
        "}",
        'discovery.relabel "pods" {',
        "  targets = discovery.kubernetes.pods.targets",
        '  rule {\n    source_labels = ["__meta_kubernetes_namespace"]\n    target_label  = "namespace"\n  }',
        '  rule {\n    source_labels = ["__meta_kubernetes_pod_name"]\n    target_label  = "pod"\n  }',
        '  rule {\n    source_labels = ["__meta_kubernetes_pod_container_name"]\n    target_label  = "container"\n  }',
        '  rule {\n    source_labels = ["__meta_kubernetes_pod_node_name"]\n    target_label  = "node"\n  }',
        "}",
        'loki.source.kubernetes "pods" {',
        "  targets    = discovery.relabel.pods.output",
        "  forward_to = [loki.write.default.receiver]",
        "}",
        'loki.write "default" {',
        `  endpoint {\n    url = "${push}"\n  }`,
        "}",
      ].join("\n");
      // alloy chart: `controller.type` (daemonset|deployment|statefulset), `controller.nodeSelector`,
      // `alloy.configMap.content` (not re-checked against the stored chart).
      return {
        controller: { type: "deployment", replicas: 1, ...onWorkers },
        alloy: { configMap: { content: config } },
      };
    }
    case "argocd":
      // argo-cd: `global.nodeSelector` applies to every component (not re-checked against the stored chart).
      return { global: { ...onWorkers } };
    case "clusterApi": {
      // cluster-api-operator chart (hack/charts/cluster-api-operator): `core`, `bootstrap`, `controlPlane`,
      // `infrastructure` and `ipam` are maps of provider name -> {version, namespace?, ...} (values.yaml, infra.yaml);
      // `configSecret: {name, namespace}` is copied into every provider's spec (infra.yaml), and the secret's keys are
      // the provider's clusterctl variables (CAPV: VSPHERE_USERNAME / VSPHERE_PASSWORD). The namespace is given: the
      // secret lives in the operator's namespace, not in each provider's. `nodeSelector` and `tolerations` are
      // top-level (templates/deployment.yaml); `cert-manager` is the chart's optional dependency (Chart.yaml).
      const v = ctx.capiVersions ?? CAPI_VERSIONS;
      return {
        ...onWorkers,
        core: { "cluster-api": { version: v.core } },
        bootstrap: { kubeadm: { version: v.kubeadm } },
        controlPlane: { kubeadm: { version: v.kubeadm } },
        infrastructure: { vsphere: { version: v.vsphere, namespace: CAPV_NAMESPACE } },
        ipam: { "in-cluster": { version: v.ipamInCluster } },
        ...(ctx.capvConfigSecret
          ? { configSecret: { name: ctx.capvConfigSecret, namespace: CHARTS.clusterApi.namespace } }
          : {}),
        "cert-manager": {
          enabled: true,
          ...onWorkers,
          webhook: { ...onWorkers },
          cainjector: { ...onWorkers },
          startupapicheck: { ...onWorkers },
        },
      };
    }
    case "crossplane":
      // crossplane chart README: `nodeSelector` (Crossplane pod), `rbacManager.nodeSelector`.
      return { ...onWorkers, rbacManager: { ...onWorkers } };
    case "harbor": {
      // goharbor/harbor-helm values.yaml: `expose.type: loadBalancer` + `expose.tls.auto.commonName` (required when
      // the type is not ingress), `externalURL`, `harborAdminPassword`; nodeSelector per component, including
      // `exporter`, `trivy`, `database.internal` and `redis.internal`.
      const url = ctx.harborExternalUrl ?? "https://harbor.local";
      const host = new URL(url).hostname;
      const comps = ["nginx", "portal", "core", "jobservice", "registry", "trivy", "exporter"];
      return {
        expose: {
          type: "loadBalancer",
          tls: { enabled: true, certSource: "auto", auto: { commonName: host } },
        },
        externalURL: url,
        ...Object.fromEntries(comps.map((c) => [c, { ...onWorkers }])),
        database: { internal: { ...onWorkers } },
        redis: { internal: { ...onWorkers } },
      };
    }
    case "gitea":
      // gitea chart 12 (Valkey replaced Redis in 12.0.0): top-level `nodeSelector`; the Bitnami postgresql and
      // valkey subcharts take `primary.nodeSelector` (subchart keys not re-checked against the stored charts).
      return {
        ...onWorkers,
        service: { http: { type: "LoadBalancer" }, ssh: { type: "LoadBalancer" } },
        "postgresql-ha": { enabled: false },
        postgresql: { enabled: true, primary: { ...onWorkers } },
        "valkey-cluster": { enabled: false },
        valkey: { enabled: true, primary: { ...onWorkers } },
      };
    case "metallb":
      // metallb/metallb charts/metallb/values.yaml: `controller.nodeSelector`, `speaker.nodeSelector`,
      // `speaker.tolerations`.
      return {
        controller: { ...onWorkers },
        speaker: { nodeSelector: { ...LB_NODE_SELECTOR }, tolerations: lbToleration },
      };
  }
}

/** Where a chart keeps one of its credentials, and the value it ships with when none is given. */
export interface ChartDefaultSecret {
  /** Key path in the chart's values. */
  path: string[];
  /** The chart's published default: public knowledge, so never acceptable in a deployment. */
  value: string;
}

/**
 * The credentials the Harbor and Gitea charts ship with a fixed, publicly known default. Basphere sets every one of
 * them from stack secrets (see {@link harborSecretValues}, {@link giteaSecretValues}); the config schema also refuses
 * these exact strings. Checked against the stored sources:
 *  - harbor-helm values.yaml (1.17 line): `harborAdminPassword: "Harbor12345"`; `secretKey: "not-a-secure-key"`
 *    ("The secret key used for encryption. Must be a string of 16 chars."); `database.internal.password: "changeit"`
 *    ("The initial superuser password for internal database"); `registry.credentials.password:
 *    "harbor_registry_password"` (core/jobservice authenticate to the registry with it; templates/registry/
 *    registry-secret.yaml turns it into the registry's htpasswd). `core.secret`, `jobservice.secret`,
 *    `registry.secret` (16 chars each) and `core.xsrfKey` (32 chars) default to "" and the templates generate a random
 *    value (`randAlphaNum`), so they are not fixed defaults and are left to the chart. `database.external.*`,
 *    `redis.external.*` and the object-storage credentials are unused (internal database and Redis, filesystem
 *    storage).
 *  - gitea chart 12: the bundled Bitnami PostgreSQL takes its user password from
 *    `postgresql.global.postgresql.auth.password` (which the chart also writes into Gitea's `database.PASSWD`), the
 *    bundled Valkey from `valkey.global.valkey.password`; both paths confirmed in a stored deployment of gitea chart
 *    12.1.0. The gitea chart's own 12.x values.yaml is not in the stored sources: the defaults listed here ("gitea",
 *    "changeme", and "r8sA8CPHD9!bt6d" for `gitea.admin.password`) are the ones of the stored 5.x chart
 *    (`postgresqlPassword: gitea`, the admin password) and of the chart's README for the Valkey password, not
 *    re-checked for 12.0.0 — Basphere sets all three regardless. The Bitnami `auth.postgresPassword` (the postgres
 *    admin user) is generated when empty. `postgresql-ha` and `valkey-cluster` (with their own "changeme*" defaults)
 *    are disabled by {@link chartValues}.
 */
export const CHART_DEFAULT_SECRETS = {
  harbor: [
    { path: ["harborAdminPassword"], value: "Harbor12345" },
    { path: ["secretKey"], value: "not-a-secure-key" },
    { path: ["database", "internal", "password"], value: "changeit" },
    { path: ["registry", "credentials", "password"], value: "harbor_registry_password" },
  ],
  gitea: [
    { path: ["gitea", "admin", "password"], value: "r8sA8CPHD9!bt6d" },
    { path: ["postgresql", "global", "postgresql", "auth", "password"], value: "gitea" },
    { path: ["valkey", "global", "valkey", "password"], value: "changeme" },
  ],
} as const satisfies Record<"harbor" | "gitea", readonly ChartDefaultSecret[]>;

/** Every published default credential string of {@link CHART_DEFAULT_SECRETS}. */
export const KNOWN_DEFAULT_SECRET_VALUES: readonly string[] = [
  ...CHART_DEFAULT_SECRETS.harbor,
  ...CHART_DEFAULT_SECRETS.gitea,
].map((d) => d.value);

/** Harbor's `secretKey` (its encryption key): exactly 16 printable ASCII characters, i.e. 16 bytes. */
export const HARBOR_SECRET_KEY_PATTERN = /^[\x21-\x7e]{16}$/;

/** Harbor's credentials (all secret). */
export interface HarborSecrets {
  /** Initial admin password (`harborAdminPassword`). */
  adminPassword: string;
  /** Encryption key (`secretKey`), exactly 16 printable ASCII characters. */
  secretKey: string;
  /** Superuser password of the internal database (`database.internal.password`). */
  databasePassword: string;
  /** Password core/jobservice use against the registry (`registry.credentials.password`). */
  registryPassword: string;
}

/** Gitea's credentials (all secret). */
export interface GiteaSecrets {
  /** Admin user name. */
  adminUser: string;
  /** Admin password (`gitea.admin.password`). */
  adminPassword: string;
  /** Password of the bundled PostgreSQL's gitea user (`postgresql.global.postgresql.auth.password`). */
  databasePassword: string;
  /** Password of the bundled Valkey (`valkey.global.valkey.password`). */
  valkeyPassword: string;
}

/**
 * What is wrong with one credential, or undefined: empty, a chart's published default, or (`harborSecretKey`) not
 * exactly 16 printable ASCII characters. Names the field, never the value.
 */
export function secretProblem(field: string, value: string): string | undefined {
  if (!value) return `${field} must not be empty`;
  if (KNOWN_DEFAULT_SECRET_VALUES.includes(value)) return `${field} must not be a chart's published default`;
  if (field === "harborSecretKey" && !HARBOR_SECRET_KEY_PATTERN.test(value)) {
    return `${field} must be exactly 16 printable ASCII characters, no spaces (Harbor's encryption key)`;
  }
  return undefined;
}

function checkSecret(field: string, value: string): void {
  const problem = secretProblem(field, value);
  if (problem) throw new Error(problem);
}

/** The Harbor values fragment that replaces every default credential. Throws naming the field on a bad value. */
export function harborSecretValues(s: HarborSecrets): Record<string, any> {
  checkSecret("harborAdminPassword", s.adminPassword);
  checkSecret("harborSecretKey", s.secretKey);
  checkSecret("harborDatabasePassword", s.databasePassword);
  checkSecret("harborRegistryPassword", s.registryPassword);
  return {
    harborAdminPassword: s.adminPassword,
    secretKey: s.secretKey,
    database: { internal: { password: s.databasePassword } },
    registry: { credentials: { password: s.registryPassword } },
  };
}

/** The Gitea values fragment that replaces every default credential. Throws naming the field on a bad value. */
export function giteaSecretValues(s: GiteaSecrets): Record<string, any> {
  checkSecret("giteaAdminPassword", s.adminPassword);
  checkSecret("giteaDatabasePassword", s.databasePassword);
  checkSecret("giteaValkeyPassword", s.valkeyPassword);
  return {
    gitea: { admin: { username: s.adminUser, password: s.adminPassword, email: `${s.adminUser}@local` } },
    postgresql: { global: { postgresql: { auth: { password: s.databasePassword } } } },
    valkey: { global: { valkey: { password: s.valkeyPassword } } },
  };
}

/** Deep merge of plain objects (arrays and scalars of `b` replace `a`'s). */
export function mergeValues(a: Record<string, any>, b: Record<string, any> | undefined): Record<string, any> {
  if (!b) return a;
  const out: Record<string, any> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] =
      v && typeof v === "object" && !Array.isArray(v) && cur && typeof cur === "object" && !Array.isArray(cur)
        ? mergeValues(cur, v)
        : v;
  }
  return out;
}
