/**
 * The vSphere cloud provider (CPI, `vsphere-cloud-controller-manager`) of a tenant cluster, installed the way CAPV's
 * default flavor does it: a ClusterResourceSet on the management cluster that applies, into the new workload
 * cluster, a ConfigMap of manifests (ServiceAccount, RBAC, the `vsphere.conf` cloud-config, the DaemonSet) and a
 * Secret (type `addons.cluster.x-k8s.io/resource-set`) holding the vCenter credentials Secret. Pure renderers; no
 * Pulumi imports. The pinned CPI release per Kubernetes minor is domain data: model/kubernetes/cpiVersions.ts (the
 * tenant spec validates requests against it).
 *
 * Why: the kubeadm config registers every node with `cloud-provider: external`, so a node keeps the
 * `node.cloudprovider.kubernetes.io/uninitialized` taint and has no `spec.providerID` until a CPI initialises it;
 * without one, CAPI cannot match Machines to Nodes and the cluster never becomes ready.
 *
 * Facts (checked in the stored public sources):
 * - Image `registry.k8s.io/cloud-pv-vsphere/cloud-provider-vsphere:<tag>`, one CPI release line per Kubernetes
 *   minor; tags from kubernetes/cloud-provider-vsphere `releases/v1.<minor>/vsphere-cloud-controller-manager.yaml`.
 * - The manifests (names, RBAC rules, tolerations, control-plane affinity, `--cloud-config=/etc/cloud/vsphere.conf`,
 *   credentials Secret keys `<server>.username` / `<server>.password` referenced by `global.secretName`) follow that
 *   release manifest and CAPV's `templates/cluster-template.yaml` (kubernetes-sigs/cluster-api-provider-vsphere).
 * - ClusterResourceSet `addons.cluster.x-k8s.io/v1beta2`: `spec.clusterSelector` (required), `spec.resources[]`
 *   (required, 1–100 of `{kind: Secret|ConfigMap, name}`), `spec.strategy` (`ApplyOnce`|`Reconcile`, immutable);
 *   the controller only reads Secrets of type `addons.cluster.x-k8s.io/resource-set`.
 */
import { stringify } from "yaml";
import { cpiImageFor } from "../../model/kubernetes/cpiVersions";
import type { KubeObject } from "./kubeObject";

/** Where the CPI runs in the workload cluster, and the names of its objects there. */
export const CPI_NAMESPACE = "kube-system";
export const CPI_OBJECT_NAMES = {
  serviceAccount: "cloud-controller-manager",
  clusterRole: "system:cloud-controller-manager",
  clusterRoleBinding: "system:cloud-controller-manager",
  /** Lets the CCM read the API server's authentication config (as every cloud controller manager needs). */
  authReaderBinding: "servicecatalog.k8s.io:apiserver-authentication-reader",
  cloudConfig: "vsphere-cloud-config",
  credentials: "vsphere-cloud-secret",
  daemonSet: "vsphere-cloud-controller-manager",
} as const;

/** Label on the Cluster that the CPI's ClusterResourceSet selects (with the cluster-name label). */
export const CPI_CLUSTER_LABEL = "basphere.io/vsphere-cpi";
export const CPI_CLUSTER_LABEL_VALUE = "enabled";
/** Secret type the ClusterResourceSet controller requires of the Secrets it applies. */
export const RESOURCE_SET_SECRET_TYPE = "addons.cluster.x-k8s.io/resource-set";
export const ADDONS_VERSION = "addons.cluster.x-k8s.io/v1beta2";
/** Key of the manifests in the ConfigMap, and of the credentials manifest in the resource-set Secret. */
export const CPI_MANIFESTS_KEY = "vsphere-cpi.yaml";
export const CPI_CREDENTIALS_KEY = "vsphere-cpi-credentials.yaml";

/** Names, on the management cluster (the tenant's namespace), of the CPI add-on objects of one cluster. */
export function cpiAddonNames(clusterName: string) {
  return {
    resourceSet: `${clusterName}-vsphere-cpi`,
    manifests: `${clusterName}-vsphere-cpi-manifests`,
    credentials: `${clusterName}-vsphere-cpi-credentials`,
  };
}

/** What the CPI needs to reach vCenter. */
export interface CpiVcenter {
  /** vCenter server (FQDN or IP), as CAPV's VSphereCluster.spec.server. */
  server: string;
  /** Datacenter the cluster's VMs live in. */
  datacenter: string;
  /** SHA-1 thumbprint of the vCenter certificate (colon-separated). Required: the CPI verifies TLS with it. */
  thumbprint: string;
  /** vCenter port; default 443. */
  port?: number;
}

function checkVcenter(v: CpiVcenter): void {
  if (!v.server) throw new Error("vsphere CPI: server is required");
  if (!v.datacenter) throw new Error("vsphere CPI: datacenter is required");
  if (!/^([0-9A-Fa-f]{2}:){19}[0-9A-Fa-f]{2}$/.test(v.thumbprint ?? "")) {
    throw new Error(
      "vsphere CPI: thumbprint must be the SHA-1 thumbprint of the vCenter certificate (20 hex pairs separated by ':')",
    );
  }
}

/** The CPI's cloud-config (`vsphere.conf`, YAML form): one vCenter, credentials from the credentials Secret. */
export function renderCpiCloudConfig(v: CpiVcenter): string {
  checkVcenter(v);
  return stringify({
    global: {
      port: v.port ?? 443,
      secretName: CPI_OBJECT_NAMES.credentials,
      secretNamespace: CPI_NAMESPACE,
      thumbprint: v.thumbprint,
    },
    vcenter: {
      [v.server]: { server: v.server, datacenters: [v.datacenter] },
    },
  });
}

/** Options of {@link renderCpiObjects}. */
export interface CpiOptions extends CpiVcenter {
  /** Kubernetes version of the cluster; picks the pinned image (see {@link CPI_VERSIONS}). */
  kubernetesVersion: string;
  /** Log verbosity (`--v`); default 2. */
  verbosity?: number;
}

const labels = (role: string) => ({ "vsphere-cpi-infra": role, component: "cloud-controller-manager" });

/** The CPI objects the ConfigMap carries (everything but the credentials Secret), in apply order. */
export function renderCpiObjects(o: CpiOptions): Record<string, any>[] {
  const image = cpiImageFor(o.kubernetesVersion);
  const n = CPI_OBJECT_NAMES;
  const ns = CPI_NAMESPACE;
  const sa = { kind: "ServiceAccount", name: n.serviceAccount, namespace: ns };
  const rule = (apiGroups: string[], resources: string[], verbs: string[]) => ({
    apiGroups,
    resources,
    verbs,
  });
  const podLabels = { name: n.daemonSet, component: "cloud-controller-manager", tier: "control-plane" };
  const controlPlane = (key: string) => ({ matchExpressions: [{ key, operator: "Exists" }] });
  return [
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: n.serviceAccount, namespace: ns, labels: labels("service-account") },
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: n.clusterRole, labels: labels("role") },
      rules: [
        rule([""], ["events"], ["create", "patch", "update"]),
        rule([""], ["nodes"], ["*"]),
        rule([""], ["nodes/status"], ["patch"]),
        rule([""], ["services"], ["list", "patch", "update", "watch"]),
        rule([""], ["services/status"], ["patch"]),
        rule([""], ["serviceaccounts"], ["create", "get", "list", "watch", "update"]),
        rule([""], ["persistentvolumes"], ["get", "list", "update", "watch"]),
        rule([""], ["endpoints"], ["create", "get", "list", "watch", "update"]),
        rule([""], ["secrets"], ["get", "list", "watch"]),
        rule(["coordination.k8s.io"], ["leases"], ["create", "get", "list", "watch", "update"]),
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: n.clusterRoleBinding, labels: labels("cluster-role-binding") },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: n.clusterRole },
      subjects: [sa, { kind: "User", name: "cloud-controller-manager" }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: n.authReaderBinding, namespace: ns, labels: labels("role-binding") },
      roleRef: {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "Role",
        name: "extension-apiserver-authentication-reader",
      },
      subjects: [sa, { kind: "User", name: "cloud-controller-manager" }],
    },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: n.cloudConfig, namespace: ns, labels: labels("config") },
      data: { "vsphere.conf": renderCpiCloudConfig(o) },
    },
    {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: {
        name: n.daemonSet,
        namespace: ns,
        labels: { component: "cloud-controller-manager", tier: "control-plane" },
      },
      spec: {
        selector: { matchLabels: { name: n.daemonSet } },
        updateStrategy: { type: "RollingUpdate" },
        template: {
          metadata: { labels: podLabels },
          spec: {
            tolerations: [
              // The CPI is what removes this taint, so it must run on nodes that still carry it.
              { key: "node.cloudprovider.kubernetes.io/uninitialized", value: "true", effect: "NoSchedule" },
              { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
              { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoSchedule" },
            ],
            securityContext: { runAsUser: 1001 },
            serviceAccountName: n.serviceAccount,
            priorityClassName: "system-node-critical",
            hostNetwork: true,
            containers: [
              {
                name: n.daemonSet,
                image,
                imagePullPolicy: "IfNotPresent",
                args: [
                  "--cloud-provider=vsphere",
                  `--v=${o.verbosity ?? 2}`,
                  "--cloud-config=/etc/cloud/vsphere.conf",
                ],
                volumeMounts: [{ name: "vsphere-config-volume", mountPath: "/etc/cloud", readOnly: true }],
                resources: { requests: { cpu: "200m" } },
              },
            ],
            volumes: [{ name: "vsphere-config-volume", configMap: { name: n.cloudConfig } }],
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [controlPlane("node-role.kubernetes.io/control-plane")],
                },
              },
            },
          },
        },
      },
    },
  ];
}

/** Joins objects into one multi-document YAML string (what a ClusterResourceSet ConfigMap/Secret value holds). */
export function toMultiDocYaml(objects: Record<string, any>[]): string {
  return objects.map((o) => stringify(o)).join("---\n");
}

/** The CPI manifests (ConfigMap value): ServiceAccount, RBAC, cloud-config, DaemonSet. */
export function renderCpiManifests(o: CpiOptions): string {
  return toMultiDocYaml(renderCpiObjects(o));
}

/**
 * The vCenter credentials Secret the CPI reads (`<server>.username` / `<server>.password` in kube-system), as a
 * manifest for the resource-set Secret. Holds the password: keep the result secret.
 */
export function renderCpiCredentialsSecret(o: {
  server: string;
  username: string;
  password: string;
}): string {
  if (!o.server) throw new Error("vsphere CPI credentials: server is required");
  if (!o.username) throw new Error("vsphere CPI credentials: username is required");
  if (!o.password) throw new Error("vsphere CPI credentials: password is required");
  return stringify({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: CPI_OBJECT_NAMES.credentials, namespace: CPI_NAMESPACE, labels: labels("secret") },
    type: "Opaque",
    stringData: { [`${o.server}.username`]: o.username, [`${o.server}.password`]: o.password },
  });
}

/** Labels of a Cluster whose CPI the tenant installs (the cluster-name label is on every object already). */
export function cpiClusterSelector(clusterName: string): Record<string, string> {
  return { "cluster.x-k8s.io/cluster-name": clusterName, [CPI_CLUSTER_LABEL]: CPI_CLUSTER_LABEL_VALUE };
}

/**
 * The ClusterResourceSet that applies the CPI to exactly this cluster: it selects the Cluster by its name label
 * and the CPI label, and references the credentials Secret and the manifests ConfigMap (same namespace).
 * `Reconcile` re-applies the resources when they change (a rotated password, a new image after an upgrade).
 */
export function renderCpiResourceSet(clusterName: string, namespace: string): KubeObject {
  const n = cpiAddonNames(clusterName);
  return {
    apiVersion: ADDONS_VERSION,
    kind: "ClusterResourceSet",
    metadata: {
      name: n.resourceSet,
      namespace,
      labels: { "cluster.x-k8s.io/cluster-name": clusterName },
    },
    spec: {
      clusterSelector: { matchLabels: cpiClusterSelector(clusterName) },
      resources: [
        { kind: "Secret", name: n.credentials },
        { kind: "ConfigMap", name: n.manifests },
      ],
      strategy: "Reconcile",
    },
  };
}
