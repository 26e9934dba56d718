/**
 * The ingress rules of the Omni network security group and of the optional add-on groups, as plain data.
 * Pure functions: the component turns each entry into one `oci.core.NetworkSecurityGroupSecurityRule`.
 */
import { OMNI_PORTS, PROTOCOL } from "./constants";

/** One stateful ingress rule: a protocol, one destination port (none for `all`), one source CIDR. */
export interface IngressRule {
  /** Stable name fragment used for the Pulumi resource name. */
  name: string;
  description: string;
  protocol: "tcp" | "udp" | "all";
  /** Destination port (ignored for `all`). */
  port: number;
  /** Source CIDR. */
  source: string;
}

/** The whole internet. */
export const ANYWHERE = "0.0.0.0/0";

/** Inputs of {@link omniIngressRules}. */
export interface OmniIngressOptions {
  /** CIDRs allowed to SSH to the Omni host. Empty: no SSH at all. */
  adminCidrs: string[];
}

/**
 * Ingress rules Omni needs and nothing more: 443/tcp, 8090/tcp, 8100/tcp and 50180/udp from anywhere, and SSH
 * (22/tcp) only from the admin CIDRs. Metrics (2122), debug (9988) and the rest are not listed, hence closed.
 */
export function omniIngressRules(opts: OmniIngressOptions): IngressRule[] {
  const rules: IngressRule[] = [
    {
      name: "api",
      description: "Omni UI, API and omnictl",
      protocol: "tcp",
      port: OMNI_PORTS.api,
      source: ANYWHERE,
    },
    {
      name: "machine-api",
      description: "Omni machine API (SideroLink joins)",
      protocol: "tcp",
      port: OMNI_PORTS.machineApi,
      source: ANYWHERE,
    },
    {
      name: "k8s-proxy",
      description: "Omni Kubernetes API proxy",
      protocol: "tcp",
      port: OMNI_PORTS.kubernetesProxy,
      source: ANYWHERE,
    },
    {
      name: "wireguard",
      description: "SideroLink WireGuard",
      protocol: "udp",
      port: OMNI_PORTS.wireguard,
      source: ANYWHERE,
    },
  ];
  [...new Set(opts.adminCidrs)].forEach((cidr, i) =>
    rules.push({
      name: `ssh-${i}`,
      description: `SSH from admin network ${cidr}`,
      protocol: "tcp",
      port: 22,
      source: cidr,
    }),
  );
  return rules;
}

/** The `tcpOptions`/`udpOptions` of an OCI security rule that matches one destination port. */
export function portOptions(rule: IngressRule): {
  protocol: string;
  tcpOptions?: { destinationPortRange: { min: number; max: number } };
  udpOptions?: { destinationPortRange: { min: number; max: number } };
} {
  if (rule.protocol === "all") return { protocol: PROTOCOL.all };
  const range = { destinationPortRange: { min: rule.port, max: rule.port } };
  return rule.protocol === "tcp"
    ? { protocol: PROTOCOL.tcp, tcpOptions: range }
    : { protocol: PROTOCOL.udp, udpOptions: range };
}
