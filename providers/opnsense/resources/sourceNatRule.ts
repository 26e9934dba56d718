import * as pulumi from "@pulumi/pulumi";
import { OpnsenseResource, OpnsenseResourceArgs } from "../resource";

/**
 * An outbound NAT rule (`/api/firewall/source_nat/`, applied with `apply`). On 26.7 such rules only take
 * effect in hybrid/advanced outbound mode, so by default the mode is switched from automatic to hybrid.
 */
export interface SourceNatRuleArgs extends OpnsenseResourceArgs {
  /** Egress interface. Default "wan". */
  interface?: pulumi.Input<string>;
  /** Source network/alias/interface net (`source_net`). */
  sourceNet: pulumi.Input<string>;
  /** Default "any". */
  destinationNet?: pulumi.Input<string>;
  /** Translation address. Default "wanip"; "any" is rejected by the API. */
  target?: pulumi.Input<string>;
  /** Free text. Default none. */
  description?: pulumi.Input<string>;
  /** Default true. */
  enabled?: pulumi.Input<boolean>;
  /** Outbound NAT mode to ensure: "hybrid" (default), "advanced", or "unchanged". */
  outboundMode?: pulumi.Input<"hybrid" | "advanced" | "unchanged">;
}

export class SourceNatRule extends OpnsenseResource {
  constructor(name: string, args: SourceNatRuleArgs, opts?: pulumi.CustomResourceOptions) {
    super("SourceNatRule", name, { ...args }, opts);
  }
}
