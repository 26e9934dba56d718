/**
 * The data sources (`vsphere:index/get*`), answered from the simulated vCenter — the seeded inventory and what
 * programs created (a port group or VM made by one stack is found by another). A name that is not there fails as
 * the provider fails (`error fetching datacenter: datacenter 'dc9' not found`); lookups honour `datacenterId`
 * and `distributedVirtualSwitchUuid` scopes, and `getFolder` takes the absolute inventory path as the provider does.
 */
import { SimulatorError } from "./log";
import { FolderType, Model, normalizePath, notFound } from "./model";
import type { SimObject } from "./store";
import { Props, isObject } from "./values";

/** One data source: arguments (plain) to result. */
export type FunctionHandler = (model: Model, args: Props) => Props;

function datacenterScope(model: Model, args: Props, prefix = "cannot locate datacenter"): SimObject {
  if (args.datacenterId === undefined || args.datacenterId === "") return model.datacenter();
  const dc = model.store.get(String(args.datacenterId), "Datacenter");
  if (!dc) throw new SimulatorError(`${prefix}: datacenter '${String(args.datacenterId)}' not found`);
  return dc;
}

/** The last path element, and whether the name was a path (`/dc1/host/cluster1` or `cluster1`). */
function leaf(name: string, dc: SimObject, type: FolderType): { rel: string } {
  const abs = `/${dc.name}/${type}/`;
  return { rel: name.startsWith(abs) ? name.slice(abs.length) : normalizePath(name) };
}

/** An object by name under a root folder of the datacenter: a plain name is searched everywhere below it. */
function findIn(
  model: Model,
  kind: SimObject["kind"],
  dc: SimObject,
  type: FolderType,
  name: string,
): SimObject[] {
  const { rel } = leaf(name, dc, type);
  const parts = rel.split("/");
  const base = parts.pop()!;
  if (parts.length > 0) {
    const folder = model.folderAt(type, parts.join("/"), dc);
    const o = folder ? model.store.byName(`folder:${folder.id}`, base) : undefined;
    return o && o.kind === kind ? [o] : [];
  }
  return model.store.list(kind, (o) => o.name === base);
}

function one(found: SimObject[], what: string, name: string, context: string): SimObject {
  if (found.length === 0) throw notFound(what, name, context);
  if (found.length > 1) throw new SimulatorError(`${context}: path '${name}' resolves to multiple ${what}s`);
  return found[0];
}

const getDatacenter: FunctionHandler = (model, args) => {
  const dc =
    args.name === undefined
      ? model.datacenter()
      : one(
          model.store.list("Datacenter", (d) => d.name === args.name),
          "datacenter",
          String(args.name),
          "error fetching datacenter",
        );
  return {
    id: dc.id,
    name: dc.name,
    virtualMachines: model.store.list("VirtualMachine").map((v) => v.name),
  };
};

const getComputeCluster: FunctionHandler = (model, args) => {
  const dc = datacenterScope(model, args);
  const name = String(args.name);
  const c = one(findIn(model, "ComputeCluster", dc, "host", name), "cluster", name, "error loading cluster");
  return { id: c.id, name, datacenterId: args.datacenterId, resourcePoolId: String(c.meta.resourcePool) };
};

const getHost: FunctionHandler = (model, args) => {
  const dc = datacenterScope(model, args, "error fetching datacenter");
  const hosts = model.store.list("HostSystem");
  let h: SimObject;
  if (args.name === undefined || args.name === "") {
    if (hosts.length !== 1)
      throw new SimulatorError(
        "error fetching host: default host resolves to multiple instances, please specify",
      );
    h = hosts[0];
  } else {
    const name = String(args.name);
    const { rel } = leaf(name, dc, "host");
    const base = rel.split("/").pop()!;
    h = one(
      hosts.filter((x) => x.name === base),
      "host",
      name,
      "error fetching host",
    );
  }
  return { id: h.id, name: args.name, datacenterId: dc.id, resourcePoolId: String(h.props.resourcePoolId) };
};

const getDatastore: FunctionHandler = (model, args) => {
  const dc = datacenterScope(model, args);
  const name = String(args.name);
  const d = one(
    findIn(model, "Datastore", dc, "datastore", name),
    "datastore",
    name,
    "error fetching datastore",
  );
  return {
    id: d.id,
    name,
    datacenterId: args.datacenterId,
    stats: { capacity: String(d.meta.capacityBytes), free: String(d.meta.freeBytes) },
  };
};

const getDistributedVirtualSwitch: FunctionHandler = (model, args) => {
  const dc = datacenterScope(model, args);
  const name = String(args.name);
  const s = one(
    findIn(model, "DistributedVirtualSwitch", dc, "network", name),
    "network",
    name,
    "error fetching distributed virtual switch",
  );
  return {
    id: String(s.meta.uuid),
    name,
    datacenterId: args.datacenterId,
    uplinks: s.meta.uplinks as string[],
  };
};

const getNetwork: FunctionHandler = (model, args) => {
  datacenterScope(model, args);
  const name = String(args.name);
  const uuid = args.distributedVirtualSwitchUuid;
  let found: SimObject[];
  if (typeof uuid === "string" && uuid !== "") {
    const sw = model.switchByUuid(uuid);
    if (!sw)
      throw new SimulatorError(
        `error fetching DVS with UUID "${uuid}": distributed virtual switch not found`,
      );
    found = model.store.list(
      "DistributedPortGroup",
      (p) => p.name === name && p.props.distributedVirtualSwitchUuid === uuid,
    );
  } else {
    found = [
      ...model.store.list("DistributedPortGroup", (p) => p.name === name),
      ...model.store.list("Network", (n) => n.name === name),
    ];
    const wanted = Array.isArray(args.filters) ? args.filters.filter(isObject).map((f) => f.networkType) : [];
    if (wanted.length > 0) {
      const typeOf = (o: SimObject) => (o.kind === "Network" ? "Network" : "DistributedVirtualPortgroup");
      found = found.filter((o) => wanted.includes(typeOf(o)));
    }
  }
  if (found.length === 0) throw new SimulatorError(`network ${name} not found`);
  if (found.length > 1)
    throw new SimulatorError(`error fetching network: path '${name}' resolves to multiple networks`);
  const n = found[0];
  return {
    id: n.id,
    name,
    type: n.kind === "Network" ? "Network" : "DistributedVirtualPortgroup",
    datacenterId: args.datacenterId,
    distributedVirtualSwitchUuid: args.distributedVirtualSwitchUuid,
    filters: args.filters,
    retryInterval: args.retryInterval ?? 500,
    retryTimeout: args.retryTimeout ?? 0,
    vpcId: args.vpcId,
    vpcProjectId: args.vpcProjectId,
  };
};

const getResourcePool: FunctionHandler = (model, args) => {
  const dc = datacenterScope(model, args);
  const pools = model.store.list("ResourcePool");
  if (args.parentResourcePoolId !== undefined) {
    if (args.name === undefined)
      throw new SimulatorError("argument 'name' is required when 'parent_resource_pool_id' is specified");
    const p = one(
      pools.filter((x) => x.meta.parent === args.parentResourcePoolId && x.name === args.name),
      "resource pool",
      String(args.name),
      "error fetching resource pool",
    );
    return {
      id: p.id,
      name: args.name,
      datacenterId: args.datacenterId,
      parentResourcePoolId: args.parentResourcePoolId,
    };
  }
  if (args.name === undefined)
    throw new SimulatorError("argument 'name' is required when 'parent_resource_pool_id' is not specified");
  // A path below the host folder: <cluster>/Resources[/<pool>...].
  const name = String(args.name);
  const { rel } = leaf(name, dc, "host");
  const [clusterName, root, ...rest] = rel.split("/");
  const cluster = model.store.list("ComputeCluster", (c) => c.name === clusterName)[0];
  let pool =
    cluster && root === "Resources"
      ? model.store.get(String(cluster.meta.resourcePool), "ResourcePool")
      : undefined;
  for (const part of rest) {
    if (!pool) break;
    const parentId: string = pool.id;
    pool = pools.find((x) => x.meta.parent === parentId && x.name === part);
  }
  if (!pool)
    throw new SimulatorError(
      `error fetching resource pool by path "${name}": resource pool '${name}' not found`,
    );
  return { id: pool.id, name, datacenterId: args.datacenterId };
};

const getFolder: FunctionHandler = (model, args) => {
  const p = String(args.path);
  const dc = model.datacenter();
  const m = new RegExp(`^/${dc.name}/(vm|host|datastore|network)(?:/(.*))?$`).exec(p.replace(/\/+$/, ""));
  const folder = m ? model.folderAt(m[1] as FolderType, m[2] ?? "", dc) : undefined;
  if (!folder) throw new SimulatorError(`cannot locate folder: folder '${p}' not found`);
  return { id: folder.id, path: p };
};

/** VM configuration properties the data source reports as they are on the VM. */
const VM_CONFIG_KEYS = [
  "alternateGuestName",
  "bootDelay",
  "bootRetryDelay",
  "bootRetryEnabled",
  "cpuHotAddEnabled",
  "cpuHotRemoveEnabled",
  "cpuLimit",
  "cpuPerformanceCountersEnabled",
  "cpuReservation",
  "cpuShareLevel",
  "efiSecureBootEnabled",
  "enableDiskUuid",
  "enableLogging",
  "evcMode",
  "extraConfigRebootRequired",
  "firmware",
  "folder",
  "latencySensitivity",
  "memory",
  "memoryHotAddEnabled",
  "memoryLimit",
  "memoryReservation",
  "memoryReservationLockedToMax",
  "memoryShareLevel",
  "nestedHvEnabled",
  "numCoresPerNumaNode",
  "numCoresPerSocket",
  "numCpus",
  "swapPlacementPolicy",
  "syncTimeWithHost",
  "syncTimeWithHostPeriodically",
  "toolsUpgradePolicy",
  "vbsEnabled",
  "vvtdEnabled",
];

const getVirtualMachine: FunctionHandler = (model, args) => {
  const dc = datacenterScope(model, args);
  let vm: SimObject;
  if (typeof args.uuid === "string" && args.uuid !== "") {
    const v = model.vmByUuid(args.uuid);
    if (!v)
      throw new SimulatorError(
        `error fetching virtual machine: virtual machine with UUID "${args.uuid}" not found`,
      );
    vm = v;
  } else if (typeof args.moid === "string" && args.moid !== "") {
    const v = model.store.list("VirtualMachine", (x) => x.props.moid === args.moid)[0];
    if (!v)
      throw new SimulatorError(
        `error fetching virtual machine: ManagedObjectNotFound: vm '${args.moid}' not found`,
      );
    vm = v;
  } else {
    if (args.name === undefined) throw new SimulatorError("one of name, uuid, or moid must be specified");
    const name = String(args.name);
    vm = one(findIn(model, "VirtualMachine", dc, "vm", name), "vm", name, "error fetching virtual machine");
  }
  const p = vm.props;
  const out: Props = {};
  for (const k of VM_CONFIG_KEYS) if (p[k] !== undefined) out[k] = p[k];
  const nics = (p.networkInterfaces as Props[]) ?? [];
  return {
    ...args,
    ...out,
    id: vm.id,
    name: args.name,
    uuid: vm.id,
    moid: p.moid,
    datacenterId: args.datacenterId,
    annotation: p.annotation ?? "",
    changeVersion: p.changeVersion,
    cpuShareCount: p.cpuShareCount,
    memoryShareCount: p.memoryShareCount,
    customAttributes: {},
    defaultIpAddress: p.defaultIpAddress ?? "",
    guestIpAddresses: p.guestIpAddresses ?? [],
    disks: ((p.disks as Props[]) ?? []).map((d) => ({
      label: d.label,
      size: d.size,
      eagerlyScrub: d.eagerlyScrub ?? false,
      thinProvisioned: d.thinProvisioned ?? true,
      unitNumber: d.unitNumber ?? 0,
    })),
    eptRviMode: p.eptRviMode,
    guestId: p.guestId,
    hardwareVersion: p.hardwareVersion,
    hvMode: p.hvMode,
    instanceUuid: String(vm.meta.instanceUuid),
    networkInterfaceTypes: nics.map((n) => n.adapterType),
    networkInterfaces: nics.map((n) => ({
      adapterType: n.adapterType,
      bandwidthLimit: n.bandwidthLimit,
      bandwidthReservation: n.bandwidthReservation,
      bandwidthShareCount: n.bandwidthShareCount,
      bandwidthShareLevel: n.bandwidthShareLevel,
      externalPortId: "",
      macAddress: n.macAddress,
      networkId: n.networkId,
      physicalFunction: "",
    })),
    scsiBusSharing: p.scsiBusSharing ?? "noSharing",
    scsiType: p.scsiType,
    scsiControllerScanCount: args.scsiControllerScanCount ?? 1,
    sataControllerScanCount: args.sataControllerScanCount ?? 0,
    ideControllerScanCount: args.ideControllerScanCount ?? 2,
    nvmeControllerScanCount: args.nvmeControllerScanCount ?? 1,
    storagePolicyId: p.storagePolicyId ?? "",
    tags: p.tags ?? [],
    vappTransports: p.vappTransports ?? [],
    videoCards: [{ numDisplays: 1, totalVideoMemory: 8192, graphics3ds: [] }],
    vtpm: p.vtpm !== undefined,
  };
};

const getContentLibrary: FunctionHandler = (model, args) => {
  const name = String(args.name);
  const lib = model.store.byName("content-libraries", name);
  if (!lib)
    throw new SimulatorError(
      `dataSourceVSphereContentLibraryRead: ${name}: unable to find content library (${name})`,
    );
  return { id: lib.id, name };
};

const getContentLibraryItem: FunctionHandler = (model, args) => {
  const name = String(args.name);
  const lib = model.store.get(String(args.libraryId), "ContentLibrary");
  const item = lib ? model.store.byName(`content-library:${lib.id}`, name) : undefined;
  if (!item || item.props.type !== args.type)
    throw new SimulatorError(
      `dataSourceVSphereContentLibraryItemRead: ${name}: unable to find content library item (${name})`,
    );
  return { id: item.id, name, libraryId: String(args.libraryId), type: args.type };
};

/** Every data source, by token. */
export const FUNCTIONS: Record<string, FunctionHandler> = {
  "vsphere:index/getDatacenter:getDatacenter": getDatacenter,
  "vsphere:index/getComputeCluster:getComputeCluster": getComputeCluster,
  "vsphere:index/getHost:getHost": getHost,
  "vsphere:index/getDatastore:getDatastore": getDatastore,
  "vsphere:index/getDistributedVirtualSwitch:getDistributedVirtualSwitch": getDistributedVirtualSwitch,
  "vsphere:index/getNetwork:getNetwork": getNetwork,
  "vsphere:index/getResourcePool:getResourcePool": getResourcePool,
  "vsphere:index/getFolder:getFolder": getFolder,
  "vsphere:index/getVirtualMachine:getVirtualMachine": getVirtualMachine,
  "vsphere:index/getContentLibrary:getContentLibrary": getContentLibrary,
  "vsphere:index/getContentLibraryItem:getContentLibraryItem": getContentLibraryItem,
};

/** Drops `undefined` members (a result carries only what is set). */
export function compact(p: Props): Props {
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined));
}
