/**
 * TalosNode: one Talos VM on vSphere, cloned from the Talos OVA template, that joins Omni on first boot through
 * `guestinfo.talos.config` (the Omni join documents, base64) and gets the Omni machine labels that select its
 * role (applied by omnictl once the machine has registered).
 */
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as vsphere from "../../providers/vsphere";
import { renderGuestMetadata, renderJoinConfig, toBase64 } from "./joinConfig";
import { renderLabelMachineScript, validateLabels } from "./machineLabels";
import { NodeSize, Tier } from "./tiers";

/** Omni connection of a node. */
export interface OmniJoinArgs {
  /** Omni machine (SideroLink) API URL, e.g. `grpc://omni.example:8090`. */
  machineApiUrl: pulumi.Input<string>;
  /** Omni join token (made secret here if it is not already). */
  joinToken: pulumi.Input<string>;
  /** Event sink port inside the overlay. Default 8091. */
  eventSinkPort?: number;
  /** Log server port inside the overlay. Default 8092. */
  logServerPort?: number;
}

/** Omni API access for labelling the machine (omnictl). */
export interface OmniApiArgs {
  /** Omni API endpoint (https URL), exported to omnictl as OMNI_ENDPOINT. */
  endpoint: pulumi.Input<string>;
  /** Service account key (secret), exported as OMNI_SERVICE_ACCOUNT_KEY. */
  serviceAccountKey: pulumi.Input<string>;
  /** Extra global omnictl flags. Default none. */
  omnictlFlags?: string[];
  /** Seconds to wait for the machine to register. Default 900. */
  registrationTimeoutSeconds?: number;
}

/** Arguments of {@link TalosNode}. */
export interface TalosNodeArgs extends NodeSize {
  /** VM name and Talos hostname (a DNS label). Default: the resource name. */
  vmName?: string;
  /** Tier of the node (recorded in the VM annotation). */
  tier: Tier;
  /** Resource pool (usually the compute cluster's root pool). */
  resourcePoolId: pulumi.Input<string>;
  datastoreId: pulumi.Input<string>;
  /** VM folder path. Default: the datacenter's VM root. */
  folder?: pulumi.Input<string>;
  /** ESXi host for the initial placement (the DRS rules keep it there). Default: DRS chooses. */
  hostSystemId?: pulumi.Input<string>;
  /** Port group of the node's NIC. */
  networkId: pulumi.Input<string>;
  /** The Talos template VM (from `getVirtualMachineOutput`). */
  template: {
    uuid: pulumi.Input<string>;
    guestId: pulumi.Input<string>;
    firmware?: pulumi.Input<string | undefined>;
  };
  /** How the node joins Omni. */
  join: OmniJoinArgs;
  /** Omni machine labels that select the node's role (machine classes match on them). */
  labels: Record<string, string>;
  /** Omni API access; when given, a command applies {@link labels} once the machine registers. Default: none. */
  omni?: OmniApiArgs;
}

/** One Talos VM joined to Omni. */
export class TalosNode extends pulumi.ComponentResource {
  /** The vSphere VM. */
  readonly vm: vsphere.VirtualMachine;
  /** VM id (its BIOS UUID), what DRS groups and rules reference. */
  readonly vmId: pulumi.Output<string>;
  /** The command that labels the machine in Omni, when {@link TalosNodeArgs.omni} was given. */
  readonly labelCommand?: command.local.Command;
  /** The Omni labels of the machine. */
  readonly labels: Record<string, string>;

  constructor(name: string, args: TalosNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("basphere:onprem:TalosNode", name, {}, opts);
    const vmName = args.vmName ?? name;
    try {
      validateLabels(args.labels, `TalosNode ${name} labels`);
      renderGuestMetadata(vmName);
    } catch (e) {
      throw new pulumi.ResourceError((e as Error).message, this);
    }
    this.labels = { ...args.labels };

    const joinConfig = pulumi
      .all([args.join.machineApiUrl, pulumi.secret(args.join.joinToken)])
      .apply(([machineApiUrl, joinToken]) =>
        toBase64(
          renderJoinConfig({
            machineApiUrl,
            joinToken,
            eventSinkPort: args.join.eventSinkPort,
            logServerPort: args.join.logServerPort,
          }),
        ),
      );
    const extraConfig = pulumi.secret(
      joinConfig.apply((talosConfig) => ({
        "disk.enableUUID": "TRUE",
        "guestinfo.talos.config": talosConfig,
        "guestinfo.metadata": toBase64(renderGuestMetadata(vmName)),
        "guestinfo.metadata.encoding": "base64",
      })),
    );

    this.vm = new vsphere.VirtualMachine(
      name,
      {
        name: vmName,
        resourcePoolId: args.resourcePoolId,
        datastoreId: args.datastoreId,
        folder: args.folder,
        hostSystemId: args.hostSystemId,
        numCpus: args.cpus,
        memory: args.memoryMb,
        guestId: args.template.guestId,
        firmware: args.template.firmware as pulumi.Input<string> | undefined,
        enableDiskUuid: true,
        annotation: `Basphere management cluster, tier ${args.tier}. Talos, managed by Omni.`,
        extraConfig,
        networkInterfaces: [{ networkId: args.networkId, adapterType: "vmxnet3" }],
        disks: [{ label: "disk0", size: args.diskGb, thinProvisioned: true }],
        clone: { templateUuid: args.template.uuid },
        // Talos may run without VMware tools; Omni registration (below) is the readiness signal.
        waitForGuestNetTimeout: 0,
        waitForGuestIpTimeout: 0,
      },
      { parent: this },
    );
    this.vmId = this.vm.id;

    if (args.omni) {
      const omni = args.omni;
      this.labelCommand = new command.local.Command(
        `${name}-omni-labels`,
        {
          create: this.vm.uuid.apply((biosUuid) =>
            renderLabelMachineScript({
              biosUuid,
              labels: this.labels,
              timeoutSeconds: omni.registrationTimeoutSeconds,
              omnictlFlags: omni.omnictlFlags,
            }),
          ),
          environment: {
            OMNI_ENDPOINT: omni.endpoint,
            OMNI_SERVICE_ACCOUNT_KEY: pulumi.secret(omni.serviceAccountKey),
          },
          logging: "stderr",
        },
        { parent: this, dependsOn: [this.vm] },
      );
    }

    this.registerOutputs({ vmId: this.vmId, uuid: this.vm.uuid, labels: this.labels });
  }
}
