/**
 * OmniNetwork: the VCN Omni lives in. One public subnet behind an internet gateway, a security list that admits
 * nothing but path-MTU ICMP, a network security group that opens exactly Omni's ports (and SSH from admin
 * CIDRs), optional add-on security groups, routes to the on-prem CIDRs through the DRG, and a reserved public IP.
 */
import * as oci from "@pulumi/oci";
import * as pulumi from "@pulumi/pulumi";
import { ADDON_NAMES, AddonName, AddonSwitches, addonIngressRules } from "./addons";
import { cidrContainsCidr, hostAddress, isIpv4Cidr } from "../../model/net/ipv4";
import { PROTOCOL } from "./constants";
import { createSecurityGroup } from "./securityGroup";
import { ANYWHERE, IngressRule, omniIngressRules } from "./securityRules";

/** Arguments of {@link OmniNetwork}. */
export interface OmniNetworkArgs {
  /** Compartment OCID for every resource. Required. */
  compartmentId: pulumi.Input<string>;
  /** VCN CIDR. Default `10.42.0.0/16`. */
  vcnCidr?: string;
  /** Public subnet CIDR, inside the VCN. Default `10.42.0.0/24`. */
  subnetCidr?: string;
  /** CIDRs allowed to SSH to the Omni host (and reach admin-only add-on ports). Default none. */
  adminCidrs?: string[];
  /** On-prem networks routed through the DRG; `drgId` must be the id of an attached DRG. Default none. */
  onpremRoutes?: { cidrs: string[]; drgId: pulumi.Input<string> };
  /** Add-ons whose security groups are created. Default none. */
  addons?: AddonSwitches;
  /**
   * Reserve a private IP in the subnet and bind the reserved public IP to it (VM mode: the instance's VNIC then
   * takes that private IP). When false the public IP stays unassigned for a load balancer to claim. Default true.
   */
  bindPublicIpToPrivateIp?: boolean;
  /** Offset of the reserved private IP within the subnet. Default 10 (e.g. 10.42.0.10). */
  privateIpOffset?: number;
  /** DNS label of VCN and subnet. Default `omni`. */
  dnsLabel?: string;
}

/** The Omni network. */
export class OmniNetwork extends pulumi.ComponentResource {
  readonly vcnId: pulumi.Output<string>;
  readonly vcnCidr: string;
  readonly subnetId: pulumi.Output<string>;
  /** The Omni network security group. */
  readonly nsgId: pulumi.Output<string>;
  /** Security groups of the enabled add-ons. */
  readonly addonNsgIds: Partial<Record<AddonName, pulumi.Output<string>>>;
  /** OCID of the reserved public IP. */
  readonly publicIpId: pulumi.Output<string>;
  /** The reserved public IP address. */
  readonly reservedIp: pulumi.Output<string>;
  /** OCID of the reserved private IP the public IP is bound to (when bound). */
  readonly privateIpId?: pulumi.Output<string>;
  /** The ingress rules of the Omni group (plain data, as created). */
  readonly omniRules: IngressRule[];

  constructor(name: string, args: OmniNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("basphere:oci:OmniNetwork", name, {}, opts);
    const vcnCidr = args.vcnCidr ?? "10.42.0.0/16";
    const subnetCidr = args.subnetCidr ?? "10.42.0.0/24";
    const adminCidrs = args.adminCidrs ?? [];
    const dnsLabel = args.dnsLabel ?? "omni";
    for (const [key, cidr] of [
      ["vcnCidr", vcnCidr],
      ["subnetCidr", subnetCidr],
      ...adminCidrs.map((c) => ["adminCidrs", c]),
    ]) {
      if (!isIpv4Cidr(cidr))
        throw new pulumi.ResourceError(
          `OmniNetwork ${name}: ${key} ${JSON.stringify(cidr)} is not an IPv4 CIDR`,
          this,
        );
    }
    if (!cidrContainsCidr(vcnCidr, subnetCidr)) {
      throw new pulumi.ResourceError(
        `OmniNetwork ${name}: subnetCidr ${subnetCidr} is not inside vcnCidr ${vcnCidr}`,
        this,
      );
    }
    const compartmentId = args.compartmentId;
    const p = { parent: this };
    this.vcnCidr = vcnCidr;

    const vcn = new oci.core.Vcn(
      `${name}-vcn`,
      { compartmentId, cidrBlocks: [vcnCidr], displayName: `${name}-vcn`, dnsLabel },
      p,
    );
    const igw = new oci.core.InternetGateway(
      `${name}-igw`,
      { compartmentId, vcnId: vcn.id, enabled: true, displayName: `${name}-igw` },
      p,
    );
    const routeRules: pulumi.Input<oci.types.input.Core.RouteTableRouteRule>[] = [
      {
        destination: ANYWHERE,
        destinationType: "CIDR_BLOCK",
        networkEntityId: igw.id,
        description: "internet",
      },
      ...(args.onpremRoutes?.cidrs ?? []).map((cidr) => ({
        destination: cidr,
        destinationType: "CIDR_BLOCK",
        networkEntityId: args.onpremRoutes!.drgId,
        description: `on-prem ${cidr} via the DRG`,
      })),
    ];
    const routeTable = new oci.core.RouteTable(
      `${name}-rt`,
      { compartmentId, vcnId: vcn.id, displayName: `${name}-rt`, routeRules },
      p,
    );
    // The VCN's default security list admits SSH from anywhere; the subnet gets this one instead: no ingress but
    // ICMP "fragmentation needed" (path MTU discovery). Ports are opened per VNIC by the security groups below.
    const securityList = new oci.core.SecurityList(
      `${name}-sl`,
      {
        compartmentId,
        vcnId: vcn.id,
        displayName: `${name}-locked`,
        egressSecurityRules: [{ destination: ANYWHERE, protocol: PROTOCOL.all, description: "all egress" }],
        ingressSecurityRules: [
          {
            source: ANYWHERE,
            protocol: PROTOCOL.icmp,
            icmpOptions: { type: 3, code: 4 },
            description: "path MTU discovery",
          },
        ],
      },
      p,
    );
    const subnet = new oci.core.Subnet(
      `${name}-subnet`,
      {
        compartmentId,
        vcnId: vcn.id,
        cidrBlock: subnetCidr,
        displayName: `${name}-public`,
        dnsLabel,
        prohibitPublicIpOnVnic: false,
        routeTableId: routeTable.id,
        securityListIds: [securityList.id],
      },
      p,
    );

    this.omniRules = omniIngressRules({ adminCidrs });
    const nsg = createSecurityGroup(`${name}-nsg`, this, compartmentId, vcn.id, this.omniRules);

    const addonNsgIds: Partial<Record<AddonName, pulumi.Output<string>>> = {};
    for (const addon of ADDON_NAMES) {
      if (!args.addons?.[addon]) continue;
      const rules = addonIngressRules(addon, { adminCidrs, onpremCidrs: args.onpremRoutes?.cidrs ?? [] });
      addonNsgIds[addon] = createSecurityGroup(`${name}-${addon}-nsg`, this, compartmentId, vcn.id, rules).id;
    }

    let privateIp: oci.core.PrivateIp | undefined;
    if (args.bindPublicIpToPrivateIp ?? true) {
      privateIp = new oci.core.PrivateIp(
        `${name}-private-ip`,
        {
          subnetId: subnet.id,
          ipAddress: hostAddress(subnetCidr, args.privateIpOffset ?? 10),
          lifetime: "RESERVED",
          displayName: `${name}-omni`,
          hostnameLabel: "omni",
        },
        p,
      );
    }
    const publicIp = new oci.core.PublicIp(
      `${name}-public-ip`,
      { compartmentId, lifetime: "RESERVED", displayName: `${name}-omni`, privateIpId: privateIp?.id },
      // Without a private IP a load balancer claims the address: its assignment is not ours to diff.
      privateIp ? p : { ...p, ignoreChanges: ["privateIpId"] },
    );

    this.vcnId = vcn.id;
    this.subnetId = subnet.id;
    this.nsgId = nsg.id;
    this.addonNsgIds = addonNsgIds;
    this.publicIpId = publicIp.id;
    this.reservedIp = publicIp.ipAddress;
    this.privateIpId = privateIp?.id;
    this.registerOutputs({
      vcnId: this.vcnId,
      subnetId: this.subnetId,
      nsgId: this.nsgId,
      publicIpId: this.publicIpId,
      reservedIp: this.reservedIp,
    });
  }
}
