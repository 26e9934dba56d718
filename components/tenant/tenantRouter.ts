import * as pulumi from "@pulumi/pulumi";
import * as opnsense from "../../providers/opnsense";
import * as vsphere from "../../providers/vsphere";
import { DEFAULT_ROUTER_TEMPLATE } from "../../model/contracts";
import { formatRange, staticMacFor } from "../../model/tenant/lanPlan";
import { RouterApiReady } from "./routerApiReady";
import { lanOutSequence } from "./ruleOrder";
import { TenantLan } from "./tenantNetwork";

/** Router VM size (fixed: every tenant router is the same). */
export const ROUTER_SIZE = { numCpus: 2, memoryMb: 4096, diskGb: 100 } as const;

/** Where the router VM goes in vSphere (from the onprem stack). */
export interface RouterPlacement {
  datacenterId: pulumi.Input<string>;
  resourcePoolId: pulumi.Input<string>;
  datastoreId: pulumi.Input<string>;
  /** VM folder path (e.g. `basphere/tenant-acme`). */
  folder: pulumi.Input<string>;
  /** WAN (control network, VLAN 2000) port group id. */
  wanPortGroupId: pulumi.Input<string>;
}

/** Arguments of {@link TenantRouter}. */
export interface TenantRouterArgs {
  /** Tenant name; the VM is `tenant-<name>-router`. Required. */
  tenantName: string;
  placement: RouterPlacement;
  /** The tenant's LANs, in NIC order after WAN: LAN1 (`lan`), LAN2 (`opt1`). Required. */
  lans: [TenantLan, TenantLan];
  /** Golden template to clone. Default {@link DEFAULT_ROUTER_TEMPLATE}. */
  template?: pulumi.Input<string>;
  /** The golden template's shared API key and secret (secrets): used once, then rotated away. Required. */
  bootstrapApiKey: pulumi.Input<string>;
  bootstrapApiSecret: pulumi.Input<string>;
  /** SHA-256 fingerprint of the template's web GUI certificate. Default (unset or `""`): the system CA store. */
  apiFingerprint?: pulumi.Input<string>;
  /**
   * WAN address allocated for this router. Default: whatever the top router's DHCP hands out (the VM's
   * `defaultIpAddress`). With an allocation, the top router must hold a DHCP reservation of this address for
   * the WAN NIC's static MAC ({@link TenantRouter.wanMac}, derived from the tenant name, known before the VM exists).
   */
  wanAddress?: string;
  /** DHCP domain name. Default `<tenant>.internal`. */
  domainName?: string;
}

/**
 * The tenant's OPNsense router: a clone of the golden template (2 vCPU, 4 GB, 100 GB; NICs WAN, LAN1, LAN2) that
 * is configured over its API once it answers: API key rotation, Kea DHCP on both LANs (pool .200-.250, leaving
 * .2-.199 for the router's virtual, static and IPAM addresses), outbound NAT of both LANs, and rules letting the
 * LANs out (the broadest rules: last, see ruleOrder.ts). Nothing comes in from the WAN unless a floating IP or the VPN opens it (OPNsense blocks WAN ingress by
 * default).
 */
export class TenantRouter extends pulumi.ComponentResource {
  public readonly vm: vsphere.VirtualMachine;
  /** The router's WAN address (the allocation, or the DHCP address the VM reports). */
  public readonly wanAddress: pulumi.Output<string>;
  /** Static MAC of the WAN NIC (for a DHCP reservation on the top router). */
  public readonly wanMac: string;
  /** Connection with the router's own (rotated) API key; secret. Use it for all further configuration. */
  public readonly connection: pulumi.Output<opnsense.OpnsenseConnection>;
  /** Resources that must exist before anything else is configured on the router. */
  public readonly ready: pulumi.Resource[];
  /** DHCP, outbound NAT and LAN-out rules of both LANs: what machines on the LANs need before they boot. */
  public readonly lanServices: pulumi.Resource[] = [];

  constructor(name: string, args: TenantRouterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("basphere:tenant:TenantRouter", name, {}, opts);
    const [lan1, lan2] = args.lans;
    if (!lan1 || !lan2)
      throw new pulumi.ResourceError(`TenantRouter ${name}: lans must hold LAN1 and LAN2`, this);
    const p = args.placement;
    const template = vsphere.getVirtualMachineOutput(
      { name: args.template ?? DEFAULT_ROUTER_TEMPLATE, datacenterId: p.datacenterId },
      { parent: this },
    );
    this.wanMac = staticMacFor(`tenant-${args.tenantName}/router/wan`);

    this.vm = new vsphere.VirtualMachine(
      `${name}-vm`,
      {
        name: `tenant-${args.tenantName}-router`,
        resourcePoolId: p.resourcePoolId,
        datastoreId: p.datastoreId,
        folder: p.folder,
        numCpus: ROUTER_SIZE.numCpus,
        memory: ROUTER_SIZE.memoryMb,
        guestId: template.guestId,
        firmware: template.apply((t) => t.firmware ?? "efi"),
        scsiType: template.scsiType,
        networkInterfaces: [
          {
            networkId: p.wanPortGroupId,
            adapterType: "vmxnet3",
            useStaticMac: true,
            macAddress: this.wanMac,
          },
          { networkId: lan1.portGroup.id, adapterType: "vmxnet3" },
          { networkId: lan2.portGroup.id, adapterType: "vmxnet3" },
        ],
        disks: [{ label: "disk0", size: ROUTER_SIZE.diskGb, thinProvisioned: true }],
        clone: { templateUuid: template.id },
        annotation: `Basphere tenant ${args.tenantName}: OPNsense router`,
      },
      { parent: this },
    );

    this.wanAddress = args.wanAddress ? pulumi.output(args.wanAddress) : this.vm.defaultIpAddress;
    const bootstrap = pulumi.secret(
      pulumi
        .all([this.wanAddress, args.bootstrapApiKey, args.bootstrapApiSecret, args.apiFingerprint])
        .apply(([address, apiKey, apiSecret, fingerprint]) => {
          const c: opnsense.OpnsenseConnection = { url: `https://${address}`, apiKey, apiSecret };
          if (fingerprint) c.fingerprint = fingerprint;
          return c;
        }),
    );
    const apiReady = new RouterApiReady(
      `${name}-api-ready`,
      { connection: bootstrap, vmId: this.vm.id },
      { parent: this },
    );
    const rotation = new opnsense.ApiKeyRotation(
      `${name}-api-key`,
      { connection: bootstrap },
      { parent: this, dependsOn: [apiReady] },
    );
    this.connection = pulumi.secret(rotation.rotatedConnection);
    this.ready = [rotation];
    const child = { parent: this, dependsOn: this.ready };

    for (const [which, lan] of [
      ["lan1", lan1],
      ["lan2", lan2],
    ] as const) {
      const dhcp = new opnsense.DhcpSubnet(
        `${name}-dhcp-${which}`,
        {
          connection: this.connection,
          interface: lan.routerInterface,
          subnet: lan.plan.cidr,
          pools: [formatRange(lan.plan.dhcpRange)],
          routers: [lan.plan.gateway],
          dnsServers: [lan.plan.gateway],
          domainName: args.domainName ?? `${args.tenantName}.internal`,
          description: `tenant ${args.tenantName} ${which}`,
        },
        child,
      );
      const snat = new opnsense.SourceNatRule(
        `${name}-snat-${which}`,
        {
          connection: this.connection,
          interface: "wan",
          sourceNet: lan.plan.cidr,
          target: "wanip",
          description: `tenant ${which} out`,
        },
        child,
      );
      const out = new opnsense.FirewallRule(
        `${name}-out-${which}`,
        {
          connection: this.connection,
          action: "pass",
          interface: lan.routerInterface,
          direction: "in",
          ipProtocol: "inet",
          protocol: "any",
          sourceNet: lan.plan.cidr,
          destinationNet: "any",
          description: `tenant ${which} out`,
          sequence: lanOutSequence(which),
        },
        child,
      );
      this.lanServices.push(dhcp, snat, out);
    }

    this.registerOutputs({ wanAddress: this.wanAddress, wanMac: this.wanMac, vmId: this.vm.id });
  }
}
