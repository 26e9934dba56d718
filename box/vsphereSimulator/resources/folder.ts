/**
 * `vsphere:index/folder:Folder`: an inventory folder at a path relative to its datacenter's root folder of its
 * type. As vCenter and the provider: the parent must exist, the name must be free in the parent (folders and VMs
 * share it), a path change renames and/or moves the folder (its contents follow), `type` and `datacenterId` force a
 * new folder, and a folder with anything in it is not deleted.
 */
import * as path from "node:path";
import { allocateMoid } from "../ids";
import { SimulatorError } from "../log";
import { FolderType, folderNamespace, normalizePath } from "../model";
import { ObjectSpec, planProps } from "../propertySpec";
import type { SimObject } from "../store";
import { ResourceHandler, SimContext, known, oneOf, rejectCustomAttributes } from "./handler";
import { checkTags } from "./tagging";

const TYPES: FolderType[] = ["datacenter", "host", "vm", "datastore", "network"];
const MOID_PREFIX: Record<FolderType, string> = {
  datacenter: "group-d",
  host: "group-h",
  vm: "group-v",
  datastore: "group-s",
  network: "group-n",
};

const spec: ObjectSpec = {
  path: { normalize: normalizePath },
  type: {},
  datacenterId: {},
  tags: { set: true },
  customAttributes: {},
};

function absolute(ctx: SimContext, type: FolderType, rel: string): string {
  const dc = ctx.model.datacenter();
  return type === "datacenter" ? `/${rel}` : `/${dc.name}/${type}/${rel}`;
}

/** Where a folder of `type` at `rel` goes: its parent folder and its name. */
function placement(ctx: SimContext, type: FolderType, rel: string): { parent: SimObject; name: string } {
  const parentPath = path.posix.dirname(rel) === "." ? "" : path.posix.dirname(rel);
  const parent = ctx.model.folderAt(type, parentPath);
  if (!parent)
    throw new SimulatorError(
      `error trying to determine parent folder: folder '${absolute(ctx, type, parentPath)}' not found`,
      "path",
    );
  return { parent, name: path.posix.basename(rel) };
}

/** Rewrites the stored paths below a folder whose path became `newPath` (subfolders and VMs). */
function rewriteBelow(ctx: SimContext, folder: SimObject, newPath: string): void {
  for (const child of ctx.model.childrenOf(folder)) {
    if (child.kind === "Folder") {
      const p = `${newPath}/${child.name}`;
      ctx.store.update({ ...child, props: { ...child.props, path: p } });
      rewriteBelow(ctx, child, p);
    } else {
      ctx.store.update({ ...child, props: { ...child.props, folder: newPath } });
    }
  }
}

/** The Folder handler. */
export const folder: ResourceHandler = {
  token: "vsphere:index/folder:Folder",
  kind: "Folder",
  spec,
  check(ctx, inputs, fail) {
    oneOf(fail, "type", inputs.type, TYPES);
    if (known(inputs.path) && normalizePath(inputs.path) === "") fail("path", "path must not be empty");
    if (inputs.type !== "datacenter" && known(inputs.type) && inputs.datacenterId === undefined)
      fail("datacenterId", `datacenter_id cannot be empty when creating a folder of type ${inputs.type}`);
    if (known(inputs.datacenterId) && !ctx.store.get(inputs.datacenterId, "Datacenter"))
      fail("datacenterId", `cannot locate datacenter: datacenter '${inputs.datacenterId}' not found`);
    checkTags(ctx, inputs.tags, "Folder", fail);
  },
  create(ctx, urn, raw, plain) {
    const type = plain.type as FolderType;
    const dc =
      type === "datacenter" ? ctx.model.datacenter() : ctx.model.datacenterById(String(plain.datacenterId));
    const rel = normalizePath(plain.path);
    const { parent, name } = placement(ctx, type, rel);
    if (ctx.store.byName(folderNamespace(parent.id), name))
      throw new SimulatorError(`error creating folder: The name '${name}' already exists.`, "path");
    checkTags(ctx, plain.tags, "Folder");
    rejectCustomAttributes(plain.customAttributes);
    const id = allocateMoid(ctx.store, MOID_PREFIX[type], urn);
    const outs = planProps(spec, raw);
    ctx.store.insert({
      id,
      kind: "Folder",
      namespace: folderNamespace(parent.id),
      name,
      urn,
      props: outs,
      meta: { type, parent: parent.id, datacenter: dc.id },
    });
    return { id, outs };
  },
  update(ctx, live, raw, plain) {
    const type = live.meta.type as FolderType;
    const rel = normalizePath(plain.path);
    const outs = planProps(spec, raw, live.props);
    const { parent, name } = placement(ctx, type, rel);
    let ancestor: SimObject | undefined = parent;
    while (ancestor && !ancestor.meta.root) {
      if (ancestor.id === live.id)
        throw new SimulatorError(
          `could not move folder: a folder cannot be moved into itself (${rel})`,
          "path",
        );
      ancestor = ctx.store.get(String(ancestor.meta.parent), "Folder");
    }
    const other = ctx.store.byName(folderNamespace(parent.id), name);
    if (other && other.id !== live.id)
      throw new SimulatorError(`could not rename folder: The name '${name}' already exists.`, "path");
    checkTags(ctx, plain.tags, "Folder");
    rejectCustomAttributes(plain.customAttributes);
    const moved = { ...live, namespace: folderNamespace(parent.id), name, props: outs };
    moved.meta = { ...live.meta, parent: parent.id };
    ctx.store.update(moved);
    if (normalizePath(live.props.path) !== rel) rewriteBelow(ctx, moved, rel);
    return outs;
  },
  delete(ctx, live) {
    if (ctx.model.childrenOf(live).length > 0)
      throw new SimulatorError("folder is not empty, please remove all items before deleting");
    ctx.store.remove(live.id);
  },
};
