/**
 * OmniK8sHost: Omni on a single-node Kubernetes cluster (mode `k8s`). An OKE basic cluster with the OCI cloud
 * controller and a one-node pool; Omni deployed with @pulumi/kubernetes: its files in a Secret, state on an OCI
 * block volume (PVC), one replica (Omni must never run twice), and a LoadBalancer Service (OCI NLB) on the reserved
 * public IP. The Kubernetes provider is built from the OKE kubeconfig, kept secret.
 */
import * as k8s from "@pulumi/kubernetes";
import * as oci from "@pulumi/oci";
import * as pulumi from "@pulumi/pulumi";
import { ADDON_NAMES, AddonHook, AddonName } from "./addons";
import { OMNI_PATHS, OMNI_PORTS } from "./constants";
import { pickOkeNodeImage } from "./images";
import { omniFlags, omniImage } from "./omniFlags";
import { OmniHostCommonArgs, availabilityDomainName, hostEndpoints, hostSettings } from "./omniHostInputs";
import { OmniHostComponent, endpointOutputs } from "./omniHostOutputs";
import { omniServiceAnnotations, omniServicePorts } from "./omniService";
import { createSecurityGroup } from "./securityGroup";
import { IngressRule } from "./securityRules";

/** Default Kubernetes version of the OKE cluster. */
export const DEFAULT_OKE_VERSION = "v1.33.1";
/** Default node shape and size (same guidance as the VM mode, plus headroom for the kubelet and system pods). */
export const DEFAULT_NODE_SHAPE = "VM.Standard.E5.Flex";
export const DEFAULT_NODE_OCPUS = 2;
export const DEFAULT_NODE_MEMORY_GB = 16;
/** CNI of cluster and node pool: the flannel overlay (OKE's default for clusters created through the API). */
export const POD_NETWORK = "FLANNEL_OVERLAY";

/** Arguments of {@link OmniK8sHost} (plus the common ones: compartment, subnet, reserved IP, settings, files). */
export interface OmniK8sHostArgs extends OmniHostCommonArgs {
  /** VCN of the cluster. Required. */
  vcnId: pulumi.Input<string>;
  /** VCN CIDR (node ↔ control plane traffic is allowed within it). Required. */
  vcnCidr: string;
  /** The Omni security group, attached to the load balancer. Required. */
  nsgId: pulumi.Input<string>;
  /**
   * CIDRs allowed to reach the Kubernetes API endpoint (6443). Required, at least one: Pulumi itself deploys Omni
   * through that endpoint, so the network it runs from must be listed.
   */
  adminCidrs: string[];
  /** Kubernetes version. Default `v1.33.1`. */
  kubernetesVersion?: string;
  /** Node shape. Default `VM.Standard.E5.Flex`. */
  nodeShape?: string;
  /** Node OCPUs. Default 2. */
  nodeOcpus?: number;
  /** Node memory in GB. Default 16. */
  nodeMemoryGb?: number;
  /** Persistent volume size for etcd + SQLite, GB. Default 50 (OCI block volume minimum). */
  storageGb?: number;
  /** Storage class of the data volume. Default `oci-bv` (OCI block volume CSI). */
  storageClass?: string;
  /** Add-on security groups (enabled add-ons) and their deployment hooks. Default none. */
  addons?: {
    nsgIds: Partial<Record<AddonName, pulumi.Input<string>>>;
    hooks?: Partial<Record<AddonName, AddonHook>>;
  };
}

/** Omni on OKE. */
export class OmniK8sHost extends OmniHostComponent {
  /** Kubeconfig of the OKE cluster (secret). */
  readonly kubeconfig: pulumi.Output<string>;
  /** Namespaces created for enabled add-ons. */
  readonly addonNamespaces: Partial<Record<AddonName, pulumi.Output<string>>> = {};

  constructor(name: string, args: OmniK8sHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("basphere:oci:OmniK8sHost", name, {}, opts);
    const compartmentId = args.compartmentId;
    const version = args.kubernetesVersion ?? DEFAULT_OKE_VERSION;
    const nodeShape = args.nodeShape ?? DEFAULT_NODE_SHAPE;
    const storageGb = args.storageGb ?? 50;
    if (!/^v\d+\.\d+\.\d+$/.test(version)) {
      throw new pulumi.ResourceError(
        `OmniK8sHost ${name}: kubernetesVersion ${version} is not like v1.33.1`,
        this,
      );
    }
    if (!args.adminCidrs || args.adminCidrs.length === 0) {
      throw new pulumi.ResourceError(
        `OmniK8sHost ${name}: adminCidrs needs at least one CIDR (Pulumi deploys Omni through the Kubernetes API endpoint)`,
        this,
      );
    }
    if (storageGb < 50)
      throw new pulumi.ResourceError(
        `OmniK8sHost ${name}: storageGb must be at least 50 (OCI minimum)`,
        this,
      );
    const p = { parent: this };

    // Control plane endpoint: 6443 from the admin CIDRs and the VCN, 12250 (node ↔ control plane) from the VCN.
    const apiRules: IngressRule[] = [
      {
        name: "api-vcn",
        description: "Kubernetes API from the VCN",
        protocol: "tcp",
        port: 6443,
        source: args.vcnCidr,
      },
      {
        name: "proxymux-vcn",
        description: "OKE node to control plane",
        protocol: "tcp",
        port: 12250,
        source: args.vcnCidr,
      },
      ...[...new Set(args.adminCidrs)].map((c, i) => ({
        name: `api-admin-${i}`,
        description: `Kubernetes API from admin network ${c}`,
        protocol: "tcp" as const,
        port: 6443,
        source: c,
      })),
    ];
    const apiNsg = createSecurityGroup(`${name}-api-nsg`, this, compartmentId, args.vcnId, apiRules);
    // Nodes: reachable from inside the VCN only (control plane, load balancer health checks and traffic).
    const nodeNsg = createSecurityGroup(`${name}-node-nsg`, this, compartmentId, args.vcnId, [
      {
        name: "vcn",
        description: "all traffic from the VCN",
        protocol: "all",
        port: 0,
        source: args.vcnCidr,
      },
    ]);

    const cluster = new oci.containerengine.Cluster(
      `${name}-oke`,
      {
        compartmentId,
        vcnId: args.vcnId,
        name: `${name}-omni`,
        kubernetesVersion: version,
        type: "BASIC_CLUSTER",
        // Pods on the flannel overlay (podsCidr below); VCN-native pod networking would need a pod subnet.
        clusterPodNetworkOptions: [{ cniType: POD_NETWORK }],
        endpointConfig: { subnetId: args.subnetId, isPublicIpEnabled: true, nsgIds: [apiNsg.id] },
        options: {
          serviceLbSubnetIds: [args.subnetId],
          kubernetesNetworkConfig: { podsCidr: "10.244.0.0/16", servicesCidr: "10.96.0.0/16" },
        },
      },
      p,
    );
    const availabilityDomain = availabilityDomainName(
      `OmniK8sHost ${name}`,
      compartmentId,
      args.availabilityDomainIndex ?? 0,
      p,
    );
    const nodeImage = oci.containerengine
      .getNodePoolOptionOutput({ nodePoolOptionId: cluster.id, compartmentId }, p)
      .sources.apply((sources) => pickOkeNodeImage(sources, version, nodeShape).imageId);
    const nodePool = new oci.containerengine.NodePool(
      `${name}-pool`,
      {
        clusterId: cluster.id,
        compartmentId,
        name: `${name}-omni`,
        kubernetesVersion: version,
        nodeShape,
        nodeShapeConfig: {
          ocpus: args.nodeOcpus ?? DEFAULT_NODE_OCPUS,
          memoryInGbs: args.nodeMemoryGb ?? DEFAULT_NODE_MEMORY_GB,
        },
        nodeSourceDetails: { sourceType: "IMAGE", imageId: nodeImage, bootVolumeSizeInGbs: "50" },
        nodeConfigDetails: {
          size: 1,
          placementConfigs: [{ availabilityDomain, subnetId: args.subnetId }],
          nsgIds: [nodeNsg.id],
          nodePoolPodNetworkOptionDetails: { cniType: POD_NETWORK },
        },
        initialNodeLabels: [{ key: "basphere.io/role", value: "omni" }],
        ...(args.sshPublicKey ? { sshPublicKey: args.sshPublicKey } : {}),
      },
      p,
    );

    this.kubeconfig = pulumi.secret(
      oci.containerengine.getClusterKubeConfigOutput({ clusterId: cluster.id }, p).content,
    );
    const provider = new k8s.Provider(
      `${name}-k8s`,
      { kubeconfig: this.kubeconfig, enableServerSideApply: true },
      p,
    );
    const kp = { parent: this, provider, dependsOn: [nodePool] };

    const ns = new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: "omni" } }, kp);
    const namespace = ns.metadata.name;
    const reservedIp = pulumi.output(args.reservedIp);
    const files = new k8s.core.v1.Secret(
      `${name}-files`,
      {
        metadata: { name: "omni-files", namespace },
        type: "Opaque",
        stringData: pulumi.secret(
          pulumi
            .all([args.tlsCert, args.tlsKey, args.gpgKey, args.authConfig])
            .apply(([crt, key, gpg, auth]) => ({
              "tls.crt": crt,
              "tls.key": key,
              "omni.asc": gpg,
              "auth.yaml": auth,
            })),
        ),
      },
      { ...kp, additionalSecretOutputs: ["stringData", "data"] },
    );
    const pvc = new k8s.core.v1.PersistentVolumeClaim(
      `${name}-data`,
      {
        metadata: { name: "omni-data", namespace },
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: args.storageClass ?? "oci-bv",
          resources: { requests: { storage: `${storageGb}Gi` } },
        },
      },
      kp,
    );
    const labels = { "app.kubernetes.io/name": "omni" };
    const flags = reservedIp.apply((ip) => omniFlags(hostSettings(args.settings, ip, args.dnsName)));
    new k8s.apps.v1.Deployment(
      `${name}-omni`,
      {
        metadata: { name: "omni", namespace, labels },
        spec: {
          replicas: 1,
          // Omni must never run twice against the same etcd: stop the old pod before starting a new one.
          strategy: { type: "Recreate" },
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              initContainers: [
                {
                  name: "data-dirs",
                  image: "busybox:1.37",
                  command: [
                    "sh",
                    "-c",
                    "mkdir -p /_out/etcd /_out/secondary-storage && chmod 0700 /_out/etcd",
                  ],
                  volumeMounts: [{ name: "data", mountPath: OMNI_PATHS.dataDir }],
                },
              ],
              containers: [
                {
                  name: "omni",
                  image: omniImage(args.settings.version),
                  args: flags,
                  ports: omniServicePorts().map((sp) => ({
                    name: sp.name,
                    containerPort: sp.targetPort,
                    protocol: sp.protocol,
                  })),
                  securityContext: { capabilities: { add: ["NET_ADMIN"] } },
                  volumeMounts: [
                    { name: "data", mountPath: OMNI_PATHS.dataDir },
                    { name: "files", mountPath: OMNI_PATHS.configDir, readOnly: true },
                    { name: "tun", mountPath: "/dev/net/tun" },
                  ],
                  readinessProbe: { tcpSocket: { port: OMNI_PORTS.api }, periodSeconds: 10 },
                  resources: { requests: { cpu: "1", memory: "2Gi" } },
                },
              ],
              volumes: [
                { name: "data", persistentVolumeClaim: { claimName: pvc.metadata.name } },
                {
                  name: "files",
                  secret: {
                    secretName: files.metadata.name,
                    defaultMode: 0o400,
                    items: [
                      { key: "tls.crt", path: "tls/tls.crt" },
                      { key: "tls.key", path: "tls/tls.key" },
                      { key: "omni.asc", path: "omni.asc" },
                      { key: "auth.yaml", path: "auth.yaml" },
                    ],
                  },
                },
                { name: "tun", hostPath: { path: "/dev/net/tun", type: "CharDevice" } },
              ],
            },
          },
        },
      },
      kp,
    );
    const service = new k8s.core.v1.Service(
      `${name}-lb`,
      {
        metadata: {
          name: "omni",
          namespace,
          labels,
          annotations: pulumi.output(args.nsgId).apply((id) => omniServiceAnnotations(id)),
        },
        spec: {
          type: "LoadBalancer",
          loadBalancerIP: reservedIp,
          externalTrafficPolicy: "Cluster",
          selector: labels,
          ports: omniServicePorts(),
        },
      },
      kp,
    );

    const endpoints = hostEndpoints(reservedIp, args.dnsName);
    for (const addon of ADDON_NAMES) {
      const nsgId = args.addons?.nsgIds[addon];
      if (nsgId === undefined) continue;
      const addonNs = new k8s.core.v1.Namespace(`${name}-${addon}-ns`, { metadata: { name: addon } }, kp);
      this.addonNamespaces[addon] = addonNs.metadata.name;
      args.addons?.hooks?.[addon]?.({
        name: addon,
        provider,
        namespace: addonNs.metadata.name,
        nsgId: pulumi.output(nsgId),
        omniUrl: endpoints.omniUrl,
        parent: this,
      });
    }

    this.publish({
      ...endpointOutputs(endpoints),
      hostId: cluster.id,
      // The URLs are only live once the load balancer holds the reserved IP.
      omniUrl: pulumi.all([endpoints.omniUrl, service.status]).apply(([u]) => u),
    });
  }
}
