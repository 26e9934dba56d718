/**
 * The record collections the emulator serves (search/get/add/set/del), each with the controller-specific
 * behaviour the reference describes: VIP `network` splitting, BINAT prefix rule, DNAT target rule, source
 * NAT `any` target, alias names and content, WireGuard instance numbers and peer linkage, Kea subnet rules.
 */
import * as ipaddr from "ipaddr.js";
import { Rec, ServerError } from "./model";
import { EmulatorState } from "./state";

export interface CollectionDef {
  name: string;
  base: string;
  item: string;
  wrapper: string;
  modelKey: string;
  subsystem: "vip" | "firewall" | "alias" | "wireguard" | "kea";
  /** Non-model keys the controller reads from the wrapper. */
  extra?: string[];
  /**
   * Controller steps before setBase that may answer the request themselves (a refusal). `old` is the stored record
   * (undefined when the set creates one).
   */
  before?(posted: any, old: Rec | undefined, state: EmulatorState): Record<string, unknown> | void;
  /** Adjusts a record after setNodes (before validation); `posted` is the body's wrapper object. */
  prepare?(rec: Rec, state: EmulatorState, uuid: string, posted: unknown): Rec;
  /** Controller/model validations beyond the generic ones. */
  check?(rec: Rec, state: EmulatorState, uuid: string): Record<string, string | undefined>;
  /** Fields get_* leaves out / computes. */
  renderSkip?: string[];
  renderExtra?(rec: Rec, state: EmulatorState, uuid: string): Record<string, unknown>;
  relations?(state: EmulatorState): Record<string, Record<string, string>>;
  afterSave?(rec: Rec, state: EmulatorState, uuid: string): void;
  /** Controller refusal of a delete (throws a UserException: ServerError with a title). */
  beforeDelete?(rec: Rec, state: EmulatorState, uuid: string): void;
  afterDelete?(state: EmulatorState, uuid: string): void;
}

function cidrOf(s: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined {
  try {
    if (s.includes("/")) return ipaddr.parseCIDR(s);
    const a = ipaddr.parse(s);
    return [a, a.kind() === "ipv4" ? 32 : 128];
  } catch {
    return undefined;
  }
}

/**
 * Vip::whereUsed: config text nodes equal to the address under `nat.rule` (port forwards; the DNat model is mounted
 * there) or `nat.outbound.rule` (legacy outbound rules, not emulated), as "Address %s referenced by port forward %s".
 */
function vipWhereUsed(state: EmulatorState, address: string): string[] {
  if (!address) return [];
  return Object.values(state.collections.dnat)
    .filter((r) => Object.values(r).includes(address))
    .map((r) => `Address ${address} referenced by port forward "${r.descr ?? ""}"`);
}

/**
 * Where an alias name is used (Alias::getAliasSource for the MVC models emulated, plus alias nesting): every
 * listed field whose comma-separated values (newline-separated alias content) hold the name.
 */
const ALIAS_FIELDS: Record<string, string[]> = {
  filter: ["source_net", "source_port", "destination_net", "destination_port"],
  snat: ["source_net", "source_port", "destination_net", "destination_port", "target"],
  onetoone: ["source_net", "destination_net"],
  dnat: ["source.network", "source.port", "destination.network", "destination.port", "target", "local-port"],
  alias: ["content"],
};
function aliasReferences(
  state: EmulatorState,
  name: string,
): { coll: string; uuid: string; rec: Rec; field: string; sep: string; ref: string }[] {
  if (!name) return [];
  const out: { coll: string; uuid: string; rec: Rec; field: string; sep: string; ref: string }[] = [];
  for (const [coll, fields] of Object.entries(ALIAS_FIELDS))
    for (const [uuid, rec] of Object.entries(state.collections[coll]))
      for (const field of fields) {
        const sep = coll === "alias" ? "\n" : ",";
        if ((rec[field] ?? "").split(sep).includes(name))
          out.push({ coll, uuid, rec, field, sep, ref: `${coll}.${uuid}/${field}` });
      }
  return out;
}

const protoUpper = (rec: Rec) => ({
  ...rec,
  protocol: (rec.protocol ?? "").toUpperCase() === "ANY" ? "any" : (rec.protocol ?? "").toUpperCase(),
});
const needsPorts = (p: string) => ["tcp", "udp", "tcp/udp"].includes(p.toLowerCase());

/**
 * Filter.php performValidation for `rules.rule` and `snatrules.rule`: ports only for TCP/UDP (per field),
 * literal source/destination (and SNAT target) addresses must match `ipprotocol`, `any` not combined with
 * other values, SNAT target not `any`, target port only for TCP/UDP.
 */
function filterChecks(rec: Rec, snat: boolean): Record<string, string> {
  const errs: Record<string, string> = {};
  const portProto = ["TCP", "UDP", "TCP/UDP"].includes(rec.protocol ?? "");
  if (rec.source_port && !portProto)
    errs["rule.source_port"] = "Source ports are only valid for tcp or udp type rules.";
  if (rec.destination_port && !portProto)
    errs["rule.destination_port"] = "Destination ports are only valid for tcp or udp type rules.";
  const family = (k: string) => {
    const c = cidrOf(rec[k] ?? "");
    return c ? (c[0].kind() === "ipv4" ? "inet" : "inet6") : undefined;
  };
  if (family("destination_net") && family("destination_net") !== rec.ipprotocol)
    errs["rule.destination_net"] = "Destination address type should match selected TCP/IP protocol version.";
  if (family("source_net") && family("source_net") !== rec.ipprotocol)
    errs["rule.source_net"] = "Source address type should match selected TCP/IP protocol version.";
  for (const k of ["source_net", "destination_net"])
    if ((rec[k] ?? "").includes(",") && rec[k].split(",").includes("any"))
      errs[`rule.${k}`] ??= "Any can not be combined with other aliases";
  if (snat) {
    if (rec.target === "any") errs["rule.target"] = "Target address cannot be any.";
    else if (family("target") && family("target") !== rec.ipprotocol)
      errs["rule.target"] = "Target address type should match selected TCP/IP protocol version.";
    if (rec.target_port && !portProto)
      errs["rule.target_port"] = "Target ports are only valid for tcp or udp type rules.";
  }
  return errs;
}

export const COLLECTIONS: CollectionDef[] = [
  {
    name: "vip",
    base: "/api/interfaces/vip_settings",
    item: "item",
    wrapper: "vip",
    modelKey: "OPNsense\\Interfaces\\Vip:vip",
    subsystem: "vip",
    extra: ["network"],
    // VipSettingsController::setItemAction: a changed address must not be referenced by a port forward
    // (Vip::whereUsed); answered as the only validation, before anything else is checked.
    before(posted, old, state) {
      if (!old) return;
      const network = posted?.network;
      const postSubnet = typeof network === "string" && network !== "" ? network.split("/")[0] : "";
      if (postSubnet === old.subnet) return;
      const uses = vipWhereUsed(state, old.subnet);
      return uses.length ? { result: "failed", validations: { "vip.network": uses.slice(0, 2) } } : undefined;
    },
    // getVipOverlay: a posted `network` becomes subnet/subnet_bits; without one, both are cleared unless subnet
    // and subnet_bits were posted themselves.
    prepare(rec, _state, _uuid, posted) {
      const out = { ...rec };
      const p = (posted ?? {}) as Record<string, unknown>;
      if (typeof p.network === "string" && p.network !== "") {
        const [sub, bits] = p.network.split("/", 2);
        out.subnet = sub;
        out.subnet_bits = bits ?? "";
      } else if (!p.subnet || !p.subnet_bits) {
        out.subnet = "";
        out.subnet_bits = "";
      }
      delete out.network;
      return out;
    },
    // VipNetworkField and Vip::performValidation; handleFormValidations reports subnet/subnet_bits as `network`.
    check(rec, state, uuid) {
      const net = "vip.network";
      if (!rec.subnet || !ipaddr.isValid(rec.subnet))
        return { [net]: "A valid network address is required." };
      const c = cidrOf(`${rec.subnet}/${rec.subnet_bits}`);
      if (!/^[0-9]+$/.test(rec.subnet_bits ?? "") || !c)
        return { [net]: "A valid network subnet is required." };
      const errs: Record<string, string> = {};
      const [addr, bits] = c;
      if ((rec.mode === "ipalias" || rec.mode === "carp") && addr.kind() === "ipv4" && bits <= 30) {
        if (rec.subnet === ipaddr.IPv4.networkAddressFromCIDR(`${rec.subnet}/${bits}`).toString())
          errs[net] = "You cannot use the network address.";
        else if (rec.subnet === ipaddr.IPv4.broadcastAddressFromCIDR(`${rec.subnet}/${bits}`).toString())
          errs[net] = "You cannot use the broadcast address.";
      }
      if (rec.mode === "proxyarp" && addr.kind() === "ipv4" && bits < 32) {
        if (rec.subnet !== ipaddr.IPv4.networkAddressFromCIDR(`${rec.subnet}/${bits}`).toString())
          errs[net] =
            "Only strict subnets are allowed for Proxy ARP types (e.g. 192.168.0.0/24, 192.168.1.1/32).";
      }
      if (rec.mode === "carp") {
        if (!rec.password)
          errs["vip.password"] =
            "You must specify a CARP password that is shared between the two VHID members.";
        if (!rec.vhid) errs["vip.vhid"] = "A VHID must be selected for this CARP VIP.";
      }
      if (Object.entries(state.collections.vip).some(([u, r]) => u !== uuid && r.subnet === rec.subnet))
        errs[net] ??= "Address already assigned.";
      return errs;
    },
    // VipSettingsController::delItemAction: refused while a port forward references the address.
    beforeDelete(rec, state) {
      const uses = vipWhereUsed(state, rec.subnet ?? "");
      if (uses.length) throw new ServerError(uses.slice(0, 5).join("<br/>"), "Item in use by");
    },
    renderSkip: ["subnet", "subnet_bits"],
    renderExtra: (rec) => ({ network: rec.subnet ? `${rec.subnet}/${rec.subnet_bits}` : "" }),
  },
  {
    name: "onetoone",
    base: "/api/firewall/one_to_one",
    item: "rule",
    wrapper: "rule",
    modelKey: "OPNsense\\Firewall\\Filter:onetoone.rule",
    subsystem: "firewall",
    // Filter.php performValidation, "1 to 1 mappings": address families of source_net, destination_net and
    // external must match (message on each); for enabled binat rules source_net must be an address/subnet
    // and the prefix lengths of external and source_net must be equal (message on `external`).
    check(rec) {
      const errs: Record<string, string> = {};
      const fams: Record<string, string> = {};
      const bits: Record<string, number> = {};
      for (const k of ["source_net", "destination_net", "external"]) {
        const c = cidrOf(rec[k] ?? "");
        if (c) {
          fams[k] = c[0].kind();
          bits[k] = c[1];
        }
      }
      if (new Set(Object.values(fams)).size > 1)
        for (const k of Object.keys(fams)) errs[`rule.${k}`] = "IP protocol families should match.";
      if (rec.type === "binat" && rec.enabled === "1") {
        if (!fams.source_net)
          errs["rule.source_net"] ??= "For BINAT rules only addresses or subnets are allowed.";
        else if (bits.external !== bits.source_net)
          errs["rule.external"] ??= "External subnet should match internal subnet.";
      }
      return errs;
    },
  },
  {
    name: "dnat",
    base: "/api/firewall/d_nat",
    item: "rule",
    wrapper: "rule",
    modelKey: "OPNsense\\Firewall\\DNat:rule",
    subsystem: "firewall",
    // DNatController::setRuleAction drops a posted `created` and setBaseHook stamps `updated` (and `created` on the
    // first save); protocol has ChangeCase lower.
    prepare(rec, state, uuid) {
      const old = state.collections.dnat[uuid];
      const out: Rec = { ...rec, protocol: (rec.protocol ?? "").toLowerCase() };
      const now = (Date.now() / 1000).toFixed(2);
      for (const k of ["username", "time", "description"]) out[`created.${k}`] = old?.[`created.${k}`] ?? "";
      out["updated.time"] = now;
      out["updated.username"] = "root";
      out["updated.description"] = "/api/firewall/d_nat/set_rule made changes";
      if (!out["created.time"]) {
        out["created.time"] = now;
        out["created.username"] = "root";
        out["created.description"] = out["updated.description"];
      }
      return out;
    },
    check(rec) {
      const errs: Record<string, string> = {};
      // Reference §5 (DNatController): a target is required unless nordr; nordr rules have no target.
      if (rec.nordr !== "1" && !rec.target)
        errs["rule.target"] = "A target is required unless no redirect is set.";
      if (rec.nordr === "1" && (rec.target || rec["local-port"]))
        errs["rule.target"] = "No redirect rules can not have a target.";
      // DNat.php performValidation: ports only for tcp/udp, on each port field; literal addresses must match
      // ipprotocol when it is inet or inet6.
      for (const k of ["source.port", "destination.port", "local-port"])
        if (rec[k] && !needsPorts(rec.protocol ?? ""))
          errs[`rule.${k}`] ??= "Ports are only valid for TCP or UDP type rules.";
      if (rec.ipprotocol === "inet" || rec.ipprotocol === "inet6")
        for (const k of ["source.network", "destination.network", "target"]) {
          const c = cidrOf(rec[k] ?? "");
          if (c && (c[0].kind() === "ipv4" ? "inet" : "inet6") !== rec.ipprotocol)
            errs[`rule.${k}`] ??= "Address type should match selected TCP/IP protocol version.";
        }
      return errs;
    },
  },
  {
    name: "snat",
    base: "/api/firewall/source_nat",
    item: "rule",
    wrapper: "rule",
    modelKey: "OPNsense\\Firewall\\Filter:snatrules.rule",
    subsystem: "firewall",
    prepare: protoUpper,
    check: (rec) => filterChecks(rec, true),
  },
  {
    name: "filter",
    base: "/api/firewall/filter",
    item: "rule",
    wrapper: "rule",
    modelKey: "OPNsense\\Firewall\\Filter:rules.rule",
    subsystem: "firewall",
    prepare: protoUpper,
    check: (rec) => filterChecks(rec, false),
  },
  {
    name: "alias",
    base: "/api/firewall/alias",
    item: "item",
    wrapper: "alias",
    modelKey: "OPNsense\\Firewall\\Alias:aliases.alias",
    subsystem: "alias",
    check(rec, state, uuid) {
      const errs: Record<string, string> = {};
      if (!/^[A-Za-z_][A-Za-z0-9_]{0,31}$/.test(rec.name ?? ""))
        errs["alias.name"] =
          "The name must start with a letter or underscore and be less than 32 characters long.";
      else if (Object.entries(state.collections.alias).some(([u, r]) => u !== uuid && r.name === rec.name))
        errs["alias.name"] = "An alias with this name already exists.";
      const items = (rec.content ?? "").split("\n").filter((x) => x !== "");
      const names = new Set(Object.values(state.collections.alias).map((r) => r.name));
      const ok = (x: string) => {
        if (names.has(x)) return true;
        if (rec.type === "host") return ipaddr.isValid(x) || /^[A-Za-z0-9.-]+$/.test(x);
        if (rec.type === "network") return !!cidrOf(x);
        if (rec.type === "port") return /^[0-9]{1,5}([:-][0-9]{1,5})?$/.test(x);
        return true;
      };
      const bad = items.filter((x) => !ok(x));
      // AliasContentField validatePort / validateHost / validateNetwork (ranges, "!" exclusions and wildcards,
      // which the real field also accepts, are not emulated).
      const what: Record<string, string> = {
        port: "is not a valid port number.",
        host: "is not a valid hostname, IP address or range.",
        network: "is not a network.",
      };
      if (bad.length) errs["alias.content"] = `Entry "${bad[0]}" ${what[rec.type] ?? "is not valid."}`;
      return errs;
    },
    // AliasController::setItemAction: a rename rewrites every reference (Alias::refactor), saved with the alias.
    afterSave(rec, state, uuid) {
      const old = state.collections.alias[uuid]?.name;
      if (!old || !rec.name || old === rec.name) return;
      for (const { rec: r, field, sep } of aliasReferences(state, old)) {
        r[field] = [...new Set(r[field].split(sep))].map((x) => (x === old ? rec.name : x)).join(sep);
      }
    },
    // AliasController::delItemAction: refused while the alias is referenced (Alias::whereUsed).
    beforeDelete(rec, state, uuid) {
      const uses = aliasReferences(state, rec.name ?? "").filter((u) => u.uuid !== uuid);
      if (uses.length === 0) return;
      const list = uses
        .map((u) => `\n[${u.ref}] ${u.rec.descr ?? u.rec.description ?? u.rec.name ?? ""}`)
        .join("");
      throw new ServerError(`Cannot delete alias ${rec.name}. Currently in use by ${list}`, "Alias in use");
    },
  },
  {
    name: "wgServer",
    base: "/api/wireguard/server",
    item: "server",
    wrapper: "server",
    modelKey: "OPNsense\\Wireguard\\Server:servers.server",
    subsystem: "wireguard",
    // Server.xml only (the model class adds nothing): name Mask, tunneladdress as a list (a mask is optional here,
    // required on peers) — all in fieldAttrs.ts.
    renderExtra: (rec) => ({ interface: `wg${rec.instance}` }),
    relations: (state) => ({
      peers: Object.fromEntries(Object.entries(state.collections.wgClient).map(([u, r]) => [u, r.name])),
    }),
  },
  {
    name: "wgClient",
    base: "/api/wireguard/client",
    item: "client",
    wrapper: "client",
    modelKey: "OPNsense\\Wireguard\\Client:clients.client",
    subsystem: "wireguard",
    check(rec, state, uuid) {
      const dup = Object.entries(state.collections.wgClient).some(
        ([u, r]) =>
          u !== uuid &&
          r.pubkey === rec.pubkey &&
          r.serveraddress === rec.serveraddress &&
          r.serverport === rec.serverport,
      );
      return dup ? { "client.pubkey": "Public keys should be unique." } : {};
    },
    afterSave(rec, state, uuid) {
      // ClientController::setClientAction: `servers` rewrites every instance's peers list; a body without it
      // unlinks the client from every instance.
      const want = new Set((rec.servers ?? "").split(",").filter((x) => x !== ""));
      for (const [su, srv] of Object.entries(state.collections.wgServer)) {
        const peers = new Set((srv.peers ?? "").split(",").filter((x) => x !== ""));
        if (want.has(su)) peers.add(uuid);
        else peers.delete(uuid);
        srv.peers = [...peers].join(",");
      }
      delete rec.servers;
    },
    afterDelete(state, uuid) {
      for (const srv of Object.values(state.collections.wgServer)) {
        srv.peers = (srv.peers ?? "")
          .split(",")
          .filter((x) => x !== "" && x !== uuid)
          .join(",");
      }
    },
    renderExtra: (_rec, state, uuid) => ({
      servers: Object.fromEntries(
        Object.entries(state.collections.wgServer).map(([su, srv]) => [
          su,
          { value: srv.name, selected: (srv.peers ?? "").split(",").includes(uuid) ? 1 : 0 },
        ]),
      ),
    }),
  },
  {
    name: "keaSubnet",
    base: "/api/kea/dhcpv4",
    item: "subnet",
    wrapper: "subnet4",
    modelKey: "OPNsense\\Kea\\KeaDhcpv4:subnets.subnet4",
    subsystem: "kea",
    check(rec, state, uuid) {
      const errs: Record<string, string> = {};
      const net = cidrOf(rec.subnet ?? "");
      if (rec.subnet && (!net || net[0].kind() !== "ipv4" || !rec.subnet.includes("/")))
        errs["subnet4.subnet"] = "Entry is not a valid IPv4 subnet.";
      else if (
        Object.entries(state.collections.keaSubnet).some(([u, r]) => u !== uuid && r.subnet === rec.subnet)
      )
        errs["subnet4.subnet"] = "Subnet must be unique.";
      // 26.7.2: subnet_id (AutoNumberField) has a UniqueConstraint.
      if (
        rec.subnet_id &&
        Object.entries(state.collections.keaSubnet).some(
          ([u, r]) => u !== uuid && r.subnet_id === rec.subnet_id,
        )
      )
        errs["subnet4.subnet_id"] = "Subnet ID must be unique.";
      if (net && net[0].kind() === "ipv4") {
        for (const p of (rec.pools ?? "").split("\n").filter((x) => x !== "")) {
          const ends = p.includes("-") ? p.split("-").map((x) => x.trim()) : [];
          const inside =
            ends.length === 2 &&
            ends.every(
              (e) =>
                ipaddr.IPv4.isValidFourPartDecimal(e) &&
                ipaddr.IPv4.parse(e).match(net as [ipaddr.IPv4, number]),
            );
          const asCidr = !p.includes("-") && cidrOf(p);
          if (!inside && !asCidr) {
            errs["subnet4.pools"] = `Pool ${p} is not a valid range inside ${rec.subnet}.`;
            break;
          }
        }
      }
      return errs;
    },
  },
];
