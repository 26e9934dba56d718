/**
 * Shared setup of the vSphere provider simulator tests: a provider on a throw-away state file (silent, fixed
 * clock), URNs, and helpers that check → create like the engine does and fail the test on any check failure.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BOX_INVENTORY } from "../../../../box/inventory";
import { VsphereSimulatorProvider } from "../../../../box/vsphereSimulator/provider";
import type { Props } from "../../../../box/vsphereSimulator/values";

export const VM = "vsphere:index/virtualMachine:VirtualMachine";
export const FOLDER = "vsphere:index/folder:Folder";
export const PORT_GROUP = "vsphere:index/distributedPortGroup:DistributedPortGroup";
export const POOL = "vsphere:index/resourcePool:ResourcePool";
export const TAG = "vsphere:index/tag:Tag";
export const CATEGORY = "vsphere:index/tagCategory:TagCategory";
export const VM_GROUP = "vsphere:index/computeClusterVmGroup:ComputeClusterVmGroup";
export const HOST_GROUP = "vsphere:index/computeClusterHostGroup:ComputeClusterHostGroup";
export const VM_HOST_RULE = "vsphere:index/computeClusterVmHostRule:ComputeClusterVmHostRule";
export const ANTI_AFFINITY =
  "vsphere:index/computeClusterVmAntiAffinityRule:ComputeClusterVmAntiAffinityRule";

/** Inventory ids the tests use. */
export const INV = {
  datacenter: BOX_INVENTORY.datacenter.moid,
  cluster: BOX_INVENTORY.computeCluster.moid,
  pool: BOX_INVENTORY.computeCluster.resourcePool,
  datastore: BOX_INVENTORY.datastores[0].moid,
  switchUuid: BOX_INVENTORY.distributedSwitch.uuid,
  wan: BOX_INVENTORY.networks.find((n) => n.name === "pg-wan")!.moid,
  hosts: BOX_INVENTORY.hosts.map((h) => h.moid),
  ubuntu: BOX_INVENTORY.templates.find((t) => t.name === "ubuntu-24.04-cloud")!,
  talos: BOX_INVENTORY.templates.find((t) => t.name === "talos-v1.11.5")!,
  router: BOX_INVENTORY.templates.find((t) => t.name === "opnsense-26.7-golden")!,
};

/** A URN of a resource of `type` called `name` in stack `stack`. */
export function urn(type: string, name: string, stack = "test"): string {
  return `urn:pulumi:${stack}::basphere::${type}::${name}`;
}

/** A simulator on its own temporary state file. */
export class SimFixture {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "vsphere-sim-"));
  readonly file = path.join(this.dir, "state.sqlite");
  readonly lines: string[] = [];
  readonly provider: VsphereSimulatorProvider;

  constructor(env: NodeJS.ProcessEnv = {}) {
    this.provider = this.open(env);
  }

  /** Another provider on the same file (what another plugin process is). */
  open(env: NodeJS.ProcessEnv = {}): VsphereSimulatorProvider {
    return new VsphereSimulatorProvider({
      statePath: this.file,
      log: (l) => this.lines.push(l),
      now: () => new Date("2026-03-01T12:00:00.000Z"),
      env,
    });
  }

  dispose(): void {
    this.provider.store.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Check (asserting no failures) then create; returns id, outputs and the checked inputs. */
  async create(type: string, name: string, inputs: Props, p = this.provider) {
    const u = urn(type, name);
    const checked = await p.check(u, {}, inputs);
    assert.deepEqual(checked.failures, [], `check of ${name}`);
    const r = await p.create(u, checked.inputs);
    return { urn: u, id: r.id, outs: r.outs as Props, inputs: checked.inputs as Props };
  }

  /** The check failures of inputs, as `property: reason` lines. */
  async failures(type: string, inputs: Props, olds: Props = {}): Promise<string[]> {
    const r = await this.provider.check(urn(type, "x"), olds, inputs);
    return (r.failures ?? []).map((f) => `${f.property}: ${f.reason}`);
  }
}

/** A folder under the tenants' root, a port group and a VM cloned from Ubuntu with a static address. */
export function vmInputs(over: Props = {}): Props {
  return {
    name: "tenant-acme-web",
    resourcePoolId: INV.pool,
    datastoreId: INV.datastore,
    folder: "basphere",
    numCpus: 2,
    memory: 2048,
    guestId: INV.ubuntu.guestId,
    firmware: "efi",
    scsiType: "pvscsi",
    networkInterfaces: [{ networkId: INV.wan, adapterType: "vmxnet3" }],
    disks: [{ label: "disk0", size: 20, thinProvisioned: true }],
    clone: {
      templateUuid: INV.ubuntu.uuid,
      customize: {
        linuxOptions: { hostName: "web", domain: "acme.internal" },
        networkInterfaces: [{ ipv4Address: "10.0.2.20", ipv4Netmask: 24 }],
        ipv4Gateway: "10.0.2.1",
        dnsServerLists: ["10.0.2.1"],
      },
    },
    ...over,
  };
}

/** Expects a promise to reject with a message matching `re` (and the simulator prefix). */
export async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (err: Error) => {
    assert.match(err.message, /^vsphere-simulator: /);
    assert.match(err.message, re);
    return true;
  });
}
