#!/usr/bin/env node
/* eslint-disable @typescript-eslint/no-require-imports */
"use strict";
/**
 * npm run bench:engine — numbers for the real engine (needs `npm run engine` and `npm run build`).
 *
 * 1. The same no-op `up` of the same stack on the same file backend, run alternately
 *    (a) bare: `pulumi up --yes --skip-preview --non-interactive --stack bench` spawned directly, and
 *    (b) through automation/engine (`EngineStack.up()`: one CLI process too, summary from its event log),
 *    and a changing `up` (one record rewritten) the same way. Prints medians and the ratio (goal <= 1.05).
 * 2. Program start of the real basphere program: precompiled dist/index.js vs the TypeScript sources
 *    (transpile-only require hook with the project's `typescript`, and the type-check that ts-node would add).
 *
 * Options (env): BENCH_RUNS (default 5), BENCH_RECORDS (default 5), BENCH_ONLY=up|start.
 */
const { spawnSync, spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const DIST = path.join(ROOT, "dist");
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const RECORDS = Number(process.env.BENCH_RECORDS ?? 5);

function load(rel) {
  const file = path.join(DIST, rel);
  if (!fs.existsSync(file + ".js")) {
    console.error(`bench:engine: ${file}.js is missing; run \`npm run build\` first`);
    process.exit(1);
  }
  return require(file);
}

const { Engine } = load("automation/engine/engine");
const { engineEnvironment } = load("automation/engine/environment");

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (ms) => `${(ms / 1000).toFixed(3)} s`;

function bareUp(env, cwd) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(
      path.join(env.binDir, "pulumi"),
      ["up", "--yes", "--skip-preview", "--non-interactive", "--color", "never", "--stack", "bench"],
      { cwd, env: { ...process.env, ...env.env }, stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code === 0) resolve(ms);
      else reject(new Error(`bare pulumi up exited ${code}: ${stderr}`));
    });
  });
}

async function timed(fn) {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function benchUp() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "basphere-bench-engine-"));
  try {
    const env = engineEnvironment({
      projectRoot: ROOT,
      dataDir: path.join(tmp, "data"),
      passphrase: "bench",
    });
    const workDir = path.join(tmp, "files");
    fs.cpSync(path.join(ROOT, "test", "e2e", "engine", "programs", "files"), workDir, { recursive: true });
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(workDir, "node_modules"), "dir");
    const out = path.join(tmp, "out");
    const records = (suffix) =>
      JSON.stringify(
        Object.fromEntries(Array.from({ length: RECORDS }, (_, i) => [`r${i}`, `v${i}${suffix}`])),
      );

    let t = process.hrtime.bigint();
    const engine = await Engine.open({ environment: env, workDir });
    const stack = await engine.stack("bench");
    const openMs = Number(process.hrtime.bigint() - t) / 1e6;
    await stack.setConfig({ "files:dir": out, "files:records": records("") });
    t = process.hrtime.bigint();
    await stack.up();
    const firstUpMs = Number(process.hrtime.bigint() - t) / 1e6;

    console.log(
      `engine: ${env.binDir}/pulumi v${stack.stack.workspace.pulumiVersion}, ${RECORDS} dynamic resources, ${RUNS} runs each`,
    );
    console.log(`  Engine.open + stack create/select: ${fmt(openMs)}; first up (creates): ${fmt(firstUpMs)}`);

    // No-op up: alternate to share any drift of the machine's load.
    const bare = [];
    const auto = [];
    for (let i = 0; i < RUNS; i++) {
      bare.push(await bareUp(env, workDir));
      auto.push(await timed(() => stack.up()));
    }
    report("no-op up", bare, auto);

    // Changing up: one record changes each time (alternating two values), done by config set outside the timing.
    const bareC = [];
    const autoC = [];
    for (let i = 0; i < RUNS; i++) {
      const changeOne = (v) => JSON.stringify({ ...JSON.parse(records("")), r0: `changed-${v}` });
      await stack.setConfig({ "files:records": changeOne(`bare${i}`) });
      bareC.push(await bareUp(env, workDir));
      await stack.setConfig({ "files:records": changeOne(`auto${i}`) });
      autoC.push(await timed(() => stack.up()));
    }
    report("up updating 1 record", bareC, autoC);

    await stack.destroy();
    await engine.removeStack("bench");
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function report(label, bare, auto) {
  const b = median(bare);
  const a = median(auto);
  console.log(`  ${label}: bare pulumi median ${fmt(b)} [${bare.map(fmt).join(", ")}]`);
  console.log(`  ${label}: automation/engine median ${fmt(a)} [${auto.map(fmt).join(", ")}]`);
  console.log(`  ${label}: ratio automation/bare = ${(a / b).toFixed(3)} (goal <= 1.05)`);
}

/**
 * Time to load the basphere program in a fresh node, JS vs TS (transpile-only), N runs each: index plus the
 * `tenant` stack module (index loads the stack kind lazily, and tenant is the kind the service runs most), i.e.
 * the module graph of a tenant run.
 */
function benchProgramStart() {
  const probe = (mode) => `
    const t0 = process.hrtime.bigint();
    process.on("unhandledRejection", () => {});
    if (${JSON.stringify(mode)} === "ts") {
      const ts = require("typescript");
      const fs = require("fs");
      const opts = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, resolveJsonModule: true };
      require.extensions[".ts"] = (m, file) => m._compile(ts.transpileModule(fs.readFileSync(file, "utf8"), { compilerOptions: opts, fileName: file }).outputText, file);
      require(${JSON.stringify(path.join(ROOT, "index.ts"))});
      require(${JSON.stringify(path.join(ROOT, "stacks", "tenant.ts"))});
    } else {
      require(${JSON.stringify(path.join(DIST, "index.js"))});
      require(${JSON.stringify(path.join(DIST, "stacks", "tenant.js"))});
    }
    process.stdout.write(String(Number(process.hrtime.bigint() - t0) / 1e6));
    process.exit(0);
  `;
  const run = (mode) => {
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ["-e", probe(mode)], { cwd: ROOT, encoding: "utf8" });
    const wall = Number(process.hrtime.bigint() - t) / 1e6;
    if (r.status !== 0) throw new Error(`program load (${mode}) failed: ${r.stderr}`);
    return { load: Number(r.stdout), wall };
  };
  const n = Math.max(3, RUNS);
  const js = Array.from({ length: n }, () => run("js"));
  const ts = Array.from({ length: n }, () => run("ts"));
  console.log(
    `program start (basphere index + stacks/tenant, ${n} runs each; require time / process wall time):`,
  );
  console.log(
    `  precompiled dist/index.js: ${fmt(median(js.map((x) => x.load)))} / ${fmt(median(js.map((x) => x.wall)))}`,
  );
  console.log(
    `  TypeScript, transpile-only: ${fmt(median(ts.map((x) => x.load)))} / ${fmt(median(ts.map((x) => x.wall)))}`,
  );

  // What ts-node's default (type-checking) mode adds on top: a type-check of the program's import graph.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "basphere-bench-tsc-"));
  try {
    const tsconfig = path.join(tmp, "tsconfig.json");
    fs.writeFileSync(
      tsconfig,
      JSON.stringify({
        extends: path.join(ROOT, "tsconfig.json"),
        compilerOptions: {
          noEmit: true,
          types: ["node"],
          typeRoots: [path.join(ROOT, "node_modules", "@types")],
        },
        files: [path.join(ROOT, "index.ts"), path.join(ROOT, "stacks", "tenant.ts")],
        include: [],
      }),
    );
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", tsconfig], {
      cwd: ROOT,
      encoding: "utf8",
    });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    console.log(
      `  type-check of index + stacks/tenant sources (tsc --noEmit, what ts-node adds unless transpile-only): ${fmt(ms)}${r.status === 0 ? "" : ` (tsc reported errors: ${r.stdout.split("\n")[0]})`}`,
    );
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

(async () => {
  if (process.env.BENCH_ONLY !== "start") await benchUp();
  if (process.env.BENCH_ONLY !== "up") benchProgramStart();
})().catch((err) => {
  console.error(`bench:engine failed: ${err.message}`);
  process.exit(1);
});
