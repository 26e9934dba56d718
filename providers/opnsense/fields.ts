/**
 * Field maps: how each resource's camelCase arguments become the API's snake_case fields, per endpoint.
 * Every path and field here is checked against the OPNsense 26.7 ground truth by
 * test/unit/providers/opnsense/groundTruth.test.ts (OPNsense silently ignores unknown fields, so a typo would "work").
 * Dotted API names are nested objects in the body (`destination.network` → `{"destination":{"network":..}}`).
 */

/** How an argument is encoded: all API leaf values are strings. */
export type Codec =
  | "str" // string as is
  | "bool" // true/false → "1"/"0"
  | "notbool" // true → "0" (DNAT `disabled` is the inverse of `enabled`)
  | "int" // number → "1234", undefined → ""
  | "csv" // string[] → "a,b" (multi-value fields are comma-separated strings, never JSON arrays)
  | "lines" // string[] → "a\nb" (alias content, Kea pools)
  | "host32" // "1.2.3.4" → "1.2.3.4/32"; CIDR kept
  | "protoUpper" // filter/source NAT store protocols upper case ("TCP"), "any" stays
  | "protoLower"; // DNAT stores them lower case ("tcp")

export interface FieldMap {
  /** Argument name on the resource. */
  arg: string;
  /** API field (dotted for nested containers). */
  api: string;
  codec: Codec;
  /**
   * Used when the argument is undefined. Without one an undefined argument is sent as "" (clears the field), unless
   * {@link omitWhenUnset}.
   */
  default?: unknown;
  /**
   * Left out of the body when the argument is undefined, instead of being sent as "". For fields the model
   * requires and fills itself (FilterSequenceField: max + 100): OPNsense applies that automatic value only when
   * the field is absent from the body of a new record (ArrayField::add → applyDefault, then setNodes overwrites it
   * with whatever was posted, "" included, which fails Required). On an existing record an absent field keeps
   * its value.
   */
  omitWhenUnset?: boolean;
  /**
   * A comma list whose order the router does not keep (multi-select InterfaceField: get_* lists the options in
   * the router's order), so diff compares it as a set.
   */
  unordered?: boolean;
}

/** One record-style resource: a collection with get_/set_/del_/search_ and an apply call. */
export interface RecordSpec {
  kind: string;
  /** Controller base path, snake_case. */
  base: string;
  /** Item noun of the actions (`set_<item>`). */
  item: string;
  /** Top-level body key of set_/get_ answers. */
  wrapper: string;
  /** Ground-truth model key (for the checker test). */
  modelKey: string;
  /** Apply call after every change, and the answer key that carries "ok". */
  apply: { path: string; key: "status" | "result" };
  fields: FieldMap[];
  /** Constant API fields sent with every set. */
  fixed?: Record<string, string>;
  /** Arguments that hold secrets: masked in every message (engine.ts), secret inputs and outputs (resource.ts). */
  secretArgs?: string[];
  /** Arguments whose change needs a new record (none of the MVC models need it so far). */
  replaceArgs?: string[];
}

const FW_APPLY = (ctrl: string) => ({ path: `/api/firewall/${ctrl}/apply`, key: "status" as const });

export const SPECS: Record<string, RecordSpec> = {
  VirtualIp: {
    kind: "VirtualIp",
    base: "/api/interfaces/vip_settings",
    item: "item",
    wrapper: "vip",
    modelKey: "OPNsense\\Interfaces\\Vip:vip",
    apply: { path: "/api/interfaces/vip_settings/reconfigure", key: "status" },
    fields: [
      { arg: "interface", api: "interface", codec: "str", default: "wan" },
      { arg: "mode", api: "mode", codec: "str", default: "ipalias" },
      // `network` is not a model field: the controller splits it into subnet/subnet_bits (extra_fields in the ground truth).
      { arg: "address", api: "network", codec: "host32" },
      { arg: "description", api: "descr", codec: "str" },
    ],
  },
  OneToOneNat: {
    kind: "OneToOneNat",
    base: "/api/firewall/one_to_one",
    item: "rule",
    wrapper: "rule",
    modelKey: "OPNsense\\Firewall\\Filter:onetoone.rule",
    apply: FW_APPLY("one_to_one"),
    fixed: { type: "binat" },
    fields: [
      { arg: "enabled", api: "enabled", codec: "bool", default: true },
      { arg: "interface", api: "interface", codec: "str", default: "wan" },
      { arg: "external", api: "external", codec: "str" },
      { arg: "internal", api: "source_net", codec: "str" },
      { arg: "destination", api: "destination_net", codec: "str", default: "any" },
      { arg: "natReflection", api: "natreflection", codec: "str", default: "" },
      { arg: "description", api: "description", codec: "str" },
    ],
  },
  PortForward: {
    kind: "PortForward",
    base: "/api/firewall/d_nat",
    item: "rule",
    wrapper: "rule",
    modelKey: "OPNsense\\Firewall\\DNat:rule",
    apply: FW_APPLY("d_nat"),
    fixed: { ipprotocol: "inet" },
    fields: [
      { arg: "enabled", api: "disabled", codec: "notbool", default: true },
      { arg: "interface", api: "interface", codec: "str", default: "wan" },
      { arg: "protocol", api: "protocol", codec: "protoLower" },
      { arg: "destination", api: "destination.network", codec: "str" },
      { arg: "destinationPort", api: "destination.port", codec: "str" },
      { arg: "target", api: "target", codec: "str" },
      { arg: "targetPort", api: "local-port", codec: "str" },
      { arg: "pass", api: "pass", codec: "str", default: "rule" },
      { arg: "natReflection", api: "natreflection", codec: "str", default: "" },
      { arg: "description", api: "descr", codec: "str" },
    ],
  },
  SourceNatRule: {
    kind: "SourceNatRule",
    base: "/api/firewall/source_nat",
    item: "rule",
    wrapper: "rule",
    modelKey: "OPNsense\\Firewall\\Filter:snatrules.rule",
    apply: FW_APPLY("source_nat"),
    fixed: { ipprotocol: "inet" },
    fields: [
      { arg: "enabled", api: "enabled", codec: "bool", default: true },
      { arg: "interface", api: "interface", codec: "str", default: "wan" },
      { arg: "sourceNet", api: "source_net", codec: "str" },
      { arg: "destinationNet", api: "destination_net", codec: "str", default: "any" },
      { arg: "target", api: "target", codec: "str", default: "wanip" },
      { arg: "description", api: "description", codec: "str" },
    ],
  },
  FirewallRule: {
    kind: "FirewallRule",
    base: "/api/firewall/filter",
    item: "rule",
    wrapper: "rule",
    modelKey: "OPNsense\\Firewall\\Filter:rules.rule",
    apply: FW_APPLY("filter"),
    fields: [
      { arg: "enabled", api: "enabled", codec: "bool", default: true },
      { arg: "action", api: "action", codec: "str" },
      { arg: "interface", api: "interface", codec: "str", unordered: true },
      { arg: "direction", api: "direction", codec: "str", default: "in" },
      { arg: "ipProtocol", api: "ipprotocol", codec: "str", default: "inet" },
      { arg: "protocol", api: "protocol", codec: "protoUpper", default: "any" },
      { arg: "sourceNet", api: "source_net", codec: "str", default: "any" },
      { arg: "sourcePort", api: "source_port", codec: "str" },
      { arg: "destinationNet", api: "destination_net", codec: "str", default: "any" },
      { arg: "destinationPort", api: "destination_port", codec: "str" },
      // Required by the model; absent → the router appends the rule on create and keeps it on update.
      { arg: "sequence", api: "sequence", codec: "int", omitWhenUnset: true },
      { arg: "log", api: "log", codec: "bool", default: false },
      { arg: "description", api: "description", codec: "str" },
    ],
  },
  Alias: {
    kind: "Alias",
    base: "/api/firewall/alias",
    item: "item",
    wrapper: "alias",
    modelKey: "OPNsense\\Firewall\\Alias:aliases.alias",
    apply: { path: "/api/firewall/alias/reconfigure", key: "status" },
    fixed: { enabled: "1" },
    fields: [
      { arg: "name", api: "name", codec: "str" },
      { arg: "type", api: "type", codec: "str" },
      { arg: "content", api: "content", codec: "lines" },
      { arg: "description", api: "description", codec: "str" },
    ],
  },
  WireguardServer: {
    kind: "WireguardServer",
    base: "/api/wireguard/server",
    item: "server",
    wrapper: "server",
    modelKey: "OPNsense\\Wireguard\\Server:servers.server",
    apply: { path: "/api/wireguard/service/reconfigure", key: "result" },
    fixed: { enabled: "1" },
    secretArgs: ["privateKey"],
    fields: [
      { arg: "name", api: "name", codec: "str" },
      { arg: "port", api: "port", codec: "int" },
      { arg: "tunnelAddress", api: "tunneladdress", codec: "csv" },
      { arg: "mtu", api: "mtu", codec: "int" },
      { arg: "dns", api: "dns", codec: "csv" },
      { arg: "privateKey", api: "privkey", codec: "str" },
      // The API does not derive pubkey from privkey on save: we send the pair.
      { arg: "publicKey", api: "pubkey", codec: "str" },
    ],
  },
  WireguardPeer: {
    kind: "WireguardPeer",
    base: "/api/wireguard/client",
    item: "client",
    wrapper: "client",
    modelKey: "OPNsense\\Wireguard\\Client:clients.client",
    apply: { path: "/api/wireguard/service/reconfigure", key: "result" },
    fixed: { enabled: "1" },
    secretArgs: ["presharedKey"],
    fields: [
      { arg: "name", api: "name", codec: "str" },
      { arg: "publicKey", api: "pubkey", codec: "str" },
      { arg: "tunnelAddress", api: "tunneladdress", codec: "csv" },
      // `servers` (volatile) makes set_client rewrite every instance's `peers` list.
      { arg: "serverUuid", api: "servers", codec: "str" },
      { arg: "keepalive", api: "keepalive", codec: "int" },
      { arg: "presharedKey", api: "psk", codec: "str" },
    ],
  },
  DhcpSubnet: {
    kind: "DhcpSubnet",
    base: "/api/kea/dhcpv4",
    item: "subnet",
    wrapper: "subnet4",
    modelKey: "OPNsense\\Kea\\KeaDhcpv4:subnets.subnet4",
    apply: { path: "/api/kea/service/reconfigure", key: "status" },
    fields: [
      { arg: "subnet", api: "subnet", codec: "str" },
      { arg: "pools", api: "pools", codec: "lines" },
      { arg: "routers", api: "option_data.routers", codec: "csv" },
      { arg: "dnsServers", api: "option_data.domain_name_servers", codec: "csv" },
      { arg: "domainName", api: "option_data.domain_name", codec: "str" },
      { arg: "autocollect", api: "option_data_autocollect", codec: "bool" },
      { arg: "description", api: "description", codec: "str" },
    ],
  },
};

/** Other calls the providers make, with their body wrapper and fields (also checked against the ground truth). */
export const EXTRA_CALLS = {
  wireguardGeneralSet: {
    path: "/api/wireguard/general/set",
    wrapper: "general",
    modelKey: "OPNsense\\Wireguard\\General:",
    fields: ["enabled"],
  },
  keaSettingsGet: { path: "/api/kea/dhcpv4/get" },
  keaSettingsSet: {
    path: "/api/kea/dhcpv4/set",
    wrapper: "dhcpv4",
    modelKey: "OPNsense\\Kea\\KeaDhcpv4:",
    fields: ["general.enabled", "general.interfaces"],
  },
  snatModeGet: { path: "/api/firewall/source_nat/get" },
  snatModeSet: {
    path: "/api/firewall/source_nat/set",
    wrapper: "filter",
    modelKey: "OPNsense\\Firewall\\Filter:",
    fields: ["general.snat_mode"],
  },
  addApiKey: { path: "/api/auth/user/add_api_key" },
  searchApiKey: { path: "/api/auth/user/search_api_key" },
  delApiKey: { path: "/api/auth/user/del_api_key" },
  health: { path: "/api/core/system/status" },
} as const;

// ---- encoding / decoding ------------------------------------------------------------------------------------

export function encodeValue(codec: Codec, v: unknown): string {
  if (v === undefined || v === null) return "";
  switch (codec) {
    case "bool":
      return v ? "1" : "0";
    case "notbool":
      return v ? "0" : "1";
    case "int":
      return String(Math.trunc(Number(v)));
    case "csv":
      return (v as unknown[]).map(String).join(",");
    case "lines":
      return (v as unknown[]).map(String).join("\n");
    case "protoUpper":
      return String(v).toLowerCase() === "any" ? "any" : String(v).toUpperCase();
    case "protoLower":
      return String(v).toLowerCase();
    case "host32": {
      const s = String(v);
      return s.includes("/") ? s : `${s}/32`;
    }
    default:
      return String(v);
  }
}

export function decodeValue(codec: Codec, s: string): unknown {
  switch (codec) {
    case "bool":
      return s === "1";
    case "notbool":
      return s !== "1";
    case "int":
      return s === "" ? undefined : Number(s);
    case "csv":
      return s === "" ? [] : s.split(",");
    case "lines":
      return s === "" ? [] : s.split(/\r?\n/).filter((x) => x !== "");
    default:
      return s;
  }
}

/**
 * Flat `{ apiField: "string" }` for a spec and argument bag (defaults applied, fixed fields added, unset
 * {@link FieldMap.omitWhenUnset} fields left out).
 */
export function encodeFlat(spec: RecordSpec, args: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = { ...(spec.fixed ?? {}) };
  for (const f of spec.fields) {
    const v = args[f.arg] === undefined ? f.default : args[f.arg];
    if (v === undefined && f.omitWhenUnset) continue;
    out[f.api] = encodeValue(f.codec, v);
  }
  return out;
}

/** `{"a.b": "x"}` → `{"a": {"b": "x"}}`. */
export function nest(flat: Record<string, string>): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(flat)) {
    const parts = k.split(".");
    let cur = out;
    for (const p of parts.slice(0, -1)) cur = cur[p] ??= {};
    cur[parts[parts.length - 1]] = v;
  }
  return out;
}

/**
 * A value from get_* as a plain string: option maps (`{"wan":{"value":"WAN","selected":1},...}`) become the
 * comma-joined selected keys, as set_* expects them back.
 */
export function plainValue(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (typeof v === "object" && !Array.isArray(v)) {
    return Object.entries(v as Record<string, any>)
      .filter(([, o]) => o && typeof o === "object" && Number(o.selected) === 1)
      .map(([k]) => k)
      .join(",");
  }
  return "";
}

/** Looks up a dotted API field in a get_* record. */
export function pick(rec: Record<string, any>, api: string): unknown {
  return api.split(".").reduce<any>((cur, p) => (cur && typeof cur === "object" ? cur[p] : undefined), rec);
}

/** Arguments as the router has them (for refresh/drift). */
export function decodeRecord(spec: RecordSpec, rec: Record<string, any>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of spec.fields) {
    const raw = pick(rec, f.api);
    if (raw === undefined) continue;
    out[f.arg] = decodeValue(f.codec, plainValue(raw));
  }
  return out;
}
