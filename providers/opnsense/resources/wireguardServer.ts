import * as pulumi from "@pulumi/pulumi";
import { OpnsenseResource, OpnsenseResourceArgs } from "../resource";

/**
 * A WireGuard instance (`/api/wireguard/server/`, applied with `wireguard/service/reconfigure`); also turns
 * the global WireGuard switch on. Without `privateKey` a key pair is generated (x25519, node:crypto).
 */
export interface WireguardServerArgs extends OpnsenseResourceArgs {
  /** 1-64 of [0-9a-zA-Z._-]. */
  name: pulumi.Input<string>;
  /** UDP listen port. */
  port: pulumi.Input<number>;
  /** Tunnel addresses as CIDRs. */
  tunnelAddress: pulumi.Input<pulumi.Input<string>[]>;
  /** Default: OPNsense's. */
  mtu?: pulumi.Input<number>;
  /** DNS servers. Default none. */
  dns?: pulumi.Input<pulumi.Input<string>[]>;
  /** Base64 private key (secret). Default: generated once and kept. */
  privateKey?: pulumi.Input<string>;
}

export class WireguardServer extends OpnsenseResource {
  declare public readonly publicKey: pulumi.Output<string>;
  declare public readonly privateKey: pulumi.Output<string>;

  constructor(name: string, args: WireguardServerArgs, opts?: pulumi.CustomResourceOptions) {
    super("WireguardServer", name, { ...args }, opts, { publicKey: undefined, privateKey: undefined });
  }
}
