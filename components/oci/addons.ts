/**
 * Optional add-ons that share the Omni site: the monitoring hub (metrics/logs from on-prem clusters over the VPN,
 * Grafana for admins) and the Backstage developer portal. Each add-on has a network slot (its own network security
 * group, created only when enabled) and, in Kubernetes mode, a deployment hook called with the cluster provider.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { IngressRule } from "./securityRules";

/** The add-ons the OCI site knows. */
export const ADDON_NAMES = ["monitoring", "backstage"] as const;
export type AddonName = (typeof ADDON_NAMES)[number];

/** Who may reach an add-on port: the admin CIDRs, the on-prem CIDRs (over the VPN) or anyone. */
export type AddonAudience = "admin" | "onprem" | "internet";

/** One port of an add-on. */
export interface AddonPort {
  name: string;
  description: string;
  protocol: "tcp" | "udp";
  port: number;
  audiences: AddonAudience[];
}

/** The ports each add-on exposes. */
export const ADDON_PORTS: Record<AddonName, AddonPort[]> = {
  monitoring: [
    {
      name: "grafana",
      description: "Grafana UI",
      protocol: "tcp",
      port: 3000,
      audiences: ["admin", "onprem"],
    },
    {
      name: "remote-write",
      description: "Prometheus remote-write receiver",
      protocol: "tcp",
      port: 9090,
      audiences: ["onprem"],
    },
    { name: "loki", description: "Loki log push", protocol: "tcp", port: 3100, audiences: ["onprem"] },
    {
      name: "otlp",
      description: "OpenTelemetry OTLP/gRPC",
      protocol: "tcp",
      port: 4317,
      audiences: ["onprem"],
    },
  ],
  backstage: [
    {
      name: "backstage",
      description: "Backstage portal",
      protocol: "tcp",
      port: 7007,
      audiences: ["admin", "onprem"],
    },
  ],
};

/** Which add-ons are switched on. */
export type AddonSwitches = Partial<Record<AddonName, boolean>>;

/** Ingress rules of one add-on's security group. An audience with no CIDRs yields no rule (never "anywhere"). */
export function addonIngressRules(
  name: AddonName,
  cidrs: { adminCidrs: string[]; onpremCidrs: string[] },
): IngressRule[] {
  const sources = (a: AddonAudience): string[] =>
    a === "internet" ? ["0.0.0.0/0"] : a === "admin" ? cidrs.adminCidrs : cidrs.onpremCidrs;
  const rules: IngressRule[] = [];
  for (const p of ADDON_PORTS[name]) {
    const all = [...new Set(p.audiences.flatMap(sources))];
    all.forEach((source, i) =>
      rules.push({
        name: `${p.name}-${i}`,
        description: `${p.description} from ${source}`,
        protocol: p.protocol,
        port: p.port,
        source,
      }),
    );
  }
  return rules;
}

/** What a Kubernetes-mode deployment hook gets. */
export interface AddonHookContext {
  name: AddonName;
  /** Provider of the OKE cluster (built from its kubeconfig). */
  provider: k8s.Provider;
  /** The add-on's namespace, created for it. */
  namespace: pulumi.Output<string>;
  /**
   * The add-on's network security group OCID, for its Service: `oci-network-load-balancer.oraclecloud.com/
   * oci-network-security-groups` on an NLB, `oci.oraclecloud.com/oci-network-security-groups` on a classic LB.
   */
  nsgId: pulumi.Output<string>;
  /** Omni UI URL (for links / SSO callbacks). */
  omniUrl: pulumi.Output<string>;
  /** Parent for the hook's resources. */
  parent: pulumi.Resource;
}

/** Deploys an add-on on the OKE cluster; registered per add-on by the stack. */
export type AddonHook = (ctx: AddonHookContext) => void;
