import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { harness, resolve } from "../../../harness";

class Thing extends pulumi.CustomResource {
  declare readonly size: pulumi.Output<number>;
  declare readonly token: pulumi.Output<string>;
  constructor(
    name: string,
    args: { size: number; token?: pulumi.Input<string> },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super("test:index/thing:Thing", name, { ...args, token: args.token }, opts);
  }
}

class Pair extends pulumi.ComponentResource {
  readonly first: Thing;
  readonly second: Thing;
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("basphere:test:Pair", name, {}, opts);
    this.first = new Thing(
      `${name}-a`,
      { size: 1, token: pulumi.secret("s3cr3t") },
      { parent: this, protect: true },
    );
    this.second = new Thing(
      `${name}-b`,
      { size: 2 },
      { parent: this, dependsOn: [this.first], ignoreChanges: ["size"] },
    );
    this.registerOutputs({ firstSize: this.first.size });
  }
}

describe("mock harness", () => {
  it("records type, name, inputs, parent, dependsOn, options and secret inputs", async () => {
    const pair = await harness.run(() => new Pair("p"));
    const comp = harness.get("p", "basphere:test:Pair");
    const a = harness.get("p-a", "Thing");
    const b = harness.get("p-b", "Thing");
    assert.equal(comp.custom, false);
    assert.equal(a.parent, comp.urn);
    assert.equal(b.parent, comp.urn);
    assert.deepEqual(
      harness.childrenOf(comp.urn).map((r) => r.name),
      ["p-a", "p-b"],
    );
    assert.deepEqual(a.inputs, { size: 1, token: "s3cr3t" });
    assert.deepEqual(a.secretInputs, ["token"]);
    assert.equal(a.options.protect, true);
    assert.ok(b.dependsOn.includes(a.urn), "explicit dependsOn is recorded");
    assert.deepEqual(b.options.ignoreChanges, ["size"]);
    assert.equal(await resolve(pair.second.size), 2);
    assert.equal(await pulumi.isSecret(pair.first.token), true);
  });

  it("answers invokes from the inventory: a datacenter with one cluster of 6 hosts and the WAN port group on VLAN 2000", async () => {
    const inv = await harness.run(async () => {
      const dc = await pulumi.runtime.invoke("vsphere:index/getDatacenter:getDatacenter", { name: "dc1" });
      const hosts = [];
      for (let i = 1; i <= 6; i++) {
        hosts.push(
          await pulumi.runtime.invoke("vsphere:index/getHost:getHost", {
            name: `esx0${i}.lab.local`,
            datacenterId: dc.id,
          }),
        );
      }
      const wan = await pulumi.runtime.invoke("vsphere:index/getNetwork:getNetwork", {
        name: "pg-wan",
        datacenterId: dc.id,
      });
      return { dc, hosts, wan };
    });
    assert.equal(inv.dc.id, "datacenter-3");
    assert.equal(new Set(inv.hosts.map((h: any) => h.id)).size, 6);
    assert.equal(harness.inventory.data.networks.find((n) => n.id === inv.wan.id)?.vlanId, 2000);
    assert.equal(harness.invokes.filter((i) => i.token === "vsphere:index/getHost:getHost").length, 6);
  });

  it("fails an invoke for something the inventory does not have, naming what exists", async () => {
    await assert.rejects(
      harness.run(() => pulumi.runtime.invoke("vsphere:index/getDatastore:getDatastore", { name: "nope" })),
      /datastore "nope" not found \(inventory has: vsan-ds, nfs-ds\)/,
    );
  });

  it("a custom inventory varies the number of hosts", async () => {
    const { defaultInventory } = await import("../../../harness");
    const inv = defaultInventory({ hostCount: 4 });
    assert.equal(inv.data.hosts.length, 4);
    assert.deepEqual(
      inv.data.hosts.map((h) => h.name),
      ["esx01.lab.local", "esx02.lab.local", "esx03.lab.local", "esx04.lab.local"],
    );
  });
});

describe("mock harness: errors while inputs are computed", () => {
  it("fails the run with the error an apply threw (the engine would fail the update)", async () => {
    await assert.rejects(
      harness.run(
        () =>
          new Thing("broken", {
            size: pulumi.output(1).apply((): number => {
              throw new Error("boom in apply");
            }) as any,
          }),
      ),
      /boom in apply/,
    );
    assert.equal(harness.resources.length, 0);
  });
});
