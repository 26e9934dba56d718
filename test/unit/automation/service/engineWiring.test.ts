/**
 * The service's side of the real engine, without running it: the secrets passphrase default, the service's own
 * Pulumi project in the data folder, the adapter from automation/engine to the worker's driver interface, and the
 * worker recording engine processes and handing them to recovery.
 */
import { hostname } from "node:os";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as YAML from "yaml";
import type { EngineEvent as PulumiEngineEvent } from "@pulumi/pulumi/automation";
import { resolvePassphrase } from "../../../../automation/service/dataDir";
import {
  EngineLike,
  EngineOpOptions,
  EngineStackLike,
  engineDriver,
} from "../../../../automation/service/engineAdapter";
import { writeServiceProject } from "../../../../automation/service/realEngine";
import { SqliteStore } from "../../../../automation/store/sqliteStore";
import { EngineDriver, EngineProcess, TenantStackConfig } from "../../../../automation/worker/engineDriver";
import { Worker } from "../../../../automation/worker/worker";
import { demandOfSpec } from "../../../../automation/allocator/demand";
import { tempDir } from "../../../../support/serviceApp";

const CONFIG: TenantStackConfig = {
  "basphere:kind": "tenant",
  "basphere:tenant": { name: "acme", vms: [] },
  "basphere:allocations": { lan1VlanId: 100, lan2VlanId: 101, floatingIps: [] },
};

describe("service wiring of the real engine", () => {
  let dir: string;
  beforeEach(() => (dir = tempDir("basphere-wiring-")));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe("resolvePassphrase", () => {
    it("uses PULUMI_CONFIG_PASSPHRASE when set, writing nothing", () => {
      assert.deepEqual(resolvePassphrase(dir, { PULUMI_CONFIG_PASSPHRASE: "from-env" }), {
        kind: "env",
        generated: false,
      });
      assert.throws(() => statSync(join(dir, "pulumi-passphrase")));
    });

    it("uses PULUMI_CONFIG_PASSPHRASE_FILE, naming the variable when the file is missing", () => {
      const file = join(dir, "pp");
      assert.throws(
        () => resolvePassphrase(dir, { PULUMI_CONFIG_PASSPHRASE_FILE: file }),
        /PULUMI_CONFIG_PASSPHRASE_FILE: .*pp does not exist/,
      );
      writeFileSync(file, "a-passphrase-from-a-file\n");
      assert.deepEqual(resolvePassphrase(dir, { PULUMI_CONFIG_PASSPHRASE_FILE: file }), {
        kind: "env-file",
        file,
        generated: false,
      });
    });

    it("generates a 0600 passphrase file in the data folder once, then reuses it", () => {
      const first = resolvePassphrase(dir, {});
      const file = join(dir, "pulumi-passphrase");
      assert.deepEqual(first, { kind: "data-dir", file, generated: true });
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const value = readFileSync(file, "utf8").trim();
      assert.match(value, /^[A-Za-z0-9_-]{43}$/, "256 random bits, base64url");
      assert.deepEqual(resolvePassphrase(dir, {}), { kind: "data-dir", file, generated: false });
      assert.equal(readFileSync(file, "utf8").trim(), value, "not regenerated");
      writeFileSync(file, "short\n");
      assert.throws(() => resolvePassphrase(dir, {}), /holds no usable passphrase/);
    });
  });

  describe("writeServiceProject", () => {
    it("points main at the program, keeps name and runtime, drops stackConfigDir", () => {
      const program = join(dir, "src", "program");
      mkdirSync(program, { recursive: true });
      writeFileSync(
        join(program, "Pulumi.yaml"),
        "name: basphere\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nstackConfigDir: stacks\n",
      );
      const data = join(dir, "data");
      const project = writeServiceProject(data, program);
      assert.equal(project, join(data, "project"));
      const doc = YAML.parse(readFileSync(join(project, "Pulumi.yaml"), "utf8"));
      assert.deepEqual(doc, {
        name: "basphere",
        runtime: { name: "nodejs", options: { typescript: false } },
        main: "../../src/program",
      });
      assert.equal(resolve(project, doc.main), program);
    });

    it("names the folder when the program has no Pulumi.yaml", () => {
      assert.throws(
        () => writeServiceProject(join(dir, "data"), join(dir, "none")),
        /none: cannot read Pulumi.yaml/,
      );
    });
  });

  describe("engineDriver (adapter over automation/engine)", () => {
    /** A recording stand-in of automation/engine's Engine and stack handle. */
    function fakeEngine(events: PulumiEngineEvent[], result: unknown) {
      const calls: string[] = [];
      const configs: Record<string, string>[] = [];
      let lastOpts: EngineOpOptions | undefined;
      const stack: EngineStackLike = {
        async setConfig(v) {
          configs.push(v);
        },
        async outputs() {
          return { plain: { value: 1 }, key: { value: "s3cr3t", secret: true } };
        },
        up: (o) => op("up", o),
        preview: (o) => op("preview", o),
        refresh: (o) => op("refresh", o),
        destroy: (o) => op("destroy", o),
      };
      async function op(kind: string, o: EngineOpOptions) {
        calls.push(kind);
        lastOpts = o;
        o.onSpawn?.({ pid: 4242, startTime: 99 });
        for (const e of events) o.onEvent?.(e);
        return result;
      }
      const engine: EngineLike & { recovered: unknown[] } = {
        recovered: [],
        async stack() {
          return stack;
        },
        async removeStack(name) {
          calls.push(`rm ${name}`);
        },
        async recover(name, opts) {
          engine.recovered.push({ name, opts });
          return { actions: ["nothing to recover"] };
        },
      };
      return { engine, calls, configs, lastOpts: () => lastOpts };
    }

    const meta = (op: string, type: string, name: string) => ({
      op: op as never,
      type,
      urn: `urn:pulumi:tenant-acme::basphere::${type}::${name}`,
      provider: "",
    });

    it("writes the three config keys, reports the process, maps events and returns changes and steps", async () => {
      const events: PulumiEngineEvent[] = [
        {
          sequence: 1,
          timestamp: 0,
          diagnosticEvent: { message: "rpc trace", color: "never", severity: "debug" as never },
        },
        {
          sequence: 2,
          timestamp: 0,
          resourcePreEvent: { metadata: meta("same", "pulumi:pulumi:Stack", "basphere-tenant-acme") },
        },
        {
          sequence: 3,
          timestamp: 0,
          resourcePreEvent: { metadata: meta("update", "pulumi-nodejs:dynamic/opnsense:Alias", "vm-db") },
        },
        {
          sequence: 4,
          timestamp: 0,
          resOutputsEvent: {
            metadata: {
              ...meta("update", "pulumi-nodejs:dynamic/opnsense:Alias", "vm-db"),
              diffs: ["description"],
            },
          },
        },
        {
          sequence: 5,
          timestamp: 0,
          diagnosticEvent: { message: "boom\n", color: "never", severity: "error" },
        },
        {
          sequence: 6,
          timestamp: 0,
          summaryEvent: {
            maybeCorrupt: false,
            durationSeconds: 2,
            resourceChanges: { update: 1, same: 1 },
            policyPacks: {},
          },
        },
      ];
      const f = fakeEngine(events, {
        resourceChanges: { update: 1, same: 1 },
        durationSeconds: 2,
        elapsedMs: 2100,
        stdout: "Previewing update (tenant-acme)\n ~ vm-db update\n",
      });
      const driver = engineDriver(f.engine);
      const recorded: { type: string; message?: string; data?: unknown }[] = [];
      const processes: EngineProcess[] = [];
      const r = await driver.preview(
        "tenant-acme",
        CONFIG,
        (e) => recorded.push(e),
        new AbortController().signal,
        (p) => processes.push(p),
      );
      assert.deepEqual(f.configs, [
        {
          "basphere:kind": "tenant",
          "basphere:tenant": JSON.stringify(CONFIG["basphere:tenant"]),
          "basphere:allocations": JSON.stringify(CONFIG["basphere:allocations"]),
        },
      ]);
      assert.deepEqual(processes, [{ pid: 4242, startTime: 99 }]);
      assert.deepEqual(r.changes, { update: 1, same: 1 });
      assert.deepEqual(r.steps, [
        { op: "update", type: "pulumi-nodejs:dynamic/opnsense:Alias", name: "vm-db", diffs: ["description"] },
      ]);
      assert.equal(r.elapsedMs, 2100);
      assert.match(String(r.diff), /vm-db update/);
      assert.deepEqual(
        recorded.map((e) => e.type),
        ["resourcePre", "resourcePre", "resOutputs", "diagnostic", "summary"],
        "debug diagnostics are not recorded",
      );
      assert.equal(recorded[3].message, "boom");
      const up = await driver.up("tenant-acme", CONFIG, () => {}, new AbortController().signal);
      assert.equal(up.diff, undefined, "only previews carry the human-readable diff");
    });

    it("refuses to start an operation whose signal already fired", async () => {
      const f = fakeEngine([], { resourceChanges: {} });
      const c = new AbortController();
      c.abort();
      await assert.rejects(
        driver(f).up("tenant-acme", CONFIG, () => {}, c.signal),
        /cancelled before it started/,
      );
      assert.deepEqual(f.calls, []);
      function driver(x: typeof f): EngineDriver {
        return engineDriver(x.engine);
      }
    });

    it("passes the recorded processes to recovery and keeps secrets marked in outputs", async () => {
      const f = fakeEngine([], { resourceChanges: {} });
      const driver = engineDriver(f.engine);
      const report = await driver.recover("tenant-acme", [{ pid: 7, startTime: 8 }]);
      assert.deepEqual(report.actions, ["nothing to recover"]);
      assert.deepEqual(f.engine.recovered, [
        { name: "tenant-acme", opts: { orphans: [{ pid: 7, startTime: 8 }] } },
      ]);
      assert.deepEqual(await driver.outputs("tenant-acme"), {
        plain: { value: 1, secret: false },
        key: { value: "s3cr3t", secret: true },
      });
    });
  });

  describe("worker and engine processes", () => {
    it("records each engine process in the operation row and hands them to recovery after a crash", async () => {
      const store = new SqliteStore({ path: join(dir, "db.sqlite") });
      const recovered: { stack: string; orphans?: EngineProcess[] }[] = [];
      const hanging: EngineDriver = {
        async up(_s, _c, _e, signal, onProcess) {
          onProcess?.({ pid: 1234, startTime: 5678 });
          await new Promise((_, reject) =>
            signal.addEventListener("abort", () => reject(new Error("aborted"))),
          );
          return {};
        },
        preview: async () => ({}),
        drift: async () => ({}),
        refresh: async () => ({}),
        destroy: async () => ({}),
        removeStack: async () => {},
        async recover(stack, orphans) {
          recovered.push({ stack, orphans });
          return { actions: ["killed"] };
        },
        outputs: async () => ({}),
      };
      const spec = { name: "acme", vms: [], floatingIps: [] };
      const { operation } = await store.createTenant({
        name: "acme",
        spec,
        tokenHash: "x",
        demand: demandOfSpec(spec),
        requestedBy: "admin",
      });
      const w1 = new Worker({ store, driver: hanging, pollIntervalMs: 10 });
      await w1.start();
      for (let i = 0; i < 200 && (await store.getOperation(operation.id))!.engineProcesses.length === 0; i++)
        await new Promise((r) => setTimeout(r, 10));
      // Recorded with this replica's host: only a replica of the same host may kill them at recovery.
      assert.deepEqual((await store.getOperation(operation.id))!.engineProcesses, [
        { host: hostname(), pid: 1234, startTime: 5678 },
      ]);
      await w1.stop(0); // interrupted: left running, as after a crash

      const w2 = new Worker({ store, driver: hanging, pollIntervalMs: 10, recovery: { policy: "fail" } });
      await w2.recover();
      assert.deepEqual(recovered, [
        { stack: "tenant-acme", orphans: [{ host: hostname(), pid: 1234, startTime: 5678 }] },
      ]);
      const op = (await store.getOperation(operation.id))!;
      assert.equal(op.status, "failed");
      assert.match(op.error!, /engine recovery: killed/);
      store.close();
    });

    it("leaves engine processes of another host to that replica: never handed to this host's recovery", async () => {
      const store = new SqliteStore({ path: join(dir, "db-hosts.sqlite") });
      const recovered: (EngineProcess[] | undefined)[] = [];
      const driver = {
        recover: async (_stack: string, orphans?: EngineProcess[]) => {
          recovered.push(orphans);
          return { actions: ["nothing to recover"] };
        },
      } as unknown as EngineDriver;
      const spec = { name: "acme", floatingIps: [] };
      const { operation } = await store.createTenant({
        name: "acme",
        spec,
        tokenHash: "x",
        demand: demandOfSpec(spec),
        requestedBy: "admin",
      });
      await store.claimNext(1, { lease: { owner: "elsewhere", ms: 60000 } });
      await store.addEngineProcess(operation.id, { host: "other-host", pid: 4321, startTime: 1 });
      await store.addEngineProcess(operation.id, { host: hostname(), pid: 1234, startTime: 5678 });
      const w = new Worker({ store, driver, recovery: { policy: "fail" } });
      await w.recover();
      assert.deepEqual(recovered, [[{ host: hostname(), pid: 1234, startTime: 5678 }]]);
      const events = await store.listEvents(operation.id, 0, 100);
      const rec = events.find((e) => e.type === "recovery.engine")!.data as { actions: string[] };
      assert.ok(rec.actions.includes("1 engine process(es) of another host left to that replica's fencing"));
      await store.close();
    });

    it("forgets the processes of an attempt when it is requeued", async () => {
      const store = new SqliteStore({ path: join(dir, "db.sqlite") });
      const spec = { name: "acme", vms: [], floatingIps: [] };
      const { operation } = await store.createTenant({
        name: "acme",
        spec,
        tokenHash: "x",
        demand: demandOfSpec(spec),
        requestedBy: "admin",
      });
      await assert.rejects(store.addEngineProcess(operation.id, { pid: 1, startTime: 2 }), /is not running/);
      await store.claimNext(1);
      await store.addEngineProcess(operation.id, { pid: 1, startTime: 2 });
      await assert.rejects(
        store.addEngineProcess(operation.id, { pid: -1, startTime: 2 }),
        /must be integers/,
      );
      const again = await store.requeue(operation.id);
      assert.deepEqual(again.engineProcesses, []);
      assert.equal(again.attempt, 2);
      store.close();
    });
  });
});
