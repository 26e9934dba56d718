/**
 * DRS groups of a compute cluster: `ComputeClusterVmGroup` (VMs by BIOS UUID) and `ComputeClusterHostGroup` (hosts
 * by managed object id). As vCenter and the provider: the cluster must exist (changing it, or the name, forces a
 * new group), VM and host groups share one namespace per cluster, members must exist and be in the cluster, a VM
 * group's update cannot leave it empty, a group a rule uses is not deleted, and the id is `<cluster>:<name>`.
 */
import { SimulatorError } from "../log";
import { groupNamespace } from "../model";
import { ObjectSpec, planProps } from "../propertySpec";
import type { Kind, SimObject } from "../store";
import type { Props } from "../values";
import { Fail, ResourceHandler, SimContext, known } from "./handler";

/** The cluster of a group or rule, or an error naming `computeClusterId`. */
export function clusterOf(ctx: SimContext, id: unknown): SimObject {
  const cluster = known(id) ? ctx.store.get(id, "ComputeCluster") : undefined;
  if (!cluster)
    throw new SimulatorError(`cannot locate cluster: cluster '${String(id)}' not found`, "computeClusterId");
  return cluster;
}

/** Checks a known cluster id at check time. */
export function checkCluster(ctx: SimContext, id: unknown, fail: Fail): void {
  if (known(id) && !ctx.store.get(id, "ComputeCluster"))
    fail("computeClusterId", `cannot locate cluster: cluster '${id}' not found`);
}

/** The VMs of `ids` (BIOS UUIDs); each must exist and run in `cluster`. */
export function vmsIn(ctx: SimContext, cluster: SimObject, ids: unknown, property: string): SimObject[] {
  if (!Array.isArray(ids)) return [];
  return ids.map((uuid, i) => {
    const vm = known(uuid) ? ctx.model.vmByUuid(uuid) : undefined;
    if (!vm || vm.meta.template)
      throw new SimulatorError(
        `cannot locate virtual machine with UUID "${String(uuid)}": virtual machine with UUID "${String(uuid)}" not found`,
        `${property}[${i}]`,
      );
    const pool = ctx.store.get(String(vm.props.resourcePoolId), "ResourcePool");
    if (!pool || pool.meta.cluster !== cluster.id)
      throw new SimulatorError(
        `virtual machine ${vm.name} (${String(uuid)}) is not in cluster ${cluster.name}`,
        `${property}[${i}]`,
      );
    return vm;
  });
}

/** Checks known VM UUIDs exist (at check time). */
export function checkVmIds(ctx: SimContext, ids: unknown, property: string, fail: Fail): void {
  if (!Array.isArray(ids)) return;
  ids.forEach((uuid, i) => {
    if (known(uuid) && !ctx.model.vmByUuid(uuid))
      fail(
        `${property}[${i}]`,
        `cannot locate virtual machine with UUID "${uuid}": virtual machine with UUID "${uuid}" not found`,
      );
  });
}

/** The rules of a cluster that use a group. */
function rulesUsing(ctx: SimContext, group: SimObject): SimObject[] {
  const cluster = String(group.props.computeClusterId);
  return ctx.store.list(
    "ComputeClusterVmHostRule",
    (r) =>
      r.props.computeClusterId === cluster &&
      [r.props.vmGroupName, r.props.affinityHostGroupName, r.props.antiAffinityHostGroupName].includes(
        group.name,
      ),
  );
}

function groupHandler(
  token: string,
  kind: Kind,
  membersKey: "virtualMachineIds" | "hostSystemIds",
  members: (ctx: SimContext, cluster: SimObject, plain: Props) => void,
): ResourceHandler {
  const spec: ObjectSpec = { computeClusterId: {}, name: {}, [membersKey]: { set: true } };
  const what = kind === "ComputeClusterVmGroup" ? "VM group" : "host group";
  return {
    token,
    kind,
    spec,
    autoName: { maxLength: 80 },
    check(ctx, inputs, fail) {
      checkCluster(ctx, inputs.computeClusterId, fail);
      if (membersKey === "virtualMachineIds") checkVmIds(ctx, inputs[membersKey], membersKey, fail);
      else if (Array.isArray(inputs[membersKey]))
        (inputs[membersKey] as unknown[]).forEach((h, i) => {
          if (known(h) && !ctx.store.get(h, "HostSystem"))
            fail(`${membersKey}[${i}]`, `error fetching host: host '${h}' not found`);
        });
    },
    create(ctx, urn, raw, plain) {
      const cluster = clusterOf(ctx, plain.computeClusterId);
      members(ctx, cluster, plain);
      const name = String(plain.name);
      const existing = ctx.store.byName(groupNamespace(cluster.id), name);
      if (existing)
        throw new SimulatorError(
          `error reconfiguring cluster ${cluster.name}: A specified parameter was not correct: groupSpec.info.name (a ${existing.kind === "ComputeClusterVmGroup" ? "VM" : "host"} group named "${name}" already exists)`,
          "name",
        );
      const id = `${cluster.id}:${name}`;
      ctx.store.forgetDeleted(id);
      const outs = planProps(spec, raw);
      ctx.store.insert({ id, kind, namespace: groupNamespace(cluster.id), name, urn, props: outs, meta: {} });
      return { id, outs };
    },
    update(ctx, live, raw, plain) {
      const cluster = clusterOf(ctx, live.props.computeClusterId);
      members(ctx, cluster, plain);
      if (membersKey === "virtualMachineIds" && ((plain[membersKey] as unknown[]) ?? []).length === 0)
        throw new SimulatorError(
          "the resultant set of virtual machines in the vm group cannot be empty",
          membersKey,
        );
      const outs = planProps(spec, raw, live.props);
      ctx.store.update({ ...live, props: outs });
      return outs;
    },
    delete(ctx, live) {
      const users = rulesUsing(ctx, live);
      if (users.length > 0)
        throw new SimulatorError(
          `error reconfiguring cluster: ${what} "${live.name}" is in use by rule ${users.map((r) => `"${r.name}"`).join(", ")}`,
        );
      ctx.store.remove(live.id);
    },
  };
}

/** `vsphere:index/computeClusterVmGroup:ComputeClusterVmGroup`. */
export const computeClusterVmGroup = groupHandler(
  "vsphere:index/computeClusterVmGroup:ComputeClusterVmGroup",
  "ComputeClusterVmGroup",
  "virtualMachineIds",
  (ctx, cluster, plain) => {
    vmsIn(ctx, cluster, plain.virtualMachineIds, "virtualMachineIds");
  },
);

/** `vsphere:index/computeClusterHostGroup:ComputeClusterHostGroup`. */
export const computeClusterHostGroup = groupHandler(
  "vsphere:index/computeClusterHostGroup:ComputeClusterHostGroup",
  "ComputeClusterHostGroup",
  "hostSystemIds",
  (ctx, cluster, plain) => {
    const ids = (plain.hostSystemIds as unknown[]) ?? [];
    ids.forEach((id, i) => {
      const host = known(id) ? ctx.store.get(id, "HostSystem") : undefined;
      if (!host)
        throw new SimulatorError(
          `error fetching host: host '${String(id)}' not found`,
          `hostSystemIds[${i}]`,
        );
      if (host.meta.cluster !== cluster.id)
        throw new SimulatorError(
          `host ${host.name} is not a member of cluster ${cluster.name}`,
          `hostSystemIds[${i}]`,
        );
    });
  },
);
