/**
 * `TagCategory` and `Tag` (vSphere's tagging service), and the check every taggable resource makes of its `tags`:
 * each tag must exist, its category must allow the object's type, and a SINGLE-cardinality category allows one
 * of its tags per object.
 */
import { allocateTaggingUrn } from "../ids";
import { SimulatorError } from "../log";
import type { ObjectSpec } from "../propertySpec";
import { planProps } from "../propertySpec";
import type { SimObject } from "../store";
import type { Props } from "../values";
import { Fail, ResourceHandler, SimContext, known, oneOf } from "./handler";

/** The object types a category may be associated with (the provider's list). */
export const TAG_TYPES = [
  "Folder",
  "ClusterComputeResource",
  "Datacenter",
  "Datastore",
  "StoragePod",
  "DistributedVirtualPortgroup",
  "DistributedVirtualSwitch",
  "VmwareDistributedVirtualSwitch",
  "HostSystem",
  "com.vmware.content.Library",
  "com.vmware.content.library.Item",
  "HostNetwork",
  "Network",
  "OpaqueNetwork",
  "ResourcePool",
  "VirtualApp",
  "VirtualMachine",
] as const;

const CATEGORY_NAMESPACE = "tag-categories";
const tagNamespace = (categoryId: string) => `tags:${categoryId}`;

/**
 * Checks the `tags` of an object of `objectType` (known tag ids only): they exist, their categories allow the
 * type, and no SINGLE category is used twice. Throws on create/update (`fail` absent), reports at check time.
 */
export function checkTags(ctx: SimContext, tags: unknown, objectType: string, fail?: Fail): void {
  if (!Array.isArray(tags)) return;
  const report = (i: number, m: string) => {
    if (fail) fail(`tags[${i}]`, m);
    else throw new SimulatorError(`error updating tags: ${m}`, `tags[${i}]`);
  };
  const singles = new Map<string, number>();
  tags.forEach((id, i) => {
    if (!known(id)) return;
    const tag = ctx.store.get(id, "Tag");
    if (!tag) return report(i, `tag '${id}' not found`);
    const cat = ctx.store.get(String(tag.meta.category), "TagCategory");
    if (!cat) return report(i, `category of tag '${id}' not found`);
    const types = (cat.props.associableTypes as string[]) ?? [];
    if (types.length > 0 && !types.includes(objectType))
      return report(i, `tag '${tag.name}' (category ${cat.name}) cannot be attached to a ${objectType}`);
    if (cat.props.cardinality === "SINGLE") {
      if (singles.has(cat.id))
        return report(i, `category ${cat.name} has cardinality SINGLE: only one of its tags per object`);
      singles.set(cat.id, i);
    }
  });
}

const categorySpec: ObjectSpec = { name: {}, cardinality: {}, associableTypes: { set: true } };

/** `vsphere:index/tagCategory:TagCategory`. */
export const tagCategory: ResourceHandler = {
  token: "vsphere:index/tagCategory:TagCategory",
  kind: "TagCategory",
  spec: categorySpec,
  autoName: { maxLength: 80 },
  check(_ctx, inputs, fail) {
    oneOf(fail, "cardinality", inputs.cardinality, ["SINGLE", "MULTIPLE"]);
    if (Array.isArray(inputs.associableTypes)) {
      inputs.associableTypes.forEach((t, i) => {
        if (known(t) && !(TAG_TYPES as readonly string[]).includes(t))
          fail(
            `associableTypes[${i}]`,
            `${t} is not a valid associable_type, valid types include: [${TAG_TYPES.join(" ")}]`,
          );
      });
      if (inputs.associableTypes.length === 0)
        fail("associableTypes", "at least one associable type is required");
    }
  },
  create(ctx, urn, raw, plain) {
    const name = String(plain.name);
    if (ctx.store.byName(CATEGORY_NAMESPACE, name))
      throw new SimulatorError(
        `could not create category: already_exists: a category named ${name} exists`,
        "name",
      );
    const id = allocateTaggingUrn(ctx.store, "Category", urn);
    const outs = planProps(categorySpec, raw);
    ctx.store.insert({
      id,
      kind: "TagCategory",
      namespace: CATEGORY_NAMESPACE,
      name,
      urn,
      props: outs,
      meta: {},
    });
    return { id, outs };
  },
  update(ctx, live, raw, plain) {
    const name = String(plain.name);
    const other = ctx.store.byName(CATEGORY_NAMESPACE, name);
    if (other && other.id !== live.id)
      throw new SimulatorError(
        `could not update category with id "${live.id}": already_exists: ${name}`,
        "name",
      );
    const oldTypes = (live.props.associableTypes as string[]) ?? [];
    const newTypes = (plain.associableTypes as string[]) ?? [];
    for (const t of oldTypes) {
      if (!newTypes.includes(t))
        throw new SimulatorError(
          `cannot remove type "${t}" (removal of associable types is not supported)`,
          "associableTypes",
        );
    }
    const outs = planProps(categorySpec, raw, live.props);
    ctx.store.update({ ...live, name, props: outs });
    return outs;
  },
  delete(ctx, live) {
    // vCenter deletes a category with its tags (and detaches them); the provider does the same.
    for (const tag of ctx.store.list("Tag", (t) => t.meta.category === live.id)) detachTag(ctx, tag);
    ctx.store.remove(live.id);
  },
};

const tagSpec: ObjectSpec = { name: {}, categoryId: {} };

/** `vsphere:index/tag:Tag`. */
export const tag: ResourceHandler = {
  token: "vsphere:index/tag:Tag",
  kind: "Tag",
  spec: tagSpec,
  autoName: { maxLength: 80 },
  check(ctx, inputs, fail) {
    const cat = inputs.categoryId;
    if (!known(cat)) return;
    if (!cat.startsWith("urn:vmomi"))
      fail(
        "categoryId",
        "error: 'category_id' must start with 'urn:vmomi'. you can use `vsphere_tag_category` data source to get the category ID",
      );
    else if (!ctx.store.get(cat, "TagCategory")) fail("categoryId", `tag category '${cat}' not found`);
  },
  create(ctx, urn, raw, plain) {
    const categoryId = String(plain.categoryId);
    if (!ctx.store.get(categoryId, "TagCategory"))
      throw new SimulatorError(`could not create tag: tag category '${categoryId}' not found`, "categoryId");
    const name = String(plain.name);
    if (ctx.store.byName(tagNamespace(categoryId), name))
      throw new SimulatorError(
        `could not create tag: already_exists: a tag named ${name} exists in the category`,
      );
    const id = allocateTaggingUrn(ctx.store, "Tag", urn);
    const outs = planProps(tagSpec, raw);
    ctx.store.insert({
      id,
      kind: "Tag",
      namespace: tagNamespace(categoryId),
      name,
      urn,
      props: outs,
      meta: { category: categoryId },
    });
    return { id, outs };
  },
  update(ctx, live, raw, plain) {
    const name = String(plain.name);
    const other = ctx.store.byName(live.namespace, name);
    if (other && other.id !== live.id)
      throw new SimulatorError(`could not update tag with id "${live.id}": already_exists: ${name}`, "name");
    const outs = planProps(tagSpec, raw, live.props);
    ctx.store.update({ ...live, name, props: outs });
    return outs;
  },
  delete(ctx, live) {
    detachTag(ctx, live);
  },
};

/** Deletes a tag and removes it from every object's `tags`. */
function detachTag(ctx: SimContext, t: SimObject): void {
  for (const kind of ["VirtualMachine", "Folder", "DistributedPortGroup", "ResourcePool"] as const) {
    for (const o of ctx.store.list(kind, (x) => Array.isArray(x.props.tags) && x.props.tags.includes(t.id))) {
      ctx.store.update({
        ...o,
        props: { ...o.props, tags: (o.props.tags as string[]).filter((x) => x !== t.id) },
      });
    }
  }
  ctx.store.remove(t.id);
}

/** Tags of raw outputs, for handlers that keep `tags` (secrets are never tags). */
export function tagsOf(p: Props): string[] {
  return Array.isArray(p.tags) ? (p.tags as string[]) : [];
}
