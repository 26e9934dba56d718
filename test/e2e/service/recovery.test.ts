/**
 * Restart recovery with the real engine. The service runs as a child process (`basphere serve`) on the test
 * program; 10 tenant creates are queued; the router hangs on the first virtual-IP writes so that two `pulumi`
 * processes are mid-create (pending operations in their checkpoints) when the service gets SIGKILL. Those engine
 * processes outlive it (orphans holding the stack locks). The restarted service must kill them (their pids are
 * recorded in the operation rows), clear the locks and pending operations, and finish every operation: all
 * terminal, no lock left, no tenant lost, no allocation leaked, every record exactly once on the router.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { engineEnvironment } from "../../../automation/engine/environment";
import { isAlive, listProcesses, processTree, sessionMembers } from "../../../automation/engine/processes";
import { Emulator, startEmulator } from "../../../providers/opnsense/emulator";
import {
  ADMIN_TOKEN,
  PROJECT_ROOT,
  ServeProcess,
  ServiceSandbox,
  TERMINAL,
  client,
  emulatedAliases,
  emulatedVips,
  enginePulumiProcesses,
  killProcessesWithEnv,
  programEnv,
  requireEngine,
  startServe,
  waitFor,
  waitOperation,
} from "../../../support/service";

describe("service e2e: SIGKILL of the service and restart recovery with the real engine", function () {
  this.timeout(240000);
  let sandbox: ServiceSandbox;
  let emulator: Emulator;
  let svc: ServeProcess | undefined;
  const binDir = path.join(PROJECT_ROOT, ".pulumi-root", "bin");

  /** Starts `basphere serve` on the sandbox's data folder with the generated passphrase; resolves once it listens. */
  function serve(): Promise<ServeProcess> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...programEnv(emulator),
      BASPHERE_ADMIN_TOKEN: ADMIN_TOKEN,
      BASPHERE_LOG_LEVEL: "warn",
    };
    delete env.PULUMI_CONFIG_PASSPHRASE; // the generated passphrase of the data folder
    delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
    return startServe(sandbox, { env, args: ["--concurrency", "2"] });
  }

  /** Checkpoints of the backend that have pending operations (creates in flight). */
  function stacksWithPendingOperations(): string[] {
    const dir = path.join(sandbox.backendDir, ".pulumi", "stacks", "basphere");
    return sandbox.stacks().filter((s) => {
      try {
        const c = JSON.parse(fs.readFileSync(path.join(dir, `${s}.json`), "utf8"));
        return (c.checkpoint?.latest?.pending_operations ?? []).length > 0;
      } catch {
        return false;
      }
    });
  }

  before(async () => {
    await requireEngine();
    emulator = await startEmulator();
    sandbox = new ServiceSandbox("recovery");
  });

  after(async () => {
    if (svc && svc.child.exitCode === null) {
      svc.child.kill("SIGKILL");
      await svc.exited;
    }
    // Never leave processes of this sandbox behind, whatever happened: everything the services started has the
    // sandbox's backend in its environment (PULUMI_BACKEND_URL), including re-parented dynamic providers.
    if (sandbox) killProcessesWithEnv(sandbox.backendDir);
    await emulator?.close();
    sandbox?.dispose();
  });

  it("finishes every operation after a kill -9 mid-operation, with no lock, no orphan and no leak", async () => {
    const t0 = Date.now();
    svc = await serve();
    const first = svc;
    const req1 = client(first.url);
    const tStarted = Date.now();
    assert.match(first.stderr(), /generated a secrets passphrase/);

    // The first two virtual-IP writes never get an answer: their creates stay in flight.
    emulator.failNext("/api/interfaces/vip_settings", "hang", 2);
    const names = Array.from({ length: 10 }, (_, i) => `r${i}`);
    const ops: string[] = [];
    for (const [i, name] of names.entries()) {
      const r = await req1("POST", "/v1/tenants", {
        body: {
          name,
          spec: {
            vms: [{ name: "app", address: `10.0.1.${20 + i}` }],
            floatingIps: [{ name: "app", target: "app" }],
          },
        },
      });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      ops.push(r.body.operation.id);
    }

    // Kill when two engine processes of the service are mid-create (pending operations in their checkpoints).
    await waitFor(
      "two creates in flight",
      () => (stacksWithPendingOperations().length >= 2 ? true : undefined),
      90000,
    );
    const orphans = enginePulumiProcesses(binDir).filter((p) => p.ppid === first.child.pid);
    assert.equal(orphans.length, 2, JSON.stringify(orphans));
    // Each engine process leads a session of its own with what it started (language host, program, provider).
    const sessions = orphans.map((o) => sessionMembers(o.pid).map((p) => p.pid));
    for (const [i, o] of orphans.entries())
      assert.deepEqual(
        [...sessions[i]].sort(),
        processTree(o.pid)
          .map((p) => p.pid)
          .sort(),
        "the session holds the engine's whole process tree",
      );
    assert.ok(
      sessions.every((m) => m.length >= 5),
      `pulumi, language host, program, provider: ${sessions}`,
    );
    const tKill = Date.now();
    first.child.kill("SIGKILL");
    await first.exited;
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(
      orphans.every((o) => isAlive(o.pid)),
      "the engine processes outlived the SIGKILLed service (orphans)",
    );
    const lockedBefore = sandbox.locks().filter((f) => f.endsWith(".json"));
    assert.equal(lockedBefore.length, 2, `the orphans hold their stacks' locks: ${lockedBefore}`);
    emulator.clearFailures();

    // Restart on the same data folder.
    svc = await serve();
    const tRestarted = Date.now();
    const req = client(svc.url);
    for (const o of orphans) assert.equal(isAlive(o.pid), false, `orphan ${o.pid} is gone`);
    const left = sessions
      .flat()
      .filter((pid) => listProcesses().some((p) => p.pid === pid && p.state !== "Z"));
    assert.deepEqual(left, [], "nothing the killed service's engine processes started is left running");

    const finished = [];
    for (const id of ops) finished.push(await waitOperation(req, id, 180000));
    const tDone = Date.now();
    for (const op of finished) assert.ok(TERMINAL.includes(op.status));
    const failed = finished.filter((o) => o.status !== "succeeded");
    assert.deepEqual(
      failed.map((o) => `${o.tenant}: ${o.status} ${o.error}`),
      [],
      "every create was resumed to completion",
    );
    const resumed = finished.filter((o) => o.attempt > 1).map((o) => o.tenant);
    assert.equal(resumed.length, 2, `the two interrupted creates ran again: ${resumed}`);

    // Recovery recorded what it did to the interrupted ones.
    for (const op of finished.filter((o) => o.attempt > 1)) {
      const events = (await req("GET", `/v1/operations/${op.id}/events?limit=1000`)).body.items;
      const rec = events.find((e: { type: string }) => e.type === "recovery.engine");
      assert.ok(rec, `operation ${op.id} has a recovery.engine event`);
      assert.equal(rec.data.killedProcesses.length, 1, JSON.stringify(rec.data));
      assert.ok(orphans.some((o) => o.pid === rec.data.killedProcesses[0].pid));
      assert.equal(rec.data.removedLocks.length, 1, JSON.stringify(rec.data));
      assert.ok(events.some((e: { type: string }) => e.type === "recovery.requeued"));
    }

    // No tenant lost, all ready; allocations are exactly those of the live tenants.
    const tenants = (await req("GET", "/v1/tenants")).body.items;
    assert.deepEqual(tenants.map((t: { name: string }) => t.name).sort(), names);
    assert.ok(
      tenants.every((t: { status: string }) => t.status === "ready"),
      JSON.stringify(tenants),
    );
    const rows = await allocationRows(req, names);
    const floating = rows.flatMap((t) => t.floatingIps.map((f: { address: string }) => f.address)).sort();
    assert.equal(floating.length, 10);
    assert.equal(new Set(floating).size, 10);
    const metrics = (await req("GET", "/v1/metrics")).body as string;
    assert.match(metrics, /basphere_pool_allocated\{pool="floatingIp"\} 10\b/);
    assert.match(metrics, /basphere_pool_allocated\{pool="vlan"\} 20\b/);
    assert.match(metrics, /basphere_pool_allocated\{pool="routerWan"\} 10\b/);

    // Every record exactly once on the router, matching the allocations.
    assert.deepEqual(emulatedVips(emulator), floating);
    assert.deepEqual(Object.keys(emulatedAliases(emulator)).sort(), names.map((n) => `t_${n}_app`).sort());
    assert.equal(emulator.state.pending.size, 0);

    // Stop it cleanly; nothing locked, no engine process left, every stack listed by the engine.
    svc.child.kill("SIGTERM");
    assert.equal(await svc.exited, 0);
    assert.deepEqual(sandbox.locks(), []);
    assert.deepEqual(
      enginePulumiProcesses(binDir).filter((p) => orphans.some((o) => o.pid === p.pid)),
      [],
    );
    const e = engineEnvironment({
      projectRoot: PROJECT_ROOT,
      dataDir: sandbox.dataDir,
      passphraseFile: path.join(sandbox.dataDir, "pulumi-passphrase"),
    });
    const ls = spawnSync(path.join(binDir, "pulumi"), ["stack", "ls", "--json"], {
      cwd: sandbox.programDir,
      env: { ...process.env, ...e.env },
      encoding: "utf8",
    });
    assert.equal(ls.status, 0, ls.stderr);
    const stacks = JSON.parse(ls.stdout) as { name: string; updateInProgress?: boolean }[];
    assert.deepEqual(stacks.map((s) => s.name).sort(), names.map((n) => `tenant-${n}`).sort());
    assert.ok(
      stacks.every((s) => !s.updateInProgress),
      JSON.stringify(stacks),
    );

    const s = (a: number, b: number) => ((b - a) / 1000).toFixed(1);
    console.log(
      `      start ${s(t0, tStarted)} s, queue→kill ${s(tStarted, tKill)} s, restart+recovery ${s(tKill, tRestarted)} s, ` +
        `restart→all 10 done ${s(tRestarted, tDone)} s, total ${s(t0, tDone)} s`,
    );
  });
});

/** Allocations of each tenant, through the API. */
async function allocationRows(req: ReturnType<typeof client>, names: string[]) {
  const out = [];
  for (const n of names) out.push((await req("GET", `/v1/tenants/${n}`)).body.allocations);
  return out;
}
