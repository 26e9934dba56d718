/**
 * The mock runtime shared by the offline plan and the unit tests.
 *
 * It installs Pulumi mocks once per process (`pulumi.runtime.setMocks`), records every resource the program
 * registers (type, name, inputs, parent, options such as dependsOn), answers invokes from an {@link Inventory}
 * and resolves outputs to plain values. Nothing here talks to a cloud, a provider plugin or the Pulumi engine.
 */
import * as pulumi from "@pulumi/pulumi";
import { Inventory, defaultInventory, synthesizeState } from "./inventory";
import { SECRET_SIG, SIG_KEY } from "../../providers/pulumiWire";

/** The key Pulumi uses on the wire to mark a special value, and the values that mark secrets and references. */
const RESOURCE_REF_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
/** The signature Pulumi uses on the wire to mark an unknown value. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** One resource as the program registered it. */
export interface RecordedResource {
  /** Pulumi type token, e.g. `vsphere:index/virtualMachine:VirtualMachine`. */
  type: string;
  /** Logical name given to the resource constructor. */
  name: string;
  /** URN the mock monitor gave it. */
  urn: string;
  /** URN of the parent resource (empty for the stack itself). */
  parent: string;
  /** True for custom (provider-backed) resources, false for components. */
  custom: boolean;
  /** Inputs as plain values (secrets unwrapped; see {@link secretInputs}). */
  inputs: Record<string, any>;
  /** Top-level input keys whose value is (or contains) a secret. */
  secretInputs: string[];
  /** URNs this resource depends on (explicit dependsOn and implicit input dependencies). */
  dependsOn: string[];
  /** Other resource options as the monitor saw them. */
  options: {
    protect?: boolean;
    ignoreChanges: string[];
    replaceOnChanges: string[];
    additionalSecretOutputs: string[];
    deleteBeforeReplace?: boolean;
    provider?: string;
  };
  /** State returned by the mock (inputs plus synthesised outputs). */
  state: Record<string, any>;
  /** Outputs registered by a component via registerOutputs. */
  outputs?: Record<string, any>;
}

/** One invoke the program made. */
export interface RecordedInvoke {
  token: string;
  args: Record<string, any>;
}

function containsSecret(v: any): boolean {
  if (v === null || typeof v !== "object") return false;
  if (v[SIG_KEY] === SECRET_SIG) return true;
  if (Array.isArray(v)) return v.some(containsSecret);
  return Object.values(v).some(containsSecret);
}

/** Converts a wire value (with secret/asset signatures) into a plain JS value, replacing unknowns with undefined. */
export function unwrapWire(v: any): any {
  if (v === UNKNOWN) return undefined;
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(unwrapWire);
  if (v[SIG_KEY] === SECRET_SIG) return unwrapWire(v.value);
  if (v[SIG_KEY] === RESOURCE_REF_SIG) return v.urn;
  const out: Record<string, any> = {};
  for (const [k, val] of Object.entries(v)) out[k] = unwrapWire(val);
  return out;
}

/**
 * Pulumi mocks that record everything. One instance per process (Pulumi keeps one global monitor);
 * {@link reset} clears what was recorded between tests or plans.
 */
export class RecordingMocks implements pulumi.runtime.Mocks {
  /** Resources in registration order. */
  readonly resources: RecordedResource[] = [];
  /** Invokes in call order. */
  readonly invokes: RecordedInvoke[] = [];
  /** Answers invokes and gives resources realistic outputs. */
  inventory: Inventory = defaultInventory();
  /** Pending monitor calls; {@link settle} waits for zero. */
  private pending = 0;
  private byUrn = new Map<string, RecordedResource>();
  /** Raw request details captured by the monitor wrapper, keyed by type+name, consumed by newResource. */
  private requestDetails = new Map<string, Omit<RecordedResource, "inputs" | "state" | "id">>();
  /** Errors thrown by resource registrations (the SDK would otherwise only log them). */
  readonly errors: Error[] = [];

  /** Forget everything recorded and restore the default inventory. */
  reset(inventory: Inventory = defaultInventory()): void {
    this.resources.length = 0;
    this.invokes.length = 0;
    this.byUrn.clear();
    this.requestDetails.clear();
    this.errors.length = 0;
    this.inventory = inventory;
  }

  call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
    this.invokes.push({ token: args.token, args: unwrapWire(args.inputs) });
    try {
      return this.inventory.invoke(args.token, unwrapWire(args.inputs ?? {}));
    } catch (e: any) {
      // The SDK reports a failed invoke by the gRPC `details` field; keep the real message there.
      throw Object.assign(new Error(`${args.token}: ${e?.message ?? e}`), {
        details: `${args.token}: ${e?.message ?? e}`,
      });
    }
  }

  newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    const key = `${args.type}::${args.name}`;
    const details = this.requestDetails.get(key);
    this.requestDetails.delete(key);
    const inputs = args.inputs ?? {};
    let synthesized: { id: string; state: Record<string, any> };
    try {
      synthesized = synthesizeState(args.type, args.name, inputs, this.inventory);
    } catch (e: any) {
      throw Object.assign(new Error(`${args.type} ${args.name}: ${e?.message ?? e}`), {
        details: `${args.type} ${args.name}: ${e?.message ?? e}`,
      });
    }
    const { id, state } = synthesized;
    const rec: RecordedResource = {
      type: args.type,
      name: args.name,
      urn: details?.urn ?? "",
      parent: details?.parent ?? "",
      custom: args.custom ?? details?.custom ?? true,
      inputs: unwrapWire(inputs),
      secretInputs: details?.secretInputs ?? [],
      dependsOn: details?.dependsOn ?? [],
      options: details?.options ?? { ignoreChanges: [], replaceOnChanges: [], additionalSecretOutputs: [] },
      state: unwrapWire(state),
    };
    this.resources.push(rec);
    if (rec.urn) this.byUrn.set(rec.urn, rec);
    return { id: args.custom === false ? undefined : id, state };
  }

  /** Wraps the mock monitor so that parents, dependencies and options are recorded too. */
  attach(monitor: any): void {
    if (monitor.__basphereRecording) return;
    monitor.__basphereRecording = true;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the wrapped monitor callbacks need the recorder
    const self = this;
    const origRegister = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: any, resp: any) => void) => {
      self.pending++;
      const type = req.getType();
      const name = req.getName();
      const parent = req.getParent() || "";
      const qualifiedParentType = parent ? parent.split("::")[2].split("$").pop() + "$" : "";
      const urn = `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualifiedParentType}${type}::${name}`;
      const raw = req.getObject()?.toJavaScript?.() ?? {};
      self.requestDetails.set(`${type}::${name}`, {
        type,
        name,
        urn,
        parent,
        custom: req.getCustom(),
        secretInputs: Object.keys(raw).filter((k) => containsSecret(raw[k])),
        dependsOn: req.getDependenciesList?.() ?? [],
        options: {
          protect: req.getProtect?.(),
          ignoreChanges: req.getIgnorechangesList?.() ?? [],
          replaceOnChanges: req.getReplaceonchangesList?.() ?? [],
          additionalSecretOutputs: req.getAdditionalsecretoutputsList?.() ?? [],
          deleteBeforeReplace: req.getDeletebeforereplace?.(),
          provider: req.getProvider?.() || undefined,
        },
      });
      return origRegister(req, (err: any, resp: any) => {
        self.pending--;
        if (err) self.errors.push(err instanceof Error ? err : new Error(String(err)));
        callback(err, resp);
      });
    };
    const origRead = monitor.readResource.bind(monitor);
    monitor.readResource = (req: any, callback: (err: any, resp: any) => void) => {
      self.pending++;
      const type = req.getType();
      const name = req.getName();
      const parent = req.getParent() || "";
      const qualifiedParentType = parent ? parent.split("::")[2].split("$").pop() + "$" : "";
      self.requestDetails.set(`${type}::${name}`, {
        type,
        name,
        urn: `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualifiedParentType}${type}::${name}`,
        parent,
        custom: true,
        secretInputs: [],
        dependsOn: req.getDependenciesList?.() ?? [],
        options: {
          ignoreChanges: [],
          replaceOnChanges: [],
          additionalSecretOutputs: [],
          provider: req.getProvider?.() || undefined,
        },
      });
      return origRead(req, (err: any, resp: any) => {
        self.pending--;
        if (err) self.errors.push(err instanceof Error ? err : new Error(String(err)));
        callback(err, resp);
      });
    };
    const origOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req: any, callback: (err: any, resp: any) => void) => {
      const rec = self.byUrn.get(req.getUrn());
      if (rec) rec.outputs = unwrapWire(req.getOutputs()?.toJavaScript?.() ?? {});
      return origOutputs(req, callback);
    };
    const origInvoke = monitor.invoke.bind(monitor);
    monitor.invoke = (req: any, callback: (err: any, resp: any) => void) => {
      self.pending++;
      return origInvoke(req, (err: any, resp: any) => {
        self.pending--;
        callback(err, resp);
      });
    };
  }

  /** Waits until no registration or invoke is in flight (the program has finished registering). */
  async settle(maxMs = 30_000): Promise<void> {
    const start = Date.now();
    let quietTurns = 0;
    while (quietTurns < 5) {
      await new Promise((r) => setImmediate(r));
      quietTurns = this.pending === 0 ? quietTurns + 1 : 0;
      if (Date.now() - start > maxMs) throw new Error(`mock runtime did not settle within ${maxMs} ms`);
    }
  }

  /** Resources of one type (token or the last segment of it, e.g. `VirtualMachine`). */
  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type || r.type.endsWith(`:${type}`));
  }

  /** The single resource with this name (and type, if given); throws if missing or ambiguous. */
  get(name: string, type?: string): RecordedResource {
    const found = this.resources.filter(
      (r) => r.name === name && (!type || r.type === type || r.type.endsWith(`:${type}`)),
    );
    if (found.length !== 1) {
      throw new Error(
        `expected one resource named ${name}${type ? ` of type ${type}` : ""}, found ${found.length}`,
      );
    }
    return found[0];
  }

  /** Children of a resource (by URN). */
  childrenOf(urn: string): RecordedResource[] {
    return this.resources.filter((r) => r.parent === urn);
  }
}

let installed: RecordingMocks | undefined;
let installedStack: string | undefined;

/**
 * Installs the recording mocks once for this process and returns them. Import the program under test only
 * after this call: Pulumi reads the monitor when resources are constructed. Asking for another stack name later
 * re-installs the mocks under that name (the offline plan does this to plan several stacks in one process).
 */
export function installMocks(
  opts: { project?: string; stack?: string; preview?: boolean } = {},
): RecordingMocks {
  const stack = opts.stack ?? "plan";
  if (installed && (opts.stack === undefined || stack === installedStack)) return installed;
  const mocks = installed ?? new RecordingMocks();
  pulumi.runtime.setMocks(mocks, opts.project ?? "basphere", stack, opts.preview ?? false);
  mocks.attach(pulumi.runtime.getMonitor());
  installed = mocks;
  installedStack = stack;
  return mocks;
}

/** Resolves an Output (or plain value) to its plain value, whatever it is nested in. */
export function resolve<T>(o: pulumi.Input<T> | undefined): Promise<T | undefined> {
  if (o === undefined) return Promise.resolve(undefined);
  return new Promise((res) => pulumi.output(o).apply((v) => res(v as T)));
}

/** True if the Output is secret. */
export async function isSecret(o: pulumi.Output<unknown>): Promise<boolean> {
  return pulumi.isSecret(o);
}

/**
 * Runs `fn` while collecting unhandled promise rejections into `mocks.errors`. Under mocks, an error thrown while
 * a resource's inputs are computed (an `apply` that throws) surfaces only as an unhandled rejection; the engine
 * would report it and fail the update, so the plan and the harness must fail too. Other listeners are paused
 * meanwhile so that a test framework does not report the same error twice.
 */
export async function captureUnhandled<T>(mocks: RecordingMocks, fn: () => Promise<T>): Promise<T> {
  const others = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  const seen = new Set<string>();
  const onRejection = (reason: unknown) => {
    const err = reason instanceof Error ? reason : new Error(String(reason));
    if (seen.has(err.message)) return;
    seen.add(err.message);
    mocks.errors.push(err);
  };
  process.on("unhandledRejection", onRejection);
  try {
    const result = await fn();
    // Rejections are reported after the microtask queue drains; give them a turn.
    await new Promise((r) => setImmediate(r));
    return result;
  } finally {
    process.removeListener("unhandledRejection", onRejection);
    for (const l of others) process.on("unhandledRejection", l as (...args: any[]) => void);
  }
}
