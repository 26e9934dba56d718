/**
 * The datacenter in a box, end to end: the service (`basphere serve --box`, as `npm start` runs it) creates the full
 * example tenant (stacks/Pulumi.tenant-full.yaml) with the real tenant program, the real engine, the real
 * Kubernetes provider against the box's real API server, the vSphere provider simulator and the OPNsense emulators.
 * Each system is then checked through its own API; a spec change updates only what it changes; delete leaves the
 * box as it started; and nothing connected outside 127.0.0.0/8.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { resourcePath } from "../../../providers/kubernetes/client";
import { openBoxEngine } from "../../../box/onpremStack";
import { readSimulatorState } from "../../../box/vsphereSimulator/status";
import { client, waitOperation } from "../../../support/service";
import {
  ADMIN_TOKEN,
  BoxSandbox,
  BoxServe,
  PROJECT_ROOT,
  crdPlural,
  exampleTenant,
  missingLeaves,
  nonLoopbackConnects,
  requireEngine,
  startBoxServe,
} from "../../../support/box";

const example = exampleTenant("tenant-full");
const TENANT = "full";
const NS = `tenant-${TENANT}`;

/** The resources of the tenant's stack state (checkpoint), with their inputs and outputs. */
async function stackResources(sandbox: BoxSandbox): Promise<any[]> {
  const engine = await openBoxEngine(sandbox.dataDir, PROJECT_ROOT, sandbox.state);
  const stack = await engine.stack(`tenant-${TENANT}`);
  const state = await stack.stack.exportStack();
  return (state.deployment as any).resources ?? [];
}

describe("datacenter in a box: the full example tenant through the service", function () {
  this.timeout(30 * 60_000);
  const sandbox = new BoxSandbox();
  let serve: BoxServe;
  let req: ReturnType<typeof client>;
  let routerAddress: string;

  before(async function () {
    await requireEngine();
    await sandbox.up();
    serve = await startBoxServe(sandbox, { trace: true });
    req = client(serve.url, ADMIN_TOKEN);
  });

  after(async () => {
    await serve?.stop();
    await sandbox.down();
    sandbox.dispose();
  });

  it("creates the full example tenant with the real tenant program", async () => {
    const { name: _name, ...spec } = example;
    const r = await req("POST", "/v1/tenants", { body: { name: TENANT, spec } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const op = await waitOperation(req, r.body.operation.id, 20 * 60_000);
    assert.equal(op.status, "succeeded", `${op.error}\n${serve.stderr()}`);
    const t = await req("GET", `/v1/tenants/${TENANT}`);
    assert.equal(t.status, 200);
    routerAddress = t.body.allocations.routerWanAddress ?? t.body.outputs.routerWanAddress;
    assert.equal(
      routerAddress,
      sandbox.state.pools.routerWan.first,
      "the first router WAN address of the box",
    );
    const outputs = t.body.outputs;
    assert.equal(Object.keys(outputs.floatingIps).length, 4, JSON.stringify(outputs.floatingIps));
    const wan = sandbox.state.pools.floatingIp.first.split(".").slice(0, 3).join(".");
    assert.match(outputs.clusterEndpoint, new RegExp(`^https://${wan.replace(/\./g, "\\.")}\\.\\d+:6443$`));
    assert.equal(Object.keys(outputs.vmAddresses).length, 5);
  });

  it("every Cluster API object is in the API server with the spec the program sent (nothing pruned)", async () => {
    const resources = await stackResources(sandbox);
    // Custom resources register as kubernetes:<group>/<version>:<Kind>.
    const custom = resources.filter(
      (r) => /^kubernetes:[a-z.]+\.x-k8s\.io\/[a-z0-9]+:/.test(r.type) && r.inputs?.spec !== undefined,
    );
    const kinds = custom.map((r) => r.inputs.kind).sort();
    for (const k of [
      "Cluster",
      "KubeadmControlPlane",
      "MachineDeployment",
      "VSphereCluster",
      "ClusterResourceSet",
    ])
      assert.ok(kinds.includes(k), `the stack has a ${k} (has ${kinds.join(", ")})`);
    for (const r of custom) {
      const [group, version] = String(r.inputs.apiVersion).split("/");
      const plural = crdPlural(String(r.inputs.kind));
      const live = await sandbox.kube.get(
        resourcePath(`${group}/${version}`, plural, r.inputs.metadata.namespace, r.inputs.metadata.name),
      );
      const missing = missingLeaves(r.inputs.spec, live.spec, "spec");
      assert.deepEqual(
        missing,
        [],
        `${r.inputs.kind} ${r.inputs.metadata.name}: the API server lacks ${missing}`,
      );
    }
    const secret = await sandbox.kube.get(resourcePath("v1", "secrets", NS, `${TENANT}-kubeconfig`));
    assert.equal(secret.type, "cluster.x-k8s.io/secret");
  });

  it("the tenant's router holds exactly the records of the stack's OPNsense resources", async () => {
    const resources = await stackResources(sandbox);
    // Every OPNsense record resource (the API key rotation makes a key, not a record: checked below) and its uuid.
    const opn = resources.filter(
      (r) => /^pulumi-nodejs:dynamic\/opnsense:/.test(r.type) && !/ApiKeyRotation$/.test(r.type),
    );
    const byUuid = new Map<string, string>(opn.map((r) => [r.outputs?.uuid, r.urn.split("::").pop()]));
    const router = await sandbox.inspect(`/routers/${routerAddress}`);
    const held = Object.values(router.records as Record<string, Record<string, unknown>>).flatMap((c) =>
      Object.keys(c),
    );
    assert.deepEqual(
      [...byUuid.keys()].filter((u) => !held.includes(u)).map((u) => byUuid.get(u)),
      [],
      "stack resources whose record the router lacks",
    );
    assert.deepEqual(
      held.filter((u) => !byUuid.has(u)),
      [],
      "router records no stack resource made",
    );
    assert.equal(Object.keys(router.records.wgClient).length, example.vpn.peers.length);
    assert.equal(Object.keys(router.records.vip).length, example.floatingIps.length);
    assert.deepEqual(router.pending, [], "every change was applied");
    // The golden template's key was rotated away: it is refused now.
    const template = JSON.parse(fs.readFileSync(sandbox.state.routers.templateFile, "utf8"));
    const refused = await fetchInsecure(
      `https://${routerAddress}/api/core/system/status`,
      `${template.apiKey}:${template.apiSecret}`,
    );
    assert.equal(refused, 401);
    const others = await sandbox.inspect("/routers");
    assert.deepEqual(
      others.used.map((u: any) => u.address),
      [routerAddress],
      "no other router was touched",
    );
  });

  it("the vSphere simulator holds the tenant's VMs (router included) and its two port groups", async () => {
    const v = readSimulatorState(sandbox.state.vsphere.statePath)!;
    const vms = v.vms
      .filter((m) => m.urn)
      .map((m) => m.name)
      .sort();
    assert.deepEqual(vms, [
      "tenant-full-bastion",
      "tenant-full-ci",
      "tenant-full-db",
      "tenant-full-router",
      "tenant-full-web-1",
      "tenant-full-web-2",
    ]);
    const t = await req("GET", `/v1/tenants/${TENANT}`);
    const a = t.body.allocations;
    const pgs = v.portGroups
      .filter((p) => !p.inventory)
      .map((p) => `${p.name}:${p.vlanId}`)
      .sort();
    assert.deepEqual(pgs, [`tenant-full-lan1:${a.lan1VlanId}`, `tenant-full-lan2:${a.lan2VlanId}`]);
    const router = v.vms.find((m) => m.name === "tenant-full-router")!;
    assert.equal(router.networkIds.length, 3, "WAN, LAN1, LAN2");
    assert.equal(v.vms.find((m) => m.name === "tenant-full-web-1")!.memory, 8192);
    assert.deepEqual(
      v.folders
        .filter((f) => f.urn)
        .map((f) => f.path)
        .sort(),
      ["basphere", "basphere/tenant-full"],
    );
  });

  it("a spec change updates in place only what it changes", async () => {
    const { name: _name, ...spec } = example;
    const changed = structuredClone(spec);
    changed.vms.find((v: any) => v.name === "web-1").memoryMiB = 12288;
    const r = await req("PUT", `/v1/tenants/${TENANT}/spec`, { body: { spec: changed } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const op = await waitOperation(req, r.body.operation.id, 10 * 60_000);
    assert.equal(op.status, "succeeded", op.error);
    const steps = (op.result.steps as { op: string; type: string; name: string }[]).filter(
      (s) => s.op !== "same" && s.op !== "read",
    );
    assert.deepEqual(
      steps.map((s) => `${s.op} ${s.type} ${s.name}`),
      ["update vsphere:index/virtualMachine:VirtualMachine tenant-full-vm-web-1-vm"],
    );
  });

  it("a tenant with a Dev (Talos) and a Prod (kubeadm) cluster comes up; removing Dev deletes only Dev's objects", async () => {
    const multi = exampleTenant("tenant-multi");
    const { name: _n, ...spec } = multi;
    const c = await req("POST", "/v1/tenants", { body: { name: "multi", spec } });
    assert.equal(c.status, 202, JSON.stringify(c.body));
    try {
      await multiClusterChecks(spec, c.body.operation.id);
    } finally {
      // Gone again whatever happened, so the full tenant's delete finds the box as it started.
      const d = await req("DELETE", "/v1/tenants/multi");
      assert.equal((await waitOperation(req, d.body.operation.id, 15 * 60_000)).status, "succeeded");
    }
  });

  async function multiClusterChecks(spec: any, createOp: string): Promise<void> {
    const c = { body: { operation: { id: createOp } } };
    const op = await waitOperation(req, c.body.operation.id, 20 * 60_000);
    assert.equal(op.status, "succeeded", `${op.error}\n${serve.stderr()}`);
    const kinds = async (ns: string, apiVersion: string, plural: string) =>
      ((await sandbox.kube.get(resourcePath(apiVersion, plural, ns))).items as any[]).map(
        (o) => o.metadata.name,
      );
    // Admitted by the real API server, each in its own namespace, with the kubeconfig Secret of each cluster.
    assert.deepEqual(
      await kinds("tenant-multi-dev", "controlplane.cluster.x-k8s.io/v1alpha3", "taloscontrolplanes"),
      ["dev-control-plane"],
    );
    assert.deepEqual(
      await kinds("tenant-multi-dev", "bootstrap.cluster.x-k8s.io/v1alpha3", "talosconfigtemplates"),
      ["dev-worker"],
    );
    assert.deepEqual(
      await kinds("tenant-multi-prod", "controlplane.cluster.x-k8s.io/v1beta2", "kubeadmcontrolplanes"),
      ["prod-control-plane"],
    );
    const t = await req("GET", "/v1/tenants/multi");
    assert.deepEqual(Object.keys(t.body.outputs.clusters).sort(), ["dev", "prod"]);
    const prodBefore = await sandbox.kube.get(
      resourcePath("cluster.x-k8s.io/v1beta2", "clusters", "tenant-multi-prod", "prod"),
    );

    const without = structuredClone(spec);
    without.clusters = without.clusters.filter((x: any) => x.name !== "dev");
    without.floatingIps = without.floatingIps.filter((f: any) => f.name !== "dev-api");
    const u = await req("PUT", "/v1/tenants/multi/spec", { body: { spec: without } });
    assert.equal(u.status, 202, JSON.stringify(u.body));
    const up = await waitOperation(req, u.body.operation.id, 15 * 60_000);
    assert.equal(up.status, "succeeded", up.error);
    const changed = (up.result.steps as { op: string; name: string }[]).filter(
      (x) => x.op !== "same" && x.op !== "read",
    );
    // Deleted, or for the kubeconfig Secret the stack only read, discarded.
    for (const step of changed)
      assert.match(`${step.op} ${step.name}`, /^(delete|discard) .*(cluster-dev|dev-api)/);
    const end = Date.now() + 120_000;
    const devNs = resourcePath("v1", "namespaces", undefined, "tenant-multi-dev");
    while ((await sandbox.kube.find(devNs)) && Date.now() < end)
      await new Promise((res) => setTimeout(res, 500));
    assert.equal(await sandbox.kube.find(devNs), undefined, "Dev's namespace is gone");
    const prodAfter = await sandbox.kube.get(
      resourcePath("cluster.x-k8s.io/v1beta2", "clusters", "tenant-multi-prod", "prod"),
    );
    assert.equal(prodAfter.metadata.uid, prodBefore.metadata.uid, "Prod's Cluster is the same object");
    assert.deepEqual(prodAfter.spec, prodBefore.spec);
  }

  it("delete leaves the API server, the router and the vSphere simulator as they started", async () => {
    const r = await req("DELETE", `/v1/tenants/${TENANT}`);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const op = await waitOperation(req, r.body.operation.id, 15 * 60_000);
    assert.equal(op.status, "succeeded", op.error);
    const end = Date.now() + 120_000;
    while ((await sandbox.kube.find(resourcePath("v1", "namespaces", undefined, NS))) && Date.now() < end)
      await new Promise((res) => setTimeout(res, 500));
    assert.equal(await sandbox.kube.find(resourcePath("v1", "namespaces", undefined, NS)), undefined);
    const router = await sandbox.inspect(`/routers/${routerAddress}`);
    for (const [c, recs] of Object.entries(router.records as Record<string, object>))
      assert.deepEqual(Object.keys(recs), [], `router collection ${c} is empty again`);
    const v = readSimulatorState(sandbox.state.vsphere.statePath)!;
    assert.deepEqual(
      [v.vms, v.portGroups, v.groups, v.rules, v.resourcePools].map((l) => l.filter((o) => o.urn).length),
      [0, 0, 0, 0, 0],
      "no VM, port group, group, rule or pool left in the vSphere simulator",
    );
    assert.deepEqual(
      v.folders.filter((f) => f.urn).map((f) => f.path),
      ["basphere"],
      "only the onprem stack's folder",
    );
  });

  it("nothing connected outside 127.0.0.0/8", async () => {
    await serve.stop();
    const trace = fs.readFileSync(serve.traceFile!, "utf8");
    assert.ok(/sin_addr=inet_addr\("127\./.test(trace), "the trace recorded the run's loopback connections");
    assert.deepEqual(nonLoopbackConnects(trace), []);
  });
});

/** Status code of a GET with basic auth to a router (its self-signed certificate is not checked here). */
function fetchInsecure(url: string, basic: string): Promise<number> {
  const https = require("node:https") as typeof import("node:https");
  return new Promise((resolve, reject) => {
    https
      .get(
        url,
        {
          rejectUnauthorized: false,
          headers: { authorization: `Basic ${Buffer.from(basic).toString("base64")}` },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      )
      .on("error", reject);
  });
}
