/**
 * A tenant at every documented count limit (40 VMs, 16 floating IPs of 32 port rules each, 100 VPN peers, 16 SSH
 * keys, the longest names) created and deleted through the service on the box, with the REAL tenant program: the
 * real Kubernetes provider and API server, the vSphere provider simulator, the router emulator. The sizes of the
 * VMs are ones the box's hosts can hold (the simulator refuses a VM bigger than a host, as vCenter does) and their
 * template is one the box's inventory has; everything else is support/serviceApp.ts's maxSpec().
 *
 * About 1,300 resources: a scale run of 10–20 minutes on 2 cores, so not part of `npm test` (its name does not end in
 * .test.ts); `npm run test:scale` runs it.
 */
import assert from "node:assert/strict";
import { readSimulatorState } from "../../../box/vsphereSimulator/status";
import { maxSpec } from "../../../support/serviceApp";
import { client, waitOperation } from "../../../support/service";
import { ADMIN_TOKEN, BoxSandbox, BoxServe, requireEngine, startBoxServe } from "../../../support/box";
import { MAX_FLOATING_IPS, MAX_VMS, MAX_VPN_PEERS } from "../../../model/tenant/limits";

describe("datacenter in a box: a tenant at every count limit with the real tenant program", function () {
  this.timeout(20 * 60_000);
  const sandbox = new BoxSandbox();
  let serve: BoxServe;
  let req: ReturnType<typeof client>;
  const spec = maxSpec() as any;
  for (const vm of spec.vms)
    Object.assign(vm, { template: "ubuntu-24.04-cloud", cpus: 2, memoryMiB: 2048, diskGb: 40 });
  Object.assign(spec.cluster.controlPlane, { cpus: 2, memoryMiB: 4096, diskGiB: 40 });
  Object.assign(spec.cluster.workers, { cpus: 2, memoryMiB: 4096, diskGiB: 40 });
  const { name, ...body } = spec;

  before(async () => {
    await requireEngine();
    await sandbox.up();
    serve = await startBoxServe(sandbox);
    req = client(serve.url, ADMIN_TOKEN);
  });
  after(async () => {
    await serve?.stop();
    await sandbox.down();
    sandbox.dispose();
  });

  it("creates it: every VM, floating IP and peer exists in the systems that hold them", async () => {
    const r = await req("POST", "/v1/tenants", { body: { name, spec: body } });
    assert.equal(r.status, 202, JSON.stringify(r.body).slice(0, 2000));
    const op = await waitOperation(req, r.body.operation.id, 15 * 60_000);
    assert.equal(op.status, "succeeded", String(op.error).slice(0, 4000));
    const t = await req("GET", `/v1/tenants/${name}`);
    assert.equal(Object.keys(t.body.outputs.vmAddresses).length, MAX_VMS);
    assert.equal(Object.keys(t.body.outputs.floatingIps).length, MAX_FLOATING_IPS);
    assert.equal(Object.keys(t.body.outputs.wireguardPeerAddresses).length, MAX_VPN_PEERS);
    const v = readSimulatorState(sandbox.state.vsphere.statePath)!;
    assert.equal(v.vms.filter((m) => m.urn).length, MAX_VMS + 1, "the VMs and the router");
    const router = await sandbox.inspect(`/routers/${t.body.allocations.routerWanAddress}`);
    assert.equal(Object.keys(router.records.wgClient).length, MAX_VPN_PEERS);
    assert.equal(Object.keys(router.records.vip).length, MAX_FLOATING_IPS);
  });

  it("deletes it, leaving nothing behind in the vSphere simulator and the router", async () => {
    const t = await req("GET", `/v1/tenants/${name}`);
    const routerAddress = t.body.allocations.routerWanAddress;
    const r = await req("DELETE", `/v1/tenants/${name}`);
    assert.equal(r.status, 202);
    const op = await waitOperation(req, r.body.operation.id, 15 * 60_000);
    assert.equal(op.status, "succeeded", String(op.error).slice(0, 4000));
    const v = readSimulatorState(sandbox.state.vsphere.statePath)!;
    assert.deepEqual(
      v.vms.filter((m) => m.urn).map((m) => m.name),
      [],
    );
    const router = await sandbox.inspect(`/routers/${routerAddress}`);
    for (const [c, recs] of Object.entries(router.records as Record<string, object>))
      assert.deepEqual(Object.keys(recs), [], `router collection ${c}`);
  });
});
