/**
 * Stack kind `onprem`: the on-prem side of Basphere on vSphere — the three-tier Talos management cluster joined
 * to Omni (components/onprem), its platform services, and the vSphere facts every tenant stack needs
 * (model/contracts.ts `OnpremOutputs`).
 *
 * Config (`basphere:<key>`; see stacks/Pulumi.onprem.yaml; the schema with its defaults and rules is onpremConfig.ts):
 *   vcenter {server, thumbprint}, datacenter, computeCluster, hosts[], datastore, distributedSwitch,
 *   wan {portGroup, vlanId}, folder, talosTemplate,
 *   omni {endpoint, machineApiUrl, eventSinkPort, logServerPort, insecureSkipTlsVerify},
 *   cluster {name, kubernetesVersion, talosVersion, mtu, nameservers, ntpServers, podSubnets, serviceSubnets,
 *            controlPlane {count,cpus,memoryMb,diskGb}, lb {cpus,memoryMb,diskGb}, workers {count,cpus,memoryMb,diskGb}},
 *   services {<service>: true|false|{enabled, version, values}}, loadBalancer {addresses[]}, harborExternalUrl,
 *   capvUsername; secrets: omniJoinToken, omniServiceAccountKey, managementKubeconfig (optional),
 *   harborAdminPassword, harborSecretKey (16 chars), harborDatabasePassword, harborRegistryPassword (required while
 *   Harbor is on), giteaAdminPassword, giteaDatabasePassword, giteaValkeyPassword (required while Gitea is on),
 *   capvPassword. None of them may be a chart's published default.
 *   automationService {enabled, replicas, image, namespace, secretName, postgres {instances, storageSize,
 *   storageClass}}: the automation service and its CloudNativePG PostgreSQL on the workers (the Secret with its
 *   admin token and passphrase is the operator's).
 *
 * Platform-wide tenant settings (exported for every `tenant-*` stack, which may still override each one; see
 * stacks/tenant.ts for the precedence):
 *   routerTemplate {name, apiKey (secret), apiSecret (secret), fingerprint}: the golden OPNsense template;
 *   tenantClusters {identity, cpiUsername (secret), cpiPassword (secret)}: the VSphereClusterIdentity CAPV uses for
 *   tenant clusters (created by this stack with the capvUsername/capvPassword account) and the restricted vCenter
 *   account of their vSphere cloud provider (CPI).
 */
import * as pulumi from "@pulumi/pulumi";
import * as vsphere from "../providers/vsphere";
import { BasphereConfig, parseConfig } from "./config";
import type { OnpremOutputs } from "../model/contracts";
import { lookupVsphereSite, siteOutputs } from "./vsphereSite";
import { ManagementCluster } from "../components/onprem/managementCluster";
import { PlatformServices } from "../components/onprem/platformServices";
import { AutomationService } from "../components/onprem/automationService";
import { configSchema } from "./onpremConfig";

export { configSchema, type OnpremConfig } from "./onpremConfig";

/** Runs the `onprem` stack; returns exactly the {@link OnpremOutputs} keys. */
export async function run(
  config: BasphereConfig,
): Promise<{ [K in keyof OnpremOutputs]: pulumi.Input<OnpremOutputs[K]> }> {
  const c = parseConfig(configSchema, config.values, "onprem stack config");
  const secretOf = (v: string | undefined) => (v !== undefined ? pulumi.secret(v) : undefined);

  const site = lookupVsphereSite(c);
  const { dc, cc, ds, wan } = site;
  const template = vsphere.getVirtualMachineOutput({ name: c.talosTemplate, datacenterId: dc.id });
  const hosts = c.hosts.map((name) => ({
    name,
    id: vsphere.getHostOutput({ name, datacenterId: dc.id }).id,
  }));

  const rootFolder = new vsphere.Folder("basphere-folder", {
    path: c.folder,
    type: "vm",
    datacenterId: dc.id,
  });
  const mgmtFolder = new vsphere.Folder(
    "management-folder",
    { path: pulumi.interpolate`${rootFolder.path}/${c.cluster.name}`, type: "vm", datacenterId: dc.id },
    { dependsOn: [rootFolder] },
  );

  const mgmt = new ManagementCluster("management", {
    clusterName: c.cluster.name,
    computeClusterId: cc.id,
    resourcePoolId: cc.resourcePoolId,
    datastoreId: ds.id,
    folder: mgmtFolder.path,
    networkId: wan.id,
    hosts,
    template: { uuid: template.uuid, guestId: template.guestId, firmware: template.firmware },
    controlPlane: c.cluster.controlPlane,
    lb: c.cluster.lb,
    workers: c.cluster.workers,
    kubernetesVersion: c.cluster.kubernetesVersion,
    talosVersion: c.cluster.talosVersion,
    mtu: c.cluster.mtu,
    nameservers: c.cluster.nameservers,
    ntpServers: c.cluster.ntpServers,
    podSubnets: c.cluster.podSubnets,
    serviceSubnets: c.cluster.serviceSubnets,
    omni: {
      endpoint: c.omni.endpoint,
      machineApiUrl: c.omni.machineApiUrl,
      joinToken: pulumi.secret(c.omniJoinToken),
      serviceAccountKey: pulumi.secret(c.omniServiceAccountKey),
      eventSinkPort: c.omni.eventSinkPort,
      logServerPort: c.omni.logServerPort,
      insecureSkipTlsVerify: c.omni.insecureSkipTlsVerify,
      readyTimeout: c.omni.readyTimeout,
    },
    kubeconfig: c.managementKubeconfig !== undefined ? pulumi.secret(c.managementKubeconfig) : undefined,
  });

  const platform = new PlatformServices(
    "platform",
    {
      kubeconfig: mgmt.kubeconfig,
      services: c.services,
      loadBalancerAddresses: c.loadBalancer?.addresses,
      harborExternalUrl: c.harborExternalUrl,
      harborAdminPassword: secretOf(c.harborAdminPassword),
      harborSecretKey: secretOf(c.harborSecretKey),
      harborDatabasePassword: secretOf(c.harborDatabasePassword),
      harborRegistryPassword: secretOf(c.harborRegistryPassword),
      giteaAdminPassword: secretOf(c.giteaAdminPassword),
      giteaDatabasePassword: secretOf(c.giteaDatabasePassword),
      giteaValkeyPassword: secretOf(c.giteaValkeyPassword),
      vsphereCredentials:
        c.capvUsername !== undefined && c.capvPassword !== undefined
          ? pulumi.secret({ username: c.capvUsername, password: c.capvPassword })
          : undefined,
      tenantClusterIdentity: c.tenantClusters.identity,
      dependsOn: [mgmt.sync],
    },
    { dependsOn: [mgmt] },
  );

  const svc = c.automationService;
  if (svc?.enabled) {
    new AutomationService("automation", {
      provider: platform.provider,
      image: svc.image!,
      replicas: svc.replicas,
      namespace: svc.namespace,
      secretName: svc.secretName,
      postgres: svc.postgres,
    });
  }

  return {
    ...siteOutputs(c, site, rootFolder.path),
    managementKubeconfig: pulumi.secret(mgmt.kubeconfig),
    omniEndpoint: c.omni.endpoint,
    routerTemplateName: c.routerTemplate.name,
    routerTemplateApiKey: pulumi.secret(c.routerTemplate.apiKey),
    routerTemplateApiSecret: pulumi.secret(c.routerTemplate.apiSecret),
    routerTemplateApiFingerprint: c.routerTemplate.fingerprint ?? "",
    tenantClusterIdentity: c.tenantClusters.identity ?? "",
    tenantCpiUsername: pulumi.secret(c.tenantClusters.cpiUsername),
    tenantCpiPassword: pulumi.secret(c.tenantClusters.cpiPassword),
  };
}
