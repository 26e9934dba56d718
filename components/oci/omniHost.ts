/**
 * OmniHost: Omni on OCI in either mode — `vm` (one compute instance, {@link OmniVmHost}) or `k8s` (single-node
 * OKE, {@link OmniK8sHost}). Both give the same outputs, so the stack does not care which one runs.
 */
import * as pulumi from "@pulumi/pulumi";
import { AddonHook, AddonName } from "./addons";
import { OmniHostCommonArgs, OmniHostFiles, OmniHostSettings, omniHostFiles } from "./omniHostInputs";
import { OmniHostComponent } from "./omniHostOutputs";
import { OmniK8sHost } from "./omniK8sHost";
import { OmniNetwork } from "./omniNetwork";
import { OmniVmHost } from "./omniVmHost";

/** How Omni is hosted. */
export const OMNI_MODES = ["vm", "k8s"] as const;
export type OmniMode = (typeof OMNI_MODES)[number];

/** Arguments of {@link OmniHost} (plus the files Omni reads: TLS certificate and key, GPG key, auth settings). */
export interface OmniHostArgs extends OmniHostFiles {
  /** `vm` or `k8s`. Required. */
  mode: OmniMode;
  /** Compartment OCID. Required. */
  compartmentId: pulumi.Input<string>;
  /** The network Omni lives in. In `vm` mode it must have bound its public IP to a reserved private IP. Required. */
  network: OmniNetwork;
  /** DNS name of Omni (A record to the reserved IP). Default: URLs use the IP. */
  dnsName?: string;
  /** Admin CIDRs (SSH in `vm` mode, Kubernetes API in `k8s` mode, where at least one is required). Default none. */
  adminCidrs?: string[];
  /** Shape for the VM or the node. Default `VM.Standard.E5.Flex`. */
  shape?: string;
  /** OCPUs. Default 2. */
  ocpus?: number;
  /** Memory, GB. Default 16. */
  memoryGb?: number;
  /** Persistent data size, GB. Default 100 (`vm`) / 50 (`k8s`). */
  dataVolumeGb?: number;
  /** Kubernetes version (`k8s` mode). Default `v1.33.1`. */
  kubernetesVersion?: string;
  /** SSH public key. Default none. */
  sshPublicKey?: string;
  /** Omni settings. Required. */
  settings: OmniHostSettings;
  /** Deployment hooks of enabled add-ons (`k8s` mode). Default none. */
  addonHooks?: Partial<Record<AddonName, AddonHook>>;
}

/** Omni on OCI, whatever the mode. */
export class OmniHost extends OmniHostComponent {
  readonly mode: OmniMode;

  constructor(name: string, args: OmniHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("basphere:oci:OmniHost", name, {}, opts);
    if (!(OMNI_MODES as readonly string[]).includes(args.mode)) {
      throw new pulumi.ResourceError(
        `OmniHost ${name}: unknown mode ${JSON.stringify(args.mode)} (expected vm or k8s)`,
        this,
      );
    }
    const net = args.network;
    const common: OmniHostCommonArgs = {
      ...omniHostFiles(args),
      compartmentId: args.compartmentId,
      subnetId: net.subnetId,
      reservedIp: net.reservedIp,
      dnsName: args.dnsName,
      sshPublicKey: args.sshPublicKey,
      settings: args.settings,
    };
    let host: OmniVmHost | OmniK8sHost;
    if (args.mode === "vm") {
      if (!net.privateIpId) {
        throw new pulumi.ResourceError(
          `OmniHost ${name}: vm mode needs a network with bindPublicIpToPrivateIp`,
          this,
        );
      }
      host = new OmniVmHost(
        name,
        {
          ...common,
          nsgIds: [net.nsgId, ...Object.values(net.addonNsgIds)],
          privateIpId: net.privateIpId,
          shape: args.shape,
          ocpus: args.ocpus,
          memoryGb: args.memoryGb,
          dataVolumeGb: args.dataVolumeGb,
        },
        { parent: this },
      );
    } else {
      host = new OmniK8sHost(
        name,
        {
          ...common,
          vcnId: net.vcnId,
          vcnCidr: net.vcnCidr,
          nsgId: net.nsgId,
          adminCidrs: args.adminCidrs ?? [],
          kubernetesVersion: args.kubernetesVersion,
          nodeShape: args.shape,
          nodeOcpus: args.ocpus,
          nodeMemoryGb: args.memoryGb,
          storageGb: args.dataVolumeGb,
          addons: { nsgIds: net.addonNsgIds, hooks: args.addonHooks },
        },
        { parent: this },
      );
    }
    this.mode = args.mode;
    this.publish(host);
  }
}
