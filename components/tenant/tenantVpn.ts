import * as pulumi from "@pulumi/pulumi";
import * as opnsense from "../../providers/opnsense";
import { TunnelPlan, assignAddresses, planTunnel } from "../../model/tenant/lanPlan";
import { RULE_SEQUENCE } from "./ruleOrder";
import { renderWireguardClientConfig } from "./wireguardClientConfig";
import { WireguardKeyPair } from "./wireguardKeyPair";

/** The interface group OPNsense puts every WireGuard instance in (usable in rules and redirects). */
export const WIREGUARD_INTERFACE_GROUP = "wireguard";

/** One peer of {@link TenantVpnArgs}. */
export interface TenantVpnPeer {
  name: string;
  /** The peer's own public key; default: a key pair is generated and its private key returned (secret). */
  publicKey?: string;
  /** Tunnel address; default: the next free one. */
  address?: string;
}

/** Arguments of {@link TenantVpn}. */
export interface TenantVpnArgs {
  tenantName: string;
  /** The router's (rotated) API connection. Required. */
  connection: pulumi.Input<opnsense.OpnsenseConnection>;
  /** The router's WAN address (client Endpoint). Required. */
  endpointAddress: pulumi.Input<string>;
  /** UDP port on the WAN. Default 51820. */
  port?: number;
  /** Tunnel network. Default 10.99.0.0/24; the router takes .1. */
  tunnelCidr?: string;
  /** Networks clients route into the tunnel (floating IPs as /32, LAN CIDRs): their AllowedIPs. Required, may be empty. */
  reach: string[];
  /**
   * What the router lets tunnel clients reach, as pf sees it: after a redirect a floating IP's packets carry the
   * target's LAN address, so this lists targets (/32) where `reach` lists floating IPs. Default: `reach`.
   */
  firewallReach?: string[];
  /** DNS servers pushed to clients. Default none. */
  dns?: string[];
  /** Client keepalive, s. Default 25. */
  keepalive?: number;
  peers: TenantVpnPeer[];
  /** Resources that must exist first (the router's key rotation). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The tenant's WireGuard VPN on its router: an instance listening on the WAN port, a WAN rule opening only that
 * port (first on WAN, see ruleOrder.ts), a rule on the `wireguard` interface group letting tunnel clients reach the
 * configured networks (floating
 * IPs themselves are redirected to their targets by {@link FloatingIp}), and one peer per spec entry. Outputs one
 * wg-quick configuration per peer (secret: generated private keys are inside).
 */
export class TenantVpn extends pulumi.ComponentResource {
  public readonly server: opnsense.WireguardServer;
  /** `host:port` clients connect to. */
  public readonly endpoint: pulumi.Output<string>;
  /** Peer name → wg-quick INI (secret). */
  public readonly peerConfigs: pulumi.Output<Record<string, string>>;
  /** Peer name → tunnel address. */
  public readonly peerAddresses: Record<string, string>;
  public readonly tunnel: TunnelPlan;

  constructor(name: string, args: TenantVpnArgs, opts?: pulumi.ComponentResourceOptions) {
    super("basphere:tenant:TenantVpn", name, {}, opts);
    const port = args.port ?? 51820;
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new pulumi.ResourceError(`TenantVpn ${name}: port must be 1-65535`, this);
    try {
      this.tunnel = planTunnel(args.tunnelCidr ?? "10.99.0.0/24");
      this.peerAddresses = Object.fromEntries(
        assignAddresses(args.peers, this.tunnel.peerRange, "tunnel address"),
      );
    } catch (e) {
      throw new pulumi.ResourceError(`TenantVpn ${name}: ${(e as Error).message}`, this);
    }
    const names = new Set<string>();
    for (const p of args.peers) {
      if (names.has(p.name))
        throw new pulumi.ResourceError(`TenantVpn ${name}: duplicate peer name "${p.name}"`, this);
      names.add(p.name);
    }
    const keepalive = args.keepalive ?? 25;
    const base = { parent: this, dependsOn: args.dependsOn };

    this.server = new opnsense.WireguardServer(
      `${name}-server`,
      {
        connection: args.connection,
        name: `tenant-${args.tenantName}`,
        port,
        tunnelAddress: [`${this.tunnel.server}/${this.tunnel.prefix}`],
      },
      base,
    );
    new opnsense.FirewallRule(
      `${name}-wan-in`,
      {
        connection: args.connection,
        action: "pass",
        interface: "wan",
        direction: "in",
        ipProtocol: "inet",
        protocol: "UDP",
        destinationNet: "wanip",
        destinationPort: String(port),
        description: `tenant ${args.tenantName} WireGuard in`,
        sequence: RULE_SEQUENCE.vpnWanIn,
      },
      base,
    );
    const firewallReach = [...new Set(args.firewallReach ?? args.reach)];
    if (firewallReach.length > 0) {
      const alias = new opnsense.Alias(
        `${name}-reach`,
        {
          connection: args.connection,
          name: "tenant_vpn_reach",
          type: "network",
          content: firewallReach,
          description: "networks VPN clients reach",
        },
        base,
      );
      new opnsense.FirewallRule(
        `${name}-clients`,
        {
          connection: args.connection,
          action: "pass",
          interface: WIREGUARD_INTERFACE_GROUP,
          direction: "in",
          ipProtocol: "inet",
          protocol: "any",
          sourceNet: this.tunnel.cidr,
          destinationNet: "tenant_vpn_reach",
          description: `tenant ${args.tenantName} VPN clients`,
          sequence: RULE_SEQUENCE.vpnClients,
        },
        // The `wireguard` interface group exists only once the instance is enabled and applied.
        { parent: this, dependsOn: [alias, this.server, ...(args.dependsOn ?? [])] },
      );
    }

    this.endpoint = pulumi.interpolate`${args.endpointAddress}:${port}`;
    const allowedIps = [...new Set([this.tunnel.cidr, ...args.reach])];
    const configs: pulumi.Output<[string, string]>[] = [];
    for (const peer of args.peers) {
      const address = this.peerAddresses[peer.name];
      const pair = peer.publicKey
        ? undefined
        : new WireguardKeyPair(`${name}-key-${peer.name}`, { name: peer.name }, { parent: this });
      const publicKey: pulumi.Input<string> = peer.publicKey ?? pair!.publicKey;
      new opnsense.WireguardPeer(
        `${name}-peer-${peer.name}`,
        {
          connection: args.connection,
          name: peer.name,
          publicKey,
          tunnelAddress: [`${address}/32`],
          serverUuid: this.server.uuid,
        },
        { parent: this },
      );
      configs.push(
        pulumi
          .all([this.server.publicKey, this.endpoint, pair ? pair.privateKey : undefined])
          .apply(([serverPublicKey, endpoint, privateKey]): [string, string] => [
            peer.name,
            renderWireguardClientConfig({
              privateKey,
              address,
              dns: args.dns,
              serverPublicKey,
              endpoint,
              allowedIps,
              keepalive,
            }),
          ]),
      );
    }
    this.peerConfigs = pulumi.secret(pulumi.all(configs).apply((entries) => Object.fromEntries(entries)));
    this.registerOutputs({
      endpoint: this.endpoint,
      peerAddresses: this.peerAddresses,
      peerConfigs: this.peerConfigs,
    });
  }
}
