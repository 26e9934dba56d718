import * as pulumi from "@pulumi/pulumi";
import { OpnsenseResource, OpnsenseResourceArgs } from "../resource";

/** A port forward / destination NAT (`/api/firewall/d_nat/`, OPNsense 26.1+, applied with `apply`). */
export interface PortForwardArgs extends OpnsenseResourceArgs {
  /** Interface identifier. Default "wan". */
  interface?: pulumi.Input<string>;
  protocol: pulumi.Input<"tcp" | "udp" | "tcp/udp">;
  /** Address matched on the way in, e.g. "wanip" or an IP. */
  destination: pulumi.Input<string>;
  /** Port or range "8000-8010". */
  destinationPort: pulumi.Input<string>;
  /** Internal IP. */
  target: pulumi.Input<string>;
  /** Internal port (`local-port`). */
  targetPort: pulumi.Input<string>;
  /** Filter handling: "rule" (default: an automatic pass rule), "pass" (rdr pass) or "" (add your own FirewallRule). */
  pass?: pulumi.Input<"" | "pass" | "rule">;
  /** "" (system default, the default), "purenat" or "disable". */
  natReflection?: pulumi.Input<"" | "purenat" | "disable">;
  /** Free text (`descr`). Default none. */
  description?: pulumi.Input<string>;
  /** Default true (sent as the API's inverted `disabled`). */
  enabled?: pulumi.Input<boolean>;
}

export class PortForward extends OpnsenseResource {
  constructor(name: string, args: PortForwardArgs, opts?: pulumi.CustomResourceOptions) {
    super("PortForward", name, { ...args }, opts);
  }
}
