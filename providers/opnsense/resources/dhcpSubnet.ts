import * as pulumi from "@pulumi/pulumi";
import { OpnsenseResource, OpnsenseResourceArgs } from "../resource";

/**
 * A Kea DHCPv4 subnet with its pools and options (`/api/kea/dhcpv4/`). Applying adds `interface` to Kea's
 * interfaces, enables Kea (`dhcpv4/set`) and then runs `kea/service/reconfigure`.
 */
export interface DhcpSubnetArgs extends OpnsenseResourceArgs {
  /** Interface Kea listens on, e.g. "lan" or "opt1". */
  interface: pulumi.Input<string>;
  /** IPv4 CIDR. */
  subnet: pulumi.Input<string>;
  /** Ranges "a.b.c.d-e.f.g.h" inside the subnet. */
  pools: pulumi.Input<pulumi.Input<string>[]>;
  /** Router option. Default: Kea autocollects the router's own address. */
  routers?: pulumi.Input<pulumi.Input<string>[]>;
  /** DNS option. Default: autocollected like routers. */
  dnsServers?: pulumi.Input<pulumi.Input<string>[]>;
  /** Domain name option. Default none. */
  domainName?: pulumi.Input<string>;
  /** Free text. Default none. */
  description?: pulumi.Input<string>;
}

export class DhcpSubnet extends OpnsenseResource {
  constructor(name: string, args: DhcpSubnetArgs, opts?: pulumi.CustomResourceOptions) {
    super("DhcpSubnet", name, { ...args }, opts);
  }
}
