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
];
