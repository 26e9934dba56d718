/**
 * The offline plan: runs the real stack program (stacks/index.ts `runStack`, exactly what `pulumi up` runs) under
 * the recording mocks, with no credentials, no engine and no provider plugins, and returns every resource the
 * program would register.
 */
import * as pulumi from "@pulumi/pulumi";
import { performance } from "node:perf_hooks";
import { STACK_KINDS, StackKind } from "../../stacks/config";
import { Inventory, defaultInventory } from "./inventory";
import { RecordedResource, captureUnhandled, installMocks } from "./mockRuntime";
import { StackFileConfig, StackFileError, readStackFile } from "./stackFile";

export interface PlanOptions {
  /** Stack config file in Pulumi's format (`config:` map). */
  configFile?: string;
  /** Already-parsed config (instead of a file). */
  stackConfig?: StackFileConfig;
  /** Expected kind; must match `basphere:kind` of the file when both are given, or sets it. */
  kind?: StackKind;
  /** Inventory the mocks answer from (default: {@link defaultInventory}). */
  inventory?: Inventory;
}

export interface PlanResult {
  kind: StackKind;
  stack: string;
  resources: RecordedResource[];
  /** Stack outputs (secret values replaced by "[secret]"). */
  outputs: Record<string, unknown>;
  /** Names of outputs that are secret. */
  secretOutputs: string[];
  /** Wall time of the program run under mocks, in milliseconds. */
  durationMs: number;
}

function configFor(opts: PlanOptions): StackFileConfig {
  const sc = opts.stackConfig ?? (opts.configFile ? readStackFile(opts.configFile) : undefined);
  if (!sc) throw new StackFileError("plan needs a stack config file (--config <file.yaml>)");
  const config = { ...sc.config };
  const fileKind = config["basphere:kind"];
  if (opts.kind) {
    if (!STACK_KINDS.includes(opts.kind)) {
      throw new StackFileError(
        `unknown kind ${JSON.stringify(opts.kind)}: expected one of ${STACK_KINDS.join(", ")}`,
      );
    }
    if (fileKind !== undefined && fileKind !== opts.kind) {
      throw new StackFileError(
        `--kind ${opts.kind} does not match basphere:kind ${JSON.stringify(fileKind)} in ${opts.configFile ?? "the config"}`,
      );
    }
    config["basphere:kind"] = opts.kind;
  }
  return { ...sc, config };
}

async function unwrapOutputs(
  outputs: Record<string, unknown>,
): Promise<{ values: Record<string, unknown>; secret: string[] }> {
  const values: Record<string, unknown> = {};
  const secret: string[] = [];
  for (const [k, v] of Object.entries(outputs ?? {})) {
    const o: pulumi.Output<unknown> = pulumi.output(v as pulumi.Input<unknown>) as pulumi.Output<unknown>;
    if (await pulumi.isSecret(o)) {
      secret.push(k);
      values[k] = "[secret]";
    } else {
      values[k] = await new Promise((res) => o.apply((x: unknown) => res(x)));
    }
  }
  return { values, secret };
}

/** Runs one offline plan. The first call in a process also pays for loading the program's modules. */
export async function plan(opts: PlanOptions): Promise<PlanResult> {
  const sc = configFor(opts);
  const mocks = installMocks({ project: "basphere", stack: sc.stack });
  mocks.reset(opts.inventory ?? defaultInventory());
  pulumi.runtime.setAllConfig(sc.config, sc.secretKeys);
  // Loaded after the mocks are installed: resources read the monitor when they are constructed.
  const { runStack } = require("../../stacks") as typeof import("../../stacks");
  const { readBasphereConfig, stackKind } =
    require("../../stacks/config") as typeof import("../../stacks/config");
  const config = readBasphereConfig();
  const kind = stackKind(config.values);
  // The SDK captures a stack trace for every promise and resource it creates (leak diagnostics and source
  // positions for the engine). Under mocks nothing reads them, and they dominate the plan's time.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const start = performance.now();
  let outputs: Record<string, unknown> = {};
  try {
    await captureUnhandled(mocks, async () => {
      await pulumi.runtime.runInPulumiStack(async () => {
        outputs = await runStack(config);
        return outputs;
      });
      await mocks.settle();
    });
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  const durationMs = performance.now() - start;
  if (mocks.errors.length) throw mocks.errors[0];
  const { values, secret } = await unwrapOutputs(outputs);
  return {
    kind,
    stack: sc.stack,
    resources: [...mocks.resources],
    outputs: values,
    secretOutputs: secret,
    durationMs,
  };
}
