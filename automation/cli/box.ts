/**
 * `basphere box up|down|status`: the datacenter in a box (box/box.ts) under the data folder. `up` starts what is not
 * running and brings the box's `onprem` stack up, so tenant stacks of a service on the same data folder find it;
 * `down` stops exactly the processes `up` recorded.
 */
import { Command } from "commander";
import * as path from "node:path";

interface BoxCliOptions {
  dataDir: string;
  json?: boolean;
  wanNet?: string;
}

export function registerBoxCommand(program: Command): void {
  const box = program
    .command("box")
    .description("the datacenter in a box: real Kubernetes control plane, vcsim, simulators (loopback only)");
  const dataDir = (c: Command) =>
    c.option("-d, --data-dir <dir>", "data folder", process.env.BASPHERE_DATA_DIR ?? ".data");

  dataDir(box.command("up").description("start the box (or keep the running one) and its onprem stack"))
    .option(
      "--wan-net <a.b.c>",
      "the box's loopback WAN /24, first three octets (default 127.0.200; kept once chosen)",
    )
    .action(async (opts: BoxCliOptions) => {
      const { boxUp } = await import("../../box/box");
      const { openBoxEngine, upBoxOnpremStack } = await import("../../box/onpremStack");
      const { findProjectRoot } = await import("../engine/environment");
      const projectRoot = findProjectRoot(__dirname);
      const dir = path.resolve(opts.dataDir);
      const t0 = Date.now();
      const { state, reused } = await boxUp({
        dataDir: dir,
        projectRoot,
        wanNet: opts.wanNet,
        log: (l) => process.stderr.write(l + "\n"),
      });
      process.stderr.write(reused ? "box: already running\n" : "box: started\n");
      const engine = await openBoxEngine(dir, projectRoot, state);
      const changes = await upBoxOnpremStack(engine, state, projectRoot);
      process.stderr.write(
        `box: onprem stack up (${JSON.stringify(changes)}); ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n` +
          `  kubeconfig: ${state.kubernetes.kubeconfig}\n  vCenter:    ${state.vcenter.url}\n`,
      );
    });
  dataDir(box.command("down").description("stop the box's processes (its data stays)")).action(
    async (opts: BoxCliOptions) => {
      const { boxDown } = await import("../../box/box");
      const stopped = await boxDown({ dataDir: path.resolve(opts.dataDir) });
      process.stderr.write(stopped.length ? `box: stopped ${stopped.join(", ")}\n` : "box: not running\n");
    },
  );
  dataDir(box.command("status").description("the box's processes, endpoints and memory"))
    .option("--json", "JSON output")
    .action(async (opts: BoxCliOptions) => {
      const { boxStatus } = await import("../../box/box");
      const s = boxStatus({ dataDir: path.resolve(opts.dataDir) });
      if (opts.json) {
        process.stdout.write(JSON.stringify(s, null, 2) + "\n");
      } else {
        process.stdout.write(`box: ${s.running ? "running" : "not running"}\n`);
        for (const p of s.processes)
          process.stdout.write(
            `  ${p.name.padEnd(24)} pid ${String(p.pid).padEnd(8)} ${p.alive ? `${p.rssMiB} MiB` : "gone"}\n`,
          );
        if (s.kubernetes)
          process.stdout.write(`  kubernetes ${s.kubernetes.server} (${s.kubernetes.kubeconfig})\n`);
        if (s.vcenter) process.stdout.write(`  vcenter    ${s.vcenter}\n  routers    ${s.routers}\n`);
        if (s.vsphere)
          process.stdout.write(
            `  vsphere    ${s.vsphere.virtualMachines} VMs, ${s.vsphere.portGroups} port groups, ` +
              `${s.vsphere.folders} folders (simulator)\n`,
          );
        process.stdout.write(`  total RSS  ${s.totalRssMiB} MiB\n`);
      }
      if (!s.running) process.exitCode = 3;
    });
}
