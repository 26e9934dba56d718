/**
 * What one stack publishes for another. The `onprem` stack exports {@link OnpremOutputs}; every `tenant-*`
 * stack reads them through a StackReference. Keep the two sides compiled against this one definition.
 */

/** Outputs of the `onprem` stack that tenant stacks consume (flat keys, as StackReference reads them). */
export interface OnpremOutputs {
  /** vCenter server (FQDN or IP), e.g. for CAPV's VSphereCluster.spec.server. */
  vcenterServer: string;
  /** SHA-1 thumbprint of the vCenter certificate (colon-separated), for CAPV. */
  vcenterThumbprint: string;
  datacenterName: string;
  datacenterId: string;
  computeClusterName: string;
  computeClusterId: string;
  /** Root resource pool of the compute cluster. */
  resourcePoolId: string;
  datastoreName: string;
  datastoreId: string;
  /** VM folder path tenants create their folders under. */
  folderPath: string;
  distributedSwitchName: string;
  /** UUID of the distributed switch (DistributedPortGroup.distributedVirtualSwitchUuid). */
  distributedSwitchUuid: string;
  wanPortGroupName: string;
  wanPortGroupId: string;
  /** VLAN of the WAN (control) network: 2000. */
  wanVlanId: number;
  /** Management cluster kubeconfig (secret). */
  managementKubeconfig: string;
  /** Omni API endpoint (https URL). */
  omniEndpoint: string;

  // ---- Platform-wide tenant settings (the onprem config's `routerTemplate` and `tenantClusters` sections) ----
  /** Golden OPNsense template VM every tenant router is cloned from (e.g. `opnsense-26.7-golden`). */
  routerTemplateName: string;
  /** The golden template's shared API key (secret); each router rotates it away after first boot. */
  routerTemplateApiKey: string;
  /** The golden template's shared API secret (secret). */
  routerTemplateApiSecret: string;
  /** SHA-256 fingerprint of the template's web GUI certificate; `""` = trust the system CA store. */
  routerTemplateApiFingerprint: string;
  /** VSphereClusterIdentity CAPV uses for tenant clusters; `""` = CAPV's own credentials. */
  tenantClusterIdentity: string;
  /** Restricted vCenter account the vSphere cloud provider (CPI) of every tenant cluster uses (secret). */
  tenantCpiUsername: string;
  /** Its password (secret). */
  tenantCpiPassword: string;
}

/** The keys of {@link OnpremOutputs}, for code that must list them. */
export const onpremOutputKeys: (keyof OnpremOutputs)[] = [
  "vcenterServer",
  "vcenterThumbprint",
  "datacenterName",
  "datacenterId",
  "computeClusterName",
  "computeClusterId",
  "resourcePoolId",
  "datastoreName",
  "datastoreId",
  "folderPath",
  "distributedSwitchName",
  "distributedSwitchUuid",
  "wanPortGroupName",
  "wanPortGroupId",
  "wanVlanId",
  "managementKubeconfig",
  "omniEndpoint",
  "routerTemplateName",
  "routerTemplateApiKey",
  "routerTemplateApiSecret",
  "routerTemplateApiFingerprint",
  "tenantClusterIdentity",
  "tenantCpiUsername",
  "tenantCpiPassword",
];

/**
 * The keys of {@link OnpremOutputs} that are secrets: the onprem stack exports them with `pulumi.secret`, and a
 * tenant stack keeps them secret after reading them (whatever the StackReference reports).
 */
export const onpremSecretOutputKeys: readonly (keyof OnpremOutputs)[] = [
  "managementKubeconfig",
  "routerTemplateApiKey",
  "routerTemplateApiSecret",
  "tenantCpiUsername",
  "tenantCpiPassword",
];
