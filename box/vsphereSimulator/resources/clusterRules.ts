/**
 * DRS rules of a compute cluster: `ComputeClusterVmHostRule` (a VM group on, or off, a host group) and
 * `ComputeClusterVmAntiAffinityRule` (VMs kept on different hosts). As vCenter and the provider: the cluster must
 * exist (changing it forces a new rule), rule names are unique per cluster, a VM-host rule names an existing VM
 * group and exactly one existing host group, an anti-affinity rule holds at least two existing VMs of the cluster,
 * and the id is `<cluster>:<rule key>`.
 */
import { allocateRuleKey } from "../ids";
import { SimulatorError } from "../log";
import { groupNamespace, ruleNamespace } from "../model";
import { ObjectSpec, planProps } from "../propertySpec";
import type { Kind, SimObject } from "../store";
import type { Props } from "../values";
import { Fail, ResourceHandler, SimContext, known } from "./handler";
import { checkCluster, checkVmIds, clusterOf, vmsIn } from "./clusterGroups";

/** A group of the cluster by name, of the given kind. */
function group(ctx: SimContext, cluster: SimObject, name: unknown, kind: Kind, property: string): SimObject {
  const g = known(name) ? ctx.store.byName(groupNamespace(cluster.id), name) : undefined;
  const what = kind === "ComputeClusterVmGroup" ? "VM group" : "host group";
  if (!g)
    throw new SimulatorError(
      `error reconfiguring cluster ${cluster.name}: A specified parameter was not correct: rulesSpec.info.${property} (no ${what} "${String(name)}" in cluster ${cluster.name})`,
      property,
    );
  if (g.kind !== kind)
    throw new SimulatorError(
      `unique group name "${String(name)}" in cluster "${cluster.name}" is not a ${what}`,
      property,
    );
  return g;
}

function ruleHandler(
  token: string,
  kind: Kind,
  spec: ObjectSpec,
  checkInputs: (ctx: SimContext, inputs: Props, fail: Fail) => void,
  members: (ctx: SimContext, cluster: SimObject, plain: Props) => void,
): ResourceHandler {
  const create = (ctx: SimContext, urn: string, raw: Props, plain: Props) => {
    const cluster = clusterOf(ctx, plain.computeClusterId);
    members(ctx, cluster, plain);
    const name = String(plain.name);
    if (ctx.store.byName(ruleNamespace(cluster.id), name))
      throw new SimulatorError(
        `error reconfiguring cluster ${cluster.name}: A specified parameter was not correct: rulesSpec.info.name (a rule named "${name}" already exists)`,
        "name",
      );
    const key = allocateRuleKey(ctx.store, cluster.id, urn);
    const id = `${cluster.id}:${key}`;
    const outs = { ...planProps(spec, raw), mandatory: raw.mandatory ?? false };
    ctx.store.insert({
      id,
      kind,
      namespace: ruleNamespace(cluster.id),
      name,
      urn,
      props: outs,
      meta: { key },
    });
    return { id, outs };
  };
  return {
    token,
    kind,
    spec,
    autoName: { maxLength: 80 },
    check(ctx, inputs, fail) {
      checkCluster(ctx, inputs.computeClusterId, fail);
      checkInputs(ctx, inputs, fail);
    },
    create,
    update(ctx, live, raw, plain) {
      const cluster = clusterOf(ctx, live.props.computeClusterId);
      members(ctx, cluster, plain);
      const name = String(plain.name);
      const other = ctx.store.byName(ruleNamespace(cluster.id), name);
      if (other && other.id !== live.id)
        throw new SimulatorError(
          `error reconfiguring cluster ${cluster.name}: A specified parameter was not correct: rulesSpec.info.name (a rule named "${name}" already exists)`,
          "name",
        );
      const outs = { ...planProps(spec, raw, live.props), mandatory: raw.mandatory ?? false };
      ctx.store.update({ ...live, name, props: outs });
      return outs;
    },
    delete(ctx, live) {
      ctx.store.remove(live.id);
    },
  };
}

/** `vsphere:index/computeClusterVmHostRule:ComputeClusterVmHostRule`. */
export const computeClusterVmHostRule = ruleHandler(
  "vsphere:index/computeClusterVmHostRule:ComputeClusterVmHostRule",
  "ComputeClusterVmHostRule",
  {
    computeClusterId: {},
    name: {},
    vmGroupName: {},
    affinityHostGroupName: {},
    antiAffinityHostGroupName: {},
    enabled: { default: true },
    mandatory: {},
  },
  (_ctx, inputs, fail) => {
    const a = inputs.affinityHostGroupName;
    const b = inputs.antiAffinityHostGroupName;
    if ((a === undefined || a === "") && (b === undefined || b === ""))
      fail(
        "affinityHostGroupName",
        "one of affinity_host_group_name or anti_affinity_host_group_name must be specified",
      );
    if (a !== undefined && a !== "" && b !== undefined && b !== "")
      fail(
        "antiAffinityHostGroupName",
        '"anti_affinity_host_group_name": conflicts with affinity_host_group_name',
      );
  },
  (ctx, cluster, plain) => {
    group(ctx, cluster, plain.vmGroupName, "ComputeClusterVmGroup", "vmGroupName");
    if (plain.affinityHostGroupName)
      group(ctx, cluster, plain.affinityHostGroupName, "ComputeClusterHostGroup", "affinityHostGroupName");
    if (plain.antiAffinityHostGroupName)
      group(
        ctx,
        cluster,
        plain.antiAffinityHostGroupName,
        "ComputeClusterHostGroup",
        "antiAffinityHostGroupName",
      );
  },
);

/** `vsphere:index/computeClusterVmAntiAffinityRule:ComputeClusterVmAntiAffinityRule`. */
export const computeClusterVmAntiAffinityRule = ruleHandler(
  "vsphere:index/computeClusterVmAntiAffinityRule:ComputeClusterVmAntiAffinityRule",
  "ComputeClusterVmAntiAffinityRule",
  {
    computeClusterId: {},
    name: {},
    virtualMachineIds: { set: true },
    enabled: { default: true },
    mandatory: {},
  },
  (ctx, inputs, fail) => {
    checkVmIds(ctx, inputs.virtualMachineIds, "virtualMachineIds", fail);
    const ids = inputs.virtualMachineIds;
    if (Array.isArray(ids) && ids.length < 2)
      fail("virtualMachineIds", `an anti-affinity rule needs at least 2 virtual machines, got ${ids.length}`);
  },
  (ctx, cluster, plain) => {
    const vms = vmsIn(ctx, cluster, plain.virtualMachineIds, "virtualMachineIds");
    if (vms.length < 2)
      throw new SimulatorError(
        `an anti-affinity rule needs at least 2 virtual machines, got ${vms.length}`,
        "virtualMachineIds",
      );
  },
);
