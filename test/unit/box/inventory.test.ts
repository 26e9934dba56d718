/**
 * The box inventory (box/inventory.ts) holds what the example stacks name: the onprem stack's datacenter,
 * cluster, six hosts, datastore, switch, WAN port group and templates, and every template a tenant stack may
 * clone (the examples' and the code's defaults). Ids are unique, and the templates carry the guest facts the
 * components read.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { BOX_INVENTORY, BOX_NAMES } from "../../../box/inventory";
import { DEFAULT_ROUTER_TEMPLATE } from "../../../model/contracts";
import { PROJECT_ROOT } from "../../../support/engine";
import { clusterTemplateOf, tenantClusterSpecSchema, tenantVmSpecSchema } from "../../../model/tenant/spec";
import { seedObjects } from "../../../box/vsphereSimulator/seed";

const stacks = path.join(PROJECT_ROOT, "stacks");
const config = (file: string) =>
  YAML.parse(fs.readFileSync(path.join(stacks, file), "utf8")).config as Record<string, any>;

/** Every value of a `template` key anywhere in a YAML document. */
function templatesIn(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => templatesIn(x, out));
  else if (v && typeof v === "object")
    for (const [k, x] of Object.entries(v)) {
      if (k === "template" && typeof x === "string") out.push(x);
      else templatesIn(x, out);
    }
  return out;
}

describe("box inventory", () => {
  const onprem = config("Pulumi.onprem.yaml");
  const templateNames = BOX_INVENTORY.templates.map((t) => t.name);

  it("holds the names of the example onprem stack", () => {
    assert.equal(BOX_INVENTORY.datacenter.name, onprem["basphere:datacenter"]);
    assert.equal(BOX_INVENTORY.computeCluster.name, onprem["basphere:computeCluster"]);
    assert.deepEqual(
      BOX_INVENTORY.hosts.map((h) => h.name),
      onprem["basphere:hosts"],
    );
    assert.equal(BOX_INVENTORY.hosts.length, 6);
    assert.ok(BOX_INVENTORY.datastores.some((d) => d.name === onprem["basphere:datastore"]));
    assert.equal(BOX_INVENTORY.distributedSwitch.name, onprem["basphere:distributedSwitch"]);
    const wan = BOX_INVENTORY.networks.find((n) => n.name === onprem["basphere:wan"].portGroup);
    assert.equal(wan?.vlanId, onprem["basphere:wan"].vlanId);
    assert.equal(wan?.distributedSwitch, BOX_INVENTORY.distributedSwitch.name);
    assert.ok(templateNames.includes(onprem["basphere:talosTemplate"]));
    assert.ok(templateNames.includes(onprem["basphere:routerTemplate"].name));
    assert.deepEqual(
      [BOX_NAMES.folder, BOX_NAMES.routerTemplate, BOX_NAMES.talosTemplate],
      [onprem["basphere:folder"], onprem["basphere:routerTemplate"].name, onprem["basphere:talosTemplate"]],
    );
  });

  it("holds every template the tenant stacks name, and the code's defaults", () => {
    const wanted = new Set<string>([
      DEFAULT_ROUTER_TEMPLATE,
      tenantVmSpecSchema.parse({ name: "x" }).template,
      clusterTemplateOf(tenantClusterSpecSchema.parse({})),
      clusterTemplateOf(tenantClusterSpecSchema.parse({ bootstrap: "talos" })),
    ]);
    for (const f of fs.readdirSync(stacks).filter((n) => /^Pulumi\.tenant-.*\.yaml$/.test(n))) {
      for (const t of templatesIn(config(f))) wanted.add(t);
    }
    assert.ok(wanted.size >= 3);
    for (const t of wanted) assert.ok(templateNames.includes(t), `template ${t} is in the inventory`);
  });

  it("does not hold the folder the onprem stack creates", () => {
    const folders = seedObjects().filter((o) => o.kind === "Folder");
    assert.ok(!folders.some((f) => f.name === BOX_NAMES.folder));
  });

  it("gives every object its own id and every template the guest facts components read", () => {
    const ids = seedObjects().map((o) => o.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const t of BOX_INVENTORY.templates) {
      assert.match(t.uuid, /^42[0-9a-f]{6}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.ok(t.guestId && t.firmware && t.scsiType, t.name);
      assert.ok(t.disks.length > 0 && t.disks[0].unitNumber === 0, t.name);
      assert.ok(t.networkInterfaceTypes.length > 0, t.name);
    }
  });
});
