/**
 * A realistic, fixed inventory that the mock runtime answers invokes from, and the per-type rules that give
 * mocked resources the outputs a real provider would return (ids, uuids, addresses).
 *
 * Default inventory: datacenter `dc1` with compute cluster `cluster1` of 6 ESXi hosts (esx01..esx06.lab.local),
 * datastores `vsan-ds` and `nfs-ds`, distributed switch `dvs-main`, WAN port group `pg-wan` on VLAN 2000,
 * templates for Talos, OPNsense and Ubuntu.
 */
import { type OnpremOutputs, onpremSecretOutputKeys } from "../../model/contracts";
import {
  type InventoryData,
  type VsphereHost,
  fakeUuid,
  invokeHandler,
  registerInvoke,
  registerState,
  serialOf,
  stateHandler,
} from "./handlers";
// Answers for the other providers' invokes and resource outputs live beside this file, one per area; each
// registers into ./handlers when loaded.
import "./inventoryOci";
import "./inventoryOnprem";
import "./inventoryTenant";

function notFound(kind: string, name: unknown, known: string[]): never {
  throw new Error(`${kind} "${String(name)}" not found (inventory has: ${known.join(", ")})`);
}

/** The mock inventory: answers invokes by token with the registered handlers. */
export class Inventory {
  constructor(public readonly data: InventoryData) {}

  invoke(token: string, args: Record<string, any>): Record<string, any> {
    const h = invokeHandler(token);
    if (!h) throw new Error(`the mock inventory has no answer for invoke ${token}`);
    return h(args, this);
  }

  state(type: string, name: string, inputs: Record<string, any>) {
    const h = stateHandler(type);
    return h ? h(name, inputs, this) : {};
  }
}

/** Builds the default inventory; `hostCount` varies the number of ESXi hosts (default 6). */
export function defaultInventory(opts: { hostCount?: number } = {}): Inventory {
  const inv = baseInventory(opts);
  const d = inv.data;
  const onprem: OnpremOutputs = {
    vcenterServer: "vcenter.lab.local",
    vcenterThumbprint: "5D:1A:9C:7E:33:0B:AF:12:64:C8:90:DE:44:71:2B:E5:0F:A3:6C:18",
    datacenterName: d.datacenter.name,
    datacenterId: d.datacenter.id,
    computeClusterName: d.computeCluster.name,
    computeClusterId: d.computeCluster.id,
    resourcePoolId: d.computeCluster.resourcePoolId,
    datastoreName: d.datastores[0].name,
    datastoreId: d.datastores[0].id,
    folderPath: d.folders[0].path,
    distributedSwitchName: d.distributedSwitch.name,
    distributedSwitchUuid: d.distributedSwitch.uuid,
    wanPortGroupName: d.networks[0].name,
    wanPortGroupId: d.networks[0].id,
    wanVlanId: 2000,
    managementKubeconfig: "apiVersion: v1\nkind: Config\nclusters: []\n# mock management kubeconfig\n",
    omniEndpoint: "https://omni.basphere.example",
    // Platform-wide tenant settings, as stacks/Pulumi.onprem.yaml sets them.
    routerTemplateName: "opnsense-26.7-golden",
    routerTemplateApiKey: "golden-template-api-key",
    routerTemplateApiSecret: "golden-template-api-secret",
    routerTemplateApiFingerprint:
      "3F:8A:21:C4:9B:0E:57:D2:6A:11:F0:83:4C:E9:2B:75:A6:0D:98:1E:C3:47:5B:F2:08:6E:D1:39:AC:54:7F:E0",
    tenantClusterIdentity: "tenant-clusters",
    tenantCpiUsername: "tenant-cpi@vsphere.local",
    tenantCpiPassword: "example-cpi-password",
  };
  d.stackOutputs["onprem"] = { ...onprem };
  d.stackSecretOutputNames = { ...d.stackSecretOutputNames, onprem: [...onpremSecretOutputKeys] };
  return inv;
}

function baseInventory(opts: { hostCount?: number }): Inventory {
  const hostCount = opts.hostCount ?? 6;
  const hosts: VsphereHost[] = Array.from({ length: hostCount }, (_, i) => ({
    name: `esx0${i + 1}.lab.local`.replace(/^esx0(\d\d)/, "esx$1"),
    id: `host-${101 + i}`,
    resourcePoolId: "resgroup-8",
  }));
  return new Inventory({
    datacenter: { name: "dc1", id: "datacenter-3" },
    computeCluster: { name: "cluster1", id: "domain-c8", resourcePoolId: "resgroup-8" },
    hosts,
    datastores: [
      { name: "vsan-ds", id: "datastore-21" },
      { name: "nfs-ds", id: "datastore-22" },
    ],
    distributedSwitch: {
      name: "dvs-main",
      id: "dvs-31",
      uuid: "50 2a 6b 1f 0c 9e 44 d2-8a 61 3b 0e 7f 52 c1 90",
      uplinks: ["uplink1", "uplink2"],
    },
    networks: [
      { name: "pg-wan", id: "dvportgroup-2000", type: "DistributedVirtualPortgroup", vlanId: 2000 },
      { name: "VM Network", id: "network-11", type: "Network" },
    ],
    templates: [
      {
        name: "talos-v1.11.5",
        id: "vm-501",
        uuid: fakeUuid("talos"),
        guestId: "other5xLinux64Guest",
        firmware: "efi",
        diskSizeGb: 10,
      },
      {
        name: "opnsense-26.7-golden",
        id: "vm-502",
        uuid: fakeUuid("opnsense"),
        guestId: "freebsd14_64Guest",
        firmware: "efi",
        diskSizeGb: 40,
      },
      {
        name: "ubuntu-24.04-cloud",
        id: "vm-503",
        uuid: fakeUuid("ubuntu"),
        guestId: "ubuntu64Guest",
        firmware: "efi",
        diskSizeGb: 20,
      },
    ],
    folders: [{ path: "basphere", id: "group-v100" }],
    resourcePools: [{ name: "cluster1/Resources", id: "resgroup-8" }],
    contentLibraries: [
      {
        name: "basphere-images",
        id: "6d1c7a2e-3f4b-4c5d-9e8f-0a1b2c3d4e5f",
        items: [
          { name: "talos-v1.11.5", id: "a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d", type: "ovf" },
          { name: "opnsense-26.7", id: "b1c2d3e4-f5a6-4b7c-9d8e-0f1a2b3c4d5e", type: "iso" },
        ],
      },
    ],
    stackOutputs: {},
  });
}

/** Outputs a mocked resource gets: its inputs, an id, and what the registered handler adds. */
export function synthesizeState(
  type: string,
  name: string,
  inputs: Record<string, any>,
  inv: Inventory,
): { id: string; state: Record<string, any> } {
  const extra = inv.state(type, name, inputs);
  const id = extra.id ?? `${name}-id`;
  return { id, state: { ...inputs, ...(extra.state ?? {}) } };
}

// ---- vSphere data sources -------------------------------------------------------------------------------
const byName = <T extends { name: string }>(list: T[], name: unknown, kind: string): T =>
  list.find((x) => x.name === name) ??
  notFound(
    kind,
    name,
    list.map((x) => x.name),
  );

registerInvoke("vsphere:index/getDatacenter:getDatacenter", (a, inv) => {
  const dc = inv.data.datacenter;
  if (a.name !== undefined && a.name !== dc.name) notFound("datacenter", a.name, [dc.name]);
  return { id: dc.id, name: dc.name, virtualMachines: inv.data.templates.map((t) => t.name) };
});
registerInvoke("vsphere:index/getComputeCluster:getComputeCluster", (a, inv) => {
  const c = byName([inv.data.computeCluster], a.name, "compute cluster");
  return { id: c.id, name: c.name, datacenterId: a.datacenterId, resourcePoolId: c.resourcePoolId };
});
registerInvoke("vsphere:index/getHost:getHost", (a, inv) => {
  const h = byName(inv.data.hosts, a.name, "host");
  return { id: h.id, name: h.name, datacenterId: a.datacenterId, resourcePoolId: h.resourcePoolId };
});
registerInvoke("vsphere:index/getDatastore:getDatastore", (a, inv) => {
  const d = byName(inv.data.datastores, a.name, "datastore");
  return { id: d.id, name: d.name, datacenterId: a.datacenterId, stats: {} };
});
registerInvoke("vsphere:index/getDistributedVirtualSwitch:getDistributedVirtualSwitch", (a, inv) => {
  const s = byName([inv.data.distributedSwitch], a.name, "distributed switch");
  return { id: s.uuid, name: s.name, datacenterId: a.datacenterId, uplinks: s.uplinks };
});
registerInvoke("vsphere:index/getNetwork:getNetwork", (a, inv) => {
  const n = byName(inv.data.networks, a.name, "network");
  return { id: n.id, name: n.name, type: n.type, datacenterId: a.datacenterId };
});
registerInvoke("vsphere:index/getResourcePool:getResourcePool", (a, inv) => {
  const p = byName(inv.data.resourcePools, a.name, "resource pool");
  return { id: p.id, name: p.name, datacenterId: a.datacenterId };
});
registerInvoke("vsphere:index/getFolder:getFolder", (a, inv) => {
  // The provider takes the absolute inventory path (`/<datacenter>/vm/<path>`); the short form is accepted too.
  const dcPrefix = `/${inv.data.datacenter.name}/vm/`;
  const rel =
    typeof a.path === "string" && a.path.startsWith(dcPrefix) ? a.path.slice(dcPrefix.length) : a.path;
  const f =
    inv.data.folders.find((x) => x.path === rel) ??
    notFound(
      "folder",
      a.path,
      inv.data.folders.map((x) => x.path),
    );
  return { id: f.id, path: a.path };
});
registerInvoke("vsphere:index/getVirtualMachine:getVirtualMachine", (a, inv) => {
  const t = byName(inv.data.templates, a.name, "virtual machine");
  return {
    id: t.uuid,
    name: t.name,
    uuid: t.uuid,
    moid: t.id,
    datacenterId: a.datacenterId,
    guestId: t.guestId,
    firmware: t.firmware,
    scsiType: "pvscsi",
    scsiBusSharing: "noSharing",
    networkInterfaceTypes: ["vmxnet3"],
    networkInterfaces: [
      { adapterType: "vmxnet3", networkId: "dvportgroup-2000", bandwidthShareLevel: "normal" },
    ],
    disks: [
      { label: "disk0", size: t.diskSizeGb, eagerlyScrub: false, thinProvisioned: true, unitNumber: 0 },
    ],
    // The rest of what the provider always returns for a VM or template (required in the v4.17.0 schema).
    annotation: "",
    changeVersion: "2026-11-01T00:00:00.000Z",
    cpuShareCount: 2000,
    customAttributes: {},
    defaultIpAddress: "",
    eptRviMode: "automatic",
    guestIpAddresses: [],
    hardwareVersion: 21,
    hvMode: "hvAuto",
    instanceUuid: fakeUuid(`instance:${t.name}`),
    memoryShareCount: 20480,
    storagePolicyId: "",
    tags: [],
    vappTransports: [],
    videoCards: [{ numDisplays: 1, totalVideoMemory: 4096, graphics3ds: [] }],
    vtpm: false,
  };
});
registerInvoke("vsphere:index/getContentLibrary:getContentLibrary", (a, inv) => {
  const l = byName(inv.data.contentLibraries ?? [], a.name, "content library");
  return { id: l.id, name: l.name };
});
registerInvoke("vsphere:index/getContentLibraryItem:getContentLibraryItem", (a, inv) => {
  const libs = inv.data.contentLibraries ?? [];
  const lib =
    libs.find((l) => l.id === a.libraryId) ??
    notFound(
      "content library",
      a.libraryId,
      libs.map((l) => l.id),
    );
  const item = byName(lib.items, a.name, `item of content library ${lib.name}`);
  if (a.type !== undefined && a.type !== item.type)
    notFound(
      `${a.type} item`,
      a.name,
      lib.items.map((i) => `${i.name} (${i.type})`),
    );
  return { id: item.id, name: item.name, libraryId: lib.id, type: item.type };
});
// Inventory listing the cluster's hosts (used by the management cluster to place one LB node per host).
registerInvoke("basphere:inventory:listHosts", (_a, inv) => ({ hosts: inv.data.hosts.map((h) => h.name) }));

// ---- vSphere resources --------------------------------------------------------------------------------
registerState("vsphere:index/virtualMachine:VirtualMachine", (name, inputs) => {
  const uuid = fakeUuid(`vm:${name}`);
  const n = serialOf(`vm:${name}`, 9000);
  return {
    id: uuid,
    state: {
      uuid,
      moid: `vm-${1000 + n}`,
      vmwareToolsStatus: "guestToolsRunning",
      defaultIpAddress: `192.168.200.${10 + (n % 200)}`,
      guestIpAddresses: [`192.168.200.${10 + (n % 200)}`],
      powerState: "on",
      changeVersion: "2026-11-24T00:00:00.000Z",
      networkInterfaces: (inputs.networkInterfaces ?? []).map((n: any, i: number) => ({
        ...n,
        macAddress: `00:50:56:${(n & 0xff).toString(16).padStart(2, "0")}:00:${i.toString(16).padStart(2, "0")}`,
        key: 4000 + i,
      })),
    },
  };
});
registerState("vsphere:index/distributedPortGroup:DistributedPortGroup", (name) => {
  const id = `dvportgroup-${3000 + serialOf(`dvportgroup:${name}`, 7000)}`;
  return { id, state: { key: id } };
});
registerState("vsphere:index/resourcePool:ResourcePool", (name) => ({
  id: `resgroup-${100 + serialOf(`resgroup:${name}`, 9900)}`,
}));
registerState("vsphere:index/tagCategory:TagCategory", (name, inputs) => ({
  id: `urn:vmomi:InventoryServiceCategory:${fakeUuid(`tagcat:${inputs.name ?? name}`)}:GLOBAL`,
}));
registerState("vsphere:index/tag:Tag", (name, inputs) => ({
  id: `urn:vmomi:InventoryServiceTag:${fakeUuid(`tag:${inputs.categoryId}:${inputs.name ?? name}`)}:GLOBAL`,
}));
registerState("vsphere:index/folder:Folder", (name) => ({
  id: `group-v${200 + serialOf(`folder:${name}`, 9800)}`,
}));
registerState("vsphere:index/computeClusterVmGroup:ComputeClusterVmGroup", (name, inputs) => ({
  id: `${inputs.computeClusterId}:${inputs.name ?? name}`,
}));
registerState("vsphere:index/computeClusterHostGroup:ComputeClusterHostGroup", (name, inputs) => ({
  id: `${inputs.computeClusterId}:${inputs.name ?? name}`,
}));
registerState("vsphere:index/computeClusterVmHostRule:ComputeClusterVmHostRule", (name, inputs) => ({
  id: `${inputs.computeClusterId}:${serialOf(`rule:${inputs.name ?? name}`, 10000)}`,
}));
registerState(
  "vsphere:index/computeClusterVmAntiAffinityRule:ComputeClusterVmAntiAffinityRule",
  (name, inputs) => ({
    id: `${inputs.computeClusterId}:${serialOf(`rule:${inputs.name ?? name}`, 10000)}`,
  }),
);
// Stack references: outputs come from the inventory's stackOutputs (keyed by the referenced stack name).
registerState("pulumi:pulumi:StackReference", (name, inputs, inv) => {
  const stack = String(inputs.name ?? name);
  const short = stack.split("/").pop() ?? stack;
  const outputs = inv.data.stackOutputs[stack] ?? inv.data.stackOutputs[short];
  if (!outputs) throw new Error(`the mock inventory has no outputs for stack reference "${stack}"`);
  const secretNames =
    inv.data.stackSecretOutputNames?.[stack] ?? inv.data.stackSecretOutputNames?.[short] ?? [];
  return { id: stack, state: { name: stack, outputs, secretOutputNames: [...secretNames] } };
});
