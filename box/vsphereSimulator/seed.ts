/**
 * The simulated vCenter's first state: the box inventory (box/inventory.ts) as store objects — vCenter's root
 * folder, the datacenter and its four root folders, the cluster with its root resource pool and hosts, datastores,
 * the distributed switch with its default port config and port groups, the standard network, the templates (as
 * powered-off VMs with the properties a clone inherits) and the content libraries.
 */
import { BOX_INVENTORY, Inventory, InventoryTemplate } from "../inventory";
import { folderNamespace, switchNamespace } from "./model";
import type { SimObject } from "./store";
import type { Props } from "./values";
import { VSAN_DEFAULT_POLICY } from "./resources/virtualMachine";

/** The switch's default port config: what a port group inherits for every policy it does not set. */
export const DEFAULT_PORT_CONFIG: Props = {
  activeUplinks: ["uplink1", "uplink2"],
  standbyUplinks: [],
  allowForgedTransmits: false,
  allowMacChanges: false,
  allowPromiscuous: false,
  blockAllPorts: false,
  checkBeacon: false,
  directpathGen2Allowed: false,
  egressShapingAverageBandwidth: 100000000,
  egressShapingBurstSize: 104857600,
  egressShapingEnabled: false,
  egressShapingPeakBandwidth: 100000000,
  ingressShapingAverageBandwidth: 100000000,
  ingressShapingBurstSize: 104857600,
  ingressShapingEnabled: false,
  ingressShapingPeakBandwidth: 100000000,
  failback: true,
  lacpEnabled: false,
  lacpMode: "passive",
  netflowEnabled: false,
  notifySwitches: true,
  teamingPolicy: "loadbalance_srcid",
  txUplink: false,
};

function templateObject(inv: Inventory, t: InventoryTemplate): SimObject {
  const ds = inv.datastores[0];
  const wan = inv.networks.find((n) => !n.uplink && n.type === "DistributedVirtualPortgroup")!;
  const policy = ds.name.startsWith("vsan") ? VSAN_DEFAULT_POLICY : "";
  const props: Props = {
    name: t.name,
    uuid: t.uuid,
    moid: t.moid,
    annotation: t.annotation,
    guestId: t.guestId,
    firmware: t.firmware,
    scsiType: t.scsiType,
    scsiBusSharing: "noSharing",
    scsiControllerCount: 1,
    hardwareVersion: t.hardwareVersion,
    numCpus: t.numCpus,
    numCoresPerSocket: 1,
    memory: t.memory,
    cpuShareLevel: "normal",
    cpuShareCount: 1000 * t.numCpus,
    memoryShareLevel: "normal",
    memoryShareCount: 10 * t.memory,
    cpuLimit: -1,
    memoryLimit: -1,
    hvMode: "hvAuto",
    eptRviMode: "automatic",
    resourcePoolId: inv.computeCluster.resourcePool,
    datastoreId: ds.moid,
    hostSystemId: inv.hosts[0].moid,
    folder: "",
    storagePolicyId: policy,
    disks: t.disks.map((d, i) => ({
      ...d,
      key: 2000 + d.unitNumber,
      uuid: `6000C29${t.uuid.replace(/-/g, "").slice(2, 20)}${String(i).padStart(7, "0")}`,
      datastoreId: ds.moid,
      path: `[${ds.name}] ${t.name}/${t.name}${i === 0 ? "" : `_${i}`}.vmdk`,
      diskMode: "persistent",
      controllerType: "scsi",
      deviceAddress: `scsi:0:${d.unitNumber}`,
      storagePolicyId: policy,
    })),
    networkInterfaces: t.networkInterfaceTypes.map((adapterType, i) => ({
      adapterType,
      networkId: wan.moid,
      bandwidthLimit: -1,
      bandwidthReservation: 0,
      bandwidthShareLevel: "normal",
      bandwidthShareCount: 50,
      macAddress: `00:50:56:a0:${t.moid.replace(/\D/g, "").padStart(2, "0").slice(-2)}:${String(i).padStart(2, "0")}`,
      key: 4000 + i,
      deviceAddress: `pci:0:${7 + i}`,
    })),
    changeVersion: "2026-01-01T00:00:00.000Z",
    defaultIpAddress: "",
    guestIpAddresses: [],
    imported: false,
    powerState: "off",
    rebootRequired: false,
    vappTransports: [],
    vmwareToolsStatus: "guestToolsNotRunning",
    vmxPath: `[${ds.name}] ${t.name}/${t.name}.vmtx`,
  };
  return {
    id: t.uuid,
    kind: "VirtualMachine",
    namespace: folderNamespace(inv.datacenter.folders.vm),
    name: t.name,
    props,
    meta: {
      folder: inv.datacenter.folders.vm,
      template: true,
      guestFamily: t.guestFamily,
      instanceUuid: t.instanceUuid,
      snapshots: 0,
    },
  };
}

/** The store objects of an inventory (default: the box's). */
export function seedObjects(inv: Inventory = BOX_INVENTORY): SimObject[] {
  const dc = inv.datacenter;
  const cluster = inv.computeCluster;
  const sw = inv.distributedSwitch;
  const objects: SimObject[] = [
    {
      id: inv.rootFolder,
      kind: "Folder",
      namespace: "vcenter",
      name: "Datacenters",
      props: { path: "", type: "datacenter" },
      meta: { type: "datacenter", root: true, parent: null },
    },
    {
      id: dc.moid,
      kind: "Datacenter",
      namespace: folderNamespace(inv.rootFolder),
      name: dc.name,
      props: { name: dc.name },
      meta: { folders: dc.folders, rootFolder: inv.rootFolder },
    },
  ];
  for (const [type, id] of Object.entries(dc.folders)) {
    objects.push({
      id,
      kind: "Folder",
      namespace: `datacenter-folders:${dc.moid}`,
      name: type,
      props: { path: "", type, datacenterId: dc.moid },
      meta: { type, root: true, parent: null, datacenter: dc.moid },
    });
  }
  objects.push(
    {
      id: cluster.moid,
      kind: "ComputeCluster",
      namespace: folderNamespace(dc.folders.host),
      name: cluster.name,
      props: { name: cluster.name, resourcePoolId: cluster.resourcePool },
      meta: { datacenter: dc.moid, resourcePool: cluster.resourcePool },
    },
    {
      id: cluster.resourcePool,
      kind: "ResourcePool",
      namespace: `cluster-root-pool:${cluster.moid}`,
      name: "Resources",
      props: { name: "Resources" },
      meta: { cluster: cluster.moid, parent: null, root: true },
    },
  );
  for (const h of inv.hosts) {
    objects.push({
      id: h.moid,
      kind: "HostSystem",
      namespace: `cluster-hosts:${cluster.moid}`,
      name: h.name,
      props: { name: h.name, resourcePoolId: cluster.resourcePool },
      meta: { cluster: cluster.moid, cpuThreads: h.cpuThreads, memoryMb: h.memoryMb },
    });
  }
  for (const d of inv.datastores) {
    objects.push({
      id: d.moid,
      kind: "Datastore",
      namespace: folderNamespace(dc.folders.datastore),
      name: d.name,
      props: { name: d.name },
      meta: { capacityBytes: d.capacityBytes, freeBytes: d.freeBytes, vsan: d.name.startsWith("vsan") },
    });
  }
  objects.push({
    id: sw.moid,
    kind: "DistributedVirtualSwitch",
    namespace: folderNamespace(dc.folders.network),
    name: sw.name,
    props: { name: sw.name },
    meta: {
      uuid: sw.uuid,
      uplinks: sw.uplinks,
      maxMtu: sw.maxMtu,
      privateVlans: [],
      defaultPortConfig: DEFAULT_PORT_CONFIG,
    },
  });
  for (const n of inv.networks) {
    if (n.type === "DistributedVirtualPortgroup") {
      objects.push({
        id: n.moid,
        kind: "DistributedPortGroup",
        namespace: switchNamespace(sw.uuid),
        name: n.name,
        props: {
          name: n.name,
          key: n.moid,
          distributedVirtualSwitchUuid: sw.uuid,
          vlanId: n.vlanId ?? 0,
          vlanRanges: n.vlanRanges ?? [],
        },
        meta: { switch: sw.moid, inventory: true, uplink: n.uplink === true },
      });
    } else {
      objects.push({
        id: n.moid,
        kind: "Network",
        namespace: folderNamespace(dc.folders.network),
        name: n.name,
        props: { name: n.name },
        meta: {},
      });
    }
  }
  for (const t of inv.templates) objects.push(templateObject(inv, t));
  for (const lib of inv.contentLibraries) {
    objects.push({
      id: lib.id,
      kind: "ContentLibrary",
      namespace: "content-libraries",
      name: lib.name,
      props: { name: lib.name },
      meta: {},
    });
    for (const item of lib.items) {
      objects.push({
        id: item.id,
        kind: "ContentLibraryItem",
        namespace: `content-library:${lib.id}`,
        name: item.name,
        props: { name: item.name, type: item.type, libraryId: lib.id },
        meta: {},
      });
    }
  }
  return objects;
}
