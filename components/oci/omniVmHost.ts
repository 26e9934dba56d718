/**
 * OmniVmHost: Omni on one OCI compute instance (mode `vm`). A Flex-shape VM from the newest Ubuntu platform image,
 * a block volume for Omni's persistent state (embedded etcd + SQLite, survives instance replacement), and
 * cloud-init user data (a secret) that installs Docker and runs the pinned Omni image with host networking.
 * The instance's VNIC takes the reserved private IP the reserved public IP is bound to.
 */
import * as oci from "@pulumi/oci";
import * as pulumi from "@pulumi/pulumi";
import { checkMetadataSize, encodeUserData, renderOmniCloudConfig } from "./cloudInit";
import { isArmShape } from "./images";
import { OmniHostCommonArgs, availabilityDomainName, hostEndpoints, hostSettings } from "./omniHostInputs";
import { OmniHostComponent, endpointOutputs } from "./omniHostOutputs";

/** Default VM shape: AMD E5 Flex. */
export const DEFAULT_VM_SHAPE = "VM.Standard.E5.Flex";
/**
 * Default size, per Omni's guidance (a full single-VM stack for up to ~200 nodes needs about 4 cores): 2 OCPUs
 * (= 4 vCPUs on x86) and 16 GB memory.
 */
export const DEFAULT_VM_OCPUS = 2;
export const DEFAULT_VM_MEMORY_GB = 16;
/** Consistent device path of the first paravirtualized data volume. */
export const DATA_DEVICE = "/dev/oracleoci/oraclevdb";

/** Arguments of {@link OmniVmHost} (plus the common ones: compartment, subnet, reserved IP, settings, files). */
export interface OmniVmHostArgs extends OmniHostCommonArgs {
  /** Network security groups of the VNIC (Omni's, plus add-on groups). Required. */
  nsgIds: pulumi.Input<string>[];
  /** Reserved private IP (OCID) the VNIC takes; the reserved public IP is bound to it. Required. */
  privateIpId: pulumi.Input<string>;
  /** Compute shape. Default `VM.Standard.E5.Flex`. */
  shape?: string;
  /** OCPUs of the Flex shape. Default 2. */
  ocpus?: number;
  /** Memory in GB. Default 16. */
  memoryGb?: number;
  /** Boot volume size in GB. Default 50. */
  bootVolumeGb?: number;
  /** Data volume (etcd + SQLite) size in GB. Default 100. */
  dataVolumeGb?: number;
  /** Platform image operating system and version. Default Canonical Ubuntu 24.04. */
  image?: { operatingSystem: string; operatingSystemVersion: string };
}

/** Omni on a VM. */
export class OmniVmHost extends OmniHostComponent {
  /** The rendered user data (secret). */
  readonly userData: pulumi.Output<string>;

  constructor(name: string, args: OmniVmHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("basphere:oci:OmniVmHost", name, {}, opts);
    const shape = args.shape ?? DEFAULT_VM_SHAPE;
    const ocpus = args.ocpus ?? DEFAULT_VM_OCPUS;
    const memoryGb = args.memoryGb ?? DEFAULT_VM_MEMORY_GB;
    if (!shape.endsWith(".Flex"))
      throw new pulumi.ResourceError(`OmniVmHost ${name}: shape ${shape} is not a Flex shape`, this);
    if (ocpus < 1 || memoryGb < ocpus) {
      throw new pulumi.ResourceError(
        `OmniVmHost ${name}: needs ocpus >= 1 and memoryGb >= ocpus (got ${ocpus}, ${memoryGb})`,
        this,
      );
    }
    const compartmentId = args.compartmentId;
    const p = { parent: this };
    const image = args.image ?? { operatingSystem: "Canonical Ubuntu", operatingSystemVersion: "24.04" };

    const availabilityDomain = availabilityDomainName(
      `OmniVmHost ${name}`,
      compartmentId,
      args.availabilityDomainIndex ?? 0,
      p,
    );
    const imageId = oci.core
      .getImagesOutput(
        {
          compartmentId,
          operatingSystem: image.operatingSystem,
          operatingSystemVersion: image.operatingSystemVersion,
          shape,
          state: "AVAILABLE",
          sortBy: "TIMECREATED",
          sortOrder: "DESC",
        },
        p,
      )
      .images.apply((imgs) => {
        const usable = imgs.filter((i) => /aarch64/i.test(i.displayName) === isArmShape(shape));
        if (usable.length === 0) {
          throw new Error(
            `OmniVmHost ${name}: no ${image.operatingSystem} ${image.operatingSystemVersion} image for shape ${shape}`,
          );
        }
        return usable[0].id;
      });

    const endpoints = hostEndpoints(args.reservedIp, args.dnsName);
    this.userData = pulumi.secret(
      pulumi
        .all([args.reservedIp, args.tlsCert, args.tlsKey, args.gpgKey, args.authConfig])
        .apply(([ip, tlsCert, tlsKey, gpgKey, authConfig]) =>
          renderOmniCloudConfig({
            settings: hostSettings(args.settings, ip, args.dnsName),
            tlsCert,
            tlsKey,
            gpgKey,
            authConfig,
            dataDevice: DATA_DEVICE,
          }),
        ),
    );

    const dataVolume = new oci.core.Volume(
      `${name}-data`,
      {
        compartmentId,
        availabilityDomain,
        sizeInGbs: String(args.dataVolumeGb ?? 100),
        displayName: `${name}-data`,
      },
      { ...p, protect: false },
    );
    // gzip + base64 (cloud-init inflates it): keys and certificate chain must fit OCI's 32,000-byte metadata cap.
    const metadata = pulumi.secret(
      this.userData.apply((u) => {
        const m: Record<string, string> = { user_data: encodeUserData(u) };
        if (args.sshPublicKey) m.ssh_authorized_keys = args.sshPublicKey;
        checkMetadataSize(`OmniVmHost ${name}`, m);
        return m;
      }),
    );
    const instance = new oci.core.Instance(
      `${name}-vm`,
      {
        compartmentId,
        availabilityDomain,
        displayName: `${name}-omni`,
        shape,
        shapeConfig: { ocpus, memoryInGbs: memoryGb },
        sourceDetails: {
          sourceType: "image",
          sourceId: imageId,
          bootVolumeSizeInGbs: String(args.bootVolumeGb ?? 50),
        },
        createVnicDetails: {
          subnetId: args.subnetId,
          assignPublicIp: "false",
          nsgIds: args.nsgIds,
          privateIpId: args.privateIpId,
        },
        metadata,
        agentConfig: { isMonitoringDisabled: false, isManagementDisabled: false },
        instanceOptions: { areLegacyImdsEndpointsDisabled: true },
      },
      p,
    );
    new oci.core.VolumeAttachment(
      `${name}-data-attachment`,
      {
        attachmentType: "paravirtualized",
        instanceId: instance.id,
        volumeId: dataVolume.id,
        device: DATA_DEVICE,
        displayName: `${name}-data`,
      },
      p,
    );

    this.publish({ ...endpointOutputs(endpoints), hostId: instance.id });
  }
}
