import * as pulumi from "@pulumi/pulumi";
import * as vsphere from "../../providers/vsphere";
import { TenantLan } from "./tenantNetwork";
import { rangeContains, formatRange } from "../../model/tenant/lanPlan";

/** Where tenant VMs go in vSphere (from the onprem stack, plus the tenant folder). */
export interface VmPlacement {
  datacenterId: pulumi.Input<string>;
  resourcePoolId: pulumi.Input<string>;
  datastoreId: pulumi.Input<string>;
  /** VM folder path. */
  folder: pulumi.Input<string>;
}

/** Arguments of {@link TenantVm}. */
export interface TenantVmArgs {
  /** Tenant name; the VM is `tenant-<tenant>-<name>`. Required. */
  tenantName: string;
  /** VM (host) name, a DNS-1123 label. Required. */
  name: string;
  placement: VmPlacement;
  /** The LAN the VM sits on. Required. */
  lan: TenantLan;
  /** Static address in the LAN's static range (set by guest customization). Required. */
  address: string;
  /** vCPUs. Default 2. */
  cpus?: number;
  /** Memory in MiB. Default 2048. */
  memoryMiB?: number;
  /** System disk in GB; never below the template's disk. Default 20. */
  diskGb?: number;
  /** Template to clone (a Linux template with VMware Tools). Default `ubuntu-24.04-cloud`. */
  template?: string;
  /** DNS domain. Default `<tenant>.internal`. */
  domain?: string;
  /** The template's facts, when the caller already looked them up (one lookup per template). Default: looked up. */
  templateInfo?: pulumi.Output<vsphere.GetVirtualMachineResult>;
}

/**
 * A standalone tenant VM: a clone with a static address on one LAN (vSphere Linux guest customization: host
 * name, address, gateway and DNS = the tenant router).
 */
export class TenantVm extends pulumi.ComponentResource {
  public readonly vm: vsphere.VirtualMachine;
  /** The VM's LAN address. */
  public readonly address: string;

  constructor(name: string, args: TenantVmArgs, opts?: pulumi.ComponentResourceOptions) {
    super("basphere:tenant:TenantVm", name, {}, opts);
    const plan = args.lan.plan;
    if (!rangeContains(plan.staticRange, args.address)) {
      throw new pulumi.ResourceError(
        `TenantVm ${name}: address ${args.address} must be in the static range ${formatRange(plan.staticRange)} of ${args.lan.portGroupName}`,
        this,
      );
    }
    const cpus = args.cpus ?? 2;
    const memory = args.memoryMiB ?? 2048;
    const diskGb = args.diskGb ?? 20;
    if (!Number.isInteger(cpus) || cpus < 1)
      throw new pulumi.ResourceError(`TenantVm ${name}: cpus must be a positive integer`, this);
    if (!Number.isInteger(memory) || memory < 512)
      throw new pulumi.ResourceError(`TenantVm ${name}: memoryMiB must be at least 512`, this);
    this.address = args.address;
    const p = args.placement;
    const template =
      args.templateInfo ??
      vsphere.getVirtualMachineOutput(
        { name: args.template ?? "ubuntu-24.04-cloud", datacenterId: p.datacenterId },
        { parent: this },
      );
    const templateDisk = template.disks.apply((d) => d?.[0]?.size ?? 0);

    this.vm = new vsphere.VirtualMachine(
      `${name}-vm`,
      {
        name: `tenant-${args.tenantName}-${args.name}`,
        resourcePoolId: p.resourcePoolId,
        datastoreId: p.datastoreId,
        folder: p.folder,
        numCpus: cpus,
        memory,
        guestId: template.guestId,
        firmware: template.apply((t) => t.firmware ?? "efi"),
        scsiType: template.scsiType,
        networkInterfaces: [{ networkId: args.lan.portGroup.id, adapterType: "vmxnet3" }],
        disks: [
          { label: "disk0", size: templateDisk.apply((t) => Math.max(t, diskGb)), thinProvisioned: true },
        ],
        clone: {
          templateUuid: template.id,
          customize: {
            linuxOptions: { hostName: args.name, domain: args.domain ?? `${args.tenantName}.internal` },
            networkInterfaces: [{ ipv4Address: args.address, ipv4Netmask: plan.prefix }],
            ipv4Gateway: plan.gateway,
            dnsServerLists: [plan.gateway],
          },
        },
        annotation: `Basphere tenant ${args.tenantName}: VM ${args.name}`,
      },
      { parent: this },
    );
    this.registerOutputs({ address: this.address, vmId: this.vm.id });
  }
}
