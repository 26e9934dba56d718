import * as pulumi from "@pulumi/pulumi";
import * as opnsense from "../../providers/opnsense";
import type { PortRule } from "../../stacks/tenantSpec";

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
  /** Label for descriptions on the router. Default: the component name. */
  label?: string;
  /** Resources that must exist first (the router's key rotation). Default none. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Renders the firewall rule arguments of a floating IP's ports (pure; exported for tests). */
export function floatingIpRules(
  ports: PortRule[],
): { protocol: string; destinationPort: string; key: string }[] {
  return ports.map((p) => {
    const port = String(p.port);
    const protocol = p.protocol === "tcp/udp" ? "TCP/UDP" : p.protocol.toUpperCase();
    return { protocol, destinationPort: port, key: `${p.protocol.replace("/", "")}-${port}` };
  });
}

/**
 * A floating IP: a virtual IP (IP alias) on the router's WAN, a 1:1 NAT (BINAT) to the tenant address, and one
 * WAN pass rule per opened port (matching the translated address, as pf filters after 1:1 NAT). Every piece is a
 * child named after the floating IP, so removing the floating IP from the spec deletes its virtual IP, NAT and rules.
 */
export class FloatingIp extends pulumi.ComponentResource {
  public readonly address: string;
  public readonly target: pulumi.Output<string>;
  public readonly virtualIp: opnsense.VirtualIp;
  public readonly nat: opnsense.OneToOneNat;
  public readonly rules: opnsense.FirewallRule[];

  constructor(name: string, args: FloatingIpArgs, opts?: pulumi.ComponentResourceOptions) {
    super("basphere:tenant:FloatingIp", name, {}, opts);
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(args.address)) {
      throw new pulumi.ResourceError(
        `FloatingIp ${name}: address must be an IPv4 address, got "${args.address}"`,
        this,
      );
    }
    const ports = args.ports ?? [
      { protocol: "tcp" as const, port: 22 },
      { protocol: "tcp" as const, port: "30000-32767" },
    ];
    if (ports.length === 0)
      throw new pulumi.ResourceError(`FloatingIp ${name}: ports must not be empty`, this);
    const label = args.label ?? name;
    this.address = args.address;
    this.target = pulumi.output(args.target);
    const base = { parent: this, dependsOn: args.dependsOn };

    this.virtualIp = new opnsense.VirtualIp(
      `${name}-vip`,
      {
        connection: args.connection,
        interface: "wan",
        address: `${args.address}/32`,
        mode: "ipalias",
        description: `floating ${label}`,
      },
      base,
    );
    this.nat = new opnsense.OneToOneNat(
      `${name}-binat`,
      {
        connection: args.connection,
        interface: "wan",
        external: args.address,
        internal: this.target,
        destination: "any",
        natReflection: args.natReflection === false ? "disable" : "enable",
        description: `floating ${label}`,
      },
      { parent: this, dependsOn: [this.virtualIp] },
    );
    this.rules = floatingIpRules(ports).map(
      (r) =>
        new opnsense.FirewallRule(
          `${name}-in-${r.key}`,
          {
            connection: args.connection,
            action: "pass",
            interface: "wan",
            direction: "in",
            ipProtocol: "inet",
            protocol: r.protocol,
            sourceNet: "any",
            destinationNet: this.target,
            destinationPort: r.destinationPort,
            description: `floating ${label} ${r.protocol} ${r.destinationPort}`,
          },
          { parent: this, dependsOn: [this.nat] },
        ),
    );
    this.registerOutputs({ address: this.address, target: this.target });
  }
}
