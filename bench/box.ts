/**
 * Benchmark of the datacenter in a box (`npm run bench:box`): box start cold (empty data folder) and warm (same
 * folder, processes restarted), then the full example tenant (stacks/Pulumi.tenant-full.yaml) created and destroyed
 * through `basphere serve --box`, with:
 *  - wall time of the create and of the destroy (operation start → end, from the service);
 *  - CPU seconds of each operation: the service process's own and reaped children's CPU (/proc/<pid>/stat utime,
 *    stime, cutime, cstime) before and after, i.e. the engine CLI, language host, Node program, plugins;
 *  - peak RSS of the operation's processes (every descendant of the service, summed, sampled every 100 ms) and of
 *    the box (its five processes, summed).
 * One JSON object on stdout; progress on stderr.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { boxDown, boxUp, rssKiB } from "../box/box";
import { processTree } from "../automation/engine/processes";
import { client, waitOperation } from "../support/service";
import { ADMIN_TOKEN, BoxSandbox, PROJECT_ROOT, requireEngine, startBoxServe } from "../support/box";

const TICK = 100; // clock ticks per second (Linux USER_HZ)

function cpuSeconds(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const v = f.slice(f.lastIndexOf(")") + 2).split(" ");
  return (Number(v[11]) + Number(v[12]) + Number(v[13]) + Number(v[14])) / TICK;
}

async function main(): Promise<void> {
  await requireEngine();
  const log = (s: string) => process.stderr.write(`bench:box: ${s}\n`);
  const sandbox = new BoxSandbox();
  try {
    const t0 = Date.now();
    await sandbox.up();
    const cold = { boxSeconds: sandbox.startSeconds, withOnpremStackSeconds: (Date.now() - t0) / 1000 };
    log(
      `cold start ${cold.boxSeconds.toFixed(1)} s (with the onprem stack ${cold.withOnpremStackSeconds.toFixed(1)} s)`,
    );
    await boxDown({ dataDir: sandbox.dataDir });
    const warmUp = await boxUp({ dataDir: sandbox.dataDir, projectRoot: PROJECT_ROOT });
    sandbox.state = warmUp.state;
    log(`warm start ${warmUp.seconds.toFixed(1)} s`);

    const serve = await startBoxServe(sandbox);
    const pid = serve.child.pid!;
    const req = client(serve.url, ADMIN_TOKEN);
    let peakOp = 0;
    let peakBox = 0;
    /** Peak summed RSS by kind of process (binary, or the script a node process runs). */
    let byKind: Record<string, number> = {};
    const kindOf = (argv: string[]) => {
      const bin = path.basename(argv[0] ?? "?");
      if (bin !== "node") return bin;
      const script = argv.find((a, i) => i > 0 && !a.startsWith("-")) ?? "";
      return `node ${path.relative(PROJECT_ROOT, script)}`;
    };
    const sampler = setInterval(() => {
      const tree = processTree(pid).filter((p) => p.pid !== pid);
      const now: Record<string, number> = {};
      for (const p of tree) now[kindOf(p.argv)] = (now[kindOf(p.argv)] ?? 0) + rssKiB(p.pid);
      for (const [k, v] of Object.entries(now)) byKind[k] = Math.max(byKind[k] ?? 0, v);
      peakOp = Math.max(
        peakOp,
        tree.reduce((a, p) => a + rssKiB(p.pid), 0),
      );
      peakBox = Math.max(
        peakBox,
        sandbox.state.processes.reduce((a, p) => a + rssKiB(p.pid), 0),
      );
    }, 100);

    const example = YAML.parse(
      fs.readFileSync(path.join(PROJECT_ROOT, "stacks/Pulumi.tenant-full.yaml"), "utf8"),
    ).config["basphere:tenant"];
    const { name: _n, ...spec } = example;
    const run = async (what: string, send: () => Promise<{ status: number; body: any }>) => {
      peakOp = 0;
      byKind = {};
      const cpu0 = cpuSeconds(pid);
      const r = await send();
      if (r.status !== 202) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
      const op = await waitOperation(req, r.body.operation.id, 20 * 60_000);
      if (op.status !== "succeeded") throw new Error(`${what} failed: ${op.error}`);
      const wall = (Date.parse(op.finishedAt) - Date.parse(op.startedAt)) / 1000;
      const result = {
        wallSeconds: wall,
        cpuSeconds: Number((cpuSeconds(pid) - cpu0).toFixed(2)),
        peakRssMiB: Math.round(peakOp / 1024),
        peakRssMiBByKind: Object.fromEntries(
          Object.entries(byKind)
            .sort((a, b) => b[1] - a[1])
            .map(([k, v]) => [k, Math.round(v / 1024)]),
        ),
        changes: op.result?.changes,
      };
      log(`${what}: ${JSON.stringify(result)}`);
      return result;
    };
    const create = await run("create full tenant", () =>
      req("POST", "/v1/tenants", { body: { name: "full", spec } }),
    );
    const destroy = await run("delete full tenant", () => req("DELETE", "/v1/tenants/full"));
    clearInterval(sampler);
    await serve.stop();
    const out = {
      boxStart: { cold, warmSeconds: warmUp.seconds },
      create,
      destroy,
      boxPeakRssMiB: Math.round(peakBox / 1024),
    };
    process.stdout.write(JSON.stringify(out, null, 2) + "\n");
  } finally {
    await sandbox.down();
    sandbox.dispose();
  }
}

main().catch((e) => {
  process.stderr.write(`bench:box: ${e?.stack ?? e}\n`);
  process.exit(1);
});
