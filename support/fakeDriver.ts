/**
 * A recording test double of the worker's EngineDriver: every call is recorded (method, stack, config), each
 * operation takes `delayMs`, emits a few engine events, honours the AbortSignal (rejects "cancelled"), can be told
 * to fail for a stack, and keeps per-stack outputs (one of them secret) so the service's secret handling can be
 * checked. It also tracks how many operations run at once, overall and per stack.
 */
import {
  EngineDriver,
  EngineEvent,
  EngineResult,
  OnEvent,
  StackOperation,
  StackOperationOptions,
  StackOutputs,
  TenantStackConfig,
} from "../automation/worker/engineDriver";
import type { DriftedResource } from "../model/drift";
import { tenantConfigSchema } from "../model/tenant/allocations";

export interface FakeCall {
  method: string;
  stack: string;
  config?: TenantStackConfig;
  options?: StackOperationOptions;
  at: number;
  /** When the call ended (undefined while it runs). */
  endedAt?: number;
}

export interface FakeDriverOptions {
  /** Run time of up/preview/refresh/destroy, ms. Default 20. */
  delayMs?: number;
  /**
   * Check the stack config the way the tenant program does (stacks/tenant.ts: `tenantConfigSchema`, i.e. the spec
   * and the allocations together) and fail the operation like the program would. Default true.
   */
  validate?: boolean;
}

/** The tenant program's config check: the issues (path: message) `tenantConfigSchema` finds, or none. */
export function programConfigIssues(config: TenantStackConfig): string[] {
  const r = tenantConfigSchema.safeParse(
    JSON.parse(
      JSON.stringify({ tenant: config["basphere:tenant"], allocations: config["basphere:allocations"] }),
    ),
  );
  return r.success ? [] : r.error.issues.map((i) => `basphere:${i.path.join(".")}: ${i.message}`);
}

export class FakeDriver implements EngineDriver {
  readonly calls: FakeCall[] = [];
  delayMs: number;
  validate: boolean;
  /** Stacks whose next operations fail with this message. */
  readonly failures = new Map<string, string>();
  /**
   * What the live systems of a stack hold that its program does not (set by a test, as a hand edit would): a drift
   * check reports it, an `up --refresh` puts it back (clears it), a plain `up` leaves it.
   */
  readonly liveDrift = new Map<string, DriftedResource[]>();
  /** Stacks that exist (created by up, removed by removeStack). */
  readonly stacks = new Map<string, StackOutputs>();
  running = 0;
  maxRunning = 0;
  private readonly perStack = new Map<string, number>();
  maxPerStack = 0;
  /** Resolvers of operations waiting on {@link hold}. */
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;

  constructor(opts: FakeDriverOptions = {}) {
    this.delayMs = opts.delayMs ?? 20;
    this.validate = opts.validate ?? true;
  }

  /** Makes every operation wait until {@link release} (after its delay). */
  hold(): void {
    this.gate = new Promise((r) => (this.openGate = r));
  }
  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  /** Calls of one method (or all engine calls when omitted). */
  of(method?: string): FakeCall[] {
    return method ? this.calls.filter((c) => c.method === method) : this.calls;
  }

  private async run(
    method: string,
    stack: string,
    config: TenantStackConfig,
    onEvent: OnEvent,
    signal: AbortSignal,
    options?: StackOperationOptions,
  ): Promise<EngineResult> {
    const call: FakeCall = { method, stack, config, options, at: Date.now() };
    this.calls.push(call);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    const n = (this.perStack.get(stack) ?? 0) + 1;
    this.perStack.set(stack, n);
    this.maxPerStack = Math.max(this.maxPerStack, n);
    try {
      const ev = (e: EngineEvent) => onEvent(e);
      ev({ type: "prelude", message: `${method} ${stack}` });
      await new Promise<void>((resolve, reject) => {
        if (signal.aborted) return reject(new Error("operation cancelled"));
        const t = setTimeout(resolve, this.delayMs);
        signal.addEventListener(
          "abort",
          () => {
            clearTimeout(t);
            reject(new Error("operation cancelled"));
          },
          { once: true },
        );
      });
      if (this.gate) {
        const gate = this.gate;
        await new Promise<void>((resolve, reject) => {
          signal.addEventListener("abort", () => reject(new Error("operation cancelled")), { once: true });
          void gate.then(resolve);
        });
      }
      // `pulumi destroy` does not run the program; the others do, and the program checks its config first.
      if (this.validate && method !== "destroy") {
        const issues = programConfigIssues(config);
        if (issues.length) throw new Error(`invalid stack config: ${issues.join("; ")}`);
      }
      ev({ type: "resourcePre", message: `create basphere:tenant:Tenant ${stack}` });
      const failure = this.failures.get(stack);
      if (failure) throw new Error(failure);
      if (method === "up") {
        const spec = config["basphere:tenant"] as { name?: string };
        this.stacks.set(stack, {
          routerWanAddress: { value: config["basphere:allocations"].routerWanAddress, secret: false },
          tenantName: { value: spec?.name ?? null, secret: false },
          kubeconfig: { value: `apiVersion: v1\n# kubeconfig of ${stack}`, secret: true },
        });
      }
      if (method === "up" && options?.refresh) this.liveDrift.delete(stack);
      ev({ type: "summary", data: { changes: { create: method === "up" ? 3 : 0 } } });
      return {
        changes: { create: method === "up" ? 3 : 0, same: 0 },
        ...(method === "preview" ? { diff: `+ 3 to create on ${stack}` } : {}),
        ...(method === "drift" ? { drift: structuredClone(this.liveDrift.get(stack) ?? []) } : {}),
      };
    } finally {
      call.endedAt = Date.now();
      this.running--;
      this.perStack.set(stack, (this.perStack.get(stack) ?? 1) - 1);
    }
  }

  readonly up: StackOperation = (stack, config, onEvent, signal, _onProcess, options) =>
    this.run("up", stack, config, onEvent, signal, options);
  readonly drift: StackOperation = (stack, config, onEvent, signal) =>
    this.run("drift", stack, config, onEvent, signal);
  readonly preview: StackOperation = (stack, config, onEvent, signal) =>
    this.run("preview", stack, config, onEvent, signal);
  readonly refresh: StackOperation = (stack, config, onEvent, signal) =>
    this.run("refresh", stack, config, onEvent, signal);
  readonly destroy: StackOperation = (stack, config, onEvent, signal) =>
    this.run("destroy", stack, config, onEvent, signal);
  async removeStack(stack: string): Promise<void> {
    this.calls.push({ method: "removeStack", stack, at: Date.now() });
    this.stacks.delete(stack);
  }
  async recover(stack: string) {
    this.calls.push({ method: "recover", stack, at: Date.now() });
    return { actions: [`removed lock of ${stack}`] };
  }
  async outputs(stack: string): Promise<StackOutputs> {
    this.calls.push({ method: "outputs", stack, at: Date.now() });
    return this.stacks.get(stack) ?? {};
  }
}
