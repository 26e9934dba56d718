/**
 * Emulator model layer, driven by the ground truth's field definitions: defaults for new records, the
 * "setNodes" walk (unknown keys ignored, a JSON list for a scalar leaf is an error), generic validation
 * (required, booleans, integers and ranges, options, ports, networks, base64) and get_* rendering (list
 * fields as option maps `{key:{value,selected}}`).
 */
import * as ipaddr from "ipaddr.js";
import { GtField, baseType } from "../groundTruth";

/** A stored record: dotted field name → string value. */
export type Rec = Record<string, string>;

/** Interfaces the emulated router has. */
export const INTERFACES: Record<string, string> = {
  wan: "WAN",
  lan: "LAN",
  opt1: "OPT1",
  opt2: "OPT2",
  opt3: "OPT3",
};

/** Thrown for what OPNsense answers with HTTP 500 (`{"errorMessage":...}`). */
export class ServerError extends Error {
  constructor(
    message: string,
    readonly title?: string,
  ) {
    super(message);
  }
}

export function pick(obj: any, dotted: string): unknown {
  return dotted
    .split(".")
    .reduce<any>(
      (cur, p) => (cur && typeof cur === "object" && !Array.isArray(cur) ? cur[p] : undefined),
      obj,
    );
}

/** Defaults of a new record. AutoNumber fields are filled by the caller. */
export function defaults(fields: Record<string, GtField>): Rec {
  const rec: Rec = {};
  for (const [k, f] of Object.entries(fields)) rec[k] = f.default ?? "";
  return rec;
}

/** BaseField::setNodes: copies known leaf values; unknown keys are ignored; lists for scalars throw. */
export function setNodes(
  fields: Record<string, GtField>,
  rec: Rec,
  posted: unknown,
  extra: string[] = [],
): Rec {
  const out = { ...rec };
  for (const k of [...Object.keys(fields), ...extra]) {
    const v = pick(posted, k);
    if (v === undefined) continue;
    if (Array.isArray(v) || (v !== null && typeof v === "object")) {
      throw new ServerError(`Invalid input type for ${k} (expected a single value)`);
    }
    out[k] = v === null ? "" : String(v);
  }
  return out;
}

const isIp = (s: string) => ipaddr.isValid(s);
function isCidr(s: string): boolean {
  try {
    ipaddr.parseCIDR(s);
    return true;
  } catch {
    return false;
  }
}
const isPort = (s: string) =>
  /^([0-9]{1,5})(-[0-9]{1,5})?$/.test(s) && s.split("-").every((p) => Number(p) >= 1 && Number(p) <= 65535);

/** Values a list-type field may take (static options, interfaces), or undefined when not checked. */
function optionsOf(f: GtField): string[] | undefined {
  const t = baseType(f);
  if (t === "OptionField") return f.options;
  if (t === "InterfaceField" || f.type === ".\\VipInterfaceField") return Object.keys(INTERFACES);
  return undefined;
}

/**
 * Generic validation of the changed record (messages keyed `<wrapper>.<field>`). `names` are existing
 * alias names (valid network/port values).
 */
export function validate(
  wrapper: string,
  fields: Record<string, GtField>,
  rec: Rec,
  aliasNames: Set<string>,
): Record<string, string> {
  const errs: Record<string, string> = {};
  for (const [k, f] of Object.entries(fields)) {
    const v = rec[k] ?? "";
    const key = `${wrapper}.${k}`;
    const t = baseType(f);
    if (v === "") {
      if (f.required && t !== "AutoNumberField" && !f.volatile) errs[key] = "A value is required.";
      continue;
    }
    const many = f.multiple || f.as_list ? v.split(",") : [v];
    if (t === "BooleanField" && v !== "0" && v !== "1") errs[key] = "Value should be a boolean (0,1).";
    else if (
      (t === "IntegerField" || t === "NumericField" || t === "AutoNumberField") &&
      !/^-?[0-9]+$/.test(v)
    )
      errs[key] = "Value should be an integer.";
    else if (
      t === "IntegerField" &&
      ((f.min !== undefined && Number(v) < Number(f.min)) ||
        (f.max !== undefined && Number(v) > Number(f.max)))
    )
      errs[key] = `Value should be between ${f.min ?? "-inf"} and ${f.max ?? "inf"}.`;
    else if (optionsOf(f) && many.some((x) => !optionsOf(f)!.includes(x))) errs[key] = "Option not in list.";
    else if (!f.multiple && optionsOf(f) && many.length > 1) errs[key] = "Option not in list.";
    else if (t === "PortField" && !isPort(v) && !aliasNames.has(v) && !/^[a-z][a-z0-9-]*$/.test(v))
      errs[key] = "Please specify a valid port number or alias.";
    else if (t === "NetworkField" && many.some((x) => !isIp(x) && !isCidr(x)))
      errs[key] = "Please specify a valid network segment or IP address.";
    else if (t === "Base64Field" && !/^[A-Za-z0-9+/]+={0,2}$/.test(v)) errs[key] = "Invalid base64 content.";
    else if (t === "NetworkAliasField" && many.some((x) => !validNetworkAlias(x, aliasNames)))
      errs[key] = `${v} is not a valid source IP address or alias.`;
    else if (t === "NetworkAliasField" && many.length > 1 && many.includes("any"))
      errs[key] = "any can not be combined with other values.";
  }
  return errs;
}

function validNetworkAlias(x: string, aliases: Set<string>): boolean {
  if (x === "any" || x === "(self)" || isIp(x) || isCidr(x)) return true;
  if (INTERFACES[x] || (x.endsWith("ip") && INTERFACES[x.slice(0, -2)])) return true;
  return aliases.has(x);
}

/** The field's value as get_* shows it: list-type fields as option maps, the rest as strings. */
function renderValue(f: GtField, v: string, relation?: Record<string, string>): unknown {
  const t = baseType(f);
  const opts = optionsOf(f);
  const selected = new Set(v === "" ? [] : f.multiple || f.as_list ? v.split(",") : [v]);
  if (opts) {
    const m: Record<string, { value: string; selected: number }> = {};
    if (!f.required && !f.multiple) m[""] = { value: "None", selected: v === "" ? 1 : 0 };
    for (const o of opts) m[o] = { value: INTERFACES[o] ?? o, selected: selected.has(o) ? 1 : 0 };
    return m;
  }
  if (t === "ModelRelationField" && relation) {
    const m: Record<string, { value: string; selected: number }> = {};
    for (const [uuid, label] of Object.entries(relation))
      m[uuid] = { value: label, selected: selected.has(uuid) ? 1 : 0 };
    return m;
  }
  if (f.as_list) {
    const m: Record<string, { value: string; selected: number }> = {};
    for (const x of selected) m[x] = { value: x, selected: 1 };
    return m;
  }
  return v;
}

/** A record as get_* returns it (nested containers, option maps). `skip` omits fields. */
export function render(
  fields: Record<string, GtField>,
  rec: Rec,
  relations: Record<string, Record<string, string>> = {},
  skip: string[] = [],
): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [k, f] of Object.entries(fields)) {
    if (skip.includes(k)) continue;
    const parts = k.split(".");
    let cur = out;
    for (const p of parts.slice(0, -1)) cur = cur[p] ??= {};
    cur[parts[parts.length - 1]] = renderValue(f, rec[k] ?? "", relations[k]);
  }
  return out;
}

/** A search row (25.7+: raw values plus `%field` descriptions for list fields). */
export function searchRow(fields: Record<string, GtField>, uuid: string, rec: Rec): Record<string, string> {
  const row: Record<string, string> = { uuid };
  for (const [k, f] of Object.entries(fields)) {
    if (k.includes(".")) continue;
    row[k] = rec[k] ?? "";
    if (optionsOf(f))
      row[`%${k}`] = (rec[k] ?? "")
        .split(",")
        .map((x) => INTERFACES[x] ?? x)
        .join(", ");
  }
  return row;
}
