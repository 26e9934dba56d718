/**
 * The adapter from automation/engine's Engine to the worker's EngineDriver: engine events to recorded events (no
 * values), change counts and resource steps of results. Changes when either side's interface changes.
 */
import type { EngineEvent as PulumiEngineEvent } from "@pulumi/pulumi/automation";
import { driftFromEvents } from "../preview/drift";
import {
  EngineDriver,
  EngineEvent,
  EngineProcess,
  EngineResult,
  OnEvent,
  OnProcess,
  RecoveryReport,
  StackOperationOptions,
  StackOutputs,
  TenantStackConfig,
} from "../worker/engineDriver";

/** Maps an Automation API engine event to the recorded form (metadata only: no inputs/outputs values). */
export function engineEventOf(e: PulumiEngineEvent): EngineEvent {
  if (e.diagnosticEvent)
    return {
      type: "diagnostic",
      message: e.diagnosticEvent.message.trim(),
      data: { severity: e.diagnosticEvent.severity, urn: e.diagnosticEvent.urn },
    };
  const step = e.resourcePreEvent?.metadata ?? e.resOutputsEvent?.metadata ?? e.resOpFailedEvent?.metadata;
  if (step) {
    const type = e.resourcePreEvent ? "resourcePre" : e.resOutputsEvent ? "resOutputs" : "resOpFailed";
    return {
      type,
      message: `${step.op} ${step.type} ${step.urn.split("::").pop()}`,
      // Property names only (diffs), never values.
      data: {
        op: step.op,
        type: step.type,
        urn: step.urn,
        ...(step.diffs?.length ? { diffs: step.diffs } : {}),
      },
    };
  }
  if (e.summaryEvent)
    return {
      type: "summary",
      data: { changes: e.summaryEvent.resourceChanges, durationSeconds: e.summaryEvent.durationSeconds },
    };
  if (e.preludeEvent) return { type: "prelude" };
  if (e.cancelEvent) return { type: "cancel" };
  if (e.policyEvent) return { type: "policy", message: e.policyEvent.message };
  const key = Object.keys(e).find((k) => k.endsWith("Event")) ?? "event";
  return { type: key.replace(/Event$/, "") };
}

/** What the adapter uses of automation/engine's stack handle (structural, so the two evolve independently). */
export interface EngineStackLike {
  setConfig(values: Record<string, string>): Promise<void>;
  outputs(): Promise<Record<string, { value: unknown; secret?: boolean }>>;
  up(opts: EngineOpOptions & { refresh?: boolean }): Promise<unknown>;
  preview(opts: EngineOpOptions & { refresh?: boolean }): Promise<unknown>;
  refresh(opts: EngineOpOptions & { clearPendingCreates?: boolean }): Promise<unknown>;
  destroy(opts: EngineOpOptions): Promise<unknown>;
}
export interface EngineOpOptions {
  onEvent?: (e: PulumiEngineEvent) => void;
  onSpawn?: (p: EngineProcess) => void;
  signal?: AbortSignal;
}
/** What the adapter uses of automation/engine's Engine. */
export interface EngineLike {
  stack(name: string): Promise<EngineStackLike>;
  removeStack(name: string): Promise<void>;
  recover(name: string, opts?: { orphans?: EngineProcess[] }): Promise<RecoveryReport>;
}

/** One planned or applied resource step (from the engine's resourcePre events), without values. */
export interface ResourceStep {
  op: string;
  type: string;
  name: string;
  /** Names of the properties that differ (update/replace). */
  diffs?: string[];
}

/** Change counts of an engine result, whichever shape it has (`resourceChanges`, `summary.resourceChanges`, `changeSummary`). */
export function changesOf(r: unknown): Record<string, number> | undefined {
  const x = r as
    | { resourceChanges?: unknown; summary?: { resourceChanges?: unknown }; changeSummary?: unknown }
    | undefined;
  return (x?.resourceChanges ?? x?.summary?.resourceChanges ?? x?.changeSummary) as
    Record<string, number> | undefined;
}

/**
 * The real engine behind the worker's {@link EngineDriver} interface. Each operation writes the stack config, runs
 * one `pulumi` process (its pid goes to `onProcess` at once), records every engine event, and returns the change
 * counts, the resource steps (op, type, name, changed property names — what a preview shows) and the timings; a
 * preview adds the engine's human-readable diff.
 */
export function engineDriver(engine: EngineLike): EngineDriver {
  const configure = async (stack: string, config: TenantStackConfig) => {
    const s = await engine.stack(stack);
    await s.setConfig({
      "basphere:kind": config["basphere:kind"],
      "basphere:tenant": JSON.stringify(config["basphere:tenant"]),
      "basphere:allocations": JSON.stringify(config["basphere:allocations"]),
    });
    return s;
  };
  const run = async (
    kind: "up" | "preview" | "refresh" | "destroy" | "drift",
    stack: string,
    config: TenantStackConfig,
    onEvent: OnEvent,
    signal: AbortSignal,
    onProcess?: OnProcess,
    options: StackOperationOptions = {},
  ): Promise<EngineResult> => {
    if (signal.aborted) throw new Error(`${kind} of ${stack} cancelled before it started`);
    const s = await configure(stack, config);
    const steps: ResourceStep[] = [];
    const byUrn = new Map<string, ResourceStep>();
    // A drift check is a preview with refresh; its resource events (with the live values read back) stay in memory
    // for the drift analysis and are never stored.
    const driftEvents: PulumiEngineEvent[] = [];
    const engineKind = kind === "drift" ? "preview" : kind;
    const refresh = kind === "drift" || (kind === "up" && options.refresh === true);
    const r = await s[engineKind]({
      signal,
      onSpawn: onProcess,
      ...(refresh ? { refresh: true } : {}),
      onEvent: (e) => {
        if (kind === "drift" && e.resourcePreEvent) driftEvents.push(e);
        // One step per resource (resourcePre, completed by resOutputs, which carries the changed property names).
        const m = e.resourcePreEvent?.metadata ?? e.resOutputsEvent?.metadata;
        // The stack itself and provider resources are bookkeeping, not the tenant's resources; refresh steps (of
        // an up --refresh or a drift check) read, they change nothing.
        if (
          m &&
          m.op !== "refresh" &&
          m.type !== "pulumi:pulumi:Stack" &&
          !m.type.startsWith("pulumi:providers:")
        ) {
          let step = byUrn.get(m.urn);
          if (!step) {
            step = { op: m.op, type: m.type, name: m.urn.split("::").pop() ?? m.urn };
            byUrn.set(m.urn, step);
            steps.push(step);
          }
          const diffs = m.diffs?.length ? m.diffs : Object.keys(m.detailedDiff ?? {});
          if (diffs.length && !step.diffs) step.diffs = [...diffs].sort();
        }
        // Debug diagnostics (the engine's own trace of each RPC) are not worth a stored event each.
        if ((e.diagnosticEvent?.severity as string | undefined) === "debug") return;
        onEvent(engineEventOf(e));
      },
    });
    const out: EngineResult = { changes: changesOf(r) ?? {}, steps };
    const x = r as { durationSeconds?: unknown; elapsedMs?: unknown; stdout?: unknown };
    if (typeof x?.durationSeconds === "number") out.durationSeconds = x.durationSeconds;
    if (typeof x?.elapsedMs === "number") out.elapsedMs = x.elapsedMs;
    if (kind === "preview" && typeof x?.stdout === "string") out.diff = x.stdout.slice(-20000);
    if (kind === "drift") out.drift = driftFromEvents(driftEvents);
    return out;
  };
  return {
    up: (...args) => run("up", ...args),
    preview: (...args) => run("preview", ...args),
    drift: (...args) => run("drift", ...args),
    refresh: (...args) => run("refresh", ...args),
    destroy: (...args) => run("destroy", ...args),
    async removeStack(stack) {
      await engine.removeStack(stack);
    },
    async recover(stack, orphans) {
      const r = await engine.recover(stack, { orphans: orphans ?? [] });
      return { ...r, actions: Array.isArray(r?.actions) ? r.actions : [] };
    },
    async outputs(stack): Promise<StackOutputs> {
      const out = await (await engine.stack(stack)).outputs();
      return Object.fromEntries(
        Object.entries(out).map(([k, v]) => [k, { value: v.value, secret: v.secret === true }]),
      );
    },
  };
}
