/**
 * Lookups in the simulated vCenter's inventory, shared by the resources and the data sources, with vCenter's and
 * govmomi's wording when something is missing (`datacenter 'dc9' not found`).
 */
import { SimulatorError } from "./log";
import type { Kind, SimObject, SimulatorStore } from "./store";

/** The four kinds of root folders a datacenter has (`datacenter` folders live under vCenter's root folder). */
export type FolderType = "vm" | "host" | "datastore" | "network" | "datacenter";

/** A govmomi-style "not found" error: `<what> '<name>' not found`. */
export function notFound(what: string, name: string, context?: string): SimulatorError {
  return new SimulatorError(`${context ? `${context}: ` : ""}${what} '${name}' not found`);
}

/** Namespace of the children of a folder (VMs and folders share it: vCenter refuses a duplicate name in a folder). */
export function folderNamespace(folderId: string): string {
  return `folder:${folderId}`;
}

/** Namespace of the port groups of a distributed switch. */
export function switchNamespace(uuid: string): string {
  return `dvs:${uuid}`;
}

/** Namespace of the DRS groups (VM and host groups share it) of a cluster. */
export function groupNamespace(clusterId: string): string {
  return `cluster-groups:${clusterId}`;
}

/** Namespace of the DRS rules of a cluster. */
export function ruleNamespace(clusterId: string): string {
  return `cluster-rules:${clusterId}`;
}

/** Namespace of the child pools of a resource pool. */
export function poolNamespace(parentId: string): string {
  return `pool:${parentId}`;
}

/** Strips leading and trailing slashes (the provider's folder.NormalizePath). */
export function normalizePath(p: unknown): string {
  return String(p).replace(/^\/+/, "").replace(/\/+$/, "");
}

/** The inventory lookups of one store. */
export class Model {
  constructor(readonly store: SimulatorStore) {}

  /** The one datacenter. */
  datacenter(): SimObject {
    const dcs = this.store.list("Datacenter");
    if (dcs.length !== 1) throw new SimulatorError(`the inventory has ${dcs.length} datacenters, expected 1`);
    return dcs[0];
  }

  /** The datacenter with this id, or a `cannot locate datacenter` error. */
  datacenterById(id: string): SimObject {
    const dc = this.store.get(id, "Datacenter");
    if (!dc)
      throw new SimulatorError(
        `cannot locate datacenter: ManagedObjectNotFound: datacenter '${id}' not found`,
      );
    return dc;
  }

  /** The root folder of a type (vCenter's root folder for `datacenter`). */
  rootFolder(type: FolderType, dc: SimObject = this.datacenter()): SimObject {
    const folders = dc.meta.folders as Record<string, string>;
    const id = type === "datacenter" ? String(dc.meta.rootFolder) : folders[type];
    const f = this.store.get(id, "Folder");
    if (!f) throw new SimulatorError(`the inventory lacks the ${type} root folder ${id}`);
    return f;
  }

  /** The folder of a type at a path relative to the root folder of that type ("" is the root itself). */
  folderAt(type: FolderType, relPath: string, dc?: SimObject): SimObject | undefined {
    let f: SimObject | undefined = this.rootFolder(type, dc);
    for (const part of normalizePath(relPath).split("/").filter(Boolean)) {
      const next = this.store.byName(folderNamespace(f.id), part);
      if (!next || next.kind !== "Folder") return undefined;
      f = next;
    }
    return f;
  }

  /** The path of a folder relative to its root folder. */
  folderPath(folder: SimObject): string {
    const parts: string[] = [];
    let f: SimObject | undefined = folder;
    while (f && !f.meta.root) {
      parts.unshift(f.name);
      f = this.store.get(String(f.meta.parent), "Folder");
    }
    return parts.join("/");
  }

  /** An object of one of `kinds` by id. */
  byId(id: string, ...kinds: Kind[]): SimObject | undefined {
    const o = this.store.get(id);
    return o && kinds.includes(o.kind) ? o : undefined;
  }

  /** A VM or template by BIOS UUID. */
  vmByUuid(uuid: string): SimObject | undefined {
    return this.store.get(uuid, "VirtualMachine");
  }

  /** A distributed switch by UUID. */
  switchByUuid(uuid: string): SimObject | undefined {
    return this.store.list("DistributedVirtualSwitch", (s) => s.meta.uuid === uuid)[0];
  }

  /** The cluster a resource pool belongs to. */
  clusterOfPool(pool: SimObject): SimObject | undefined {
    return this.store.get(String(pool.meta.cluster), "ComputeCluster");
  }

  /** The hosts of a cluster, in inventory order. */
  hostsOf(cluster: SimObject): SimObject[] {
    return this.store.list("HostSystem", (h) => h.meta.cluster === cluster.id);
  }

  /** The live objects in a folder (VMs and subfolders). */
  childrenOf(folder: SimObject): SimObject[] {
    return [
      ...this.store.list("Folder", (f) => f.meta.parent === folder.id),
      ...this.store.list("VirtualMachine", (v) => v.meta.folder === folder.id),
    ];
  }
}
