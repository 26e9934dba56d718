/** wg-quick client configuration of a tenant VPN peer (pure renderer). */

export interface WireguardClientConfigInput {
  /** The peer's private key; undefined when the tenant brought its own key pair (a placeholder is written). */
  privateKey?: string;
  /** The peer's tunnel address (a /32 is implied). */
  address: string;
  /** DNS servers for the peer. Default none. */
  dns?: string[];
  /** The router's public key. */
  serverPublicKey: string;
  /** `host:port` of the router's WAN. */
  endpoint: string;
  /** Networks routed into the tunnel. */
  allowedIps: string[];
  /** Persistent keepalive in seconds; 0 = off. */
  keepalive: number;
}

/** Placeholder written when the private key is the tenant's own. */
export const PRIVATE_KEY_PLACEHOLDER = "<the private key matching the public key you registered>";

/** Renders the `[Interface]` + `[Peer]` INI that `wg-quick up` reads. */
export function renderWireguardClientConfig(c: WireguardClientConfigInput): string {
  const lines = [
    "[Interface]",
    `PrivateKey = ${c.privateKey ?? PRIVATE_KEY_PLACEHOLDER}`,
    `Address = ${c.address}/32`,
  ];
  if (c.dns?.length) lines.push(`DNS = ${c.dns.join(", ")}`);
  lines.push(
    "",
    "[Peer]",
    `PublicKey = ${c.serverPublicKey}`,
    `Endpoint = ${c.endpoint}`,
    `AllowedIPs = ${c.allowedIps.join(", ")}`,
  );
  if (c.keepalive > 0) lines.push(`PersistentKeepalive = ${c.keepalive}`);
  return lines.join("\n") + "\n";
}
