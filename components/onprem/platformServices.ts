/**
 * PlatformServices: the management cluster's shared services as pinned Helm releases — monitoring
 * (kube-prometheus-stack), logging (Loki + Alloy), CI/CD (Argo CD), Cluster API core + vSphere provider (through
 * the cluster-api-operator), Crossplane, Harbor and Gitea on the workers, and MetalLB for LoadBalancer services
 * (speakers on the LB tier only, an IPAddressPool and an L2Advertisement limited to the LB nodes). Each service
 * can be switched off.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as command from "@pulumi/command";
import {
  CAPI_VERSIONS,
  CAPV_NAMESPACE,
  CHARTS,
  CapiVersions,
  ServiceKey,
  chartValues,
  giteaSecretValues,
  harborSecretValues,
  mergeValues,
  secretProblem,
} from "./platformCharts";
import { LB_NODE_SELECTOR } from "./clusterTemplate";
import { renderCapvIdentityDeleteScript, renderCapvIdentityScript } from "./capvIdentity";

/** Settings of one service. */
export interface ServiceSettings {
  /** Install it. Default true. */
  enabled?: boolean;
  /** Chart version override. Default: the pinned version in CHARTS. */
  version?: string;
  /** Extra Helm values merged over Basphere's. Default none. */
  values?: Record<string, unknown>;
}

/** Arguments of {@link PlatformServices}. */
export interface PlatformServicesArgs {
  /** Kubeconfig of the management cluster (secret). */
  kubeconfig: pulumi.Input<string>;
  /** Per-service settings; every service is enabled unless `enabled: false`. */
  services?: Partial<Record<ServiceKey, ServiceSettings>>;
  /** Address ranges/CIDRs MetalLB hands out (`192.168.200.200-192.168.200.220`). Required when MetalLB is on. */
  loadBalancerAddresses?: string[];
  /** Harbor external URL. Default https://harbor.local. */
  harborExternalUrl?: string;
  /** Harbor admin password (secret). Required when Harbor is on. */
  harborAdminPassword?: pulumi.Input<string>;
  /**
   * Harbor's encryption key (`secretKey`; secret), exactly 16 printable ASCII characters. Required when Harbor is on
   * (the chart's default, "not-a-secure-key", is public).
   */
  harborSecretKey?: pulumi.Input<string>;
  /** Superuser password of Harbor's internal database (secret). Required when Harbor is on (default "changeit"). */
  harborDatabasePassword?: pulumi.Input<string>;
  /**
   * Password Harbor's core and jobservice use against its registry (`registry.credentials.password`; secret).
   * Required when Harbor is on (default "harbor_registry_password").
   */
  harborRegistryPassword?: pulumi.Input<string>;
  /** Gitea admin user. Default gitea-admin. */
  giteaAdminUser?: string;
  /** Gitea admin password (secret). Required when Gitea is on. */
  giteaAdminPassword?: pulumi.Input<string>;
  /** Password of Gitea's bundled PostgreSQL (secret). Required when Gitea is on (default "gitea"). */
  giteaDatabasePassword?: pulumi.Input<string>;
  /** Password of Gitea's bundled Valkey (secret). Required when Gitea is on (default "changeme"). */
  giteaValkeyPassword?: pulumi.Input<string>;
  /** vSphere credentials for CAPV (secret), stored as the operator's config secret. Default: none (set later). */
  vsphereCredentials?: pulumi.Input<{ username: string; password: string }>;
  /**
   * Name of a VSphereClusterIdentity to create for tenant clusters, with {@link vsphereCredentials} as its account.
   * Requires Cluster API on and the credentials. Default: none (tenant clusters use CAPV's own credentials).
   */
  tenantClusterIdentity?: string;
  /** CAPI provider versions. Default core/kubeadm v1.14.0, vSphere v1.17.0, in-cluster IPAM v1.0.3. */
  capiVersions?: CapiVersions;
  /** Resources to wait for before installing (e.g. the template sync). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

const ORDER: ServiceKey[] = [
  "metallb",
  "monitoring",
  "logging",
  "logCollector",
  "argocd",
  "clusterApi",
  "crossplane",
  "harbor",
  "gitea",
];

/** The platform services. */
export class PlatformServices extends pulumi.ComponentResource {
  /** Helm releases by service key (only enabled ones). */
  readonly releases: Partial<Record<ServiceKey, k8s.helm.v3.Release>> = {};
  readonly provider: k8s.Provider;
  /** The command that creates the tenant clusters' VSphereClusterIdentity, when one was asked for. */
  readonly tenantIdentity?: command.local.Command;

  constructor(name: string, args: PlatformServicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("basphere:onprem:PlatformServices", name, {}, opts);
    const enabled = (k: ServiceKey) => args.services?.[k]?.enabled !== false;
    if (enabled("metallb") && !args.loadBalancerAddresses?.length) {
      throw new pulumi.ResourceError(
        "PlatformServices: loadBalancerAddresses is required while MetalLB is enabled",
        this,
      );
    }
    const requiredSecrets: [ServiceKey, string, keyof PlatformServicesArgs][] = [
      ["harbor", "Harbor", "harborAdminPassword"],
      ["harbor", "Harbor", "harborSecretKey"],
      ["harbor", "Harbor", "harborDatabasePassword"],
      ["harbor", "Harbor", "harborRegistryPassword"],
      ["gitea", "Gitea", "giteaAdminPassword"],
      ["gitea", "Gitea", "giteaDatabasePassword"],
      ["gitea", "Gitea", "giteaValkeyPassword"],
    ];
    for (const [key, label, field] of requiredSecrets) {
      if (!enabled(key)) continue;
      const value = args[field] as pulumi.Input<string> | undefined;
      if (value === undefined) {
        throw new pulumi.ResourceError(
          `PlatformServices: ${field} is required while ${label} is enabled`,
          this,
        );
      }
      // A plain value is checked now, so a bad one fails the preview; an Output is checked when it resolves.
      const problem = typeof value === "string" ? secretProblem(field, value) : undefined;
      if (problem) throw new pulumi.ResourceError(`PlatformServices: ${problem}`, this);
    }

    if (args.tenantClusterIdentity && (!enabled("clusterApi") || args.vsphereCredentials === undefined)) {
      throw new pulumi.ResourceError(
        "PlatformServices: tenantClusterIdentity needs Cluster API enabled and vsphereCredentials (its vCenter account)",
        this,
      );
    }

    this.provider = new k8s.Provider(
      `${name}-k8s`,
      { kubeconfig: pulumi.secret(args.kubeconfig) },
      { parent: this, dependsOn: args.dependsOn },
    );
    const ro = { parent: this, provider: this.provider };

    let capvSecretName: string | undefined;
    const capiNs = CHARTS.clusterApi.namespace;
    const preReqs: Partial<Record<ServiceKey, pulumi.Resource[]>> = {};
    if (enabled("clusterApi") && args.vsphereCredentials !== undefined) {
      capvSecretName = "capv-credentials";
      const ns = new k8s.core.v1.Namespace(`${name}-${capiNs}`, { metadata: { name: capiNs } }, ro);
      const creds = pulumi.secret(args.vsphereCredentials);
      const secret = new k8s.core.v1.Secret(
        `${name}-capv-credentials`,
        {
          metadata: { name: capvSecretName, namespace: capiNs },
          stringData: {
            VSPHERE_USERNAME: creds.apply((c) => c.username),
            VSPHERE_PASSWORD: creds.apply((c) => c.password),
          },
        },
        { ...ro, dependsOn: [ns] },
      );
      preReqs.clusterApi = [secret];
    }

    for (const key of ORDER) {
      if (!enabled(key)) continue;
      const spec = CHARTS[key];
      const settings = args.services?.[key] ?? {};
      let values: pulumi.Input<Record<string, any>> = mergeValues(
        chartValues(key, {
          harborExternalUrl: args.harborExternalUrl,
          capvConfigSecret: capvSecretName,
          capiVersions: args.capiVersions ?? CAPI_VERSIONS,
          lokiPushUrl: `http://${CHARTS.logging.release}-gateway.${CHARTS.logging.namespace}.svc.cluster.local/loki/api/v1/push`,
        }),
        settings.values as Record<string, any> | undefined,
      );
      // The credentials go over the chart's (public) defaults and any user values; the whole values map becomes
      // a secret so none of them reaches the state or the preview in clear.
      if (key === "harbor") {
        const base = values as Record<string, any>;
        values = pulumi.secret(
          pulumi
            .all([
              args.harborAdminPassword!,
              args.harborSecretKey!,
              args.harborDatabasePassword!,
              args.harborRegistryPassword!,
            ])
            .apply(([adminPassword, secretKey, databasePassword, registryPassword]) =>
              mergeValues(
                base,
                harborSecretValues({ adminPassword, secretKey, databasePassword, registryPassword }),
              ),
            ),
        );
      } else if (key === "gitea") {
        const base = values as Record<string, any>;
        const adminUser = args.giteaAdminUser ?? "gitea-admin";
        values = pulumi.secret(
          pulumi
            .all([args.giteaAdminPassword!, args.giteaDatabasePassword!, args.giteaValkeyPassword!])
            .apply(([adminPassword, databasePassword, valkeyPassword]) =>
              mergeValues(
                base,
                giteaSecretValues({ adminUser, adminPassword, databasePassword, valkeyPassword }),
              ),
            ),
        );
      }
      const deps: pulumi.Resource[] = [...(preReqs[key] ?? [])];
      // Collectors and LoadBalancer services need their backends / MetalLB first.
      if (key === "logCollector" && this.releases.logging) deps.push(this.releases.logging);
      if ((key === "harbor" || key === "gitea") && this.releases.metallb) deps.push(this.releases.metallb);
      this.releases[key] = new k8s.helm.v3.Release(
        `${name}-${key}`,
        {
          name: spec.release,
          chart: spec.chart,
          version: settings.version ?? spec.version,
          repositoryOpts: { repo: spec.repo },
          namespace: spec.namespace,
          createNamespace: !(key === "clusterApi" && capvSecretName),
          values,
          timeout: 900,
        },
        { ...ro, dependsOn: deps },
      );
    }

    if (args.tenantClusterIdentity && this.releases.clusterApi) {
      const idArgs = { name: args.tenantClusterIdentity, namespace: CAPV_NAMESPACE };
      let create: string;
      let del: string;
      try {
        create = renderCapvIdentityScript(idArgs);
        del = renderCapvIdentityDeleteScript(idArgs);
      } catch (e) {
        throw new pulumi.ResourceError(`PlatformServices: ${(e as Error).message}`, this);
      }
      const creds = pulumi.secret(args.vsphereCredentials!);
      this.tenantIdentity = new command.local.Command(
        `${name}-tenant-identity`,
        {
          create,
          update: create,
          delete: del,
          environment: pulumi.secret({
            KUBECONFIG_CONTENT: pulumi.output(args.kubeconfig),
            CAPV_USERNAME: creds.apply((c) => c.username),
            CAPV_PASSWORD: creds.apply((c) => c.password),
          }),
          triggers: [args.tenantClusterIdentity],
          logging: "stderr",
        },
        { parent: this, dependsOn: [this.releases.clusterApi] },
      );
    }

    if (this.releases.metallb) {
      const pool = new k8s.apiextensions.CustomResource(
        `${name}-lb-pool`,
        {
          apiVersion: "metallb.io/v1beta1",
          kind: "IPAddressPool",
          metadata: { name: "basphere-lb", namespace: CHARTS.metallb.namespace },
          spec: { addresses: args.loadBalancerAddresses! },
        },
        { ...ro, dependsOn: [this.releases.metallb] },
      );
      new k8s.apiextensions.CustomResource(
        `${name}-lb-l2`,
        {
          apiVersion: "metallb.io/v1beta1",
          kind: "L2Advertisement",
          metadata: { name: "basphere-lb", namespace: CHARTS.metallb.namespace },
          spec: {
            ipAddressPools: ["basphere-lb"],
            nodeSelectors: [{ matchLabels: { ...LB_NODE_SELECTOR } }],
          },
        },
        { ...ro, dependsOn: [pool] },
      );
    }

    this.registerOutputs({ releases: Object.keys(this.releases) });
  }
}
