import * as pulumi from "@pulumi/pulumi";
import { OpnsenseResource, OpnsenseResourceArgs } from "../resource";
import { OpnsenseConnection } from "../types";

/**
 * Replaces the golden template's shared API key with a key of this router's own: adds a key for `username`,
 * checks it works, deletes the key `connection` used. Use `rotatedConnection` for everything after it.
 * Destroying it leaves the key in place (it is the router's only credential).
 */
export interface ApiKeyRotationArgs extends OpnsenseResourceArgs {
  /** Owner of the new key. Default "root". Changing it replaces the key. */
  username?: pulumi.Input<string>;
}

export class ApiKeyRotation extends OpnsenseResource {
  declare public readonly apiKey: pulumi.Output<string>;
  declare public readonly apiSecret: pulumi.Output<string>;
  /** `connection` with the new key and secret (secret). */
  declare public readonly rotatedConnection: pulumi.Output<OpnsenseConnection>;

  constructor(name: string, args: ApiKeyRotationArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      "ApiKeyRotation",
      name,
      { ...args },
      opts,
      { apiKey: undefined, apiSecret: undefined, rotatedConnection: undefined },
      ["apiKey", "apiSecret", "rotatedConnection"],
    );
  }
}
