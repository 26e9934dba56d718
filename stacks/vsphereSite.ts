/**
 * The vSphere site both onprem stack kinds (`onprem`, and `box` for a datacenter in a box) stand on: the inventory
 * lookups by name and the {@link OnpremOutputs} keys that describe it to tenant stacks. One definition, so the two
 * kinds cannot describe a site differently.
 */
import * as pulumi from "@pulumi/pulumi";
import * as vsphere from "../providers/vsphere";
import type { OnpremOutputs } from "../model/contracts";

/** Names of the site's objects, as both stack configs spell them. */
export interface VsphereSiteConfig {
  vcenter: { server: string; thumbprint: string };
  datacenter: string;
  computeCluster: string;
  datastore: string;
  distributedSwitch: string;
  wan: { portGroup: string; vlanId: number };
}

/** The looked-up site objects. */
export interface VsphereSite {
  dc: pulumi.Output<vsphere.GetDatacenterResult>;
  cc: pulumi.Output<vsphere.GetComputeClusterResult>;
  ds: pulumi.Output<vsphere.GetDatastoreResult>;
  dvs: pulumi.Output<vsphere.GetDistributedVirtualSwitchResult>;
  wan: pulumi.Output<vsphere.GetNetworkResult>;
}

/** Looks the datacenter, compute cluster, datastore, distributed switch and WAN port group up by name. */
export function lookupVsphereSite(c: VsphereSiteConfig): VsphereSite {
  const dc = vsphere.getDatacenterOutput({ name: c.datacenter });
  const cc = vsphere.getComputeClusterOutput({ name: c.computeCluster, datacenterId: dc.id });
  const ds = vsphere.getDatastoreOutput({ name: c.datastore, datacenterId: dc.id });
  const dvs = vsphere.getDistributedVirtualSwitchOutput({ name: c.distributedSwitch, datacenterId: dc.id });
  const wan = vsphere.getNetworkOutput({
    name: c.wan.portGroup,
    datacenterId: dc.id,
    distributedVirtualSwitchUuid: dvs.id,
  });
  return { dc, cc, ds, dvs, wan };
}

/** The keys of {@link OnpremOutputs} that describe the site (vCenter, placement, WAN) and the tenants' root folder. */
export function siteOutputs(
  c: VsphereSiteConfig,
  s: VsphereSite,
  folderPath: pulumi.Input<string>,
): {
  [
    K in
      | "vcenterServer"
      | "vcenterThumbprint"
      | "datacenterName"
      | "datacenterId"
      | "computeClusterName"
      | "computeClusterId"
      | "resourcePoolId"
      | "datastoreName"
      | "datastoreId"
      | "folderPath"
      | "distributedSwitchName"
      | "distributedSwitchUuid"
      | "wanPortGroupName"
      | "wanPortGroupId"
      | "wanVlanId"
  ]: pulumi.Input<OnpremOutputs[K]>;
} {
  return {
    vcenterServer: c.vcenter.server,
    vcenterThumbprint: c.vcenter.thumbprint,
    datacenterName: c.datacenter,
    datacenterId: s.dc.id,
    computeClusterName: c.computeCluster,
    computeClusterId: s.cc.id,
    resourcePoolId: s.cc.resourcePoolId,
    datastoreName: c.datastore,
    datastoreId: s.ds.id,
    folderPath,
    distributedSwitchName: c.distributedSwitch,
    distributedSwitchUuid: s.dvs.id,
    wanPortGroupName: c.wan.portGroup,
    wanPortGroupId: s.wan.id,
    wanVlanId: c.wan.vlanId,
  };
}
