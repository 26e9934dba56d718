import * as pulumi from "@pulumi/pulumi";
import { OpnsenseResource, OpnsenseResourceArgs } from "../resource";

/** A filter rule (`/api/firewall/filter/`, applied with `apply`). */
export interface FirewallRuleArgs extends OpnsenseResourceArgs {
  action: pulumi.Input<"pass" | "block" | "reject">;
  /** Interface identifier(s), comma separated ("lan,opt1" makes a floating rule). */
  interface: pulumi.Input<string>;
  /** "in" (default), "out" or "any". */
  direction?: pulumi.Input<"in" | "out" | "any">;
  /** "inet" (default), "inet6", "inet46". */
  ipProtocol?: pulumi.Input<"inet" | "inet6" | "inet46">;
  /** "any" (default), "TCP", "UDP", "TCP/UDP", "ICMP", ... */
  protocol?: pulumi.Input<string>;
  /** Default "any". */
  sourceNet?: pulumi.Input<string>;
  sourcePort?: pulumi.Input<string>;
  /** Default "any". */
  destinationNet?: pulumi.Input<string>;
  destinationPort?: pulumi.Input<string>;
  /** Required: rules are recognisable in the GUI by it. */
  description: pulumi.Input<string>;
  /**
   * Position among the router's filter rules of the same priority class (lower first), 1-999999. Default: left
   * to the router, which appends a new rule (highest sequence + 100) and keeps a rule's sequence on updates.
   */
  sequence?: pulumi.Input<number>;
  /** Default false. */
  log?: pulumi.Input<boolean>;
  /** Default true. */
  enabled?: pulumi.Input<boolean>;
}

export class FirewallRule extends OpnsenseResource {
  constructor(name: string, args: FirewallRuleArgs, opts?: pulumi.CustomResourceOptions) {
    super("FirewallRule", name, { ...args }, opts);
  }
}
