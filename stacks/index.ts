/**
 * The program's dispatcher: reads `basphere:kind` and runs that stack kind. Each kind lives in its own file
 * (stacks/<kind>.ts) and is loaded only when selected, so a tenant stack never loads the OCI SDK.
 */
import * as pulumi from "@pulumi/pulumi";
import { BasphereConfig, StackKind, readBasphereConfig, stackKind } from "./config";

/** What every stack module exports. */
export interface StackModule {
  /** Runs the stack program with the validated config; returns the stack outputs. */
  run(config: BasphereConfig): Promise<Record<string, pulumi.Input<unknown>>>;
}

/** Loads the module of a stack kind. */
export function loadStack(kind: StackKind): StackModule {
  switch (kind) {
    case "oci":
      return require("./oci") as StackModule;
    case "onprem":
      return require("./onprem") as StackModule;
    case "tenant":
      return require("./tenant") as StackModule;
    case "box":
      return require("./box") as StackModule;
  }
}

/** Runs the stack selected by config; the entry point of `pulumi up` and of the offline plan. */
export async function runStack(
  config: BasphereConfig = readBasphereConfig(),
): Promise<Record<string, unknown>> {
  const kind = stackKind(config.values);
  const outputs = await loadStack(kind).run(config);
  // Optional parts (a tenant without a cluster) leave outputs undefined: omit them rather than export nothing.
  return Object.fromEntries(Object.entries(outputs).filter(([, v]) => v !== undefined));
}
