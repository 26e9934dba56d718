/**
 * Two `basphere serve` replicas with the REAL engine on one PostgreSQL database: the store and the stacks' state
 * (the CLI's postgres:// backend) are both there, each replica has a data folder and program copy of its own. The
 * router hangs one virtual-IP write, so one `pulumi up` is mid-create when its replica gets SIGKILL; the other
 * replica takes the operation over once the lease has expired: it kills the orphaned engine processes (same host),
 * cancels the stack's lock in the database, drops the pending create and runs the operation again. Every tenant
 * ends ready with its records exactly once on the router and no lock left in the state.
 */
import * as assert from "node:assert/strict";
import { isAlive } from "../../../automation/engine/processes";
import { Emulator, startEmulator } from "../../../providers/opnsense/emulator";
import { TestPostgres, pulumiStateKeys, startPostgres } from "../../../support/postgres";
import {
  ADMIN_TOKEN,
  ServeProcess,
  ServiceSandbox,
  client,
  emulatedAliases,
  emulatedVips,
  killProcessesWithEnv,
  programEnv,
  requireEngine,
  startServe,
  waitFor,
  waitOperation,
} from "../../../support/service";

describe("service e2e: two replicas with the real engine on one PostgreSQL (store and stack state)", function () {
  this.timeout(300000);
  let pg: TestPostgres;
  let url: string;
  let emulator: Emulator;
  const sandboxes: ServiceSandbox[] = [];
  const replicas: (ServeProcess | undefined)[] = [];

  function serve(i: number): Promise<ServeProcess> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...programEnv(emulator),
      BASPHERE_ADMIN_TOKEN: ADMIN_TOKEN,
      PULUMI_CONFIG_PASSPHRASE: "one-passphrase-of-every-replica",
      BASPHERE_LOG_LEVEL: "warn",
    };
    delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
    return startServe(sandboxes[i], {
      env,
      args: ["--store", url, "--replica-id", `real-${i}`, "--lease", "5s", "--concurrency", "2"],
    });
  }
  const stateKeys = () => pulumiStateKeys(url);

  before(async () => {
    await requireEngine();
    pg = await startPostgres();
    url = (await pg.database("real")).replace("postgres://", "postgresql://") + "?sslmode=disable";
    emulator = await startEmulator();
    sandboxes.push(new ServiceSandbox("replica0"), new ServiceSandbox("replica1"));
    replicas.push(await serve(0), await serve(1));
  });
  after(async () => {
    for (const r of replicas)
      if (r && r.child.exitCode === null) {
        r.child.kill("SIGKILL");
        await r.exited;
      }
    // Whatever happened, no engine process of this test is left: they all have the database's port in their env.
    const port = new URL(url).port;
    killProcessesWithEnv(`127.0.0.1:${port}/real`);
    await emulator?.close();
    await pg?.stop();
    for (const s of sandboxes) s.dispose();
  });

  it("creates on both replicas, a kill -9 mid-create taken over after the lease, every record once", async () => {
    emulator.failNext("/api/interfaces/vip_settings", "hang", 1);
    const names = ["p0", "p1", "p2", "p3"];
    const ops: string[] = [];
    for (const [i, name] of names.entries()) {
      const r = await client(replicas[i % 2]!.url)("POST", "/v1/tenants", {
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
    // Before the kill any replica answers for all (one database); after it, the survivor does.
    const req = client(replicas[1]!.url);
    // The hung create: the one operation still running once the three others are done; its replica from its events.
    const hung = await waitFor(
      "three creates done and one hung",
      async () => {
        const all = await Promise.all(ops.map(async (id) => (await req("GET", `/v1/operations/${id}`)).body));
        const running = all.filter((o) => o.status === "running");
        const done = all.filter((o) => o.status === "succeeded");
        return done.length === 3 && running.length === 1 ? running[0] : undefined;
      },
      180000,
    );
    const started = (await req("GET", `/v1/operations/${hung.id}/events`)).body.items.find(
      (e: { type: string }) => e.type === "operation.started",
    );
    const victim = Number(/^real-(\d)$/.exec(started.data.replica)![1]);
    const survivor = 1 - victim;
    assert.ok(
      (await stateKeys()).some((k) => k.includes("/locks/") && k.includes(`tenant-${hung.tenant}`)),
      "the hung engine holds its stack's lock in the database",
    );
    const tKill = Date.now();
    replicas[victim]!.child.kill("SIGKILL");
    await replicas[victim]!.exited;
    replicas[victim] = undefined;
    emulator.clearFailures();

    const fin = await waitOperation(client(replicas[survivor]!.url), hung.id, 180000);
    const tDone = Date.now();
    assert.equal(fin.status, "succeeded", fin.error);
    assert.equal(fin.attempt, 2);
    const events = (
      await client(replicas[survivor]!.url)("GET", `/v1/operations/${hung.id}/events?limit=1000`)
    ).body.items as { type: string; data: any; time: string }[];
    const rec = events.find((e) => e.type === "recovery.started");
    assert.equal(rec?.data.takenOverFrom, `real-${victim}`);
    assert.equal(rec?.data.replica, `real-${survivor}`);
    const engine = events.find((e) => e.type === "recovery.engine");
    assert.ok(engine, "recovery.engine recorded");
    assert.equal(engine.data.killedProcesses.length, 1, JSON.stringify(engine.data));
    assert.equal(engine.data.removedLocks.length, 1, JSON.stringify(engine.data));
    for (const k of engine.data.killedProcesses) assert.equal(isAlive(k.pid), false);
    const rerun = events.filter((e) => e.type === "operation.started").at(-1)!;
    const failoverMs = Date.parse(rerun.time) - tKill;
    assert.ok(failoverMs >= 4000 && failoverMs < 30000, `running again ${failoverMs} ms after the kill`);

    // Every tenant ready; each record exactly once on the router; no lock left in the state.
    const tenants = (await client(replicas[survivor]!.url)("GET", "/v1/tenants")).body.items;
    assert.deepEqual(tenants.map((t: { name: string }) => t.name).sort(), names);
    assert.ok(
      tenants.every((t: { status: string }) => t.status === "ready"),
      JSON.stringify(tenants),
    );
    const aliases = Object.keys(emulatedAliases(emulator)).sort();
    assert.equal(aliases.length, new Set(aliases).size);
    for (const n of names)
      assert.ok(
        aliases.some((a) => a.includes(n)),
        `alias of ${n}: ${aliases}`,
      );
    assert.equal(emulatedVips(emulator).length, names.length, "one virtual IP per tenant");
    assert.deepEqual(
      (await stateKeys()).filter((k) => k.includes("/locks/")),
      [],
    );
    process.stdout.write(
      `      real engine: failover ${failoverMs} ms (lease 5 s), operation done ${tDone - tKill} ms after the kill\n`,
    );
  });
});
