/**
 * `basphere preview-pr`: the real preview of every example stack a change touches, on a datacenter in a box of its
 * own. Per tenant stack the base (a built checkout of the base branch, its stack file) is `up`'d on the box first,
 * then the head program previews the head's stack file against that state — one backend, two project folders — and
 * its engine events become the report's steps (automation/preview/engineSteps.ts). Stacks the engine cannot run
 * here (oci, onprem: their providers are not on the box) and every stack when the engine is not installed fall back
 * to the offline plan diff, and the report says so. Example allocations (the lab WAN 192.168.200.0/24) are moved
 * onto the box's loopback WAN, keeping each address's last octet, so nothing leaves 127.0.0.0/8.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { parseStackFile } from "../automation/plan/stackFile";
import { type PlanJson, diffPlans } from "../automation/preview/diff";
import { stepsFromEvents } from "../automation/preview/engineSteps";
import { type StackReport, offlineReport } from "../automation/preview/report";

/** One side of the change: a built project root and the folder of its stack files. */
export interface PreviewSide {
  /** Project root with dist/ built (and node_modules). */
  root: string;
  /** Stack files folder. Default `<root>/stacks`. */
  stacksDir?: string;
}

/** Options of {@link previewPr}. */
export interface PreviewPrOptions {
  head: PreviewSide;
  /** The base; absent: no base (every head resource is a create, nothing is `up`'d first). */
  base?: PreviewSide;
  /** Stacks to preview (`tenant-full`…). Default: those the change touches. */
  stacks?: string[];
  /** Offline diffs only (no box, no engine). */
  offline?: boolean;
  /** Data folder of the box it starts. Default: a temporary one, removed at the end. */
  dataDir?: string;
  log?: (line: string) => void;
}

/** An example stack: its name (from the file name) and kind. */
interface ExampleStack {
  name: string;
  file: string;
  kind: string;
}

function examples(dir: string): Map<string, ExampleStack> {
  const out = new Map<string, ExampleStack>();
  if (!fs.existsSync(dir)) return out;
  for (const f of fs.readdirSync(dir).sort()) {
    const m = /^Pulumi\.(.+)\.yaml$/.exec(f);
    if (!m) continue;
    const file = path.join(dir, f);
    const kind = String(YAML.parse(fs.readFileSync(file, "utf8"))?.config?.["basphere:kind"] ?? "");
    if (kind) out.set(m[1], { name: m[1], file, kind });
  }
  return out;
}

/** Hash of what a stack's program is made of in a root (its built JavaScript and the locked dependencies). */
function programHash(root: string): string {
  const h = createHash("sha256");
  const walk = (dir: string) => {
    for (const e of fs
      .readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!["test", "bench", "support"].includes(e.name)) walk(p);
      } else if (e.name.endsWith(".js")) h.update(path.relative(root, p)).update(fs.readFileSync(p));
    }
  };
  for (const d of ["model", "providers", "components", "stacks"]) {
    const dir = path.join(root, "dist", d);
    if (fs.existsSync(dir)) walk(dir);
  }
  for (const f of ["dist/index.js", "package-lock.json"])
    if (fs.existsSync(path.join(root, f))) h.update(f).update(fs.readFileSync(path.join(root, f)));
  return h.digest("hex");
}

/** The example stacks a change touches: a new or changed stack file, or any stack when the program changed. */
export function touchedStacks(head: PreviewSide, base?: PreviewSide): string[] {
  const headStacks = examples(head.stacksDir ?? path.join(head.root, "stacks"));
  if (!base) return [...headStacks.keys()];
  const baseStacks = examples(base.stacksDir ?? path.join(base.root, "stacks"));
  const programChanged = programHash(head.root) !== programHash(base.root);
  return [...headStacks.values()]
    .filter((s) => {
      const b = baseStacks.get(s.name);
      if (!b || programChanged) return true;
      return (
        JSON.stringify(parseStackFile(fs.readFileSync(s.file, "utf8")).config) !==
        JSON.stringify(parseStackFile(fs.readFileSync(b.file, "utf8")).config)
      );
    })
    .map((s) => s.name);
}

/** The offline plan of a stack file with a root's CLI (`basphere plan --json`). */
function offlinePlan(root: string, file: string): PlanJson {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "basphere-pr-plan-")), "plan.json");
  const fd = fs.openSync(out, "w");
  const r = spawnSync(
    process.execPath,
    [path.join(root, "dist/automation/cli/main.js"), "plan", "--config", file, "--json"],
    {
      cwd: root,
      stdio: ["ignore", fd, "pipe"],
      encoding: "utf8",
      timeout: 300_000,
    },
  );
  fs.closeSync(fd);
  try {
    if (r.status !== 0) throw new Error(r.stderr.trim() || `plan exited with ${r.status}`);
    return JSON.parse(fs.readFileSync(out, "utf8")) as PlanJson;
  } finally {
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }
}

function offlineStack(
  stack: string,
  head: ExampleStack,
  headRoot: string,
  base: ExampleStack | undefined,
  baseRoot: string | undefined,
  note: string,
): StackReport {
  try {
    const h = offlinePlan(headRoot, head.file);
    const b = base && baseRoot ? offlinePlan(baseRoot, base.file) : undefined;
    return offlineReport(diffPlans(b, h), note);
  } catch (e) {
    return {
      stack,
      source: "offline",
      note,
      error: (e as Error).message,
      steps: [],
      counts: { create: 0, update: 0, replace: 0, delete: 0, same: 0 },
    };
  }
}

/**
 * An example stack's config for the box: every address of the example WAN (the lab's 192.168.200.0/24) moved to the
 * box's WAN /24 with the same last octet — the box's pools have the same layout (router WAN .20–.99, floating IPs
 * .100–.239), and its router emulators listen there.
 */
export function onBoxWan(
  config: Record<string, string>,
  wanNet: string,
  exampleWan = "192.168.200",
): Record<string, string> {
  const re = new RegExp(`\\b${exampleWan.replace(/\./g, "\\.")}\\.(\\d{1,3})\\b`, "g");
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => [k, v.replace(re, (_m, o) => `${wanNet}.${o}`)]),
  );
}

const EMPTY = { create: 0, update: 0, replace: 0, delete: 0, same: 0 };

/** Runs the previews and returns one report per stack (in stack-name order). */
export async function previewPr(opts: PreviewPrOptions): Promise<StackReport[]> {
  const log = opts.log ?? (() => undefined);
  const headStacks = examples(opts.head.stacksDir ?? path.join(opts.head.root, "stacks"));
  const baseStacks = opts.base
    ? examples(opts.base.stacksDir ?? path.join(opts.base.root, "stacks"))
    : new Map();
  const wanted = (opts.stacks ?? touchedStacks(opts.head, opts.base)).sort();
  for (const s of wanted)
    if (!headStacks.has(s)) throw new Error(`--stacks: no stack file for ${s} in the head`);
  const reports = new Map<string, StackReport>();
  const onEngine: string[] = [];
  for (const s of wanted) {
    const head = headStacks.get(s)!;
    if (opts.offline) {
      reports.set(
        s,
        offlineStack(
          s,
          head,
          opts.head.root,
          baseStacks.get(s),
          opts.base?.root,
          "the engine was not asked for (--offline)",
        ),
      );
    } else if (head.kind !== "tenant") {
      reports.set(
        s,
        offlineStack(
          s,
          head,
          opts.head.root,
          baseStacks.get(s),
          opts.base?.root,
          `the engine cannot run ${head.kind} stacks here: their providers (OCI, vSphere, Omni) are not on the box`,
        ),
      );
    } else onEngine.push(s);
  }
  if (onEngine.length) {
    const { EngineMissingError } = await import("../automation/engine/command");
    try {
      for (const r of await previewOnBox(opts, onEngine, headStacks, baseStacks, log))
        reports.set(r.stack, r);
    } catch (e) {
      const missing = e instanceof EngineMissingError;
      const note = missing
        ? "the engine is not installed here (npm run engine)"
        : `the box could not start: ${(e as Error).message.split("\n")[0]}`;
      for (const s of onEngine)
        reports.set(
          s,
          offlineStack(s, headStacks.get(s)!, opts.head.root, baseStacks.get(s), opts.base?.root, note),
        );
    }
  }
  return wanted.map((s) => reports.get(s)!);
}

async function previewOnBox(
  opts: PreviewPrOptions,
  stacks: string[],
  headStacks: Map<string, ExampleStack>,
  baseStacks: Map<string, ExampleStack>,
  log: (line: string) => void,
): Promise<StackReport[]> {
  const { boxUp, boxDown } = await import("./box");
  const { openBoxEngine, upBoxOnpremStack } = await import("./onpremStack");
  const { EngineOperationError } = await import("../automation/engine/operation");
  const temporary = !opts.dataDir;
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "basphere-preview-pr-"));
  fs.mkdirSync(dataDir, { recursive: true });
  const headRoot = opts.head.root;
  try {
    // A WAN /24 of its own, beside a developer's box (127.0.200.0/24).
    const wanNet = `127.0.${201 + Math.floor(Math.random() * 50)}`;
    const { state } = await boxUp({ dataDir, projectRoot: headRoot, wanNet, log });
    const onprem = await openBoxEngine(dataDir, headRoot, state);
    await upBoxOnpremStack(onprem, state, headRoot);
    const headEngine = await openBoxEngine(dataDir, headRoot, state, {
      dir: headRoot,
      projectParent: path.join(dataDir, "preview-head"),
    });
    const baseEngine = opts.base
      ? await openBoxEngine(dataDir, headRoot, state, {
          dir: opts.base.root,
          projectParent: path.join(dataDir, "preview-base"),
        })
      : undefined;
    const boxWan = state.pools.routerWan.first.split(".").slice(0, 3).join(".");
    const configOf = (file: string) => {
      const parsed = parseStackFile(fs.readFileSync(file, "utf8"), file);
      if (parsed.secretKeys.length)
        throw new Error(
          `${path.basename(file)} holds encrypted values (${parsed.secretKeys.join(", ")}): the box has not their passphrase`,
        );
      return onBoxWan(parsed.config, boxWan);
    };
    const out: StackReport[] = [];
    for (const name of stacks) {
      const failed = (error: string): StackReport => ({
        stack: name,
        source: "engine",
        error,
        steps: [],
        counts: { ...EMPTY },
      });
      const why = (e: unknown) =>
        e instanceof EngineOperationError && e.errors.length ? e.errors.join("\n") : (e as Error).message;
      const base = baseStacks.get(name);
      if (baseEngine && base) {
        log(`preview-pr: ${name}: up of the base on the box`);
        try {
          const s = await baseEngine.stack(name);
          await s.setConfig(configOf(base.file));
          await s.up();
        } catch (e) {
          out.push(
            failed(
              `the base could not be brought up on the box, so there is nothing to preview against:\n${why(e)}`,
            ),
          );
          continue;
        }
        // The head previews the same stack: its settings file starts from the base's (the stack's encryption salt).
        const from = baseEngine.stackConfigFile(name);
        const doc = YAML.parse(fs.readFileSync(from, "utf8")) ?? {};
        fs.mkdirSync(path.dirname(headEngine.stackConfigFile(name)), { recursive: true });
        fs.writeFileSync(headEngine.stackConfigFile(name), YAML.stringify({ ...doc, config: {} }), {
          mode: 0o600,
        });
      }
      log(`preview-pr: ${name}: preview of the head`);
      const events: EngineEvent[] = [];
      try {
        const s = await headEngine.stack(name);
        await s.setConfig(configOf(headStacks.get(name)!.file));
        await s.preview({ onEvent: (e) => events.push(e) });
      } catch (e) {
        out.push(failed(why(e)));
        continue;
      }
      const { steps, counts } = stepsFromEvents(events);
      out.push({ stack: name, source: "engine", steps, counts });
    }
    return out;
  } finally {
    await boxDown({ dataDir }).catch(() => undefined);
    if (temporary) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
