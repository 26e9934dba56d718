import * as pulumi from "@pulumi/pulumi";
import { OpnsenseResource, OpnsenseResourceArgs } from "../resource";

/** A firewall alias (`/api/firewall/alias/`, applied with `reconfigure`). */
export interface AliasArgs extends OpnsenseResourceArgs {
  /** Unique; starts with a letter or _, at most 31 of [A-Za-z0-9_]. */
  name: pulumi.Input<string>;
  type: pulumi.Input<"host" | "network" | "port">;
  /** Entries (sent newline separated). */
  content: pulumi.Input<pulumi.Input<string>[]>;
  /** Free text. Default none. */
  description?: pulumi.Input<string>;
}

export class Alias extends OpnsenseResource {
  constructor(name: string, args: AliasArgs, opts?: pulumi.CustomResourceOptions) {
    super("Alias", name, { ...args }, opts);
  }
}
