/**
 * `vsphere:index/distributedPortGroup:DistributedPortGroup`: a port group on a distributed switch. As vCenter and
 * the provider: the switch must exist (changing it forces a new port group), names are unique on a switch, VLAN ids
 * and trunk ranges are 0–4094 (`vlanId`, `vlanRanges` and `portPrivateSecondaryVlanId` exclude each other), uplinks
 * must be the switch's, every policy not set is inherited from the switch's default port config, each
 * reconfiguration bumps `configVersion`, and a port group a VM is connected to is not deleted.
 */
import { allocateMoid } from "../ids";
import { SimulatorError } from "../log";
import { switchNamespace } from "../model";
import { ObjectSpec, planProps } from "../propertySpec";
import type { SimObject } from "../store";
import type { Props } from "../values";
import {
  Fail,
  ResourceHandler,
  SimContext,
  between,
  known,
  oneOf,
  rejectCustomAttributes,
  throwFail,
} from "./handler";
import { checkTags } from "./tagging";

/** Policies a port group inherits from its switch's default port config when it does not set them. */
const INHERITED = [
  "activeUplinks",
  "standbyUplinks",
  "allowForgedTransmits",
  "allowMacChanges",
  "allowPromiscuous",
  "blockAllPorts",
  "checkBeacon",
  "directpathGen2Allowed",
  "egressShapingAverageBandwidth",
  "egressShapingBurstSize",
  "egressShapingEnabled",
  "egressShapingPeakBandwidth",
  "ingressShapingAverageBandwidth",
  "ingressShapingBurstSize",
  "ingressShapingEnabled",
  "ingressShapingPeakBandwidth",
  "failback",
  "lacpEnabled",
  "lacpMode",
  "netflowEnabled",
  "notifySwitches",
  "teamingPolicy",
  "txUplink",
] as const;

const spec: ObjectSpec = {
  ...Object.fromEntries(INHERITED.map((k) => [k, { computed: true }])),
  autoExpand: { default: true },
  type: { default: "earlyBinding" },
  networkResourcePoolKey: { default: "-1" },
  numberOfPorts: { computed: true },
  vlanId: { computed: true },
  vlanRanges: { computed: true },
  portPrivateSecondaryVlanId: { computed: true },
  tags: { set: true },
};

const TEAMING = [
  "loadbalance_ip",
  "loadbalance_srcmac",
  "loadbalance_srcid",
  "failover_explicit",
  "loadbalance_loadbased",
];

function checkInputs(inputs: Props, fail: Fail): void {
  between(fail, "vlanId", inputs.vlanId, 0, 4094);
  between(fail, "portPrivateSecondaryVlanId", inputs.portPrivateSecondaryVlanId, 1, 4094);
  if (Array.isArray(inputs.vlanRanges)) {
    inputs.vlanRanges.forEach((r: any, i) => {
      between(fail, `vlanRanges[${i}].minVlan`, r?.minVlan, 0, 4094);
      between(fail, `vlanRanges[${i}].maxVlan`, r?.maxVlan, 0, 4094);
      if (typeof r?.minVlan === "number" && typeof r?.maxVlan === "number" && r.minVlan > r.maxVlan)
        fail(`vlanRanges[${i}]`, `min_vlan ${r.minVlan} is greater than max_vlan ${r.maxVlan}`);
    });
  }
  const set = ["vlanId", "vlanRanges", "portPrivateSecondaryVlanId"].filter((k) => inputs[k] !== undefined);
  if (set.length > 1) fail(set[1], `"${set[1]}": conflicts with ${set[0]}`);
  oneOf(fail, "type", inputs.type, ["earlyBinding", "ephemeral"]);
  oneOf(fail, "teamingPolicy", inputs.teamingPolicy, TEAMING);
  oneOf(fail, "lacpMode", inputs.lacpMode, ["active", "passive"]);
  between(fail, "numberOfPorts", inputs.numberOfPorts, 0, 8192);
}

function checkUplinks(sw: SimObject, inputs: Props, fail: Fail): void {
  const uplinks = sw.meta.uplinks as string[];
  for (const key of ["activeUplinks", "standbyUplinks"] as const) {
    const list = inputs[key];
    if (!Array.isArray(list)) continue;
    list.forEach((u, i) => {
      if (known(u) && !uplinks.includes(u))
        fail(`${key}[${i}]`, `${u} is not an uplink of switch ${sw.name} (uplinks: ${uplinks.join(", ")})`);
    });
  }
  const active = (inputs.activeUplinks as unknown[]) ?? [];
  const standby = (inputs.standbyUplinks as unknown[]) ?? [];
  for (const u of active)
    if (known(u) && standby.includes(u))
      fail("standbyUplinks", `uplink ${u} cannot be both active and standby`);
}

/** The outputs: planned inputs, the switch's defaults for the rest, VLAN fields made consistent. */
function outputs(sw: SimObject, id: string, raw: Props, current: Props, configVersion: number): Props {
  const planned = planProps(spec, raw, current);
  const defaults = sw.meta.defaultPortConfig as Props;
  for (const k of INHERITED) if (planned[k] === undefined) planned[k] = structuredClone(defaults[k]);
  if (planned.numberOfPorts === undefined) planned.numberOfPorts = 8;
  if (raw.vlanRanges !== undefined) {
    planned.vlanId = 0;
    planned.portPrivateSecondaryVlanId = 0;
  } else if (raw.portPrivateSecondaryVlanId !== undefined) {
    planned.vlanId = 0;
    planned.vlanRanges = [];
  } else {
    planned.vlanId = planned.vlanId ?? 0;
    planned.vlanRanges = [];
    planned.portPrivateSecondaryVlanId = 0;
  }
  return { ...planned, key: id, configVersion: String(configVersion) };
}

function switchOf(ctx: SimContext, uuid: unknown): SimObject {
  const sw = known(uuid) ? ctx.model.switchByUuid(uuid) : undefined;
  if (!sw)
    throw new SimulatorError(
      `error fetching DVS: distributed virtual switch with UUID "${String(uuid)}" not found`,
      "distributedVirtualSwitchUuid",
    );
  return sw;
}

/** Private VLANs: the box's switch has none configured. */
function checkPrivateVlan(sw: SimObject, plain: Props): void {
  const pvlan = plain.portPrivateSecondaryVlanId;
  if (pvlan !== undefined && !((sw.meta.privateVlans as number[]) ?? []).includes(Number(pvlan)))
    throw new SimulatorError(
      `error creating portgroup: private VLAN ${String(pvlan)} is not configured on switch ${sw.name}`,
      "portPrivateSecondaryVlanId",
    );
}

/** The DistributedPortGroup handler. */
export const distributedPortGroup: ResourceHandler = {
  token: "vsphere:index/distributedPortGroup:DistributedPortGroup",
  kind: "DistributedPortGroup",
  spec,
  autoName: { maxLength: 80 },
  check(ctx, inputs, fail) {
    checkInputs(inputs, fail);
    const uuid = inputs.distributedVirtualSwitchUuid;
    if (known(uuid)) {
      const sw = ctx.model.switchByUuid(uuid);
      if (!sw)
        fail(
          "distributedVirtualSwitchUuid",
          `error fetching DVS: distributed virtual switch with UUID "${uuid}" not found`,
        );
      else checkUplinks(sw, inputs, fail);
    }
    checkTags(ctx, inputs.tags, "DistributedVirtualPortgroup", fail);
  },
  create(ctx, urn, raw, plain) {
    checkInputs(plain, throwFail);
    const sw = switchOf(ctx, plain.distributedVirtualSwitchUuid);
    checkUplinks(sw, plain, throwFail);
    checkPrivateVlan(sw, plain);
    checkTags(ctx, plain.tags, "DistributedVirtualPortgroup");
    rejectCustomAttributes(plain.customAttributes);
    const name = String(plain.name);
    if (ctx.store.byName(switchNamespace(String(sw.meta.uuid)), name))
      throw new SimulatorError(`error creating portgroup: The name '${name}' already exists.`, "name");
    const id = allocateMoid(ctx.store, "dvportgroup-", urn);
    const outs = outputs(sw, id, raw, {}, 1);
    ctx.store.insert({
      id,
      kind: "DistributedPortGroup",
      namespace: switchNamespace(String(sw.meta.uuid)),
      name,
      urn,
      props: outs,
      meta: { switch: sw.id },
    });
    return { id, outs };
  },
  update(ctx, live, raw, plain) {
    checkInputs(plain, throwFail);
    const sw = switchOf(ctx, live.props.distributedVirtualSwitchUuid);
    checkUplinks(sw, plain, throwFail);
    checkPrivateVlan(sw, plain);
    checkTags(ctx, plain.tags, "DistributedVirtualPortgroup");
    rejectCustomAttributes(plain.customAttributes);
    const name = String(plain.name);
    const other = ctx.store.byName(live.namespace, name);
    if (other && other.id !== live.id)
      throw new SimulatorError(`error reconfiguring portgroup: The name '${name}' already exists.`, "name");
    const outs = outputs(sw, live.id, raw, live.props, Number(live.props.configVersion ?? 0) + 1);
    ctx.store.update({ ...live, name, props: outs });
    return outs;
  },
  delete(ctx, live) {
    const users = ctx.store.list("VirtualMachine", (vm) =>
      ((vm.props.networkInterfaces as Props[]) ?? []).some((n) => n.networkId === live.id),
    );
    if (users.length > 0)
      throw new SimulatorError(
        `error deleting portgroup: The resource '${live.id}' is in use (by ${users.map((u) => u.name).join(", ")}).`,
      );
    ctx.store.remove(live.id);
  },
};
