/**
 * What the simulated vCenter holds, for tests and `basphere box status`: the managed objects (VMs, port groups,
 * folders, resource pools, DRS groups and rules, tags) with their key properties. Never a secret: no extraConfig,
 * no customization, no provider credentials.
 */
import * as fs from "node:fs";
import { seedObjects } from "./seed";
import { SimObject, SimulatorStore } from "./store";

/** A VM (templates included, flagged). */
export interface VmSummary {
  name: string;
  /** BIOS UUID: the provider's id. */
  id: string;
  moid: string;
  folder: string;
  template: boolean;
  powerState: string;
  numCpus: number;
  memory: number;
  diskSizes: number[];
  networkIds: string[];
  ipAddresses: string[];
  hostSystemId: string;
  /** The Pulumi resource that created it (none for the inventory). */
  urn?: string;
}

/** The simulator's state. */
export interface SimulatorState {
  file: string;
  seededAt?: string;
  vms: VmSummary[];
  portGroups: {
    name: string;
    id: string;
    vlanId: number;
    switchUuid: string;
    inventory: boolean;
    urn?: string;
  }[];
  folders: { path: string; id: string; type: string; urn?: string }[];
  resourcePools: { name: string; id: string; parentId?: string; urn?: string }[];
  groups: {
    kind: "vm" | "host";
    name: string;
    id: string;
    clusterId: string;
    members: string[];
    urn?: string;
  }[];
  rules: {
    kind: "vmHost" | "antiAffinity";
    name: string;
    id: string;
    clusterId: string;
    enabled: boolean;
    mandatory: boolean;
    vmGroupName?: string;
    affinityHostGroupName?: string;
    antiAffinityHostGroupName?: string;
    virtualMachineIds?: string[];
    urn?: string;
  }[];
  tagCategories: { name: string; id: string; cardinality: string; urn?: string }[];
  tags: { name: string; id: string; categoryId: string; urn?: string }[];
}

const urnOf = (o: SimObject) => (o.urn !== undefined ? { urn: o.urn } : {});

/** The state of the simulator whose state file is `statePath`; undefined when the file does not exist yet. */
export function readSimulatorState(statePath: string): SimulatorState | undefined {
  if (!fs.existsSync(statePath)) return undefined;
  const store = SimulatorStore.open(statePath, () => seedObjects());
  try {
    return summarize(store);
  } finally {
    store.close();
  }
}

/** The state of an open store. */
export function summarize(store: SimulatorStore): SimulatorState {
  const p = (o: SimObject) => o.props as Record<string, any>;
  return {
    file: store.file,
    seededAt: store.meta("seededAt"),
    vms: store.list("VirtualMachine").map((o) => ({
      name: o.name,
      id: o.id,
      moid: String(p(o).moid),
      folder: String(p(o).folder ?? ""),
      template: o.meta.template === true,
      powerState: String(p(o).powerState),
      numCpus: Number(p(o).numCpus),
      memory: Number(p(o).memory),
      diskSizes: ((p(o).disks as any[]) ?? []).map((d) => Number(d.size)),
      networkIds: ((p(o).networkInterfaces as any[]) ?? []).map((n) => String(n.networkId)),
      ipAddresses: (p(o).guestIpAddresses as string[]) ?? [],
      hostSystemId: String(p(o).hostSystemId),
      ...urnOf(o),
    })),
    portGroups: store.list("DistributedPortGroup").map((o) => ({
      name: o.name,
      id: o.id,
      vlanId: Number(p(o).vlanId ?? 0),
      switchUuid: String(p(o).distributedVirtualSwitchUuid),
      inventory: o.meta.inventory === true,
      ...urnOf(o),
    })),
    folders: store
      .list("Folder", (f) => !f.meta.root)
      .map((o) => ({ path: String(p(o).path), id: o.id, type: String(o.meta.type), ...urnOf(o) })),
    resourcePools: store.list("ResourcePool").map((o) => ({
      name: o.name,
      id: o.id,
      ...(o.meta.parent ? { parentId: String(o.meta.parent) } : {}),
      ...urnOf(o),
    })),
    groups: [
      ...store.list("ComputeClusterVmGroup").map((o) => ({
        kind: "vm" as const,
        name: o.name,
        id: o.id,
        clusterId: String(p(o).computeClusterId),
        members: (p(o).virtualMachineIds as string[]) ?? [],
        ...urnOf(o),
      })),
      ...store.list("ComputeClusterHostGroup").map((o) => ({
        kind: "host" as const,
        name: o.name,
        id: o.id,
        clusterId: String(p(o).computeClusterId),
        members: (p(o).hostSystemIds as string[]) ?? [],
        ...urnOf(o),
      })),
    ],
    rules: [
      ...store.list("ComputeClusterVmHostRule").map((o) => ({
        kind: "vmHost" as const,
        name: o.name,
        id: o.id,
        clusterId: String(p(o).computeClusterId),
        enabled: p(o).enabled !== false,
        mandatory: p(o).mandatory === true,
        vmGroupName: p(o).vmGroupName,
        ...(p(o).affinityHostGroupName ? { affinityHostGroupName: p(o).affinityHostGroupName } : {}),
        ...(p(o).antiAffinityHostGroupName
          ? { antiAffinityHostGroupName: p(o).antiAffinityHostGroupName }
          : {}),
        ...urnOf(o),
      })),
      ...store.list("ComputeClusterVmAntiAffinityRule").map((o) => ({
        kind: "antiAffinity" as const,
        name: o.name,
        id: o.id,
        clusterId: String(p(o).computeClusterId),
        enabled: p(o).enabled !== false,
        mandatory: p(o).mandatory === true,
        virtualMachineIds: (p(o).virtualMachineIds as string[]) ?? [],
        ...urnOf(o),
      })),
    ],
    tagCategories: store
      .list("TagCategory")
      .map((o) => ({ name: o.name, id: o.id, cardinality: String(p(o).cardinality), ...urnOf(o) })),
    tags: store
      .list("Tag")
      .map((o) => ({ name: o.name, id: o.id, categoryId: String(p(o).categoryId), ...urnOf(o) })),
  };
}
