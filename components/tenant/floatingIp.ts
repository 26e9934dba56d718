import * as pulumi from "@pulumi/pulumi";
import * as opnsense from "../../providers/opnsense";
import { floatingIpRuleSequence } from "./ruleOrder";
import type { PortRule } from "../../model/tenant/fields";

/** Ports a floating IP opens when none are given: SSH and the Kubernetes NodePort range (TCP). */
const DEFAULT_PORTS: PortRule[] = [
  { protocol: "tcp", port: 22 },
  { protocol: "tcp", port: "30000-32767" },
];

/** The tenant LAN a floating IP's target sits on, for the NAT reflection helper. */
export interface FloatingIpLan {
  /** Router interface of the LAN (`lan`, `opt1`). */
  interface: string;
  /** LAN CIDR, e.g. `10.0.1.0/24`. */
  network: string;
  /** The router's address on the LAN (the reflected traffic's new source). */
  gateway: string;
}

/** Arguments of {@link FloatingIp}. */
export interface FloatingIpArgs {
  /** The router's (rotated) API connection. Required. */
  connection: pulumi.Input<opnsense.OpnsenseConnection>;
  /** The WAN address (allocated; outside the top router's DHCP range). Required. */
  address: string;
  /** The tenant address it maps to 1:1 (a VM, the kube-vip address, any LAN address). Required. */
  target: pulumi.Input<string>;
  /** Ports opened from the WAN to the target. Default: SSH (22) and the NodePort range (30000-32767), TCP. */
  ports?: PortRule[];
  /** NAT reflection on the 1:1 mapping, so tenant hosts reach the target through the floating IP. Default true. */
  natReflection?: boolean;
  /**
   * The LAN the target sits on. With NAT reflection, hosts on that same LAN only get answers through the router if
   * their reflected traffic is source-NATed to the router (OPNsense's "reflection helper", a global setting the API
   * does not expose): an outbound NAT rule on the LAN interface does that for this target alone. Default: none
   * (no helper; reflection then works from the other LAN only).
   */
  lan?: FloatingIpLan;
  /**
   * Interface (group) of the tenant's WireGuard VPN, e.g. `wireguard`. When set, traffic from VPN clients to the
   * floating IP's ports is redirected to the target (BINAT reflection only covers interfaces with an address,
   * which the WireGuard group is not), so the VPN reaches floating IPs. The VPN's own filter rule must pass the
   * translated (target) address. Default: none.
   */
  vpnInterface?: string;
  /** Resources the VPN redirects need first (the WireGuard instance, which creates the interface group). */
  vpnDependsOn?: pulumi.Resource[];
  /** Label for descriptions on the router. Default: the component name. */
  label?: string;
  /** Resources that must exist first (the router's key rotation). Default none. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** One opened port as the router's APIs take it (pure; exported for tests). */
export interface FloatingIpPort {
  /** Filter/1:1 spelling: `TCP`, `UDP`, `TCP/UDP`. */
  protocol: string;
  /** Port-forward spelling: `tcp`, `udp`, `tcp/udp`. */
  dnatProtocol: "tcp" | "udp" | "tcp/udp";
  /** `22` or `30000-32767`. */
  destinationPort: string;
  /** First port (a port forward's `local-port`; a range keeps its offsets from there). */
  firstPort: string;
  /** Resource-name suffix, e.g. `tcp-22`. */
  key: string;
}

/** Renders the firewall/port-forward arguments of a floating IP's ports (pure; exported for tests). */
export function floatingIpRules(ports: PortRule[]): FloatingIpPort[] {
  return ports.map((p) => {
    const port = String(p.port);
    const protocol = p.protocol === "tcp/udp" ? "TCP/UDP" : p.protocol.toUpperCase();
    return {
      protocol,
      dnatProtocol: p.protocol,
      destinationPort: port,
      firstPort: port.split("-")[0],
      key: `${p.protocol.replace("/", "")}-${port}`,
    };
  });
}

/**
 * A floating IP: a virtual IP (IP alias) on the router's WAN, a 1:1 NAT (BINAT) to the tenant address with NAT
 * reflection, one WAN pass rule per opened port (matching the translated address, as pf filters after 1:1 NAT; its
 * sequence a slot of its own, see ruleOrder.ts),
 * the reflection helper for the target's own LAN and, with a VPN, redirects from the WireGuard group. Every piece is
 * a child named after the floating IP and depends (directly or through the 1:1 NAT) on the virtual IP, so removing
 * the floating IP deletes rules, redirects and NAT before the virtual IP they reference.
 */
export class FloatingIp extends pulumi.ComponentResource {
  public readonly address: string;
  public readonly target: pulumi.Output<string>;
  public readonly virtualIp: opnsense.VirtualIp;
  public readonly nat: opnsense.OneToOneNat;
  public readonly rules: opnsense.FirewallRule[];
  /** Outbound NAT on the target's LAN making reflection work from that LAN (when `lan` is given). */
  public readonly reflectionHelper?: opnsense.SourceNatRule;
  /** Redirects from the VPN (when `vpnInterface` is given). */
  public readonly vpnRedirects: opnsense.PortForward[];

  constructor(name: string, args: FloatingIpArgs, opts?: pulumi.ComponentResourceOptions) {
    super("basphere:tenant:FloatingIp", name, {}, opts);
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(args.address)) {
      throw new pulumi.ResourceError(
        `FloatingIp ${name}: address must be an IPv4 address, got "${args.address}"`,
        this,
      );
    }
    const ports = args.ports ?? DEFAULT_PORTS;
    if (ports.length === 0)
      throw new pulumi.ResourceError(`FloatingIp ${name}: ports must not be empty`, this);
    const label = args.label ?? name;
    const description = `floating ${label}`;
    const reflection = args.natReflection !== false;
    this.address = args.address;
    this.target = pulumi.output(args.target);
    const connection = args.connection;
    const afterNat = { parent: this, dependsOn: [] as pulumi.Resource[] };

    this.virtualIp = new opnsense.VirtualIp(
      `${name}-vip`,
      { connection, interface: "wan", address: `${args.address}/32`, mode: "ipalias", description },
      { parent: this, dependsOn: args.dependsOn },
    );
    // Both sides without a mask: /32 each (OPNsense requires equal prefix lengths for BINAT).
    this.nat = new opnsense.OneToOneNat(
      `${name}-binat`,
      {
        connection,
        interface: "wan",
        external: args.address,
        internal: this.target,
        destination: "any",
        natReflection: reflection ? "enable" : "disable",
        description,
      },
      { parent: this, dependsOn: [this.virtualIp] },
    );
    afterNat.dependsOn = [this.nat];
    const rendered = floatingIpRules(ports);
    this.rules = rendered.map((r) => {
      const ruleName = `${name}-in-${r.key}`;
      return new opnsense.FirewallRule(
        ruleName,
        {
          connection,
          action: "pass",
          interface: "wan",
          direction: "in",
          ipProtocol: "inet",
          protocol: r.protocol,
          sourceNet: "any",
          destinationNet: this.target,
          destinationPort: r.destinationPort,
          description: `${description} ${r.protocol} ${r.destinationPort}`,
          // A slot of its own from its name: it keeps it when other floating IPs or ports come and go.
          sequence: floatingIpRuleSequence(ruleName),
        },
        afterNat,
      );
    });
    if (reflection && args.lan) {
      this.reflectionHelper = new opnsense.SourceNatRule(
        `${name}-reflect`,
        {
          connection,
          interface: args.lan.interface,
          sourceNet: args.lan.network,
          destinationNet: this.target,
          target: args.lan.gateway,
          description: `${description} reflection`,
        },
        afterNat,
      );
    }
    this.vpnRedirects = args.vpnInterface
      ? rendered.map(
          (r) =>
            new opnsense.PortForward(
              `${name}-vpn-${r.key}`,
              {
                connection,
                interface: args.vpnInterface!,
                protocol: r.dnatProtocol,
                destination: args.address,
                destinationPort: r.destinationPort,
                target: this.target,
                targetPort: r.firstPort,
                // The VPN's filter rule passes the translated address; no extra rule, no reflection copies.
                pass: "",
                natReflection: "disable",
                description: `${description} from VPN ${r.protocol} ${r.destinationPort}`,
              },
              { parent: this, dependsOn: [this.nat, ...(args.vpnDependsOn ?? [])] },
            ),
        )
      : [];
    this.registerOutputs({ address: this.address, target: this.target });
  }
}
