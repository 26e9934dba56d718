import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type TenantClusterSpec, clusterTemplateOf, talosVersionOf } from "../../model/tenant/spec";
import {
  ClusterObjects,
  ClusterRenderInput,
  clusterObjectNames,
  clusterRoles,
  objectHeader,
  renderClusterObjects,
} from "./clusterApiObjects";
import { TenantLan } from "./tenantNetwork";
import {
  CPI_CREDENTIALS_KEY,
  CPI_MANIFESTS_KEY,
  RESOURCE_SET_SECRET_TYPE,
  cpiAddonNames,
  renderCpiCredentialsSecret,
  renderCpiManifests,
  renderCpiResourceSet,
} from "./vsphereCpi";
import { KubeObject } from "./kubeObject";
import { cpiImageFor } from "../../model/kubernetes/cpiVersions";

/** vSphere facts CAPV needs (names/paths, not ids), from the onprem stack. */
export interface CapvPlacement {
  server: pulumi.Input<string>;
  thumbprint?: pulumi.Input<string>;
  datacenterName: pulumi.Input<string>;
  datastoreName: pulumi.Input<string>;
  computeClusterName: pulumi.Input<string>;
  /** VM folder path relative to the datacenter's VM folder (e.g. `basphere/tenant-acme`). */
  folderPath: pulumi.Input<string>;
  /** A VSphereClusterIdentity for CAPV to use. Default (unset or `""`): CAPV's own credentials. */
  identityName?: pulumi.Input<string>;
}

/** vCenter credentials of the cluster's vSphere cloud provider (CPI): a restricted account; secret. */
export interface CpiCredentials {
  username: string;
  password: string;
}

/** Arguments of {@link TenantCluster}. */
export interface TenantClusterArgs {
  tenantName: string;
  /** The cluster spec (defaults applied by the tenant spec schema). Required. */
  spec: TenantClusterSpec;
  /** The LAN the nodes sit on. Required. */
  lan: TenantLan;
  /** The floating IP that is the API endpoint (mapped 1:1 to the kube-vip address). Required. */
  endpointAddress: string;
  /** LAN address of the API endpoint (kube-vip, or Talos's VIP). Default: the LAN's first endpoint address. */
  kubeVipAddress?: string;
  /** Node addresses with `addressing: ipam`. Default: the LAN's whole IPAM range. */
  ipamRange?: { first: string; last: string };
  placement: CapvPlacement;
  /**
   * vCenter account of the cluster's vSphere cloud provider (CPI), installed by a ClusterResourceSet; secret
   * end to end. Required: nodes registered with `cloud-provider: external` stay uninitialised without a CPI.
   */
  cpiCredentials: pulumi.Input<CpiCredentials>;
  /** Provider for the management cluster. Required. */
  provider: k8s.Provider;
  /** MTU of the node NICs. Default 1450 (the tenant LANs' MTU). */
  mtu?: number;
  /** Namespace on the management cluster. Default `tenant-<tenantName>`. */
  namespace?: string;
  /** How long `up` waits for the control plane to initialise, s. Default 1800. */
  timeoutSeconds?: number;
  /** Resources the cluster needs first (the router's DHCP/NAT, the endpoint's floating IP). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * Creation order: each role waits for the roles listed (besides the namespace). The Cluster comes last and is
 * deleted first, so CAPI tears the cluster down while its infrastructure objects still exist; it also carries the
 * wait for the control plane (the KubeadmControlPlane can only initialise once the Cluster exists).
 */
const DEPENDS: [keyof ClusterObjects, (keyof ClusterObjects)[]][] = [
  ["ipPool", []],
  ["vsphereCluster", []],
  ["controlPlaneTemplate", ["ipPool"]],
  ["workerTemplate", ["ipPool"]],
  ["kubeadmConfigTemplate", []],
  ["talosConfigTemplate", []],
  ["kubeadmControlPlane", ["controlPlaneTemplate"]],
  ["talosControlPlane", ["controlPlaneTemplate"]],
  ["machineDeployment", ["workerTemplate", "kubeadmConfigTemplate", "talosConfigTemplate"]],
  ["machineHealthCheck", []],
  [
    "cluster",
    [
      "ipPool",
      "vsphereCluster",
      "controlPlaneTemplate",
      "workerTemplate",
      "kubeadmConfigTemplate",
      "talosConfigTemplate",
      "kubeadmControlPlane",
      "talosControlPlane",
      "machineDeployment",
      "machineHealthCheck",
    ],
  ],
];

/**
 * A tenant Kubernetes cluster made by Cluster API on the management cluster (kubeadm + CAPV, v1beta2): the
 * objects come from the pure {@link renderClusterObjects}. The vSphere cloud provider (CPI) comes with it, as in
 * CAPV's default flavor: a ClusterResourceSet (selecting the Cluster by its labels) applies a ConfigMap of CPI
 * manifests and a resource-set Secret holding the vCenter credentials (components/tenant/vsphereCpi.ts); without a
 * CPI the nodes (registered with `cloud-provider: external`) never get a providerID. `up` waits until the control plane is initialised
 * (`pulumi.com/waitFor` on the Cluster: `status.initialization.controlPlaneInitialized`) and then reads the `<cluster>-kubeconfig` Secret CAPI wrote.
 */
export class TenantCluster extends pulumi.ComponentResource {
  public readonly name: string;
  public readonly namespace: string;
  /** `https://<floating IP>:6443`. */
  public readonly endpoint: string;
  /** The kube-vip address on the LAN. */
  public readonly kubeVipAddress: string;
  /** The pinned vSphere CPI image (for the cluster's Kubernetes minor). */
  public readonly cpiImage: string;
  /** Admin kubeconfig of the tenant cluster (secret). */
  public readonly kubeconfig: pulumi.Output<string>;
  public readonly objects: Partial<Record<keyof ClusterObjects, k8s.apiextensions.CustomResource>> = {};
  /** The vSphere CPI add-on: the ClusterResourceSet and the ConfigMap/Secret it applies to the cluster. */
  public readonly cpi: {
    resourceSet: k8s.apiextensions.CustomResource;
    manifests: k8s.core.v1.ConfigMap;
    credentials: k8s.core.v1.Secret;
  };

  constructor(name: string, args: TenantClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("basphere:tenant:TenantCluster", name, {}, opts);
    const spec = args.spec;
    this.name = spec.name ?? args.tenantName;
    this.namespace = args.namespace ?? `tenant-${args.tenantName}`;
    if (spec.controlPlane.replicas !== 1 && spec.controlPlane.replicas !== 3) {
      throw new pulumi.ResourceError(
        `TenantCluster ${name}: controlPlane.replicas must be 1 or 3, got ${spec.controlPlane.replicas}`,
        this,
      );
    }
    let cpiImage: string;
    try {
      cpiImage = cpiImageFor(spec.kubernetesVersion);
    } catch (e) {
      throw new pulumi.ResourceError(`TenantCluster ${name}: spec.${(e as Error).message}`, this);
    }
    if (args.cpiCredentials === undefined) {
      throw new pulumi.ResourceError(
        `TenantCluster ${name}: cpiCredentials is required (the vCenter account of the cluster's vSphere CPI)`,
        this,
      );
    }
    const plan = args.lan.plan;
    this.kubeVipAddress = args.kubeVipAddress ?? plan.kubeVip;
    this.endpoint = `https://${args.endpointAddress}:6443`;
    const p = args.placement;

    const rendered: pulumi.Output<ClusterObjects> = pulumi
      .all([
        p.server,
        p.thumbprint,
        p.datacenterName,
        p.datastoreName,
        p.computeClusterName,
        p.folderPath,
        p.identityName,
      ])
      .apply(([server, thumbprint, dc, datastore, computeCluster, folderPath, identityName]) => {
        const input: ClusterRenderInput = {
          name: this.name,
          namespace: this.namespace,
          kubernetesVersion: spec.kubernetesVersion,
          template: clusterTemplateOf(spec),
          controlPlane: spec.controlPlane,
          workers: spec.workers,
          podCidr: spec.podCidr,
          serviceCidr: spec.serviceCidr,
          endpointAddress: args.endpointAddress,
          kubeVipAddress: this.kubeVipAddress,
          mtu: args.mtu ?? 1450,
          vsphere: {
            server,
            thumbprint: thumbprint || undefined,
            datacenter: dc,
            datastore,
            folder: `/${dc}/vm/${folderPath}`,
            resourcePool: `/${dc}/host/${computeCluster}/Resources`,
            networkName: args.lan.portGroupName,
            identityName: identityName || undefined,
          },
          addressing:
            spec.addressing === "ipam"
              ? {
                  mode: "ipam",
                  range: args.ipamRange ?? plan.ipamRange,
                  prefix: plan.prefix,
                  gateway: plan.gateway,
                  nameservers: [plan.gateway],
                }
              : { mode: "dhcp" },
          sshAuthorizedKeys: spec.sshAuthorizedKeys,
          bootstrap:
            spec.bootstrap === "talos"
              ? { kind: "talos", talosVersion: talosVersionOf(spec)! }
              : { kind: "kubeadm" },
        };
        return renderClusterObjects(input);
      });

    const provider = args.provider;
    const ns = new k8s.core.v1.Namespace(
      `${name}-ns`,
      {
        metadata: {
          name: this.namespace,
          labels: { "basphere.io/tenant": args.tenantName },
          annotations: { ...OWNED_ANNOTATIONS },
        },
      },
      { parent: this, provider, dependsOn: args.dependsOn },
    );
    const names = clusterObjectNames(this.name);

    // vSphere cloud provider (CPI), applied into the workload cluster by a ClusterResourceSet once it exists.
    const addon = cpiAddonNames(this.name);
    const addonLabels = { "cluster.x-k8s.io/cluster-name": this.name };
    const manifests = new k8s.core.v1.ConfigMap(
      `${name}-cpi-manifests`,
      {
        metadata: {
          name: addon.manifests,
          namespace: this.namespace,
          labels: addonLabels,
          annotations: { ...OWNED_ANNOTATIONS },
        },
        data: pulumi
          .all([p.server, p.datacenterName, p.thumbprint])
          .apply(([server, datacenter, thumbprint]) => ({
            [CPI_MANIFESTS_KEY]: renderCpiManifests({
              server,
              datacenter,
              thumbprint: thumbprint ?? "",
              kubernetesVersion: spec.kubernetesVersion,
            }),
          })),
      },
      { parent: this, provider, dependsOn: [ns] },
    );
    const credentials = new k8s.core.v1.Secret(
      `${name}-cpi-credentials`,
      {
        metadata: {
          name: addon.credentials,
          namespace: this.namespace,
          labels: addonLabels,
          annotations: { ...OWNED_ANNOTATIONS },
        },
        type: RESOURCE_SET_SECRET_TYPE,
        stringData: pulumi.secret(
          pulumi.all([p.server, args.cpiCredentials]).apply(([server, c]) => ({
            [CPI_CREDENTIALS_KEY]: renderCpiCredentialsSecret({ server, ...c }),
          })),
        ),
      },
      { parent: this, provider, dependsOn: [ns], additionalSecretOutputs: ["data", "stringData"] },
    );
    const crs = renderCpiResourceSet(this.name, this.namespace);
    const resourceSet = new k8s.apiextensions.CustomResource(
      `${name}-cpi`,
      {
        apiVersion: crs.apiVersion,
        kind: crs.kind,
        metadata: { ...crs.metadata, annotations: { ...crs.metadata.annotations, ...OWNED_ANNOTATIONS } },
        spec: crs.spec,
      },
      { parent: this, provider, dependsOn: [ns, manifests, credentials] },
    );
    this.cpi = { resourceSet, manifests, credentials };
    this.cpiImage = cpiImage;

    const roles = new Set(clusterRoles(spec.bootstrap, spec.addressing));
    for (const [role, deps] of DEPENDS) {
      if (!roles.has(role)) continue;
      const object = rendered.apply((o) => o[role] as KubeObject);
      const template = objectHeader(role, this.name, this.namespace);
      const annotations: Record<string, string> = { ...OWNED_ANNOTATIONS };
      if (role === "cluster") {
        annotations["pulumi.com/waitFor"] = "jsonpath={.status.initialization.controlPlaneInitialized}=true";
        annotations["pulumi.com/timeoutSeconds"] = String(args.timeoutSeconds ?? 1800);
      }
      this.objects[role] = new k8s.apiextensions.CustomResource(
        `${name}-${kebab(role)}`,
        {
          apiVersion: template.apiVersion,
          kind: template.kind,
          metadata: {
            ...template.metadata,
            annotations,
          },
          spec: object.apply((o) => o.spec),
        },
        {
          parent: this,
          provider,
          dependsOn: [
            ns,
            ...deps.flatMap((d) => this.objects[d] ?? []),
            // The Cluster (which the ClusterResourceSet selects) comes after its CPI add-on, and goes first.
            ...(role === "cluster" ? [resourceSet] : []),
          ],
        },
      );
    }

    const secret = k8s.core.v1.Secret.get(
      `${name}-kubeconfig`,
      `${this.namespace}/${names.kubeconfigSecret}`,
      {
        parent: this,
        provider,
        dependsOn: [this.objects.cluster!],
      },
    );
    this.kubeconfig = pulumi.secret(
      secret.data.apply((d) => {
        const v = d?.["value"];
        if (!v) throw new Error(`secret ${this.namespace}/${names.kubeconfigSecret} has no "value" key`);
        return Buffer.from(v, "base64").toString("utf8");
      }),
    );
    this.registerOutputs({
      endpoint: this.endpoint,
      kubeVipAddress: this.kubeVipAddress,
      kubeconfig: this.kubeconfig,
    });
  }
}

/**
 * On every object the cluster's program owns: its fields are the program's, so an `up` takes them back from whoever
 * changed them by hand (server-side apply with force) instead of failing on the field conflict — and a drift check
 * (`preview --refresh`) shows the changed field instead of that conflict.
 */
export const OWNED_ANNOTATIONS: Readonly<Record<string, string>> = { "pulumi.com/patchForce": "true" };

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
