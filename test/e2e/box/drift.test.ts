/**
 * Drift on the datacenter in a box: the service (`basphere serve --box --drift-interval 20s`) keeps the full
 * example tenant checked with the real engine. A firewall rule edited on the router through its own API, a
 * MachineDeployment patched in the real API server (as `kubectl edit` would) and a VM resized in the simulated
 * vCenter are each reported within one interval, naming the resource and the property; under `reconcile` one
 * `up --refresh` puts all back (the router, the API server and vCenter hold the program's values again) and the
 * next check is clean; no check ever runs beside another operation of the tenant. Prints the cost of one check (wall time, CPU seconds of the engine processes).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { openBoxEngine } from "../../../box/onpremStack";
import { SimulatorStore } from "../../../box/vsphereSimulator/store";
import { resourcePath } from "../../../providers/kubernetes/client";
import { OpnsenseClient } from "../../../providers/opnsense/client";
import { client, waitOperation } from "../../../support/service";
import {
  ADMIN_TOKEN,
  BoxSandbox,
  BoxServe,
  exampleTenant,
  PROJECT_ROOT,
  requireEngine,
  startBoxServe,
} from "../../../support/box";

const example = exampleTenant("tenant-full");
const TENANT = "drift";
const INTERVAL_S = 20;

/** Children CPU seconds (user + system) of a process: its reaped children and theirs, from /proc. */
function childCpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 16 and 17 (cutime, cstime) are at 13 and 14 after the command.
  return (Number(f[13]) + Number(f[14])) / 100;
}

/** Polls `check` every `everyMs` until it is true; fails naming `what` after `timeoutMs`. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The plaintext of a value of `stack export --show-secrets` (secrets come as envelopes with `plaintext`). */
function plain(v: any): any {
  return v && typeof v === "object" && "plaintext" in v ? JSON.parse(v.plaintext) : v;
}

describe("datacenter in a box: drift detection and reconcile through the service", function () {
  this.timeout(30 * 60_000);
  const sandbox = new BoxSandbox();
  let serve: BoxServe;
  let req: ReturnType<typeof client>;
  let rule: { uuid: string; name: string; description: string; connection: any };
  let md: { path: string; replicas: number; name: string };
  let router: OpnsenseClient;
  let vm: { id: string; name: string; memory: number };
  const simulator = () => SimulatorStore.open(sandbox.state.vsphere.statePath, () => []);
  let edited = 0;

  before(async function () {
    await requireEngine();
    await sandbox.up();
    serve = await startBoxServe(sandbox, {
      args: ["--drift-interval", `${INTERVAL_S}s`, "--drift-jitter", "0"],
    });
    req = client(serve.url, ADMIN_TOKEN);
  });

  after(async () => {
    await serve?.stop();
    await sandbox.down();
    sandbox.dispose();
  });

  const drift = async () => (await req("GET", `/v1/tenants/${TENANT}/drift`)).body;

  it("creates the full example tenant; its first scheduled check is clean", async () => {
    const { name: _n, ...spec } = example;
    const r = await req("POST", "/v1/tenants", { body: { name: TENANT, spec } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const op = await waitOperation(req, r.body.operation.id, 20 * 60_000);
    assert.equal(op.status, "succeeded", `${op.error}\n${serve.stderr()}`);
    await until(
      "the first check",
      async () => (await drift()).check?.state === "clean",
      3 * INTERVAL_S * 1000,
    );
    const d = await drift();
    assert.equal(d.status, "ready");
    assert.equal(d.intervalSeconds, INTERVAL_S);
  });

  it("a rule edited on the router and a MachineDeployment patched in the API server are drift within one interval", async () => {
    const engine = await openBoxEngine(sandbox.dataDir, PROJECT_ROOT, sandbox.state);
    const state: any = await (await engine.stack(`tenant-${TENANT}`)).stack.exportStack();
    const resources: any[] = state.deployment.resources;
    const fw = resources.find((x) => /opnsense:FirewallRule$/.test(x.type));
    const conn = plain(fw.outputs.connection);
    // The router's own API, with the key the program rotated in (an operator with the stack's secrets).
    router = new OpnsenseClient({ ...conn, timeoutMs: 15000 });
    rule = {
      uuid: fw.id,
      name: fw.urn.split("::").pop(),
      description: fw.outputs.description,
      connection: conn,
    };
    const m = resources.find((x) => /cluster\.x-k8s\.io\/v1beta2:MachineDeployment$/.test(x.type));
    const [ns, name] = String(m.id).split("/");
    md = {
      path: resourcePath("cluster.x-k8s.io/v1beta2", "machinedeployments", ns, name),
      replicas: m.inputs.spec.replicas,
      name: m.urn.split("::").pop(),
    };
    const before = (await drift()).check.checkedAt;
    edited = Date.now();
    await router.setRecord("/api/firewall/filter", "rule", "rule", rule.uuid, {
      description: "edited by hand",
    });
    await sandbox.kube.patch(md.path, { spec: { replicas: md.replicas + 2 } }, "kubectl-edit");
    // Resized in vCenter: the simulated inventory every provider process reads.
    const sim = simulator();
    try {
      const o = sim.list("VirtualMachine", (x) => x.name === `tenant-${TENANT}-web-1`)[0];
      const r = resources.find((x) => x.id === o.id);
      vm = { id: o.id, name: r.urn.split("::").pop(), memory: Number(o.props.memory) };
      sim.update({ ...o, props: { ...o.props, memory: vm.memory * 2 } });
    } finally {
      sim.close();
    }
    await until(
      "a check after the edits",
      async () => {
        const d = await drift();
        return d.check.checkedAt > before && d.check.state !== "clean";
      },
      2 * INTERVAL_S * 1000,
    );
    const d = await drift();
    assert.equal(d.check.state, "drifted", JSON.stringify(d.check));
    assert.equal(d.status, "drifted");
    const seen = Object.fromEntries(d.check.resources.map((r: any) => [r.name, r.properties]));
    assert.deepEqual(seen[rule.name], ["description"], JSON.stringify(d.check.resources));
    assert.deepEqual(seen[md.name], ["spec.replicas"], JSON.stringify(d.check.resources));
    assert.deepEqual(seen[vm.name], ["memory"], JSON.stringify(d.check.resources));
    assert.equal(d.check.resources.length, 3, "nothing else differs");
    const found = (Date.parse(d.check.checkedAt) - edited) / 1000;
    assert.ok(found <= INTERVAL_S + 30, `reported ${found} s after the edit`);
    // Detect only: nothing was put back.
    assert.equal(
      (await router.getRecord("/api/firewall/filter", "rule", "rule", rule.uuid))!.description,
      "edited by hand",
    );
    assert.equal((await sandbox.kube.get(md.path)).spec.replicas, md.replicas + 2);
    const text = JSON.stringify(d);
    assert.ok(!text.includes("edited by hand"), "property names only, never values");
    console.log(
      `      drift found ${found.toFixed(1)} s after the edits; check took ${d.check.durationSeconds?.toFixed(1)} s`,
    );
  });

  it("reconcile puts both back with one up --refresh; the next check is clean", async () => {
    const p = await req("PUT", `/v1/tenants/${TENANT}/drift/policy`, { body: { policy: "reconcile" } });
    assert.equal(p.status, 200);
    await until("a reconcile", async () => (await drift()).lastReconcile !== null, 2 * INTERVAL_S * 1000);
    const d = await drift();
    const up = await waitOperation(req, d.lastReconcile.operationId, 10 * 60_000);
    assert.equal(up.status, "succeeded", up.error);
    assert.equal(up.refresh, true);
    assert.match(up.reason, new RegExp(`${rule.name} \\(description\\)`));
    assert.equal(
      (await router.getRecord("/api/firewall/filter", "rule", "rule", rule.uuid))!.description,
      rule.description,
    );
    assert.equal((await sandbox.kube.get(md.path)).spec.replicas, md.replicas);
    const sim = simulator();
    try {
      assert.equal(Number(sim.get(vm.id)!.props.memory), vm.memory);
    } finally {
      sim.close();
    }
    const reconciled = (await drift()).check.checkedAt;
    await until(
      "the check after the reconcile",
      async () => {
        const x = await drift();
        return x.check.checkedAt > reconciled && x.check.reconciledBy === undefined;
      },
      2 * INTERVAL_S * 1000,
    );
    const after = await drift();
    assert.equal(after.check.state, "clean", JSON.stringify(after.check));
    assert.equal(after.status, "ready");
  });

  it("a tenant with work queued is not checked, and no check overlaps another operation of the tenant", async () => {
    const { name: _n, ...spec } = example;
    const changed = structuredClone(spec);
    changed.vms[0].memoryMiB = changed.vms[0].memoryMiB + 1024;
    const cpu0 = childCpuSeconds(serve.child.pid!);
    const r = await req("PUT", `/v1/tenants/${TENANT}/spec`, { body: { spec: changed } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const busy = await req("POST", `/v1/tenants/${TENANT}/drift/check`);
    assert.equal(busy.status, 409, "no check while the update is queued or running");
    assert.equal((await waitOperation(req, r.body.operation.id, 10 * 60_000)).status, "succeeded");
    // The check of the changed tenant (due at once after an up of a drifted tenant, else at the interval).
    const checked = await req("POST", `/v1/tenants/${TENANT}/drift/check`);
    const cpu1 = childCpuSeconds(serve.child.pid!);
    if (checked.status === 202) {
      const op = await waitOperation(req, checked.body.operation.id, 5 * 60_000);
      assert.equal(op.status, "succeeded", op.error);
      assert.equal(op.result.state, "clean");
      const cpu = childCpuSeconds(serve.child.pid!) - cpu1;
      console.log(
        `      one drift check of the full tenant: ${((Date.parse(op.finishedAt) - Date.parse(op.startedAt)) / 1000).toFixed(1)} s wall, ${cpu.toFixed(1)} CPU s (engine processes); the update before it: ${(cpu1 - cpu0).toFixed(1)} CPU s`,
      );
    } else assert.equal(checked.status, 409, JSON.stringify(checked.body));
    const ops = (await req("GET", `/v1/tenants/${TENANT}/operations?limit=100`)).body.items.filter(
      (o: any) => o.startedAt && o.finishedAt,
    );
    assert.ok(ops.filter((o: any) => o.kind === "drift").length >= 3);
    for (const [i, a] of ops.entries())
      for (const b of ops.slice(i + 1))
        assert.ok(
          a.finishedAt <= b.startedAt || b.finishedAt <= a.startedAt,
          `${a.kind} ${a.id} and ${b.kind} ${b.id} overlap`,
        );
  });
});
