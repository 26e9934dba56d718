/**
 * The real engine running the OPNsense dynamic resources (providers/opnsense, compiled) against the OPNsense
 * emulator: preview shows the creates, up creates the records, a second up changes nothing, a spec change updates
 * only that record, destroy leaves the emulator empty.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { EngineStack } from "../../../automation/engine/engine";
import { Emulator, startEmulator } from "../../../providers/opnsense/emulator";
import { PROJECT_ROOT, Sandbox, requireEngine } from "../../../support/engine";

const ALIAS = "pulumi-nodejs:dynamic/opnsense:Alias";
const RULE = "pulumi-nodejs:dynamic/opnsense:FirewallRule";

/** The ops the engine announced for dynamic resources, by "<kind>/<name>". */
function plannedOps(events: EngineEvent[]): Record<string, string> {
  const ops: Record<string, string> = {};
  for (const e of events) {
    const m = e.resourcePreEvent?.metadata;
    if (m && m.type.startsWith("pulumi-nodejs:dynamic/opnsense:"))
      ops[`${m.type}/${m.urn.split("::").pop()}`] = m.op;
  }
  return ops;
}

describe("engine e2e: OPNsense dynamic resources against the emulator", function () {
  this.timeout(240000);
  let sandbox: Sandbox;
  let emulator: Emulator;
  let stack: EngineStack;

  const aliases = {
    web: { name: "web_hosts", type: "host", content: ["10.0.0.10", "10.0.0.11"] },
    ports: { name: "web_ports", type: "port", content: ["80", "443"] },
  };
  const rules = {
    allowWeb: {
      action: "pass",
      interface: "lan",
      protocol: "TCP",
      destinationNet: "web_hosts",
      destinationPort: "web_ports",
      description: "allow web",
    },
  };

  /** Alias records in the emulator, by alias name → newline separated content. */
  const emulatedAliases = () =>
    Object.fromEntries(Object.values(emulator.state.collections.alias).map((r: any) => [r.name, r.content]));

  before(async () => {
    await requireEngine();
    emulator = await startEmulator();
    sandbox = new Sandbox("opnsense");
    const engine = await sandbox.engine("opnsense");
    stack = await engine.stack("router");
    await stack.setConfig({
      "engine-opnsense:providers": path.join(PROJECT_ROOT, "dist", "providers", "opnsense"),
      "engine-opnsense:url": emulator.url,
      "engine-opnsense:apiKey": { value: emulator.apiKey, secret: true },
      "engine-opnsense:apiSecret": { value: emulator.apiSecret, secret: true },
      "engine-opnsense:aliases": JSON.stringify(aliases),
      "engine-opnsense:rules": JSON.stringify(rules),
    });
  });

  after(async () => {
    await emulator?.close();
    sandbox?.dispose();
  });

  it("previews three creates and writes nothing to the router", async () => {
    const events: EngineEvent[] = [];
    await stack.preview({ onEvent: (e) => events.push(e) });
    assert.deepEqual(plannedOps(events), {
      [`${ALIAS}/web`]: "create",
      [`${ALIAS}/ports`]: "create",
      [`${RULE}/allowWeb`]: "create",
    });
    assert.deepEqual(emulatedAliases(), {});
    assert.equal(emulator.requests.filter((r) => r.method === "POST").length, 0);
  });

  it("creates the records on up", async () => {
    const result = await stack.up();
    assert.deepEqual(result.resourceChanges, { create: 4 });
    assert.deepEqual(emulatedAliases(), { web_hosts: "10.0.0.10\n10.0.0.11", web_ports: "80\n443" });
    const filters = Object.values(emulator.state.collections.filter) as any[];
    assert.equal(filters.length, 1);
    assert.equal(filters[0].description, "allow web");
    assert.equal(emulator.state.pending.size, 0, "every change was applied");
    const outputs = await stack.outputs();
    assert.equal((outputs.aliasUuids.value as string[]).length, 2);
    const uuids = Object.keys(emulator.state.collections.alias).sort();
    assert.deepEqual([...(outputs.aliasUuids.value as string[])].sort(), uuids);
  });

  it("changes nothing on a second up", async () => {
    const postsBefore = emulator.requests.filter((r) => r.method === "POST").length;
    const result = await stack.up();
    assert.deepEqual(result.resourceChanges, { same: 4 });
    assert.equal(
      emulator.requests.filter((r) => r.method === "POST").length,
      postsBefore,
      "no write on a no-op",
    );
  });

  it("updates only the alias whose spec changed", async () => {
    const changed = { ...aliases, ports: { ...aliases.ports, content: ["80", "443", "8443"] } };
    await stack.setConfig({ "engine-opnsense:aliases": JSON.stringify(changed) });
    const events: EngineEvent[] = [];
    const result = await stack.up({ onEvent: (e) => events.push(e) });
    assert.deepEqual(result.resourceChanges, { same: 3, update: 1 });
    assert.equal(plannedOps(events)[`${ALIAS}/ports`], "update");
    assert.deepEqual(emulatedAliases(), { web_hosts: "10.0.0.10\n10.0.0.11", web_ports: "80\n443\n8443" });
  });

  it("destroy leaves the emulator empty", async () => {
    const result = await stack.destroy();
    assert.deepEqual(result.resourceChanges, { delete: 4 });
    for (const [name, records] of Object.entries(emulator.state.collections)) {
      assert.deepEqual(records, {}, `collection ${name} is empty`);
    }
    assert.equal(emulator.state.pending.size, 0);
  });
});
