/**
 * Offline plans are deterministic: every fake id and computed value derives from the resource itself, never from
 * the order resources were created in. So a change to one entry of the full example tenant (adding a VM at the head
 * of the list, removing a VM, a floating IP or a VPN peer) shows exactly the resources of that entry, and nothing
 * else as changed. The example's addresses are pinned (as the service stores them, `basphere pin-addresses`), so a
 * new entry without an address takes a free one and moves no other.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { type PlanJson, diffPlans } from "../../../../automation/preview/diff";
import { PROJECT_ROOT } from "../../../../support/engine";

const CLI = path.join(PROJECT_ROOT, "dist", "automation", "cli", "main.js");
const example = (name: string) => path.join(PROJECT_ROOT, "stacks", `Pulumi.tenant-${name}.yaml`);

/** Plans an example stack file whose `basphere:tenant` and `basphere:allocations` were edited by `edit`. */
function planOf(edit: (tenant: any, allocations: any) => void, name = "full"): PlanJson {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-determinism-"));
  try {
    const doc = YAML.parse(fs.readFileSync(example(name), "utf8"));
    edit(doc.config["basphere:tenant"], doc.config["basphere:allocations"]);
    const file = path.join(dir, `Pulumi.tenant-${name}.yaml`);
    fs.writeFileSync(file, YAML.stringify(doc));
    const out = path.join(dir, "plan.json");
    const fd = fs.openSync(out, "w");
    const r = spawnSync(process.execPath, [CLI, "plan", "--config", file, "--json"], {
      stdio: ["ignore", fd, "pipe"],
      encoding: "utf8",
      timeout: 120000,
    });
    fs.closeSync(fd);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(fs.readFileSync(out, "utf8"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The changes of a diff as `op name`, sorted. */
function changes(base: PlanJson, head: PlanJson): string[] {
  return diffPlans(base, head)
    .changes.map((c) => `${c.op} ${c.name}`)
    .sort();
}

describe("offline plan: deterministic ids (tenant-full)", function () {
  this.timeout(300000);
  let base: PlanJson;

  before(() => {
    base = planOf(() => {});
  });

  it("planning the same stack twice gives the same resources and values", () => {
    assert.deepEqual(
      changes(
        base,
        planOf(() => {}),
      ),
      [],
    );
  });

  it("a VM added at the head of vms (no address given) creates that VM's resources and changes nothing else", () => {
    const head = planOf((t) =>
      t.vms.unshift({ name: "zz-new", network: "lan2", cpus: 2, memoryMiB: 2048, diskGb: 20 }),
    );
    const c = changes(base, head);
    assert.ok(c.length > 0);
    for (const line of c) assert.match(line, /^create .*zz-new/, c.join("\n"));
  });

  it("a VM removed deletes that VM's resources and changes nothing else", () => {
    const c = changes(
      base,
      planOf((t) => (t.vms = t.vms.filter((v: any) => v.name !== "db"))),
    );
    assert.ok(c.length > 0);
    for (const line of c) assert.match(line, /^delete .*-db\b/, c.join("\n"));
  });

  it("a floating IP removed deletes its resources; only the VPN's reach list drops its address", () => {
    const head = planOf((t, a) => {
      t.floatingIps = t.floatingIps.filter((f: any) => f.name !== "web-1");
      a.floatingIps = a.floatingIps.filter((f: any) => f.name !== "web-1");
    });
    const d = diffPlans(base, head);
    const c = changes(base, head);
    assert.ok(c.length > 0);
    for (const ch of d.changes) {
      if (ch.op === "update") {
        // The VPN's alias of reachable addresses lists every floating IP's target: it loses web-1's, nothing more.
        assert.equal(ch.name, "tenant-full-vpn-reach", c.join("\n"));
        const content = (p: PlanJson) =>
          (p.resources.find((r) => r.name === ch.name)?.inputs.content as string[]).slice().sort();
        const web1 = `${base.outputs.vmAddresses && (base.outputs.vmAddresses as any)["web-1"]}/32`;
        assert.deepEqual(
          content(head),
          content(base).filter((x) => x !== web1),
        );
        assert.ok(content(base).includes(web1), `${web1} in ${content(base)}`);
      } else assert.match(`${ch.op} ${ch.name}`, /^delete .*web-1/, c.join("\n"));
    }
  });

  it("the last VPN peer removed deletes that peer's resources and changes nothing else", () => {
    const c = changes(
      base,
      planOf((t) => (t.vpn.peers = t.vpn.peers.filter((p: any) => p.name !== "judy"))),
    );
    assert.ok(c.length > 0);
    for (const line of c) assert.match(line, /^delete .*judy/, c.join("\n"));
  });

  it("a VPN peer added at the head (no address given) creates that peer's resources and moves no tunnel address", () => {
    const c = changes(
      base,
      planOf((t) => t.vpn.peers.unshift({ name: "aaron" })),
    );
    assert.ok(c.length > 0);
    for (const line of c) assert.match(line, /^create .*aaron/, c.join("\n"));
  });
});

describe("offline plan: several clusters (tenant-multi)", function () {
  this.timeout(300000);
  let base: PlanJson;
  before(() => {
    base = planOf(() => {}, "multi");
  });

  it("removing the Dev cluster (and its endpoint floating IP) deletes only its resources", () => {
    const head = planOf((t, a) => {
      t.clusters = t.clusters.filter((c: any) => c.name !== "dev");
      t.floatingIps = t.floatingIps.filter((f: any) => f.name !== "dev-api");
      a.floatingIps = a.floatingIps.filter((f: any) => f.name !== "dev-api");
    }, "multi");
    const c = changes(base, head);
    const deleted = c.filter((l) => l.startsWith("delete "));
    assert.ok(
      deleted.some((l) => /tenant-multi-cluster-dev-talos-control-plane$/.test(l)),
      c.join("\n"),
    );
    assert.ok(
      deleted.some((l) => /dev-api/.test(l)),
      c.join("\n"),
    );
    for (const line of c) assert.match(line, /^delete .*(cluster-dev|dev-api)/, c.join("\n"));
  });

  it("a cluster added at the head takes free addresses and changes nothing of the others", () => {
    const head = planOf((t, a) => {
      t.clusters.unshift({ name: "qa", network: "lan1", addressing: "ipam", workers: { replicas: 1 } });
      t.floatingIps.push({ name: "qa-api", target: "cluster:qa" });
      a.floatingIps.push({ name: "qa-api", address: "192.168.200.123" });
    }, "multi");
    const c = changes(base, head);
    assert.ok(c.length > 0);
    for (const line of c) assert.match(line, /^create .*(cluster-qa|qa-api)/, c.join("\n"));
  });
});
