import * as pulumi from "@pulumi/pulumi";
import { wireguardKeyPairProvider } from "./dynamicProviders";

/** Arguments of {@link WireguardKeyPair}. */
export interface WireguardKeyPairArgs {
  /** The peer the pair is for (a new name makes a new pair). */
  name: pulumi.Input<string>;
}

/**
 * A WireGuard key pair generated once (x25519, node:crypto) and kept in the state; `privateKey` is a secret.
 * Type `pulumi-nodejs:dynamic/basphere:WireguardKeyPair`.
 */
export class WireguardKeyPair extends pulumi.dynamic.Resource {
  declare public readonly publicKey: pulumi.Output<string>;
  declare public readonly privateKey: pulumi.Output<string>;

  constructor(name: string, args: WireguardKeyPairArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      wireguardKeyPairProvider,
      name,
      { name: args.name, publicKey: undefined, privateKey: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["privateKey"] }),
      "basphere",
      "WireguardKeyPair",
    );
  }
}
