/**
 * The contract between the provider (box/vsphereSimulator/provider.ts) and one simulated resource type. The
 * provider does what is the same for every type — schema checks, auto-naming, diffs from the {@link ObjectSpec},
 * transactions, logging, reads — and asks the handler for what vCenter does with the type.
 */
import type { Schema } from "../../../providers/vsphere/generate";
import { type Logger, SimulatorError } from "../log";
import type { Model } from "../model";
import type { ObjectSpec } from "../propertySpec";
import type { Kind, SimObject, SimulatorStore } from "../store";
import { type Props, UNKNOWN } from "../values";

/** What a handler works with. */
export interface SimContext {
  store: SimulatorStore;
  model: Model;
  schema: Schema;
  log: Logger;
  /** The clock (tests fix it). */
  now: () => Date;
}

/** Reports a check failure on an input property (dotted path). */
export type Fail = (property: string, message: string) => void;

/** One resource type. */
export interface ResourceHandler {
  /** The type token, e.g. `vsphere:index/folder:Folder`. */
  token: string;
  /** The kind of the object it manages. */
  kind: Kind;
  /** Defaults, computed and set properties of the inputs (the Terraform schema's facts). */
  spec: ObjectSpec;
  /** When the type has an auto-named `name` input: its longest allowed value. */
  autoName?: { maxLength: number };
  /**
   * Checks the plain inputs (unknowns possible: skip what is not known) beyond the schema: value ranges and
   * choices, combinations, and references to the inventory (ids that are known must exist). Never checks names of
   * objects the same program may still be creating (those are checked on create/update).
   */
  check(ctx: SimContext, inputs: Props, fail: Fail): void;
  /** Input properties whose change forces a replacement beyond the schema's `willReplaceOnChanges`. */
  replaces?(current: Props, inputs: Props, changed: string[]): string[];
  /** Creates the object (inside a transaction); returns its id and outputs (raw: secrets as given). */
  create(ctx: SimContext, urn: string, raw: Props, plain: Props): { id: string; outs: Props };
  /** Updates the live object (inside a transaction); returns the new outputs. */
  update(ctx: SimContext, live: SimObject, raw: Props, plain: Props): Props;
  /** Deletes the live object (inside a transaction). */
  delete(ctx: SimContext, live: SimObject): void;
}

/** The resource name of a URN (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function urnName(urn: string): string {
  return urn.split("::").slice(3).join("::");
}

/** The resource type of a URN (the last type of a parent chain `a$b`). */
export function urnType(urn: string): string {
  const qualified = urn.split("::")[2] ?? "";
  return qualified.split("$").pop() ?? qualified;
}

/** True for a known (not unknown, not unset) string. */
export function known(v: unknown): v is string {
  return typeof v === "string" && v !== UNKNOWN;
}

/** True for a known number. */
export function knownNumber(v: unknown): v is number {
  return typeof v === "number";
}

/** Custom attributes: the box's vCenter defines none, so any key is unknown (as vCenter would answer). */
export function rejectCustomAttributes(v: unknown): void {
  for (const key of Object.keys((v as Record<string, unknown>) ?? {}))
    throw new SimulatorError(
      `error setting custom attributes: custom attribute ${key} not found`,
      "customAttributes",
    );
}

/** Throws the first failure: for create/update, where the same checks as at check time may run again. */
export const throwFail: Fail = (property, message) => {
  throw new SimulatorError(message, property);
};

/** Checks a known value is one of `choices`. */
export function oneOf(fail: Fail, property: string, v: unknown, choices: readonly string[]): void {
  if (known(v) && !choices.includes(v))
    fail(property, `expected ${property} to be one of [${choices.join(", ")}], got ${v}`);
}

/** Checks a known integer is in `[min, max]`. */
export function between(fail: Fail, property: string, v: unknown, min: number, max: number): void {
  if (knownNumber(v) && (v < min || v > max))
    fail(property, `expected ${property} to be in the range (${min} - ${max}), got ${v}`);
}
