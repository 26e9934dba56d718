import * as pulumi from "@pulumi/pulumi";
import * as vsphere from "../../providers/vsphere";
import { LanPlan, planLan } from "../../model/tenant/lanPlan";

/** Arguments of {@link TenantNetwork}. */
export interface TenantNetworkArgs {
  /** Tenant name (DNS-1123 label); port groups are named `tenant-<name>-lan1` / `-lan2`. Required. */
  tenantName: string;
  /** UUID of the distributed switch (the onprem stack's `distributedSwitchUuid`). Required. */
  distributedSwitchUuid: pulumi.Input<string>;
  /** VLAN of LAN1, allocated for this tenant alone. Required. */
  lan1VlanId: number;
  /** VLAN of LAN2, allocated for this tenant alone. Required. */
  lan2VlanId: number;
  /** LAN1 subnet. Default `10.0.1.0/24` (must match the golden router template). */
  lan1Cidr?: string;
  /** LAN2 subnet. Default `10.0.2.0/24` (must match the golden router template). */
  lan2Cidr?: string;
  /** VLAN of the WAN network; a LAN VLAN equal to it is refused. Default 2000. */
  wanVlanId?: number;
}

/** One LAN: its port group and address plan. */
export interface TenantLan {
  portGroup: vsphere.DistributedPortGroup;
  /** Port group name (what CAPV's `networkName` takes). */
  portGroupName: string;
  /** Router interface the LAN is on (`lan` for LAN1, `opt1` for LAN2, as in the golden template). */
  routerInterface: "lan" | "opt1";
  vlanId: number;
  plan: LanPlan;
}

/**
 * The tenant's two LANs: distributed port groups on the shared switch with the tenant's own VLANs.
 *
 * Where the LAN MTU (1450) lives: not here — vSphere port groups have no MTU; the distributed switch's MTU (onprem
 * stack, default 1500) only has to be at least 1450. The guests carry it: the golden OPNsense template's LAN
 * interfaces (OPNsense's API cannot set it), the tenant cluster's node NICs (CAPV `network.devices[].mtu`, from
 * the spec's `network.mtu`) and, for standalone VMs, their templates (vSphere guest customization cannot set an MTU).
 */
export class TenantNetwork extends pulumi.ComponentResource {
  public readonly lan1: TenantLan;
  public readonly lan2: TenantLan;

  constructor(name: string, args: TenantNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("basphere:tenant:TenantNetwork", name, {}, opts);
    const wan = args.wanVlanId ?? 2000;
    for (const [key, vlan] of [
      ["lan1VlanId", args.lan1VlanId],
      ["lan2VlanId", args.lan2VlanId],
    ] as const) {
      if (!Number.isInteger(vlan) || vlan < 1 || vlan > 4094) {
        throw new pulumi.ResourceError(
          `TenantNetwork ${name}: ${key} must be a VLAN id 1-4094, got ${vlan}`,
          this,
        );
      }
      if (vlan === wan)
        throw new pulumi.ResourceError(`TenantNetwork ${name}: ${key} must not be the WAN VLAN ${wan}`, this);
    }
    if (args.lan1VlanId === args.lan2VlanId) {
      throw new pulumi.ResourceError(
        `TenantNetwork ${name}: lan1VlanId and lan2VlanId must differ (both ${args.lan1VlanId})`,
        this,
      );
    }
    const lan = (
      which: "lan1" | "lan2",
      vlanId: number,
      cidr: string,
      routerInterface: "lan" | "opt1",
    ): TenantLan => {
      let plan: LanPlan;
      try {
        plan = planLan(cidr);
      } catch (e) {
        throw new pulumi.ResourceError(`TenantNetwork ${name}: ${which}Cidr: ${(e as Error).message}`, this);
      }
      const portGroupName = `tenant-${args.tenantName}-${which}`;
      const portGroup = new vsphere.DistributedPortGroup(
        `${name}-${which}`,
        {
          name: portGroupName,
          distributedVirtualSwitchUuid: args.distributedSwitchUuid,
          vlanId,
        },
        { parent: this },
      );
      return { portGroup, portGroupName, routerInterface, vlanId, plan };
    };
    this.lan1 = lan("lan1", args.lan1VlanId, args.lan1Cidr ?? "10.0.1.0/24", "lan");
    this.lan2 = lan("lan2", args.lan2VlanId, args.lan2Cidr ?? "10.0.2.0/24", "opt1");
    this.registerOutputs({
      lan1PortGroupId: this.lan1.portGroup.id,
      lan2PortGroupId: this.lan2.portGroup.id,
      lan1PortGroupName: this.lan1.portGroupName,
      lan2PortGroupName: this.lan2.portGroupName,
    });
  }

  /** The LAN called `lan1` or `lan2`. */
  lan(which: "lan1" | "lan2"): TenantLan {
    return which === "lan1" ? this.lan1 : this.lan2;
  }
}
