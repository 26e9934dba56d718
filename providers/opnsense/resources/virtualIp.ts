import * as pulumi from "@pulumi/pulumi";
import { OpnsenseResource, OpnsenseResourceArgs } from "../resource";

/** An IP alias on an interface (`/api/interfaces/vip_settings/`, applied with `reconfigure`). */
export interface VirtualIpArgs extends OpnsenseResourceArgs {
  /** Interface identifier. Default "wan". */
  interface?: pulumi.Input<string>;
  /** IPv4 address ("192.168.200.50", /32 implied) or CIDR. */
  address: pulumi.Input<string>;
  /** Free text. Default none. */
  description?: pulumi.Input<string>;
  /** "ipalias" (default) or "proxyarp". */
  mode?: pulumi.Input<"ipalias" | "proxyarp">;
}

export class VirtualIp extends OpnsenseResource {
  constructor(name: string, args: VirtualIpArgs, opts?: pulumi.CustomResourceOptions) {
    super("VirtualIp", name, { ...args }, opts);
  }
}
