/**
 * AutomationService: the Basphere automation service on the management cluster's workers — the CloudNativePG
 * operator (a pinned Helm chart, like the platform services), the service's PostgreSQL `Cluster`, and the
 * Namespace, ServiceAccount, Deployment, PodDisruptionBudget and Service rendered by
 * {@link renderAutomationServiceObjects}. The Secret with the admin token and the secrets passphrase is the
 * operator's (see {@link OPERATOR_SECRET_KEYS}); this component never sees a secret value.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import {
  AutomationServiceObjects,
  CNPG_CHART,
  PostgresSettings,
  ResourceSettings,
  cnpgAppSecretName,
  cnpgOperatorValues,
  renderAutomationServiceObjects,
} from "./automationServiceManifests";
import { mergeValues } from "./platformCharts";

/** Arguments of {@link AutomationService}. */
export interface AutomationServiceArgs {
  /**
   * The Kubernetes provider of the management cluster (e.g. `PlatformServices.provider`). Default: one made from
   * {@link kubeconfig}; one of the two is required.
   */
  provider?: k8s.Provider;
  /** Kubeconfig of the management cluster (secret), used when no {@link provider} is given. */
  kubeconfig?: pulumi.Input<string>;
  /** The service image, pinned by a tag other than `latest` or by a digest. Required; no default. */
  image: string;
  /** Replicas of the service, at least 2 (one per worker). Default 2. */
  replicas?: number;
  /** Namespace of the service and its database. Default `basphere-system`. */
  namespace?: string;
  /**
   * Name of the Secret the operator creates in {@link namespace} before `pulumi up`, with the keys `admin-token`
   * and `pulumi-config-passphrase`. Default `basphere-automation-service`.
   */
  secretName?: string;
  /** The PostgreSQL store (CloudNativePG Cluster). Default 3 instances of 10Gi on the default storage class. */
  postgres?: PostgresSettings;
  /** CPU and memory of the service's container. Default: requests 500m / 1Gi, limits 2 / 4Gi. */
  resources?: ResourceSettings;
  /** Operations running at once per replica. Default 2. */
  concurrency?: number;
  /** CloudNativePG chart version override. Default: the pinned {@link CNPG_CHART} version (operator 1.27.1). */
  operatorVersion?: string;
  /** Extra Helm values of the operator chart, merged over Basphere's. Default none. */
  operatorValues?: Record<string, unknown>;
  /** Resources to wait for before installing. Default none. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The automation service and its database on the management cluster. */
export class AutomationService extends pulumi.ComponentResource {
  /** The CloudNativePG operator's Helm release. */
  readonly operator: k8s.helm.v3.Release;
  readonly namespace: k8s.core.v1.Namespace;
  readonly serviceAccount: k8s.core.v1.ServiceAccount;
  /** The CloudNativePG `Cluster` of the store. */
  readonly database: k8s.apiextensions.CustomResource;
  readonly deployment: k8s.apps.v1.Deployment;
  readonly podDisruptionBudget: k8s.policy.v1.PodDisruptionBudget;
  readonly service: k8s.core.v1.Service;
  /** In-cluster URL of the service (`http://<name>.<namespace>.svc.cluster.local`). */
  readonly url: pulumi.Output<string>;
  /** The Secret CloudNativePG creates with the database credentials (its `uri` key is the store URL). */
  readonly databaseSecretName: string;

  constructor(name: string, args: AutomationServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("basphere:onprem:AutomationService", name, {}, opts);
    let objects: AutomationServiceObjects;
    try {
      objects = renderAutomationServiceObjects({
        image: args.image,
        replicas: args.replicas,
        namespace: args.namespace,
        secretName: args.secretName,
        postgres: args.postgres,
        resources: args.resources,
        concurrency: args.concurrency,
      });
    } catch (e) {
      throw new pulumi.ResourceError(`AutomationService: ${(e as Error).message}`, this);
    }
    if (!args.provider && args.kubeconfig === undefined) {
      throw new pulumi.ResourceError("AutomationService: provider or kubeconfig is required", this);
    }
    const provider =
      args.provider ??
      new k8s.Provider(
        `${name}-k8s`,
        { kubeconfig: pulumi.secret(args.kubeconfig!) },
        { parent: this, dependsOn: args.dependsOn },
      );
    const ro = { parent: this, provider, dependsOn: args.dependsOn };

    this.operator = new k8s.helm.v3.Release(
      `${name}-cnpg`,
      {
        name: CNPG_CHART.release,
        chart: CNPG_CHART.chart,
        version: args.operatorVersion ?? CNPG_CHART.version,
        repositoryOpts: { repo: CNPG_CHART.repo },
        namespace: CNPG_CHART.namespace,
        createNamespace: true,
        values: mergeValues(cnpgOperatorValues(), args.operatorValues as Record<string, any> | undefined),
        timeout: 600,
      },
      ro,
    );

    const { metadata: nsMeta } = objects.namespace;
    this.namespace = new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: nsMeta }, ro);
    const inNs = { ...ro, dependsOn: [this.namespace] };
    const sa = objects.serviceAccount;
    this.serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      { metadata: sa.metadata, automountServiceAccountToken: sa.automountServiceAccountToken },
      inNs,
    );
    const pg = objects.postgresCluster;
    // The Cluster is a CloudNativePG type: its CRD and admission webhooks come with the operator's release.
    this.database = new k8s.apiextensions.CustomResource(
      `${name}-postgres`,
      { apiVersion: pg.apiVersion, kind: pg.kind, metadata: pg.metadata, spec: pg.spec },
      { ...ro, dependsOn: [this.operator, this.namespace] },
    );
    this.databaseSecretName = cnpgAppSecretName(pg.metadata.name);
    const d = objects.deployment;
    this.deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      { metadata: d.metadata, spec: d.spec },
      { ...ro, dependsOn: [this.serviceAccount, this.database] },
    );
    const pdb = objects.podDisruptionBudget;
    this.podDisruptionBudget = new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      { metadata: pdb.metadata, spec: pdb.spec },
      inNs,
    );
    const svc = objects.service;
    this.service = new k8s.core.v1.Service(
      `${name}-service`,
      { metadata: svc.metadata, spec: svc.spec },
      inNs,
    );
    this.url = pulumi.output(`http://${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local`);

    this.registerOutputs({ url: this.url, databaseSecretName: this.databaseSecretName });
  }
}
