/**
 * What the worker needs from the Pulumi engine. `engineDriver()` in automation/service/wiring.ts implements it over
 * automation/engine's Engine (the real `pulumi` CLI, one workspace per stack); tests use a recording double. Every long call takes an `AbortSignal`: when it fires,
 * the driver cancels the engine operation and rejects (any error is fine; the worker records "cancelled").
 */
import type { DriftedResource } from "../../model/drift";
import { TenantAllocations } from "../allocator/demand";
import type { RecoveryReport as EngineRecoveryReport } from "../engine/engine";

/** The config written to stack `tenant-<name>`: `basphere:kind`, `basphere:tenant`, `basphere:allocations`. */
export interface TenantStackConfig {
  "basphere:kind": "tenant";
  /** The tenant spec (as validated by the spec schema). */
  "basphere:tenant": unknown;
  "basphere:allocations": TenantAllocations;
}

/** One engine event as recorded in the operation's event log. Drivers must mask secret values. */
export interface EngineEvent {
  /** e.g. `resourcePre`, `resOutputs`, `diagnostic`, `summary`, `stdout`. */
  type: string;
  message?: string;
  data?: unknown;
}

/** What an engine operation returns. */
export interface EngineResult {
  /** Change counts by kind (create, update, delete, same...). */
  changes?: Record<string, number>;
  /** Human-readable diff or summary (previews). */
  diff?: string;
  /** For a drift check: the resources whose live state differs from what the program makes (names only). */
  drift?: DriftedResource[];
  [key: string]: unknown;
}

/** Stack outputs as the engine reports them. */
export type StackOutputs = Record<string, { value: unknown; secret: boolean }>;

/**
 * What `recover` did to a stack left behind by a crash: automation/engine's report, of which the worker needs only
 * `actions` (the human-readable steps); a driver may leave out the rest.
 */
export type RecoveryReport = Pick<EngineRecoveryReport, "actions"> & Partial<EngineRecoveryReport>;

export type OnEvent = (event: EngineEvent) => void;

/** An engine process (the `pulumi` CLI) by pid and start time: recorded so that a restarted service can stop it. */
export interface EngineProcess {
  pid: number;
  startTime: number;
}

/** Called (synchronously, right after the spawn) with each engine process an operation starts. */
export type OnProcess = (process: EngineProcess) => void;

/** Options of one engine operation. */
export interface StackOperationOptions {
  /** `up` only: refresh the state from the live systems first (`up --refresh`). */
  refresh?: boolean;
}

/** One engine operation on a stack (`up`, `preview`, `refresh`, `destroy`, `drift`): writes `config`, then runs. */
export type StackOperation = (
  stack: string,
  config: TenantStackConfig,
  onEvent: OnEvent,
  signal: AbortSignal,
  onProcess?: OnProcess,
  options?: StackOperationOptions,
) => Promise<EngineResult>;

export interface EngineDriver {
  up: StackOperation;
  preview: StackOperation;
  /**
   * A drift check: reads every resource back from the live systems and compares it with what the program makes
   * (`pulumi preview --refresh`), without changing the state or anything else; the result's `drift` lists what
   * differs.
   */
  drift: StackOperation;
  refresh: StackOperation;
  destroy: StackOperation;
  /** Removes the (empty) stack; must succeed when the stack does not exist. */
  removeStack(stack: string): Promise<void>;
  /**
   * Clears what a crash left: first the engine processes the crashed service started for this stack
   * (`orphans`, as recorded through {@link OnProcess}) that still run are killed; then the stack lock and pending
   * operations are cleared. Must succeed when the stack does not exist (without creating it).
   */
  recover(stack: string, orphans?: EngineProcess[]): Promise<RecoveryReport>;
  outputs(stack: string): Promise<StackOutputs>;
}

/** The stack of a tenant. */
export function stackName(tenant: string): string {
  return `tenant-${tenant}`;
}
