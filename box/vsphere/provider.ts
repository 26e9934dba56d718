/**
 * The vSphere provider SIMULATOR: a Pulumi resource provider (package `vsphere`, version 4.17.0) for the box, which
 * stands in for `pulumi-resource-vsphere` (a Terraform bridge that cannot be built from the registries here).
 *
 * - Every input and invoke argument is checked against reference/vsphere-provider-schema.json (the real provider's
 *   schema): unknown property, missing required property, wrong type → a check failure naming the property.
 * - Data sources answer from the box inventory (the same inventory the offline plan uses: automation/plan/inventory.ts,
 *   without its folders, which the stacks create) plus the objects the simulator holds.
 * - Objects live in a SQLite file shared by all plugin processes of the box (store.ts); read, update and delete work
 *   on them, so refresh shows what changed and a deleted object is gone.
 * - What a vCenter refuses is refused: a duplicate name in one scope (VMs per folder, port groups per switch, groups
 *   and rules per cluster, folders per parent), a VLAN outside 0–4094, a reference to something that does not exist
 *   (template, resource pool, datastore, network, folder parent, group, VM, host), memory that is not a multiple of 4
 *   MiB, a non-empty folder or a port group in use on delete.
 * - Replacement follows the schema's `willReplaceOnChanges` plus the Terraform provider's ForceNew clone template.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type * as provider from "@pulumi/pulumi/provider";
import { Inventory, InventoryData, defaultInventory } from "../../automation/plan/inventory";
import type { Schema, SchemaProperty } from "../../providers/vsphere/generate";
import { checkInvokeArgs, checkResourceInputs } from "../../providers/vsphere/schemaCheck";
import { SimObject, SimStore } from "./store";

export const SIMULATED_VERSION = "4.17.0";
/** What the engine sends for a value not known yet (preview). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const T = {
  vm: "vsphere:index/virtualMachine:VirtualMachine",
  pg: "vsphere:index/distributedPortGroup:DistributedPortGroup",
  folder: "vsphere:index/folder:Folder",
  pool: "vsphere:index/resourcePool:ResourcePool",
  tag: "vsphere:index/tag:Tag",
  tagCategory: "vsphere:index/tagCategory:TagCategory",
  vmGroup: "vsphere:index/computeClusterVmGroup:ComputeClusterVmGroup",
  hostGroup: "vsphere:index/computeClusterHostGroup:ComputeClusterHostGroup",
  vmHostRule: "vsphere:index/computeClusterVmHostRule:ComputeClusterVmHostRule",
  antiAffinity: "vsphere:index/computeClusterVmAntiAffinityRule:ComputeClusterVmAntiAffinityRule",
} as const;

/** Extra replace-on-change paths the reduced schema does not mark (Terraform ForceNew). */
const FORCE_NEW: Record<string, string[]> = { [T.vm]: ["clone.templateUuid"] };

/** The box's inventory: the offline plan's default inventory, minus the folders the stacks create themselves. */
export function boxInventory(): Inventory {
  const inv = defaultInventory();
  const data: InventoryData = { ...inv.data, folders: [] };
  return new Inventory(data);
}

/** The reduced provider schema of the repository (reference/vsphere-provider-schema.json). */
export function loadSchema(): Schema {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "reference", "vsphere-provider-schema.json"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error("vsphere-simulator: reference/vsphere-provider-schema.json not found");
    dir = up;
  }
  return JSON.parse(fs.readFileSync(path.join(dir, "reference", "vsphere-provider-schema.json"), "utf8"));
}

/** A vCenter error (what the real provider would report), with the simulator's name in front. */
export class VcenterError extends Error {
  constructor(message: string) {
    super(`vsphere-simulator (vSphere provider SIMULATOR of the basphere box): ${message}`);
    this.name = "VcenterError";
  }
}

function hash(...parts: unknown[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

function uuidOf(seed: string): string {
  const h = hash(seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A number for an id (`vm-<n>`), derived from the URN and the creation inputs: never from creation order. */
function idNumber(urn: string, inputs: unknown): number {
  return 10_000 + (parseInt(hash(urn, inputs).slice(0, 8), 16) % 90_000_000);
}

/** Removes the unknown sentinel (and what contains only it), so checks see only known values. */
function known(v: any): any {
  if (v === UNKNOWN) return undefined;
  if (Array.isArray(v)) return v.map(known);
  if (v && typeof v === "object") {
    const o: Record<string, any> = {};
    for (const [k, x] of Object.entries(v)) {
      const kx = known(x);
      if (kx !== undefined) o[k] = kx;
    }
    return o;
  }
  return v;
}

function hasUnknown(v: any): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(hasUnknown);
  if (v && typeof v === "object") return Object.values(v).some(hasUnknown);
  return false;
}

function get(obj: any, dotted: string): any {
  return dotted.split(".").reduce((o, k) => (o === undefined || o === null ? undefined : o[k]), obj);
}

function typeDefault(p: SchemaProperty | undefined): unknown {
  switch (p?.type) {
    case "string":
      return "";
    case "integer":
    case "number":
      return 0;
    case "boolean":
      return false;
    case "array":
      return [];
    case "object":
      return {};
    default:
      return undefined;
  }
}

/** The simulator: implements the provider interface over a {@link SimStore}. */
export class VsphereSimulator implements provider.Provider {
  readonly version = SIMULATED_VERSION;
  readonly providerSchema: Schema;
  readonly inventory = boxInventory();

  constructor(
    readonly store: SimStore,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.providerSchema = loadSchema();
  }

  async getSchema(): Promise<string> {
    return JSON.stringify({ ...this.providerSchema, version: SIMULATED_VERSION });
  }

  private typeOf(urn: string): string {
    // urn:pulumi:<stack>::<project>::<type chain>::<name>; the last type of the chain is the resource's.
    const chain = urn.split("::")[2] ?? "";
    return chain.split("$").pop()!;
  }

  async check(urn: string, _olds: any, news: any): Promise<provider.CheckResult> {
    const type = this.typeOf(urn);
    const res = this.providerSchema.resources[type];
    if (!res)
      return {
        inputs: news,
        failures: [{ property: "", reason: `${type} is not a resource of vsphere 4.17.0` }],
      };
    const failures = checkResourceInputs(this.providerSchema, type, known(news)).map((p) => ({
      property: p.path,
      reason: p.message,
    }));
    for (const r of res.requiredInputs ?? [])
      if (news[r] === undefined || news[r] === null) failures.push({ property: r, reason: "is required" });
    failures.push(...this.ruleChecks(type, known(news)));
    return { inputs: news, failures };
  }

  /** Value rules a vCenter enforces on the inputs alone. */
  private ruleChecks(type: string, inputs: any): { property: string; reason: string }[] {
    const out: { property: string; reason: string }[] = [];
    const num = (v: unknown) => typeof v === "number";
    if (type === T.pg && num(inputs.vlanId) && !(inputs.vlanId >= 0 && inputs.vlanId <= 4094))
      out.push({ property: "vlanId", reason: `VLAN ${inputs.vlanId} is outside 0-4094` });
    if (type === T.vm) {
      if (num(inputs.memory) && (inputs.memory < 4 || inputs.memory % 4 !== 0))
        out.push({
          property: "memory",
          reason: `memory ${inputs.memory} MiB must be a positive multiple of 4`,
        });
      if (num(inputs.numCpus) && !(inputs.numCpus >= 1 && inputs.numCpus <= 768))
        out.push({ property: "numCpus", reason: `numCpus ${inputs.numCpus} must be 1-768` });
      for (const [i, d] of (inputs.disks ?? []).entries())
        if (num(d.size) && !(d.size >= 1))
          out.push({ property: `disks[${i}].size`, reason: "must be >= 1 GB" });
    }
    return out;
  }

  async diff(id: string, urn: string, olds: any, news: any): Promise<provider.DiffResult> {
    const type = this.typeOf(urn);
    // The engine sends the old *outputs* (with what vCenter computed: MACs, keys, defaults); compare the inputs the
    // object was last written with, as the real provider's optional+computed properties do.
    olds = this.store.get(id)?.inputs ?? olds;
    const inputsOf = (o: any) => {
      const props = this.providerSchema.resources[type]?.inputProperties ?? {};
      return Object.fromEntries(Object.entries(o ?? {}).filter(([k]) => k in props));
    };
    const a = inputsOf(olds);
    const b = inputsOf(news);
    const changed = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(
      (k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]),
    );
    const props = this.providerSchema.resources[type]?.inputProperties ?? {};
    const replaces = changed.filter((k) => props[k]?.willReplaceOnChanges);
    for (const p of FORCE_NEW[type] ?? []) {
      if (JSON.stringify(get(olds, p)) !== JSON.stringify(get(news, p))) replaces.push(p.split(".")[0]);
    }
    return { changes: changed.length > 0, replaces: [...new Set(replaces)], deleteBeforeReplace: false };
  }

  async create(urn: string, inputs: any): Promise<provider.CreateResult> {
    const type = this.typeOf(urn);
    if (hasUnknown(inputs)) throw new VcenterError(`${type}: create with unknown inputs`);
    return this.store.transaction(() => {
      const { id, nameKey, outputs } = this.build(type, urn, inputs);
      if (this.store.byNameKey(nameKey)) throw new VcenterError(this.duplicateMessage(type, inputs));
      this.store.put({ id, type, urn, nameKey, inputs, outputs });
      this.log(`vsphere-simulator: created ${type.split(":").pop()} ${id} (${nameKey})`);
      return { id, outs: outputs };
    });
  }

  async read(id: string, urn: string, props?: any): Promise<provider.ReadResult> {
    const o = this.store.get(id);
    void props;
    // Gone (deleted in vCenter): a blank id tells the engine, so refresh drops it.
    if (!o || o.type !== this.typeOf(urn)) return { id: "", props: {} };
    return { id, props: o.outputs, inputs: o.inputs };
  }

  async update(id: string, urn: string, _olds: any, news: any): Promise<provider.UpdateResult> {
    const type = this.typeOf(urn);
    return this.store.transaction(() => {
      const old = this.store.get(id);
      if (!old) throw new VcenterError(`${type} ${id}: the managed object is gone (ManagedObjectNotFound)`);
      const { nameKey, outputs } = this.build(type, urn, news, old);
      const other = this.store.byNameKey(nameKey);
      if (other && other.id !== id) throw new VcenterError(this.duplicateMessage(type, news));
      this.store.put({ ...old, nameKey, inputs: news, outputs });
      this.log(`vsphere-simulator: updated ${type.split(":").pop()} ${id}`);
      return { outs: outputs };
    });
  }

  async delete(id: string, urn: string): Promise<void> {
    const type = this.typeOf(urn);
    this.store.transaction(() => {
      const o = this.store.get(id);
      if (!o) return; // already gone: what the provider does for a missing object
      if (type === T.folder) {
        const p = o.outputs.path as string;
        const inside = this.store
          .list()
          .filter(
            (x) =>
              (x.type === T.vm && x.inputs.folder === p) ||
              (x.type === T.folder && x.outputs.path.startsWith(`${p}/`)),
          );
        if (inside.length)
          throw new VcenterError(`folder ${p} is not empty (${inside.map((x) => x.nameKey).join(", ")})`);
      }
      if (type === T.pg) {
        const users = this.store
          .list(T.vm)
          .filter((v) => (v.inputs.networkInterfaces ?? []).some((n: any) => n.networkId === id));
        if (users.length)
          throw new VcenterError(
            `the resource '${id}' is in use (ResourceInUse) by ${users.map((u) => u.inputs.name).join(", ")}`,
          );
      }
      this.store.remove(id);
      this.log(`vsphere-simulator: deleted ${type.split(":").pop()} ${id}`);
    });
  }

  private duplicateMessage(type: string, inputs: any): string {
    return `The name '${inputs.name ?? inputs.path}' already exists (DuplicateName) for ${type.split(":").pop()}`;
  }

  private require(cond: unknown, message: string): void {
    if (!cond) throw new VcenterError(message);
  }

  private resourcePoolExists(id: string): boolean {
    const d = this.inventory.data;
    return (
      d.computeCluster.resourcePoolId === id ||
      d.resourcePools.some((p) => p.id === id) ||
      d.hosts.some((h) => h.resourcePoolId === id) ||
      this.store.get(id)?.type === T.pool
    );
  }

  private networkExists(id: string): boolean {
    return this.inventory.data.networks.some((n) => n.id === id) || this.store.get(id)?.type === T.pg;
  }

  private folderExists(p: string): boolean {
    return this.store.list(T.folder).some((f) => f.outputs.path === p);
  }

  private clusterExists(id: string): boolean {
    return this.inventory.data.computeCluster.id === id;
  }

  /** Id, unique name key and outputs of an object; throws what vCenter would answer for a bad reference. */
  private build(
    type: string,
    urn: string,
    inputs: any,
    old?: SimObject,
  ): { id: string; nameKey: string; outputs: Record<string, any> } {
    const d = this.inventory.data;
    const n = old ? 0 : idNumber(urn, inputs);
    const res = this.providerSchema.resources[type]!;
    const base: Record<string, any> = {};
    for (const k of res.required ?? []) base[k] = typeDefault(res.properties[k]);
    const outputs = { ...base, ...inputs } as Record<string, any>;
    let id = old?.id ?? "";
    let nameKey = "";
    switch (type) {
      case T.vm: {
        const t = d.templates.find((x) => x.uuid === inputs.clone?.templateUuid);
        this.require(
          !inputs.clone || t,
          `clone.templateUuid ${inputs.clone?.templateUuid}: no virtual machine or template with that UUID`,
        );
        this.require(
          this.resourcePoolExists(inputs.resourcePoolId),
          `resource pool ${inputs.resourcePoolId} not found`,
        );
        this.require(
          !inputs.datastoreId || d.datastores.some((x) => x.id === inputs.datastoreId),
          `datastore ${inputs.datastoreId} not found`,
        );
        this.require(!inputs.folder || this.folderExists(inputs.folder), `folder ${inputs.folder} not found`);
        for (const [i, nic] of (inputs.networkInterfaces ?? []).entries())
          this.require(
            this.networkExists(nic.networkId),
            `networkInterfaces[${i}].networkId ${nic.networkId} not found`,
          );
        const uuid = old?.outputs.uuid ?? uuidOf(`${urn}:${n}`);
        id = old?.id ?? uuid;
        const address = inputs.clone?.customize?.networkInterfaces?.[0]?.ipv4Address;
        const host = d.hosts[parseInt(hash(id).slice(0, 4), 16) % d.hosts.length];
        const ds = d.datastores.find((x) => x.id === inputs.datastoreId) ?? d.datastores[0];
        Object.assign(outputs, {
          uuid,
          moid: old?.outputs.moid ?? `vm-${n}`,
          datastoreId: inputs.datastoreId ?? ds.id,
          defaultIpAddress: address ?? "",
          guestIpAddresses: address ? [address] : [],
          guestId: inputs.guestId ?? t?.guestId ?? "otherGuest64",
          hostSystemId: host.id,
          cpuShareCount: (inputs.numCpus ?? 1) * 1000,
          memoryShareCount: (inputs.memory ?? 1024) * 10,
          eptRviMode: "automatic",
          hvMode: "hvAuto",
          hardwareVersion: 21,
          powerState: "on",
          vmwareToolsStatus: "guestToolsRunning",
          vmxPath: `[${ds.name}] ${inputs.name}/${inputs.name}.vmx`,
          changeVersion: hash(inputs).slice(0, 16),
          networkInterfaces: (inputs.networkInterfaces ?? []).map((nic: any, i: number) => ({
            ...nic,
            macAddress: nic.macAddress ?? `00:50:56:${hash(id, i).slice(0, 6).match(/../g)!.join(":")}`,
            key: 4000 + i,
          })),
        });
        nameKey = `vm:${inputs.folder ?? ""}/${inputs.name}`;
        break;
      }
      case T.pg: {
        this.require(
          inputs.distributedVirtualSwitchUuid === d.distributedSwitch.uuid,
          `distributed virtual switch ${inputs.distributedVirtualSwitchUuid} not found`,
        );
        id = old?.id ?? `dvportgroup-${n}`;
        Object.assign(outputs, {
          key: id,
          configVersion: String(Number(old?.outputs.configVersion ?? 0) + 1),
        });
        nameKey = `pg:${inputs.distributedVirtualSwitchUuid}/${inputs.name ?? urn.split("::").pop()}`;
        break;
      }
      case T.folder: {
        this.require(
          inputs.type === "vm" ||
            inputs.type === "host" ||
            inputs.type === "datastore" ||
            inputs.type === "network" ||
            inputs.type === "datacenter",
          `folder type ${inputs.type} is not valid`,
        );
        this.require(
          !inputs.datacenterId || inputs.datacenterId === d.datacenter.id,
          `datacenter ${inputs.datacenterId} not found`,
        );
        const p = String(inputs.path).replace(/^\/+|\/+$/g, "");
        const parent = p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : "";
        this.require(!parent || this.folderExists(parent), `folder ${p}: parent folder ${parent} not found`);
        id = old?.id ?? `group-v${n}`;
        outputs.path = p;
        nameKey = `folder:${inputs.type}:${p}`;
        break;
      }
      case T.pool: {
        this.require(
          this.resourcePoolExists(inputs.parentResourcePoolId),
          `resource pool ${inputs.parentResourcePoolId} not found`,
        );
        id = old?.id ?? `resgroup-${n}`;
        nameKey = `rp:${inputs.parentResourcePoolId}/${inputs.name}`;
        break;
      }
      case T.tagCategory:
        id = old?.id ?? `urn:vmomi:InventoryServiceCategory:${uuidOf(`${urn}:${n}`)}:GLOBAL`;
        nameKey = `tagcat:${inputs.name}`;
        break;
      case T.tag:
        this.require(
          this.store.get(inputs.categoryId)?.type === T.tagCategory,
          `tag category ${inputs.categoryId} not found`,
        );
        id = old?.id ?? `urn:vmomi:InventoryServiceTag:${uuidOf(`${urn}:${n}`)}:GLOBAL`;
        nameKey = `tag:${inputs.categoryId}/${inputs.name}`;
        break;
      case T.vmGroup:
      case T.hostGroup:
      case T.vmHostRule:
      case T.antiAffinity: {
        this.require(
          this.clusterExists(inputs.computeClusterId),
          `compute cluster ${inputs.computeClusterId} not found`,
        );
        for (const [i, vm] of (inputs.virtualMachineIds ?? []).entries())
          this.require(
            this.store.get(vm)?.type === T.vm,
            `virtualMachineIds[${i}]: virtual machine ${vm} not found`,
          );
        for (const [i, h] of (inputs.hostSystemIds ?? []).entries())
          this.require(
            d.hosts.some((x) => x.id === h),
            `hostSystemIds[${i}]: host ${h} not found`,
          );
        const group = (kind: string, name: string | undefined, field: string) =>
          this.require(
            !name || this.store.byNameKey(`${kind}:${inputs.computeClusterId}/${name}`),
            `${field}: cluster group ${name} not found in ${inputs.computeClusterId}`,
          );
        if (type === T.vmHostRule) {
          group("vmgroup", inputs.vmGroupName, "vmGroupName");
          group("hostgroup", inputs.affinityHostGroupName, "affinityHostGroupName");
          group("hostgroup", inputs.antiAffinityHostGroupName, "antiAffinityHostGroupName");
        }
        const kind = type === T.vmGroup ? "vmgroup" : type === T.hostGroup ? "hostgroup" : "rule";
        const name = inputs.name ?? urn.split("::").pop();
        id = old?.id ?? `${inputs.computeClusterId}:${kind === "rule" ? n : name}`;
        nameKey = `${kind}:${inputs.computeClusterId}/${name}`;
        break;
      }
      default:
        throw new VcenterError(`${type} is not simulated`);
    }
    return { id, nameKey, outputs };
  }

  async invoke(token: string, args: any): Promise<provider.InvokeResult> {
    const problems = checkInvokeArgs(this.providerSchema, token, known(args));
    const f = this.providerSchema.functions[token];
    for (const r of f?.inputs?.required ?? [])
      if (args[r] === undefined) problems.push({ path: r, message: "is required" });
    if (problems.length) return { failures: problems.map((p) => ({ property: p.path, reason: p.message })) };
    // Objects the simulator created answer first (port groups, folders, VMs), then the inventory.
    if (token === "vsphere:index/getNetwork:getNetwork") {
      const pg = this.store.list(T.pg).find((p) => p.inputs.name === args.name);
      if (pg)
        return {
          outputs: {
            id: pg.id,
            name: pg.inputs.name,
            type: "DistributedVirtualPortgroup",
            datacenterId: args.datacenterId,
          },
        };
    }
    if (token === "vsphere:index/getFolder:getFolder") {
      const dcPrefix = `/${this.inventory.data.datacenter.name}/vm/`;
      const rel = String(args.path).startsWith(dcPrefix)
        ? String(args.path).slice(dcPrefix.length)
        : args.path;
      const folder = this.store.list(T.folder).find((x) => x.outputs.path === rel);
      if (folder) return { outputs: { id: folder.id, path: args.path } };
    }
    try {
      return { outputs: this.inventory.invoke(token, args) };
    } catch (e) {
      throw new VcenterError(`${token.split(":").pop()}: ${(e as Error).message}`);
    }
  }
}
