import * as pulumi from "@pulumi/pulumi";
import { OpnsenseResource, OpnsenseResourceArgs } from "../resource";

/** A BINAT rule external ⇄ internal (`/api/firewall/one_to_one/`, applied with `apply`). No filter rule is implied. */
export interface OneToOneNatArgs extends OpnsenseResourceArgs {
  /** Interface identifier. Default "wan". */
  interface?: pulumi.Input<string>;
  /** External address/CIDR; its prefix length must equal `internal`'s. */
  external: pulumi.Input<string>;
  /** Internal address/CIDR (the API's `source_net`). */
  internal: pulumi.Input<string>;
  /** Destination restriction. Default "any". */
  destination?: pulumi.Input<string>;
  /** NAT reflection: "enable", "disable" or "" (system default, the default). */
  natReflection?: pulumi.Input<"enable" | "disable" | "">;
  /** Free text. Default none. */
  description?: pulumi.Input<string>;
  /** Default true. */
  enabled?: pulumi.Input<boolean>;
}

export class OneToOneNat extends OpnsenseResource {
  constructor(name: string, args: OneToOneNatArgs, opts?: pulumi.CustomResourceOptions) {
    super("OneToOneNat", name, { ...args }, opts);
  }
}
