/**
 * Emulator model layer, driven by the ground truth's field definitions: defaults for new records, the
 * "setNodes" walk (unknown keys ignored, a JSON list for a scalar leaf is an error), generic validation
 * (required, booleans, integers and ranges, options, ports, networks, base64) and get_* rendering (list
 * fields as option maps `{key:{value,selected}}`).
 */
import * as ipaddr from "ipaddr.js";
import { GtField, baseType } from "../groundTruth";
import { FieldAttrs, attrsOf } from "./fieldAttrs";

/** A stored record: dotted field name → string value. */
export type Rec = Record<string, string>;

/** Interfaces assigned on the emulated router (config.xml `<interfaces>`), identifier → description. */
export const INTERFACES: Record<string, string> = {
  wan: "WAN",
  lan: "LAN",
  opt1: "OPT1",
  opt2: "OPT2",
  opt3: "OPT3",
};

/**
 * What validation and rendering need to know about the router besides the record: the model key (for the
 * XML attributes in fieldAttrs.ts), aliases by name → type, and the plugin-registered (dynamic, virtual)
 * interfaces such as the `wireguard` group (plugins_interfaces() adds it once WireGuard is enabled).
 */
export interface ModelEnv {
  modelKey: string;
  aliases: Map<string, string>;
  dynamicInterfaces: Record<string, string>;
  /** ModelRelationField options: the uuids of the related model's items (undefined: not emulated, unchecked). */
  relatedItems?(source: string, items: string): string[] | undefined;
}

export const emptyEnv = (modelKey: string): ModelEnv => ({
  modelKey,
  aliases: new Map(),
  dynamicInterfaces: {},
});

/**
 * Thrown for what OPNsense answers with HTTP 500. With a `title` it is a UserException, answered
 * `{"errorMessage": message, "errorTitle": title}`; without one it is any other exception, which www/api.php (not in
 * development mode) answers with the generic `{"errorMessage":"Unexpected error, check log for details"}` and only
 * logs the message (the emulator logs it in `requests[].error`).
 */
export class ServerError extends Error {
  constructor(
    message: string,
    readonly title?: string,
  ) {
    super(message);
  }
}

/** A DispatchException (no such controller/action, too few parameters): www/api.php answers 404 "Endpoint not found". */
export class DispatchError extends Error {}

/** An endpoint the emulator does not implement: answered 500 with this message (not something OPNsense says). */
export class NotEmulatedError extends Error {}

export function pick(obj: any, dotted: string): unknown {
  return dotted
    .split(".")
    .reduce<any>(
      (cur, p) => (cur && typeof cur === "object" && !Array.isArray(cur) ? cur[p] : undefined),
      obj,
    );
}

/**
 * A new record as ArrayField::add makes it: every field's default (applyDefault), AutoNumber fields numbered from
 * their siblings (the collection's other records) by their field class:
 * - FilterSequenceField (filter, outbound NAT, 1:1 NAT rules) and DNatSequenceField (port forwards): the highest
 *   sequence + 100, the first one 100 (Firewall/FieldTypes/*SequenceField.php);
 * - AutoNumberField (WireGuard `instance`, Kea `subnet_id`): the first unused number from the field's minimum.
 * setNodes then overwrites any of them with what was posted: the automatic value survives only when the field is
 * absent from the body, and a posted "" is "" (and fails Required).
 */
export function newRecord(fields: Record<string, GtField>, siblings: Rec[]): Rec {
  const rec: Rec = {};
  for (const [k, f] of Object.entries(fields)) {
    rec[k] = f.default ?? "";
    if (baseType(f) !== "AutoNumberField") continue;
    const used = siblings.map((r) => Number(r[k])).filter((n) => Number.isInteger(n));
    if (f.type === ".\\FilterSequenceField" || f.type === ".\\DNatSequenceField") {
      rec[k] = String(Math.max(0, ...used.filter((n) => n >= 0)) + 100);
    } else {
      let n = Number(f.min ?? 1);
      while (used.includes(n)) n++;
      rec[k] = String(n);
    }
  }
  return rec;
}

/** Dotted container paths of a model's fields (`destination` for `destination.network`). */
function containersOf(keys: string[]): string[] {
  const out = new Set<string>();
  for (const k of keys) {
    const parts = k.split(".");
    for (let i = 1; i < parts.length; i++) out.add(parts.slice(0, i).join("."));
  }
  return [...out];
}

/**
 * BaseField::setNodes: copies the posted value of every known leaf; unknown keys are ignored, and so is a key whose
 * value is null (PHP `isset` is false for null: the field keeps its value). A list or object for a leaf, or a
 * scalar for a container, is an exception (HTTP 500).
 */
export function setNodes(
  fields: Record<string, GtField>,
  rec: Rec,
  posted: unknown,
  extra: string[] = [],
): Rec {
  const out = { ...rec };
  for (const c of containersOf(Object.keys(fields))) {
    const v = pick(posted, c);
    if (v !== undefined && v !== null && typeof v !== "object")
      throw new ServerError(`Invalid input type for ${c.split(".").pop()}: expected a list`);
  }
  for (const k of [...Object.keys(fields), ...extra]) {
    const v = pick(posted, k);
    if (v === undefined || v === null) continue;
    if (Array.isArray(v) || typeof v === "object") {
      throw new ServerError(`Invalid input type for ${k.split(".").pop()}: expected a single value`);
    }
    out[k] = String(v);
  }
  return out;
}

const isIp = (s: string) => ipaddr.isValid(s);
const isCidr = (s: string) => ipaddr.isValidCIDR(s);
/**
 * Values a list-type field may take with their descriptions, or undefined when not a checked list.
 * InterfaceField: assigned interfaces, plus dynamic ones when the XML says <AllowDynamic>Y; VipInterfaceField
 * excludes groups and dynamic interfaces (reference §3).
 */
function optionsOf(f: GtField, key: string, env: ModelEnv): Record<string, string> | undefined {
  const t = baseType(f);
  if (t === "OptionField") return Object.fromEntries((f.options ?? []).map((o) => [o, o]));
  if (f.type === ".\\VipInterfaceField") return INTERFACES;
  if (t === "InterfaceField")
    return attrsOf(env.modelKey, key).allowDynamic ? { ...INTERFACES, ...env.dynamicInterfaces } : INTERFACES;
  return undefined;
}

/**
 * PortField's well-known service names (Base/FieldTypes/PortField.php, the same in 26.1.11 and 26.7.2). The field
 * builds its list as `['any'] + array_keys($wellknownservices)`, a PHP array union by key, so the first name
 * (afs3-fileserver) is replaced by `any` and is not accepted.
 */
const WELL_KNOWN_PORTS = new Set(
  (
    "any aol auth avt-profile-1 cvsup domain ftp hbci http https igmpv3lite imap imaps ipsec-msft ipsec-nat-t isakmp " +
    "l2f ldap microsoft-ds ms-streaming ms-wbt-server msnp nat-stun-port netbios-dgm netbios-ns netbios-ssn nntp " +
    "ntp openvpn pop3 pop3s pptp radius radius-acct rfb sip smtp snmp snmptrap ssh submission telnet teredo tftp " +
    "urd wins"
  ).split(" "),
);

/**
 * PortField: the option list is the numbers "1".."65535" as written (no leading zeros), plus the well-known names
 * and port aliases when enabled; with ranges also `a-b` (a dash, no spaces, 1 <= a < b <= 65535).
 */
function validPort(v: string, a: FieldAttrs, env: ModelEnv): boolean {
  const num = (p: string) => /^[1-9][0-9]{0,4}$/.test(p) && Number(p) <= 65535;
  if (num(v)) return true;
  if (a.ranges && /^[0-9]+-[0-9]+$/.test(v)) {
    const [lo, hi] = v.split("-");
    if (num(lo) && num(hi) && Number(lo) < Number(hi)) return true;
  }
  if (a.alias && env.aliases.get(v) === "port") return true;
  if (a.wellKnown && WELL_KNOWN_PORTS.has(v)) return true;
  return false;
}

function validNetwork(x: string, a: FieldAttrs): boolean {
  if (!(isIp(x) || isCidr(x))) return false;
  if (a.netmaskRequired && !x.includes("/")) return false;
  if (a.netmaskForbidden && x.includes("/")) return false;
  if (a.family) {
    const addr = x.split("/")[0];
    if ((a.family === "ipv4") !== ipaddr.IPv4.isValid(addr)) return false;
  }
  return true;
}

/**
 * Generic field validation (messages keyed `<wrapper>.<field>`), from the ground truth's field types, required
 * flags, options and ranges plus the XML attributes in fieldAttrs.ts. Every field is checked, or only those in
 * `only` (BaseModel::performValidation checks changed fields unless the whole model is validated).
 * Required means required: an empty value fails it whatever the field type (BaseField::getValidators adds
 * PresenceOf for every required field that is not set; AutoNumber and volatile fields are no exception).
 */
export function validate(
  wrapper: string,
  fields: Record<string, GtField>,
  rec: Rec,
  env: ModelEnv,
  only?: Set<string>,
): Record<string, string> {
  const errs: Record<string, string> = {};
  for (const [k, f] of Object.entries(fields)) {
    if (only && !only.has(k)) continue;
    const v = rec[k] ?? "";
    const key = `${wrapper}.${k}`;
    const t = baseType(f);
    const a = attrsOf(env.modelKey, k);
    if (v === "") {
      if (f.required) errs[key] = "A value is required.";
      continue;
    }
    const many = f.multiple || f.as_list ? v.split(",") : [v];
    const opts = optionsOf(f, k, env);
    if (t === "BooleanField" && v !== "0" && v !== "1") errs[key] = "Value should be a boolean (0,1).";
    else if (
      (t === "IntegerField" || t === "NumericField" || t === "AutoNumberField") &&
      !/^-?[0-9]+$/.test(v)
    )
      errs[key] =
        a.message ?? (t === "AutoNumberField" ? "Invalid integer value." : "Value should be an integer.");
    else if (
      (t === "IntegerField" || t === "AutoNumberField") &&
      ((f.min !== undefined && Number(v) < Number(f.min)) ||
        (f.max !== undefined && Number(v) > Number(f.max)))
    )
      errs[key] =
        a.message ??
        (t === "AutoNumberField"
          ? "Invalid integer value."
          : `Value should be between ${f.min ?? "-inf"} and ${f.max ?? "inf"}.`);
    else if (opts && (many.some((x) => !(x in opts)) || (!f.multiple && many.length > 1))) {
      // BaseListField: "Option [%s] not in list." per bad item of a multi-select; a single select formats it
      // without the value (getValidationMessage() without content).
      const bad = f.multiple ? many.find((x) => !(x in opts)) : "";
      errs[key] = (a.message ?? "Option [%s] not in list.").replace("%s", bad ?? "");
    } else if (t === "ModelRelationField" && f.relation?.[0] && env.relatedItems) {
      // ModelRelationField → BaseListField: every selected uuid must be an item of the related model.
      const items = env.relatedItems(f.relation[0].source, f.relation[0].items);
      const bad = items && many.find((x) => !items.includes(x));
      if (bad !== undefined) errs[key] = (a.message ?? "Option [%s] not in list.").replace("%s", bad);
    } else if (t === "PortField" && !validPort(v, a, env))
      errs[key] = a.message ?? "Please specify a valid port number or alias.";
    else if (a.mask && !a.mask.test(v)) errs[key] = a.message ?? "Invalid value.";
    else if (t === "NetworkField" && many.some((x) => !validNetwork(x, a)))
      errs[key] = "Please specify a valid network segment or IP address.";
    else if (t === "Base64Field" && !/^[A-Za-z0-9+/]+={0,2}$/.test(v)) errs[key] = "Invalid base64 content.";
    else if (t === "NetworkAliasField" && !validNetworkAlias(v, !!f.multiple, env))
      errs[key] = `${v} is not a valid source IP address or alias.`;
  }
  return errs;
}

/**
 * NetworkAliasField (Base/FieldTypes/NetworkAliasField.php): options are `any`, `(self)`, every interface
 * (its net), `<if>ip` for non-virtual interfaces, and every non-port alias; a literal IP/CIDR is only added
 * as an option when it is the whole value, so a comma list of literal addresses is rejected.
 */
function validNetworkAlias(v: string, multiple: boolean, env: ModelEnv): boolean {
  if (isIp(v) || isCidr(v)) return true;
  const one = (x: string) => {
    if (x === "any" || x === "(self)") return true;
    if (INTERFACES[x] || env.dynamicInterfaces[x]) return true;
    if (x.endsWith("ip") && INTERFACES[x.slice(0, -2)]) return true;
    const type = env.aliases.get(x);
    return type !== undefined && !type.includes("port");
  };
  return multiple ? v.split(",").every(one) : one(v);
}

/** The field's value as get_* shows it: list-type fields as option maps, the rest as strings. */
function renderValue(
  f: GtField,
  key: string,
  v: string,
  env: ModelEnv,
  relation?: Record<string, string>,
): unknown {
  const t = baseType(f);
  const opts = optionsOf(f, key, env);
  const selected = new Set(v === "" ? [] : f.multiple || f.as_list ? v.split(",") : [v]);
  if (opts) {
    const m: Record<string, { value: string; selected: number }> = {};
    if (!f.required && !f.multiple) m[""] = { value: "none", selected: v === "" ? 1 : 0 };
    for (const [o, descr] of Object.entries(opts)) m[o] = { value: descr, selected: selected.has(o) ? 1 : 0 };
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
  env: ModelEnv,
  relations: Record<string, Record<string, string>> = {},
  skip: string[] = [],
): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [k, f] of Object.entries(fields)) {
    if (skip.includes(k)) continue;
    const parts = k.split(".");
    let cur = out;
    for (const p of parts.slice(0, -1)) cur = cur[p] ??= {};
    cur[parts[parts.length - 1]] = renderValue(f, k, rec[k] ?? "", env, relations[k]);
  }
  return out;
}

/** A search row (25.7+: raw values plus `%field` descriptions for list fields). */
export function searchRow(
  fields: Record<string, GtField>,
  uuid: string,
  rec: Rec,
  env: ModelEnv,
): Record<string, string> {
  const row: Record<string, string> = { uuid };
  for (const [k, f] of Object.entries(fields)) {
    if (k.includes(".")) continue;
    row[k] = rec[k] ?? "";
    const opts = optionsOf(f, k, env);
    if (opts)
      row[`%${k}`] = (rec[k] ?? "")
        .split(",")
        .filter((x) => x !== "")
        .map((x) => opts[x] ?? x)
        .join(", ");
  }
  return row;
}
