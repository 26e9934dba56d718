/**
 * The whole path with the real engine: HTTP → store → allocator → queue → `pulumi` → the test program (the same
 * `basphere:*` config the real tenant program reads) → OPNsense dynamic resources → the emulator.
 * Create, show (secret output only for the owner with showSecrets), update (only the changed record changes),
 * preview (diff, nothing written), delete (destroy, stack removed, emulator empty, allocations released).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Service, createService } from "../../../automation/service/wiring";
import { Emulator, startEmulator } from "../../../providers/opnsense/emulator";
import {
  ADMIN_TOKEN,
  ServiceSandbox,
  client,
  emulatedAliases,
  emulatedVips,
  programEnv,
  requireEngine,
  waitOperation,
} from "../../../support/service";

describe("service e2e: a tenant's life through the real engine", function () {
  this.timeout(180000);
  let sandbox: ServiceSandbox;
  let emulator: Emulator;
  let svc: Service;
  let req: ReturnType<typeof client>;
  let tenantToken: string;
  const saved: Record<string, string | undefined> = {};

  const spec = {
    vms: [
      { name: "web", address: "10.0.1.20", cpus: 2 },
      { name: "db", address: "10.0.1.21", cpus: 4 },
    ],
    floatingIps: [
      { name: "web", target: "web" },
      { name: "db", target: "db" },
    ],
  };

  before(async () => {
    await requireEngine();
    emulator = await startEmulator();
    sandbox = new ServiceSandbox("life");
    // The engine processes inherit this process's environment: the program reads the router connection from it.
    for (const [k, v] of Object.entries(programEnv(emulator))) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    svc = await createService({
      dataDir: sandbox.dataDir,
      adminToken: ADMIN_TOKEN,
      workDir: sandbox.programDir,
      pollIntervalMs: 50,
      drainMs: 0,
      env: {}, // no PULUMI_CONFIG_PASSPHRASE: the service generates one in the data folder
    });
    req = client(await svc.listen(0));
  });

  after(async () => {
    await svc?.close();
    await emulator?.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    sandbox?.dispose();
  });

  it("is ready with the real engine and a generated passphrase in the data folder", async () => {
    const r = await req("GET", "/v1/ready", { token: null });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.checks.engine, "ok");
    assert.equal(svc.passphrase?.kind, "data-dir");
    assert.equal(svc.passphrase?.generated, true);
    const file = path.join(sandbox.dataDir, "pulumi-passphrase");
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  });

  it("creates a tenant: the operation succeeds through the engine and the emulator holds the records", async () => {
    const started = Date.now();
    const r = await req("POST", "/v1/tenants", { body: { name: "acme", spec } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    tenantToken = r.body.token;
    const op = await waitOperation(req, r.body.operation.id);
    const seconds = (Date.now() - started) / 1000;
    console.log(`      create through the real engine: ${seconds.toFixed(2)} s`);
    assert.equal(op.status, "succeeded", op.error);
    assert.deepEqual(op.result.changes, { create: 5 }, "the stack, 2 virtual IPs and 2 aliases");

    const t = (await req("GET", "/v1/tenants/acme")).body;
    assert.equal(t.status, "ready");
    const fips: { name: string; address: string }[] = t.allocations.floatingIps;
    assert.equal(fips.length, 2);
    assert.deepEqual(emulatedVips(emulator), fips.map((f) => f.address).sort());
    const aliases = emulatedAliases(emulator);
    assert.deepEqual(Object.keys(aliases).sort(), ["t_acme_db", "t_acme_web"]);
    assert.equal(aliases.t_acme_web.content, "10.0.1.20");
    assert.equal(emulator.state.pending.size, 0, "every change was applied");

    // Outputs come from the stack: plain ones stored, the secret one only named.
    assert.deepEqual(t.outputs.floatingIps, Object.fromEntries(fips.map((f) => [f.name, f.address])));
    assert.deepEqual(t.outputs.lanVlans, [t.allocations.lan1VlanId, t.allocations.lan2VlanId]);
    assert.deepEqual(t.outputs.vmAliases.map((a: { name: string }) => a.name).sort(), [
      "t_acme_db",
      "t_acme_web",
    ]);
    assert.deepEqual(t.secretOutputKeys, ["accessKey"]);
    assert.equal(t.outputs.accessKey, "[secret]");
    const stored = (await svc.store.sql.get("SELECT outputs FROM tenants WHERE name = 'acme'", [])) as {
      outputs: string;
    };
    assert.ok(!stored.outputs.includes("accessKey"), "the secret value is never stored by the service");

    // The stack's config file is in the data folder (the service's project), not in the program folder.
    assert.ok(fs.existsSync(path.join(sandbox.dataDir, "project", "Pulumi.tenant-acme.yaml")));
    assert.ok(!fs.readdirSync(sandbox.programDir).some((f) => f.startsWith("Pulumi.tenant-")));

    // The events recorded the engine's steps and the engine process.
    const events = (await req("GET", `/v1/operations/${op.id}/events?limit=1000`)).body.items;
    const types = events.map((e: { type: string }) => e.type);
    assert.ok(types.includes("engine.process"), types.join(","));
    assert.ok(types.includes("engine.resOutputs"), types.join(","));
    assert.ok(types.includes("engine.summary"), types.join(","));
  });

  it("shows the secret output only to the tenant's own token with showSecrets", async () => {
    const owner = await req("GET", "/v1/tenants/acme?showSecrets=true", { token: tenantToken });
    assert.equal(owner.status, 200);
    assert.match(owner.body.outputs.accessKey, /^[0-9a-f]{64}$/);
    const plain = await req("GET", "/v1/tenants/acme", { token: tenantToken });
    assert.equal(plain.body.outputs.accessKey, "[secret]");
    const admin = await req("GET", "/v1/tenants/acme?showSecrets=true");
    assert.equal(admin.status, 403);
    assert.equal(admin.body.field, "querystring.showSecrets");
  });

  it("previews a change: the diff names the one record that would change, and nothing is written", async () => {
    const postsBefore = emulator.requests.filter((r) => r.method === "POST").length;
    const changed = { ...spec, vms: [spec.vms[0], { ...spec.vms[1], cpus: 8 }] };
    const r = await req("POST", "/v1/tenants/acme/preview", { token: tenantToken, body: { spec: changed } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const op = await waitOperation(req, r.body.operation.id);
    assert.equal(op.status, "succeeded", op.error);
    assert.deepEqual(op.result.changes, { same: 4, update: 1 });
    // (Dynamic providers cannot name the changed properties, so the steps carry none here.)
    const changes = op.result.steps
      .filter((s: { op: string }) => s.op !== "same")
      .map(({ op, type, name }: Record<string, string>) => ({ op, type, name }));
    assert.deepEqual(changes, [
      { op: "update", type: "pulumi-nodejs:dynamic/opnsense:Alias", name: "vm-db" },
    ]);
    assert.equal(
      op.result.steps.length,
      4,
      "a step for each resource of the tenant (2 virtual IPs, 2 aliases)",
    );
    assert.match(op.result.diff, /vm-db/);
    assert.equal(emulator.requests.filter((x) => x.method === "POST").length, postsBefore, "no write");
    const t = (await req("GET", "/v1/tenants/acme")).body;
    assert.equal(t.specVersion, 1, "a preview stores no spec version");
    assert.equal(emulatedAliases(emulator).t_acme_db.description, "4 vCPU, 2048 MiB");
  });

  it("applies a spec change: only the changed record changes", async () => {
    const before = emulatedAliases(emulator);
    const vipsBefore = JSON.stringify(emulator.state.collections.vip);
    const changed = { ...spec, vms: [spec.vms[0], { ...spec.vms[1], cpus: 8 }] };
    const r = await req("PUT", "/v1/tenants/acme/spec", { token: tenantToken, body: { spec: changed } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const op = await waitOperation(req, r.body.operation.id);
    assert.equal(op.status, "succeeded", op.error);
    assert.deepEqual(op.result.changes, { same: 4, update: 1 });
    const after = emulatedAliases(emulator);
    assert.equal(after.t_acme_db.description, "8 vCPU, 2048 MiB");
    assert.equal(after.t_acme_db.uuid, before.t_acme_db.uuid, "updated in place");
    assert.deepEqual(after.t_acme_web, before.t_acme_web);
    assert.equal(JSON.stringify(emulator.state.collections.vip), vipsBefore);
    const t = (await req("GET", "/v1/tenants/acme")).body;
    assert.equal(t.appliedVersion, 2);
    assert.equal(t.status, "ready");
  });

  it("deletes the tenant: destroy, stack removed, emulator empty, allocations released", async () => {
    assert.deepEqual(sandbox.stacks(), ["tenant-acme"]);
    const r = await req("DELETE", "/v1/tenants/acme", { token: tenantToken });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const op = await waitOperation(req, r.body.operation.id);
    assert.equal(op.status, "succeeded", op.error);
    assert.deepEqual(op.result.changes, { delete: 5 });
    for (const [name, records] of Object.entries(emulator.state.collections))
      assert.deepEqual(records, {}, `collection ${name} is empty`);
    assert.deepEqual(sandbox.stacks(), [], "the stack is removed from the backend");
    assert.ok(!fs.existsSync(path.join(sandbox.dataDir, "project", "Pulumi.tenant-acme.yaml")));
    assert.deepEqual(sandbox.locks(), []);
    assert.equal((await req("GET", "/v1/tenants/acme")).status, 404);
    const counts = await svc.store.counts();
    assert.deepEqual(counts.allocations, { vlan: 0, routerWan: 0, floatingIp: 0 });
  });
});
