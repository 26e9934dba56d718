/**
 * The vSphere provider simulator: a Pulumi resource provider (`@pulumi/pulumi/provider`) that answers for
 * `vsphere` 4.17.0 — every resource and function of reference/vsphere-provider-schema.json — against a simulated
 * vCenter kept on disk (box/vsphereSimulator/store.ts). It is not the real `pulumi-resource-vsphere` and says so
 * in every log line and error (`vsphere-simulator:`).
 *
 * What is the same for every type lives here: inputs checked against the schema (unknown property, missing
 * required property, wrong type: a check failure naming the property path), auto-naming (`<name>-<7 hex>` like the
 * bridged provider, kept across updates), the handler's own checks, diffs from the Terraform schema's defaults and
 * computed properties, replacements (`willReplaceOnChanges`, nested ones included, plus the handler's),
 * delete-before-replace when an explicit name would collide, transactions, and outputs checked against the schema
 * before they are returned.
 */
import { createHash } from "node:crypto";
import type * as provider from "@pulumi/pulumi/provider";
import { Schema, SchemaProperty, loadSchema } from "../../providers/vsphere/generate";
import {
  checkInvokeArgs,
  checkInvokeResult,
  checkResourceInputs,
  checkResourceOutputs,
  formatProblems,
} from "../../providers/vsphere/schemaCheck";
import { FUNCTIONS, compact } from "./functions";
import { Logger, SimulatorError, reason, stderrLogger } from "./log";
import { Model } from "./model";
import { changedProps, nestedChange } from "./propertySpec";
import { ProviderSettings, checkProviderConfig, providerSettings } from "./providerConfig";
import { computeClusterHostGroup, computeClusterVmGroup } from "./resources/clusterGroups";
import { computeClusterVmAntiAffinityRule, computeClusterVmHostRule } from "./resources/clusterRules";
import { distributedPortGroup } from "./resources/distributedPortGroup";
import { folder } from "./resources/folder";
import { ResourceHandler, SimContext, urnName, urnType } from "./resources/handler";
import { resourcePool } from "./resources/resourcePool";
import { tag, tagCategory } from "./resources/tagging";
import { virtualMachine } from "./resources/virtualMachine";
import { seedObjects } from "./seed";
import { STATE_ENV, SimObject, SimulatorStore } from "./store";
import { Props, containsUnknown, isUnknown, unwrap, unwrapProps } from "./values";

/** The provider version the simulator answers for. */
export const SIMULATED_VERSION = "4.17.0";

/** Every resource type, by token. */
export const HANDLERS: Record<string, ResourceHandler> = Object.fromEntries(
  [
    virtualMachine,
    distributedPortGroup,
    folder,
    resourcePool,
    tag,
    tagCategory,
    computeClusterVmGroup,
    computeClusterHostGroup,
    computeClusterVmHostRule,
    computeClusterVmAntiAffinityRule,
  ].map((h) => [h.token, h]),
);

/** How the provider is built. */
export interface SimulatorOptions {
  /** The store; default: opened from {@link SimulatorOptions.statePath}. */
  store?: SimulatorStore;
  /** The state file; default: `$BASPHERE_VSPHERE_SIM_STATE` (required when no store is given). */
  statePath?: string;
  /** The schema; default: reference/vsphere-provider-schema.json. */
  schema?: Schema;
  log?: Logger;
  now?: () => Date;
  /** Where the environment defaults of the provider config come from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** The key of the engine-visible list of properties the provider filled in itself (as the bridge does). */
const DEFAULTS_KEY = "__defaults";

/** How the provider says an object it manages is gone, per kind (the Terraform provider's wording). */
function missing(h: ResourceHandler, id: string): SimulatorError {
  switch (h.kind) {
    case "VirtualMachine":
      return new SimulatorError(
        `cannot locate virtual machine with UUID "${id}": virtual machine with UUID "${id}" not found`,
      );
    case "Folder":
      return new SimulatorError(`cannot locate folder: ManagedObjectNotFound: folder '${id}' not found`);
    case "DistributedPortGroup":
      return new SimulatorError(
        `could not find portgroup "${id}": ManagedObjectNotFound: portgroup '${id}' not found`,
      );
    default:
      return new SimulatorError(`cannot locate ${h.kind} "${id}": not found`);
  }
}

/** Dotted paths (inside a property) of nested fields the schema marks `willReplaceOnChanges`. */
function nestedReplacePaths(schema: Schema, prop: SchemaProperty, seen: string[] = []): string[] {
  const ref = prop.$ref ?? prop.items?.$ref;
  if (!ref) return [];
  const token = ref.replace(/^#\/types\//, "");
  if (seen.includes(token)) return [];
  const t = schema.types[token];
  const out: string[] = [];
  for (const [k, p] of Object.entries(t?.properties ?? {})) {
    if (p.willReplaceOnChanges) out.push(k);
    for (const inner of nestedReplacePaths(schema, p, [...seen, token])) out.push(`${k}.${inner}`);
  }
  return out;
}

/** The provider. */
export class VsphereSimulatorProvider implements provider.Provider {
  readonly version = SIMULATED_VERSION;
  readonly store: SimulatorStore;
  readonly packageSchema: Schema;
  /** The configuration Configure gave (no password); undefined before. */
  settings?: ProviderSettings;
  private readonly ctx: SimContext;
  private readonly env: NodeJS.ProcessEnv;

  constructor(opts: SimulatorOptions = {}) {
    this.env = opts.env ?? process.env;
    let store = opts.store;
    if (!store) {
      const file = opts.statePath ?? this.env[STATE_ENV];
      if (!file)
        throw new SimulatorError(
          `${STATE_ENV} is not set: the vSphere provider simulator needs the path of its state file (box/vsphereSimulator/README.md)`,
        );
      store = SimulatorStore.open(file, () => seedObjects());
    }
    this.store = store;
    this.packageSchema = opts.schema ?? loadSchema();
    this.ctx = {
      store,
      model: new Model(store),
      schema: this.packageSchema,
      log: opts.log ?? stderrLogger,
      now: opts.now ?? (() => new Date()),
    };
  }

  /** The reference schema, as version 4.17.0. */
  async getSchema(): Promise<string> {
    return JSON.stringify({ ...this.packageSchema, version: SIMULATED_VERSION });
  }

  /** CheckConfig of the provider's own configuration (wired in by main.ts). */
  checkConfig(news: Props): provider.CheckResult {
    return { inputs: news, failures: checkProviderConfig(this.packageSchema, news, this.env) };
  }

  /** Configure (wired in by main.ts): records the settings and logs them, never the password. */
  configure(args: Props): void {
    this.settings = providerSettings(args, this.env);
    this.ctx.log(
      `configured for vCenter ${this.settings.server} as ${this.settings.user}` +
        ` (simulated; state ${this.store.file}; nothing is contacted)`,
    );
  }

  private handler(urn: string): ResourceHandler {
    const token = urnType(urn);
    const h = HANDLERS[token];
    if (!h) throw new SimulatorError(`unknown resource type ${token}`);
    return h;
  }

  private autoName(h: ResourceHandler, urn: string): string {
    const base = urnName(urn).slice(0, (h.autoName?.maxLength ?? 80) - 8);
    for (let n = 0; ; n++) {
      const suffix = createHash("sha256").update(`${urn}#${n}`).digest("hex").slice(0, 7);
      const name = `${base}-${suffix}`;
      if (this.store.list(h.kind, (o) => o.name === name).length === 0) return name;
    }
  }

  async check(urn: string, olds: Props, news: Props): Promise<provider.CheckResult> {
    const h = this.handler(urn);
    const token = h.token;
    const raw: Props = { ...news };
    delete raw[DEFAULTS_KEY];
    const defaults: string[] = [];
    if (h.autoName && (raw.name === undefined || raw.name === null)) {
      const old = olds?.name;
      const wasAuto =
        Array.isArray(olds?.[DEFAULTS_KEY]) && (olds[DEFAULTS_KEY] as string[]).includes("name");
      raw.name = typeof old === "string" && wasAuto ? old : this.autoName(h, urn);
      defaults.push("name");
    }
    const plain = unwrapProps(raw);
    const failures: provider.CheckFailure[] = checkResourceInputs(this.packageSchema, token, plain, {
      required: true,
      isUnknown,
    }).map((p) => ({
      property: p.path,
      reason: reason(
        p.message === "is required but missing"
          ? `Missing required property '${p.path}'`
          : `${p.path || token}: ${p.message === "is not a property of the provider schema here" ? `unknown property (not in the ${token} schema)` : p.message}`,
      ),
    }));
    h.check(this.ctx, plain, (property, message) => failures.push({ property, reason: reason(message) }));
    return { inputs: { ...raw, [DEFAULTS_KEY]: defaults }, failures };
  }

  async diff(_id: string, urn: string, olds: Props, news: Props): Promise<provider.DiffResult> {
    const h = this.handler(urn);
    const res = this.packageSchema.resources[h.token];
    const inputs: Props = { ...news };
    delete inputs[DEFAULTS_KEY];
    const props = res.inputProperties ?? {};
    const changed = changedProps(h.spec, Object.keys(props), inputs, olds);
    const replaces = new Set<string>();
    for (const k of changed) {
      const p = props[k];
      if (!p) continue;
      if (p.willReplaceOnChanges) replaces.add(k);
      const nested = nestedReplacePaths(this.packageSchema, p);
      if (nested.length > 0 && nestedChange(olds[k], inputs[k], nested)) replaces.add(k);
    }
    for (const k of h.replaces?.(olds, inputs, changed) ?? []) replaces.add(k);
    const autonamed = Array.isArray(news[DEFAULTS_KEY]) && (news[DEFAULTS_KEY] as string[]).includes("name");
    return {
      changes: changed.length > 0,
      replaces: [...replaces].sort(),
      // An explicit name would collide with the object being replaced: delete it first (as the bridge does).
      deleteBeforeReplace: replaces.size > 0 && h.autoName !== undefined && !autonamed,
    };
  }

  private checkOutputs(h: ResourceHandler, outs: Props): void {
    const problems = checkResourceOutputs(this.packageSchema, h.token, unwrapProps(outs), { isUnknown });
    if (problems.length > 0)
      throw new SimulatorError(
        `internal error: ${h.token} outputs do not match the schema:\n${formatProblems(problems)}`,
      );
  }

  private plainInputs(inputs: Props): { raw: Props; plain: Props } {
    const raw: Props = { ...inputs };
    delete raw[DEFAULTS_KEY];
    const plain = unwrapProps(raw);
    if (containsUnknown(plain)) throw new SimulatorError("inputs hold values that are not known yet");
    return { raw, plain };
  }

  async create(urn: string, inputs: Props): Promise<provider.CreateResult> {
    const h = this.handler(urn);
    const { raw, plain } = this.plainInputs(inputs);
    const { id, outs } = this.store.transaction(() => {
      const r = h.create(this.ctx, urn, raw, plain);
      this.checkOutputs(h, r.outs);
      return r;
    });
    this.ctx.log(`created ${h.kind} ${String(plain.name ?? plain.path ?? "")} id=${id} (${urnName(urn)})`);
    return { id, outs };
  }

  async read(id: string, urn: string, _props?: Props): Promise<provider.ReadResult> {
    const h = this.handler(urn);
    const live = this.store.get(id, h.kind);
    if (!live) {
      this.ctx.log(`read ${h.kind} id=${id}: gone (${urnName(urn)})`);
      return { id: "", props: {} };
    }
    return { id, props: live.props };
  }

  async update(id: string, urn: string, _olds: Props, news: Props): Promise<provider.UpdateResult> {
    const h = this.handler(urn);
    const { raw, plain } = this.plainInputs(news);
    const outs = this.store.transaction(() => {
      const live = this.store.get(id, h.kind);
      if (!live) throw missing(h, id);
      const o = h.update(this.ctx, live, raw, plain);
      this.checkOutputs(h, o);
      return o;
    });
    this.ctx.log(`updated ${h.kind} ${String(plain.name ?? plain.path ?? "")} id=${id} (${urnName(urn)})`);
    return { outs };
  }

  async delete(id: string, urn: string, _props: Props): Promise<void> {
    const h = this.handler(urn);
    const gone: SimObject = this.store.transaction(() => {
      const live = this.store.get(id, h.kind);
      if (!live) throw missing(h, id);
      h.delete(this.ctx, live);
      return live;
    });
    this.ctx.log(`deleted ${h.kind} ${gone.name} id=${id} (${urnName(urn)})`);
  }

  async invoke(token: string, inputs: Props): Promise<provider.InvokeResult> {
    const fn = FUNCTIONS[token];
    if (!fn) throw new SimulatorError(`unknown function ${token}`);
    const args = unwrap(inputs ?? {}) as Props;
    const problems = checkInvokeArgs(this.packageSchema, token, args, { required: true });
    if (problems.length > 0) {
      return {
        failures: problems.map((p) => ({
          property: p.path,
          reason: reason(
            p.message === "is required but missing"
              ? `Missing required argument '${p.path}'`
              : `${p.path}: ${p.message}`,
          ),
        })),
      };
    }
    const result = compact(fn(this.ctx.model, args));
    const bad = checkInvokeResult(this.packageSchema, token, result);
    if (bad.length > 0)
      throw new SimulatorError(
        `internal error: the result of ${token} does not match the schema:\n${formatProblems(bad)}`,
      );
    return { outputs: result };
  }
}
