/**
 * The box's vSphere inventory: what the vSphere provider simulator (box/vsphereSimulator) seeds its vCenter with on
 * first open, shaped like the lab the example stacks describe: one datacenter, one compute cluster of six ESXi
 * hosts, two datastores, one distributed switch with the WAN port group, and the templates every example stack
 * clones (Talos, the golden OPNsense router, the Ubuntu VM and Cluster API images).
 *
 * Pure data (no I/O): the names are those of stacks/Pulumi.onprem.yaml and stacks/Pulumi.tenant-*.yaml
 * (test/unit/box/inventory.test.ts keeps them in step); the managed object ids are vCenter-style (`datacenter-3`,
 * `domain-c8`, `host-21`, `vm-51`), fixed so that a box always has the same ids.
 */

/** Names the example onprem stack (stacks/Pulumi.onprem.yaml) uses, all present in {@link BOX_INVENTORY}. */
export const BOX_NAMES = {
  datacenter: "dc1",
  computeCluster: "cluster1",
  datastore: "vsan-ds",
  distributedSwitch: "dvs-main",
  /** The tenants' root VM folder: created by the onprem stack, so it is *not* in the inventory. */
  folder: "basphere",
  talosTemplate: "talos-v1.11.5",
  routerTemplate: "opnsense-26.7-golden",
  wanPortGroup: "pg-wan",
  wanVlanId: 2000,
  hosts: [
    "esx01.lab.local",
    "esx02.lab.local",
    "esx03.lab.local",
    "esx04.lab.local",
    "esx05.lab.local",
    "esx06.lab.local",
  ],
} as const;

/** An ESXi host of the cluster. */
export interface InventoryHost {
  name: string;
  moid: string;
  /** Logical CPUs (threads): a VM may have at most this many vCPUs. */
  cpuThreads: number;
  /** Physical memory in MB: a VM may have at most this much. */
  memoryMb: number;
}

/** A datastore (capacity and free space in bytes, as the provider's `stats` reports them). */
export interface InventoryDatastore {
  name: string;
  moid: string;
  capacityBytes: number;
  freeBytes: number;
}

/** A disk of a template (what `getVirtualMachine` reports and a clone must not shrink). */
export interface InventoryDisk {
  label: string;
  /** GiB. */
  size: number;
  thinProvisioned: boolean;
  eagerlyScrub: boolean;
  unitNumber: number;
}

/** A VM template in the datacenter's root VM folder. */
export interface InventoryTemplate {
  name: string;
  moid: string;
  /** BIOS UUID: the provider's id of a VM or template (what `clone.templateUuid` takes). */
  uuid: string;
  instanceUuid: string;
  guestId: string;
  /** vSphere guest OS family of {@link guestId} (`linuxGuest`, `windowsGuest`, `otherGuestFamily`). */
  guestFamily: "linuxGuest" | "windowsGuest" | "otherGuestFamily";
  firmware: "bios" | "efi";
  scsiType: "pvscsi" | "lsilogic" | "lsilogic-sas";
  hardwareVersion: number;
  numCpus: number;
  /** MB. */
  memory: number;
  disks: InventoryDisk[];
  /** Adapter type of each NIC, in order. */
  networkInterfaceTypes: string[];
  annotation: string;
}

/** A network that is not managed by the program (the WAN port group, the switch's uplinks, a standard network). */
export interface InventoryNetwork {
  name: string;
  moid: string;
  type: "DistributedVirtualPortgroup" | "Network";
  /** For port groups: the switch they are on, and their VLAN (or trunk range). */
  distributedSwitch?: string;
  vlanId?: number;
  vlanRanges?: { minVlan: number; maxVlan: number }[];
  uplink?: boolean;
}

/** The whole inventory. */
export interface Inventory {
  /** vCenter's root folder (`Datacenters`). */
  rootFolder: string;
  datacenter: {
    name: string;
    moid: string;
    /** The datacenter's four root folders. */
    folders: { vm: string; host: string; datastore: string; network: string };
  };
  computeCluster: { name: string; moid: string; resourcePool: string };
  hosts: InventoryHost[];
  datastores: InventoryDatastore[];
  distributedSwitch: {
    name: string;
    moid: string;
    /** The switch UUID, in vSphere's format (what `getDistributedVirtualSwitch` returns as `id`). */
    uuid: string;
    uplinks: string[];
    maxMtu: number;
  };
  networks: InventoryNetwork[];
  templates: InventoryTemplate[];
  contentLibraries: { name: string; id: string; items: { name: string; id: string; type: string }[] }[];
}

const HOST_CPU_THREADS = 64;
const HOST_MEMORY_MB = 524288;

const linuxDisk = (size: number): InventoryDisk[] => [
  { label: "disk0", size, thinProvisioned: true, eagerlyScrub: false, unitNumber: 0 },
];

/** The box's inventory. */
export const BOX_INVENTORY: Inventory = {
  rootFolder: "group-d1",
  datacenter: {
    name: BOX_NAMES.datacenter,
    moid: "datacenter-3",
    folders: { vm: "group-v4", host: "group-h5", datastore: "group-s6", network: "group-n7" },
  },
  computeCluster: { name: BOX_NAMES.computeCluster, moid: "domain-c8", resourcePool: "resgroup-9" },
  hosts: BOX_NAMES.hosts.map((name, i) => ({
    name,
    moid: `host-${21 + i}`,
    cpuThreads: HOST_CPU_THREADS,
    memoryMb: HOST_MEMORY_MB,
  })),
  datastores: [
    { name: BOX_NAMES.datastore, moid: "datastore-41", capacityBytes: 20 * 2 ** 40, freeBytes: 14 * 2 ** 40 },
    { name: "nfs-ds", moid: "datastore-42", capacityBytes: 4 * 2 ** 40, freeBytes: 3 * 2 ** 40 },
  ],
  distributedSwitch: {
    name: BOX_NAMES.distributedSwitch,
    moid: "dvs-31",
    uuid: "50 2a 6b 1f 0c 9e 44 d2-8a 61 3b 0e 7f 52 c1 90",
    uplinks: ["uplink1", "uplink2"],
    maxMtu: 9000,
  },
  networks: [
    {
      name: `${BOX_NAMES.distributedSwitch}-DVUplinks-31`,
      moid: "dvportgroup-32",
      type: "DistributedVirtualPortgroup",
      distributedSwitch: BOX_NAMES.distributedSwitch,
      vlanRanges: [{ minVlan: 0, maxVlan: 4094 }],
      uplink: true,
    },
    {
      name: BOX_NAMES.wanPortGroup,
      moid: "dvportgroup-33",
      type: "DistributedVirtualPortgroup",
      distributedSwitch: BOX_NAMES.distributedSwitch,
      vlanId: BOX_NAMES.wanVlanId,
    },
    { name: "VM Network", moid: "network-12", type: "Network" },
  ],
  templates: [
    {
      name: BOX_NAMES.talosTemplate,
      moid: "vm-51",
      uuid: "4215a0c1-7d2e-4b3f-9a10-5c6d7e8f9a01",
      instanceUuid: "5015a0c1-7d2e-4b3f-9a10-5c6d7e8f9b01",
      guestId: "other5xLinux64Guest",
      guestFamily: "linuxGuest",
      firmware: "efi",
      scsiType: "pvscsi",
      hardwareVersion: 19,
      numCpus: 2,
      memory: 2048,
      disks: linuxDisk(10),
      networkInterfaceTypes: ["vmxnet3"],
      annotation: "Talos Linux v1.11.5 (VMware OVA)",
    },
    {
      name: BOX_NAMES.routerTemplate,
      moid: "vm-52",
      uuid: "4215a0c1-7d2e-4b3f-9a10-5c6d7e8f9a02",
      instanceUuid: "5015a0c1-7d2e-4b3f-9a10-5c6d7e8f9b02",
      guestId: "freebsd14_64Guest",
      guestFamily: "otherGuestFamily",
      firmware: "efi",
      scsiType: "pvscsi",
      hardwareVersion: 19,
      numCpus: 2,
      memory: 4096,
      disks: linuxDisk(40),
      networkInterfaceTypes: ["vmxnet3", "vmxnet3", "vmxnet3"],
      annotation: "Golden OPNsense 26.7 router (WAN, LAN1, LAN2)",
    },
    {
      name: "ubuntu-24.04-cloud",
      moid: "vm-53",
      uuid: "4215a0c1-7d2e-4b3f-9a10-5c6d7e8f9a03",
      instanceUuid: "5015a0c1-7d2e-4b3f-9a10-5c6d7e8f9b03",
      guestId: "ubuntu64Guest",
      guestFamily: "linuxGuest",
      firmware: "efi",
      scsiType: "pvscsi",
      hardwareVersion: 19,
      numCpus: 2,
      memory: 2048,
      disks: linuxDisk(20),
      networkInterfaceTypes: ["vmxnet3"],
      annotation: "Ubuntu 24.04 cloud image with open-vm-tools",
    },
    {
      name: "ubuntu-2404-kube-v1.34.2",
      moid: "vm-54",
      uuid: "4215a0c1-7d2e-4b3f-9a10-5c6d7e8f9a04",
      instanceUuid: "5015a0c1-7d2e-4b3f-9a10-5c6d7e8f9b04",
      guestId: "ubuntu64Guest",
      guestFamily: "linuxGuest",
      firmware: "efi",
      scsiType: "pvscsi",
      hardwareVersion: 19,
      numCpus: 2,
      memory: 4096,
      disks: linuxDisk(20),
      networkInterfaceTypes: ["vmxnet3"],
      annotation: "Cluster API kubeadm image: Ubuntu 24.04, Kubernetes v1.34.2",
    },
  ],
  contentLibraries: [
    {
      name: "basphere-images",
      id: "6d1c7a2e-3f4b-4c5d-9e8f-0a1b2c3d4e5f",
      items: [
        { name: BOX_NAMES.talosTemplate, id: "a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d", type: "ovf" },
        { name: "opnsense-26.7", id: "b1c2d3e4-f5a6-4b7c-9d8e-0f1a2b3c4d5e", type: "iso" },
      ],
    },
  ],
};
