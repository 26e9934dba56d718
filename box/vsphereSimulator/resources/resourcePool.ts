/**
 * `vsphere:index/resourcePool:ResourcePool`: a child resource pool. As vCenter and the provider: the parent pool
 * must exist, names are unique among siblings, share levels set the shares (`custom` takes the given number),
 * reservations must fit the cluster and stay within a set limit, a pool moves when its parent changes, and a pool
 * with VMs or child pools is not deleted.
 */
import { allocateMoid } from "../ids";
import { SimulatorError } from "../log";
import { poolNamespace } from "../model";
import { ObjectSpec, planProps } from "../propertySpec";
import type { SimObject } from "../store";
import type { Props } from "../values";
import {
  Fail,
  ResourceHandler,
  SimContext,
  between,
  known,
  knownNumber,
  oneOf,
  rejectCustomAttributes,
  throwFail,
} from "./handler";
import { checkTags } from "./tagging";

const LEVELS = ["low", "normal", "high", "custom"];
/** Shares of a resource pool per level (vSphere: CPU 2000/4000/8000, memory 81920/163840/327680). */
const SHARES = {
  cpu: { low: 2000, normal: 4000, high: 8000 },
  memory: { low: 81920, normal: 163840, high: 327680 },
} as const;
/** MHz of one host thread in the box. */
const MHZ_PER_THREAD = 2600;

const spec: ObjectSpec = {
  name: {},
  parentResourcePoolId: {},
  cpuShareLevel: { default: "normal" },
  cpuShares: { computed: true },
  cpuReservation: { default: 0 },
  cpuExpandable: { default: true },
  cpuLimit: { default: -1 },
  memoryShareLevel: { default: "normal" },
  memoryShares: { computed: true },
  memoryReservation: { default: 0 },
  memoryExpandable: { default: true },
  memoryLimit: { default: -1 },
  scaleDescendantsShares: { default: "disabled" },
  tags: { set: true },
  customAttributes: {},
};

function checkAllocation(inputs: Props, fail: Fail): void {
  for (const t of ["cpu", "memory"] as const) {
    oneOf(fail, `${t}ShareLevel`, inputs[`${t}ShareLevel`], LEVELS);
    between(fail, `${t}Shares`, inputs[`${t}Shares`], 0, 2 ** 31 - 1);
    between(fail, `${t}Reservation`, inputs[`${t}Reservation`], 0, 2 ** 53);
    between(fail, `${t}Limit`, inputs[`${t}Limit`], -1, 2 ** 53);
    const limit = inputs[`${t}Limit`];
    const reservation = inputs[`${t}Reservation`];
    if (knownNumber(limit) && limit !== -1 && knownNumber(reservation) && reservation > limit)
      fail(`${t}Reservation`, `${t} reservation ${reservation} exceeds the ${t} limit ${limit}`);
    if (inputs[`${t}ShareLevel`] === "custom" && inputs[`${t}Shares`] === undefined)
      fail(`${t}Shares`, `${t}_shares must be set when ${t}_share_level is custom`);
  }
  oneOf(fail, "scaleDescendantsShares", inputs.scaleDescendantsShares, [
    "disabled",
    "scaleCpuAndMemoryShares",
  ]);
}

/** The parent pool and the cluster capacity; checks the reservations fit. */
function parentOf(ctx: SimContext, plain: Props): { parent: SimObject; cluster: SimObject } {
  const id = String(plain.parentResourcePoolId);
  const parent = ctx.store.get(id, "ResourcePool");
  if (!parent)
    throw new SimulatorError(
      `error fetching parent resource pool: resource pool '${id}' not found`,
      "parentResourcePoolId",
    );
  const cluster = ctx.model.clusterOfPool(parent);
  if (!cluster) throw new SimulatorError(`resource pool ${id} belongs to no cluster`);
  const hosts = ctx.model.hostsOf(cluster);
  const capacity = {
    cpu: hosts.reduce((s, h) => s + Number(h.meta.cpuThreads) * MHZ_PER_THREAD, 0),
    memory: hosts.reduce((s, h) => s + Number(h.meta.memoryMb), 0),
  };
  for (const t of ["cpu", "memory"] as const) {
    const r = Number(plain[`${t}Reservation`] ?? 0);
    if (r > capacity[t])
      throw new SimulatorError(
        `InsufficientResourcesFault: The available ${t === "cpu" ? "CPU" : "Memory"} resources in the parent resource pool are insufficient for the operation (reservation ${r}, cluster ${cluster.name} has ${capacity[t]}).`,
        `${t}Reservation`,
      );
  }
  return { parent, cluster };
}

function outputs(raw: Props, current: Props): Props {
  const planned = planProps(spec, raw, current);
  for (const t of ["cpu", "memory"] as const) {
    const level = String(planned[`${t}ShareLevel`]) as keyof (typeof SHARES)["cpu"] | "custom";
    if (level !== "custom") planned[`${t}Shares`] = SHARES[t][level];
  }
  return planned;
}

/** The ResourcePool handler. */
export const resourcePool: ResourceHandler = {
  token: "vsphere:index/resourcePool:ResourcePool",
  kind: "ResourcePool",
  spec,
  autoName: { maxLength: 80 },
  check(ctx, inputs, fail) {
    checkAllocation(inputs, fail);
    const parent = inputs.parentResourcePoolId;
    if (known(parent) && !ctx.store.get(parent, "ResourcePool"))
      fail(
        "parentResourcePoolId",
        `error fetching parent resource pool: resource pool '${parent}' not found`,
      );
    checkTags(ctx, inputs.tags, "ResourcePool", fail);
  },
  create(ctx, urn, raw, plain) {
    checkAllocation(plain, throwFail);
    const { parent, cluster } = parentOf(ctx, plain);
    checkTags(ctx, plain.tags, "ResourcePool");
    rejectCustomAttributes(plain.customAttributes);
    const name = String(plain.name);
    if (ctx.store.byName(poolNamespace(parent.id), name))
      throw new SimulatorError(`error creating resource pool: The name '${name}' already exists.`, "name");
    const id = allocateMoid(ctx.store, "resgroup-", urn);
    const outs = outputs(raw, {});
    ctx.store.insert({
      id,
      kind: "ResourcePool",
      namespace: poolNamespace(parent.id),
      name,
      urn,
      props: outs,
      meta: { cluster: cluster.id, parent: parent.id },
    });
    return { id, outs };
  },
  update(ctx, live, raw, plain) {
    checkAllocation(plain, throwFail);
    const { parent } = parentOf(ctx, plain);
    if (parent.id === live.id)
      throw new SimulatorError("a resource pool cannot be its own parent", "parentResourcePoolId");
    checkTags(ctx, plain.tags, "ResourcePool");
    rejectCustomAttributes(plain.customAttributes);
    const name = String(plain.name);
    const other = ctx.store.byName(poolNamespace(parent.id), name);
    if (other && other.id !== live.id)
      throw new SimulatorError(`error updating resource pool: The name '${name}' already exists.`, "name");
    const outs = outputs(raw, live.props);
    ctx.store.update({
      ...live,
      namespace: poolNamespace(parent.id),
      name,
      props: outs,
      meta: { ...live.meta, parent: parent.id },
    });
    return outs;
  },
  delete(ctx, live) {
    const children = [
      ...ctx.store.list("ResourcePool", (p) => p.meta.parent === live.id),
      ...ctx.store.list("VirtualMachine", (v) => v.props.resourcePoolId === live.id),
    ];
    if (children.length > 0)
      throw new SimulatorError(
        `resource pool "${live.name}" still has children resources. Please move or remove all items before deleting`,
      );
    ctx.store.remove(live.id);
  },
};
