import * as pulumi from "@pulumi/pulumi";
import { OpnsenseResource, OpnsenseResourceArgs } from "../resource";

/** A WireGuard peer of one instance (`/api/wireguard/client/`, linked via `servers`, applied with `reconfigure`). */
export interface WireguardPeerArgs extends OpnsenseResourceArgs {
  /** 1-64 of [0-9a-zA-Z._-]. */
  name: pulumi.Input<string>;
  /** The peer's base64 public key. */
  publicKey: pulumi.Input<string>;
  /** AllowedIPs on the server side (CIDRs). */
  tunnelAddress: pulumi.Input<pulumi.Input<string>[]>;
  /** uuid of the WireguardServer. */
  serverUuid: pulumi.Input<string>;
  /** Keepalive seconds. Default none. */
  keepalive?: pulumi.Input<number>;
  /** Base64 pre-shared key (secret). Default none. */
  presharedKey?: pulumi.Input<string>;
}

export class WireguardPeer extends OpnsenseResource {
  constructor(name: string, args: WireguardPeerArgs, opts?: pulumi.CustomResourceOptions) {
    super("WireguardPeer", name, { ...args }, opts);
  }
}
