/**
 * Pure renderers of the Cluster API objects of one tenant cluster (CAPI v1.14 / CAPV v1.17, API v1beta2;
 * in-cluster IPAM v1alpha2): spec → plain Kubernetes objects, validated in tests against the CRDs in reference/crds.
 * Two bootstraps: kubeadm (KubeadmControlPlane + KubeadmConfigTemplate, v1beta2) or Talos (Sidero's CACPPT
 * TalosControlPlane and CABPT TalosConfigTemplate, both v1alpha3: the only version CACPPT v0.5 serves, and the one
 * CABPT serves in both its GA v0.6 and v0.7 lines).
 *
 * Endpoint design: kube-vip holds a LAN address (`kubeVipAddress`); the tenant router maps a floating IP 1:1 to
 * it with NAT reflection. The floating IP is the cluster's controlPlaneEndpoint (so the management cluster, the
 * tenant's VPN users and the nodes themselves — through reflection — all use one address), and both addresses
 * are in the API server certificate's SANs.
 */
import {
  KUBE_VIP_MANIFEST_PATH,
  KUBE_VIP_PREPARE_PATH,
  renderKubeVipManifest,
  renderKubeVipPrepareScript,
} from "./kubeVip";
import type { KubeObject } from "./kubeObject";
import { CPI_CLUSTER_LABEL, CPI_CLUSTER_LABEL_VALUE } from "./vsphereCpi";

export const CAPI_GROUP = "cluster.x-k8s.io";
export const CAPI_VERSION = `${CAPI_GROUP}/v1beta2`;
export const INFRA_GROUP = "infrastructure.cluster.x-k8s.io";
export const INFRA_VERSION = `${INFRA_GROUP}/v1beta2`;
export const CONTROLPLANE_GROUP = "controlplane.cluster.x-k8s.io";
export const CONTROLPLANE_VERSION = `${CONTROLPLANE_GROUP}/v1beta2`;
export const BOOTSTRAP_GROUP = "bootstrap.cluster.x-k8s.io";
export const BOOTSTRAP_VERSION = `${BOOTSTRAP_GROUP}/v1beta2`;
export const IPAM_GROUP = "ipam.cluster.x-k8s.io";
export const IPAM_VERSION = `${IPAM_GROUP}/v1alpha2`;
export const TALOS_CONTROLPLANE_VERSION = `${CONTROLPLANE_GROUP}/v1alpha3`;
export const TALOS_BOOTSTRAP_VERSION = `${BOOTSTRAP_GROUP}/v1alpha3`;

export interface MachineSize {
  cpus: number;
  memoryMiB: number;
  diskGiB: number;
}

/** Everything the renderers need, as plain values. */
export interface ClusterRenderInput {
  /** Cluster name (DNS-1123 label). */
  name: string;
  /** Namespace on the management cluster (one per tenant). */
  namespace: string;
  kubernetesVersion: string;
  /** CAPV VM template name. */
  template: string;
  controlPlane: MachineSize & { replicas: number };
  workers: MachineSize & { replicas: number };
  podCidr: string;
  serviceCidr: string;
  /** The floating IP: controlPlaneEndpoint host. */
  endpointAddress: string;
  /** The kube-vip LAN address. */
  kubeVipAddress: string;
  /** API server port, 6443. */
  port?: number;
  /** MTU of the node NICs (the tenant LANs use 1450). Default: the guest's. */
  mtu?: number;
  vsphere: {
    server: string;
    /** SHA-1 thumbprint of the vCenter certificate. */
    thumbprint?: string;
    datacenter: string;
    datastore: string;
    /** VM folder (inventory path). */
    folder: string;
    /** Resource pool (inventory path). */
    resourcePool: string;
    /** Port group name of the LAN the nodes sit on. */
    networkName: string;
    /** `VSphereClusterIdentity` to use; default: CAPV's own credentials. */
    identityName?: string;
  };
  /** Node addressing: DHCP, or an in-cluster pool. */
  addressing:
    | { mode: "dhcp" }
    | {
        mode: "ipam";
        range: { first: string; last: string };
        prefix: number;
        gateway: string;
        nameservers: string[];
      };
  sshAuthorizedKeys?: string[];
  /** How nodes boot: kubeadm (default) or Talos (its version). */
  bootstrap?: { kind: "kubeadm" } | { kind: "talos"; talosVersion: string };
}

/** All objects of one cluster, by role: the kubeadm pair or the Talos pair, never both. */
export interface ClusterObjects {
  cluster: KubeObject;
  vsphereCluster: KubeObject;
  controlPlaneTemplate: KubeObject;
  kubeadmControlPlane?: KubeObject;
  talosControlPlane?: KubeObject;
  workerTemplate: KubeObject;
  kubeadmConfigTemplate?: KubeObject;
  talosConfigTemplate?: KubeObject;
  machineDeployment: KubeObject;
  machineHealthCheck: KubeObject;
  ipPool?: KubeObject;
}

/** The roles a cluster with this bootstrap and addressing has (what {@link renderClusterObjects} returns). */
export function clusterRoles(
  bootstrap: "kubeadm" | "talos",
  addressing: "dhcp" | "ipam",
): (keyof ClusterObjects)[] {
  return [
    ...(addressing === "ipam" ? (["ipPool"] as const) : []),
    "vsphereCluster",
    "controlPlaneTemplate",
    "workerTemplate",
    bootstrap === "talos" ? "talosConfigTemplate" : "kubeadmConfigTemplate",
    bootstrap === "talos" ? "talosControlPlane" : "kubeadmControlPlane",
    "machineDeployment",
    "machineHealthCheck",
    "cluster",
  ];
}

/** Names of the objects of a cluster. */
export function clusterObjectNames(name: string) {
  return {
    cluster: name,
    vsphereCluster: name,
    kubeadmControlPlane: `${name}-control-plane`,
    talosControlPlane: `${name}-control-plane`,
    controlPlaneTemplate: `${name}-control-plane`,
    workerTemplate: `${name}-worker`,
    kubeadmConfigTemplate: `${name}-worker`,
    talosConfigTemplate: `${name}-worker`,
    machineDeployment: `${name}-md-0`,
    machineHealthCheck: `${name}-md-0`,
    ipPool: `${name}-nodes`,
    kubeconfigSecret: `${name}-kubeconfig`,
  };
}

/** apiVersion and kind of every role. */
export const OBJECT_TYPES: Record<keyof ClusterObjects, { apiVersion: string; kind: string }> = {
  cluster: { apiVersion: CAPI_VERSION, kind: "Cluster" },
  vsphereCluster: { apiVersion: INFRA_VERSION, kind: "VSphereCluster" },
  controlPlaneTemplate: { apiVersion: INFRA_VERSION, kind: "VSphereMachineTemplate" },
  kubeadmControlPlane: { apiVersion: CONTROLPLANE_VERSION, kind: "KubeadmControlPlane" },
  workerTemplate: { apiVersion: INFRA_VERSION, kind: "VSphereMachineTemplate" },
  kubeadmConfigTemplate: { apiVersion: BOOTSTRAP_VERSION, kind: "KubeadmConfigTemplate" },
  talosControlPlane: { apiVersion: TALOS_CONTROLPLANE_VERSION, kind: "TalosControlPlane" },
  talosConfigTemplate: { apiVersion: TALOS_BOOTSTRAP_VERSION, kind: "TalosConfigTemplate" },
  machineDeployment: { apiVersion: CAPI_VERSION, kind: "MachineDeployment" },
  machineHealthCheck: { apiVersion: CAPI_VERSION, kind: "MachineHealthCheck" },
  ipPool: { apiVersion: IPAM_VERSION, kind: "InClusterIPPool" },
};

/** apiVersion, kind and metadata of one role's object (everything but the spec). */
export function objectHeader(
  role: keyof ClusterObjects,
  clusterName: string,
  namespace: string,
): Omit<KubeObject, "spec"> {
  const name = clusterObjectNames(clusterName)[role];
  const labels = role === "cluster" ? clusterLabels(clusterName) : { [CLUSTER_NAME_LABEL]: clusterName };
  return { ...OBJECT_TYPES[role], metadata: { name, namespace, labels } };
}

const CLUSTER_NAME_LABEL = "cluster.x-k8s.io/cluster-name";

/** Labels of the Cluster object: its name, and the label the vSphere CPI's ClusterResourceSet selects. */
export function clusterLabels(clusterName: string): Record<string, string> {
  return { [CLUSTER_NAME_LABEL]: clusterName, [CPI_CLUSTER_LABEL]: CPI_CLUSTER_LABEL_VALUE };
}
const CRI_SOCKET = "/var/run/containerd/containerd.sock";

function meta(name: string, input: ClusterRenderInput) {
  return { name, namespace: input.namespace, labels: { [CLUSTER_NAME_LABEL]: input.name } };
}

function machineTemplate(
  name: string,
  input: ClusterRenderInput,
  size: MachineSize,
  poolName: string,
): KubeObject {
  const v = input.vsphere;
  const device: Record<string, any> = { networkName: v.networkName };
  if (input.mtu) device.mtu = input.mtu;
  if (input.addressing.mode === "dhcp") {
    device.dhcp4 = true;
    device.dhcp6 = false;
  } else {
    device.dhcp4 = false;
    device.dhcp6 = false;
    device.addressesFromPools = [{ apiGroup: IPAM_GROUP, kind: "InClusterIPPool", name: poolName }];
    device.nameservers = input.addressing.nameservers;
  }
  const spec: Record<string, any> = {
    server: v.server,
    datacenter: v.datacenter,
    datastore: v.datastore,
    folder: v.folder,
    resourcePool: v.resourcePool,
    template: input.template,
    cloneMode: "fullClone",
    numCPUs: size.cpus,
    memoryMiB: size.memoryMiB,
    diskGiB: size.diskGiB,
    os: "Linux",
    powerOffMode: "trySoft",
    network: { devices: [device] },
  };
  if (v.thumbprint) spec.thumbprint = v.thumbprint;
  return {
    apiVersion: INFRA_VERSION,
    kind: "VSphereMachineTemplate",
    metadata: meta(name, input),
    spec: { template: { spec } },
  };
}

function nodeRegistration() {
  return {
    name: "{{ local_hostname }}",
    criSocket: CRI_SOCKET,
    kubeletExtraArgs: [{ name: "cloud-provider", value: "external" }],
  };
}

/** Commands every node runs before kubeadm: hostname, /etc/hosts, then the scripts in /etc/pre-kubeadm-commands. */
function preKubeadmCommands(): string[] {
  return [
    "hostnamectl set-hostname '{{ ds.meta_data.hostname }}'",
    "echo '::1         ipv6-localhost ipv6-loopback localhost6 localhost6.localdomain6' >/etc/hosts",
    "echo '127.0.0.1   {{ ds.meta_data.hostname }} {{ local_hostname }} localhost localhost.localdomain localhost4 localhost4.localdomain4' >>/etc/hosts",
    "mkdir -p /etc/pre-kubeadm-commands",
    'for script in $(find /etc/pre-kubeadm-commands/ -name \'*.sh\' -type f | sort); do echo "Running script $script"; "$script"; done',
  ];
}

function users(input: ClusterRenderInput) {
  return input.sshAuthorizedKeys?.length
    ? [{ name: "capv", sshAuthorizedKeys: input.sshAuthorizedKeys, sudo: "ALL=(ALL) NOPASSWD:ALL" }]
    : undefined;
}

function withOptional<T extends Record<string, any>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

/** Renders every Cluster API, CAPV and IPAM object of one tenant cluster. */
export function renderClusterObjects(input: ClusterRenderInput): ClusterObjects {
  const n = clusterObjectNames(input.name);
  const port = input.port ?? 6443;
  const v = input.vsphere;
  const talos = input.bootstrap?.kind === "talos" ? input.bootstrap : undefined;

  const cluster: KubeObject = {
    apiVersion: CAPI_VERSION,
    kind: "Cluster",
    metadata: { ...meta(n.cluster, input), labels: clusterLabels(input.name) },
    spec: {
      clusterNetwork: {
        pods: { cidrBlocks: [input.podCidr] },
        services: { cidrBlocks: [input.serviceCidr] },
      },
      controlPlaneRef: {
        apiGroup: CONTROLPLANE_GROUP,
        kind: talos ? "TalosControlPlane" : "KubeadmControlPlane",
        name: n.kubeadmControlPlane,
      },
      infrastructureRef: { apiGroup: INFRA_GROUP, kind: "VSphereCluster", name: n.vsphereCluster },
    },
  };

  const vsphereClusterSpec: Record<string, any> = {
    server: v.server,
    controlPlaneEndpoint: { host: input.endpointAddress, port },
  };
  if (v.thumbprint) vsphereClusterSpec.thumbprint = v.thumbprint;
  if (v.identityName)
    vsphereClusterSpec.identityRef = { kind: "VSphereClusterIdentity", name: v.identityName };
  const vsphereCluster: KubeObject = {
    apiVersion: INFRA_VERSION,
    kind: "VSphereCluster",
    metadata: meta(n.vsphereCluster, input),
    spec: vsphereClusterSpec,
  };

  const controlPlaneTemplate = machineTemplate(n.controlPlaneTemplate, input, input.controlPlane, n.ipPool);
  const workerTemplate = machineTemplate(n.workerTemplate, input, input.workers, n.ipPool);

  const kubeadmControlPlane: KubeObject = {
    apiVersion: CONTROLPLANE_VERSION,
    kind: "KubeadmControlPlane",
    metadata: meta(n.kubeadmControlPlane, input),
    spec: {
      replicas: input.controlPlane.replicas,
      version: input.kubernetesVersion,
      machineTemplate: {
        spec: {
          infrastructureRef: {
            apiGroup: INFRA_GROUP,
            kind: "VSphereMachineTemplate",
            name: n.controlPlaneTemplate,
          },
        },
      },
      kubeadmConfigSpec: withOptional({
        clusterConfiguration: {
          apiServer: { certSANs: [input.endpointAddress, input.kubeVipAddress] },
          controllerManager: { extraArgs: [{ name: "cloud-provider", value: "external" }] },
        },
        initConfiguration: { nodeRegistration: nodeRegistration() },
        joinConfiguration: { nodeRegistration: nodeRegistration() },
        files: [
          {
            path: KUBE_VIP_MANIFEST_PATH,
            owner: "root:root",
            permissions: "0644",
            content: renderKubeVipManifest({ address: input.kubeVipAddress, port }),
          },
          {
            path: KUBE_VIP_PREPARE_PATH,
            owner: "root:root",
            permissions: "0700",
            content: renderKubeVipPrepareScript(),
          },
        ],
        preKubeadmCommands: preKubeadmCommands(),
        users: users(input),
      }),
      rollout: { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } } },
    },
  };

  const kubeadmConfigTemplate: KubeObject = {
    apiVersion: BOOTSTRAP_VERSION,
    kind: "KubeadmConfigTemplate",
    metadata: meta(n.kubeadmConfigTemplate, input),
    spec: {
      template: {
        spec: withOptional({
          joinConfiguration: { nodeRegistration: nodeRegistration() },
          preKubeadmCommands: preKubeadmCommands().slice(0, 3),
          users: users(input),
        }),
      },
    },
  };

  const mdLabels = {
    [CLUSTER_NAME_LABEL]: input.name,
    "cluster.x-k8s.io/deployment-name": n.machineDeployment,
  };
  const machineDeployment: KubeObject = {
    apiVersion: CAPI_VERSION,
    kind: "MachineDeployment",
    metadata: meta(n.machineDeployment, input),
    spec: {
      clusterName: input.name,
      replicas: input.workers.replicas,
      selector: { matchLabels: mdLabels },
      template: {
        metadata: { labels: mdLabels },
        spec: {
          clusterName: input.name,
          version: input.kubernetesVersion,
          bootstrap: {
            configRef: {
              apiGroup: BOOTSTRAP_GROUP,
              kind: talos ? "TalosConfigTemplate" : "KubeadmConfigTemplate",
              name: n.kubeadmConfigTemplate,
            },
          },
          infrastructureRef: {
            apiGroup: INFRA_GROUP,
            kind: "VSphereMachineTemplate",
            name: n.workerTemplate,
          },
        },
      },
    },
  };

  const machineHealthCheck: KubeObject = {
    apiVersion: CAPI_VERSION,
    kind: "MachineHealthCheck",
    metadata: meta(n.machineHealthCheck, input),
    spec: {
      clusterName: input.name,
      selector: { matchLabels: { "cluster.x-k8s.io/deployment-name": n.machineDeployment } },
      checks: {
        nodeStartupTimeoutSeconds: 600,
        unhealthyNodeConditions: [
          { type: "Ready", status: "Unknown", timeoutSeconds: 300 },
          { type: "Ready", status: "False", timeoutSeconds: 300 },
        ],
      },
      remediation: { triggerIf: { unhealthyLessThanOrEqualTo: "40%" } },
    },
  };

  const objects: ClusterObjects = {
    cluster,
    vsphereCluster,
    controlPlaneTemplate,
    workerTemplate,
    machineDeployment,
    machineHealthCheck,
    ...(talos
      ? renderTalosBootstrap(input, talos.talosVersion, n)
      : { kubeadmControlPlane, kubeadmConfigTemplate }),
  };
  if (input.addressing.mode === "ipam") {
    objects.ipPool = {
      apiVersion: IPAM_VERSION,
      kind: "InClusterIPPool",
      metadata: meta(n.ipPool, input),
      spec: {
        addresses: [`${input.addressing.range.first}-${input.addressing.range.last}`],
        prefix: input.addressing.prefix,
        gateway: input.addressing.gateway,
      },
    };
  }
  return objects;
}

/**
 * Talos machine-config patches (RFC 6902, applied by CABPT/CACPPT to the config they generate; the pod and service
 * networks come from the Cluster's clusterNetwork): one NIC by DHCP or static pool at the LAN's MTU, the external
 * cloud provider (the vSphere CPI comes by ClusterResourceSet, as for kubeadm), and on control planes Talos's own
 * L2 VIP on the kube-vip address (Talos needs no kube-vip) and both endpoint addresses in the certificates.
 */
export function talosConfigPatches(
  input: ClusterRenderInput,
  role: "controlplane" | "worker",
): Record<string, unknown>[] {
  const nic: Record<string, unknown> = {
    deviceSelector: { physical: true },
    dhcp: input.addressing.mode === "dhcp",
  };
  if (input.mtu) nic.mtu = input.mtu;
  if (role === "controlplane") nic.vip = { ip: input.kubeVipAddress };
  const patches: Record<string, unknown>[] = [
    { op: "add", path: "/machine/network/interfaces", value: [nic] },
    { op: "add", path: "/cluster/externalCloudProvider", value: { enabled: true } },
  ];
  if (role === "controlplane") {
    const sans = [input.endpointAddress, input.kubeVipAddress];
    patches.push(
      { op: "add", path: "/machine/certSANs", value: sans },
      { op: "add", path: "/cluster/apiServer/certSANs", value: sans },
    );
  }
  return patches;
}

function renderTalosBootstrap(
  input: ClusterRenderInput,
  talosVersion: string,
  n: ReturnType<typeof clusterObjectNames>,
): Pick<ClusterObjects, "talosControlPlane" | "talosConfigTemplate"> {
  return {
    talosControlPlane: {
      apiVersion: TALOS_CONTROLPLANE_VERSION,
      kind: "TalosControlPlane",
      metadata: meta(n.talosControlPlane, input),
      spec: {
        replicas: input.controlPlane.replicas,
        version: input.kubernetesVersion,
        // A core ObjectReference (with apiVersion), not v1beta2's {apiGroup, kind, name}: CACPPT's v1alpha3 API.
        infrastructureTemplate: {
          apiVersion: INFRA_VERSION,
          kind: "VSphereMachineTemplate",
          name: n.controlPlaneTemplate,
          namespace: input.namespace,
        },
        controlPlaneConfig: {
          controlplane: {
            generateType: "controlplane",
            talosVersion,
            hostname: { source: "MachineName" },
            configPatches: talosConfigPatches(input, "controlplane"),
          },
        },
        rolloutStrategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } },
      },
    },
    talosConfigTemplate: {
      apiVersion: TALOS_BOOTSTRAP_VERSION,
      kind: "TalosConfigTemplate",
      metadata: meta(n.talosConfigTemplate, input),
      spec: {
        template: {
          spec: {
            generateType: "worker",
            talosVersion,
            hostname: { source: "MachineName" },
            configPatches: talosConfigPatches(input, "worker"),
          },
        },
      },
    },
  };
}
