/**
 * `npm run bench:plan`: offline plan speed. Loads the program once, then plans each example stack config
 * repeatedly in-process and prints the first (cold) run and the median / p95 of the warm runs.
 * Goal from the Foundation issue: a full tenant in <= 100 ms in-process after load.
 */
import { join, resolve } from "node:path";
import { plan } from "../automation/plan/plan";
import { readStackFile } from "../automation/plan/stackFile";

const root = resolve(__dirname, "../..");
const runs = Number(process.env.BENCH_RUNS ?? 20);

async function main(): Promise<void> {
  const files = process.argv.slice(2).length
    ? process.argv.slice(2)
    : ["Pulumi.tenant-full.yaml", "Pulumi.tenant-small.yaml", "Pulumi.onprem.yaml", "Pulumi.oci.yaml"].map(
        (f) => join(root, "stacks", f),
      );
  for (const file of files) {
    const sc = readStackFile(file);
    const times: number[] = [];
    let count = 0;
    for (let i = 0; i < runs + 1; i++) {
      const r = await plan({ stackConfig: sc });
      times.push(r.durationMs);
      count = r.resources.length;
    }
    const warm = times.slice(1).sort((a, b) => a - b);
    const median = warm[Math.floor(warm.length / 2)];
    const p95 = warm[Math.min(warm.length - 1, Math.floor(warm.length * 0.95))];
    console.log(
      `${sc.stack.padEnd(14)} ${String(count).padStart(3)} resources  cold ${times[0].toFixed(1)} ms  warm median ${median.toFixed(1)} ms  p95 ${p95.toFixed(1)} ms  (${runs} runs)`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
