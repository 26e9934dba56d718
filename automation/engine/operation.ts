/**
 * Runs one engine operation (preview, up, refresh, destroy) as a single `pulumi` process.
 *
 * The Automation API's `stack.up()` runs `pulumi up` and then three more CLI processes (`stack output` twice and
 * `stack history`) to build its result; `refresh` and `destroy` add `stack history`. Here the result comes from the
 * engine's own summary event instead (read from `--event-log`), and outputs are fetched only when asked for
 * (EngineStack.outputs()). Owning the child process also gives a clean cancel: SIGINT (the engine cancels
 * gracefully), then SIGKILL of the whole process tree after a grace period.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { StringDecoder } from "node:string_decoder";
import { EngineEvent, OpMap, PulumiCommand } from "@pulumi/pulumi/automation";
import { ProcessRef, killSession, killTree, processRef } from "./processes";

export type OperationKind = "preview" | "up" | "refresh" | "destroy";

/** What an operation returns. */
export interface OperationResult {
  kind: OperationKind;
  stack: string;
  /** Changes by operation, from the engine's summary event (`{ create: 2, same: 1 }`). */
  resourceChanges: OpMap;
  durationSeconds: number;
  /** Wall time of the CLI process in ms. */
  elapsedMs: number;
  stdout: string;
  stderr: string;
}

/** The CLI ended with an error. `locked` is true when another update holds (or a crash left) the stack's lock. */
export class EngineOperationError extends Error {
  constructor(
    readonly kind: OperationKind,
    readonly stack: string,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stdout: string,
    readonly stderr: string,
    readonly cancelled: boolean,
    /** The engine's error diagnostics (the resource or program errors that made it fail), in order. */
    readonly errors: string[] = [],
  ) {
    const how = signal
      ? `was killed by ${signal}`
      : exitCode === null && cancelled
        ? "did not start"
        : `exited with code ${exitCode}`;
    const detail = (
      errors.length > 0 ? errors.join("\n") : stderr.trim() || stdout.trim().split("\n").slice(-15).join("\n")
    ).slice(-4000);
    super(
      `pulumi ${kind} on stack ${stack} ${cancelled ? "was cancelled and " : ""}${how}${detail ? `:\n${detail}` : ""}`,
    );
    this.name = "EngineOperationError";
  }

  get locked(): boolean {
    return /currently locked/i.test(this.stderr);
  }
}

/** Parameters of {@link runOperation}. */
export interface RunOperationParams {
  command: PulumiCommand;
  kind: OperationKind;
  stack: string;
  workDir: string;
  /** The engine environment variables (environment.ts). */
  env: Record<string, string>;
  extraArgs?: string[];
  onEvent?: (event: EngineEvent) => void;
  onOutput?: (text: string) => void;
  /**
   * Called once the `pulumi` process has started, with its pid and start time: a caller that may die (SIGKILL)
   * records it, so that its next start can stop that process if it outlived it (see Engine.recover's `orphans`).
   */
  onSpawn?: (process: ProcessRef) => void;
  signal?: AbortSignal;
  /** After abort, SIGKILL the process tree when it has not ended within this time. Default 15000 ms. */
  killAfterMs?: number;
}

/** Runs the operation; resolves with the summary or rejects with {@link EngineOperationError}. */
export async function runOperation(p: RunOperationParams): Promise<OperationResult> {
  if (p.signal?.aborted) throw new EngineOperationError(p.kind, p.stack, null, null, "", "", true);
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), "basphere-events-"));
  const logFile = path.join(logDir, "events.jsonl");
  const args: string[] = [p.kind];
  // `refresh --preview-only` is itself a preview: it takes neither --yes nor --skip-preview.
  const previewOnly = p.extraArgs?.includes("--preview-only") === true;
  if (p.kind !== "preview" && !previewOnly) args.push("--yes", "--skip-preview");
  args.push(
    "--stack",
    p.stack,
    "--non-interactive",
    "--color",
    "never",
    "--event-log",
    logFile,
    ...(p.extraArgs ?? []),
  );

  let summary: EngineEvent["summaryEvent"];
  const errors: string[] = [];
  // A listener that throws must neither crash the process (the events are read on a timer) nor stop the engine
  // half-way: the operation runs to its end and then rejects with the listener's error.
  let listenerError: unknown;
  const notify = <T>(fn: ((v: T) => void) | undefined, v: T) => {
    if (!fn || listenerError !== undefined) return;
    try {
      fn(v);
    } catch (err) {
      listenerError = err;
    }
  };
  const tail = new EventTail(logFile, (e) => {
    if (e.summaryEvent) summary = e.summaryEvent;
    const d = e.diagnosticEvent;
    if (d && d.severity === "error" && !d.ephemeral) {
      const name = d.urn ? d.urn.split("::").pop() : undefined;
      const msg = d.message.trim();
      if (msg) errors.push(name ? `${name}: ${msg}` : msg);
    }
    notify(p.onEvent, e);
  });

  const started = Date.now();
  const child = spawn(p.command.command, args, {
    cwd: p.workDir,
    // PULUMI_DEBUG_COMMANDS enables the (otherwise hidden) --event-log flag, as the Automation API does.
    env: { ...process.env, ...p.env, PULUMI_AUTOMATION_API: "true", PULUMI_DEBUG_COMMANDS: "true" },
    stdio: ["ignore", "pipe", "pipe"],
    // A new session (sid = its pid) that everything it starts stays in (language host, program, dynamic providers):
    // they can all be found and killed, even after the CLI itself is gone and they were re-parented. It also keeps
    // a terminal's Ctrl-C away from the engine: the caller decides (SIGINT through `signal`).
    detached: true,
  });
  if (child.pid !== undefined && p.onSpawn) {
    const ref = processRef(child.pid);
    try {
      if (ref) p.onSpawn(ref);
    } catch {
      // the caller's bookkeeping failed; the operation still runs and is awaited below
    }
  }
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    const s = d.toString();
    stdout += s;
    notify(p.onOutput, s);
  });
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));

  let cancelled = false;
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    cancelled = true;
    child.kill("SIGINT");
    killTimer = setTimeout(() => {
      if (child.pid === undefined) return;
      const ref = processRef(child.pid);
      killTree(child.pid, "SIGKILL");
      if (ref) killSession(ref.pid, ref.startTime);
    }, p.killAfterMs ?? 15000);
  };
  p.signal?.addEventListener("abort", onAbort, { once: true });

  const poller = setInterval(() => tail.poll(), 100);
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (c, s) => resolve([c, s]));
    });
    tail.poll();
    if (code !== 0 || !summary) {
      throw new EngineOperationError(p.kind, p.stack, code, signal, stdout, stderr, cancelled, errors);
    }
    if (listenerError !== undefined) {
      throw new Error(
        `pulumi ${p.kind} on stack ${p.stack} succeeded, but a listener (onEvent/onOutput) threw: ${
          listenerError instanceof Error ? listenerError.message : String(listenerError)
        }`,
        { cause: listenerError },
      );
    }
    return {
      kind: p.kind,
      stack: p.stack,
      resourceChanges: summary.resourceChanges ?? {},
      durationSeconds: summary.durationSeconds,
      elapsedMs: Date.now() - started,
      stdout,
      stderr,
    };
  } finally {
    clearInterval(poller);
    if (killTimer) clearTimeout(killTimer);
    p.signal?.removeEventListener("abort", onAbort);
    fs.rmSync(logDir, { recursive: true, force: true });
  }
}

/** Reads complete JSON lines appended to a file (the CLI's --event-log), from where it stopped last time. */
class EventTail {
  private offset = 0;
  private partial = "";
  private readonly decoder = new StringDecoder("utf8");

  constructor(
    private readonly file: string,
    private readonly onEvent: (e: EngineEvent) => void,
  ) {}

  poll(): void {
    let fd: number;
    try {
      fd = fs.openSync(this.file, "r");
    } catch {
      return; // not created yet
    }
    try {
      const buf = Buffer.alloc(64 * 1024);
      for (;;) {
        const n = fs.readSync(fd, buf, 0, buf.length, this.offset);
        if (n <= 0) break;
        this.offset += n;
        this.partial += this.decoder.write(buf.subarray(0, n));
      }
    } finally {
      fs.closeSync(fd);
    }
    const lines = this.partial.split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.trim()) continue;
      let event: EngineEvent;
      try {
        event = JSON.parse(line) as EngineEvent;
      } catch {
        continue; // not an event (the log only ever holds whole JSON lines; never let a bad one end the process)
      }
      this.onEvent(event);
    }
  }
}
