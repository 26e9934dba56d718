/** Endpoint handlers of the emulator: generic collection actions plus settings, apply, keys and status. */
import * as crypto from "node:crypto";
import { GtField, groundTruth } from "../groundTruth";
import { COLLECTIONS, CollectionDef } from "./collections";
import {
  DispatchError,
  ModelEnv,
  NotEmulatedError,
  Rec,
  newRecord,
  render,
  searchRow,
  setNodes,
  validate,
} from "./model";
import { phpBase64Decode } from "./php";
import { Route } from "./routes";
import { EmulatorState } from "./state";

export interface HandlerContext {
  state: EmulatorState;
  method: "GET" | "POST";
  body: any;
  query: URLSearchParams;
  username: string;
  /** Release series emulated (models and routes from that ground truth). */
  version: "26.7" | "26.1";
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function fieldsOf(ctx: HandlerContext, modelKey: string, prefix = ""): Record<string, GtField> {
  const m = groundTruth(ctx.version).models[modelKey];
  const out: Record<string, GtField> = {};
  for (const [k, f] of Object.entries(m)) {
    if (f.type === "ArrayField") continue;
    if (prefix && !k.startsWith(prefix)) continue;
    out[k] = f;
  }
  return out;
}

/** Collections behind the ModelRelationFields of the emulated models (`<source>|<items>` → collection). */
const RELATED: Record<string, string> = {
  "OPNsense.Wireguard.Server|servers.server": "wgServer",
  "OPNsense.Wireguard.Client|clients.client": "wgClient",
  "OPNsense.Kea.KeaDhcpv4|subnets.subnet4": "keaSubnet",
};

function envOf(state: EmulatorState, modelKey: string): ModelEnv {
  return {
    modelKey,
    aliases: new Map(Object.values(state.collections.alias).map((r) => [r.name, r.type])),
    dynamicInterfaces: state.dynamicInterfaces,
    relatedItems(source, items) {
      const coll = RELATED[`${source}|${items}`];
      return coll ? Object.keys(state.collections[coll]) : undefined;
    },
  };
}

function persist(fields: Record<string, GtField>, rec: Rec): Rec {
  const out: Rec = {};
  for (const [k, v] of Object.entries(rec)) if (!fields[k]?.volatile) out[k] = v;
  return out;
}

function save(
  c: CollectionDef,
  ctx: HandlerContext,
  uuid: string,
  isNew: boolean,
  fromAdd = false,
): Record<string, unknown> {
  const fields = fieldsOf(ctx, c.modelKey);
  const coll = ctx.state.collections[c.name];
  const posted = ctx.body?.[c.wrapper];
  if (!posted || typeof posted !== "object") return { result: "failed" };
  // set_* on an unknown (v4) uuid is an upsert: ArrayField::add, then the same setNodes as for an existing record.
  const base = isNew ? newRecord(fields, Object.values(coll)) : { ...coll[uuid] };
  const refused = c.before?.(posted, coll[uuid], ctx.state);
  if (refused) return refused;
  let rec = setNodes(fields, base, posted, c.extra);
  if (c.prepare) rec = c.prepare(rec, ctx.state, uuid, posted);
  const errs: Record<string, string> = { ...validate(c.wrapper, fields, rec, envOf(ctx.state, c.modelKey)) };
  for (const [k, v] of Object.entries(c.check?.(rec, ctx.state, uuid) ?? {}))
    if (v !== undefined) errs[k] ??= v;
  if (Object.keys(errs).length) return { result: "failed", validations: errs };
  c.afterSave?.(rec, ctx.state, uuid);
  coll[uuid] = persist(fields, rec);
  ctx.state.pending.add(c.subsystem);
  // add answers with the new uuid; set (also when it creates: upsert) only with "saved".
  return fromAdd ? { result: "saved", uuid } : { result: "saved" };
}

function collectionAction(c: CollectionDef, action: string, ctx: HandlerContext, params: string[]): unknown {
  const fields = fieldsOf(ctx, c.modelKey);
  const coll = ctx.state.collections[c.name];
  const env = envOf(ctx.state, c.modelKey);
  const renderRec = (uuid: string, rec: Rec) => ({
    ...render(fields, rec, env, c.relations?.(ctx.state) ?? {}, c.renderSkip ?? []),
    ...(c.renderExtra?.(rec, ctx.state, uuid) ?? {}),
  });
  if (action === `search_${c.item}`) {
    const p = { ...Object.fromEntries(ctx.query), ...(ctx.body ?? {}) };
    const phrase = String(p.searchPhrase ?? "").toLowerCase();
    const rows = Object.entries(coll)
      .map(([u, r]) => searchRow(fields, u, r, env))
      .filter((row) => !phrase || Object.values(row).some((v) => v.toLowerCase().includes(phrase)));
    const rowCount = Number(p.rowCount ?? 10);
    const current = Number(p.current ?? 1);
    const page = rowCount > 0 ? rows.slice((current - 1) * rowCount, current * rowCount) : rows;
    return { total: rows.length, rowCount: page.length, current, rows: page };
  }
  if (action === `get_${c.item}`) {
    const uuid = params[0];
    if (uuid === undefined) return { [c.wrapper]: renderRec("", newRecord(fields, Object.values(coll))) };
    const rec = coll[uuid];
    return rec ? { [c.wrapper]: renderRec(uuid, rec) } : [];
  }
  if (ctx.method !== "POST") return { result: "failed" };
  if (action === `add_${c.item}`) return save(c, ctx, crypto.randomUUID(), true, true);
  if (action === `set_${c.item}`) {
    const uuid = params[0];
    if (!uuid || !UUID_V4.test(uuid)) return { result: "failed" };
    return save(c, ctx, uuid, !coll[uuid]);
  }
  if (action === `del_${c.item}`) {
    const uuids = (params[0] ?? "").split(",").filter((x) => x !== "");
    // Controller refusals (alias or address in use) come before anything is deleted.
    for (const u of uuids) if (coll[u]) c.beforeDelete?.(coll[u], ctx.state, u);
    // delBase: the answer is that of the last uuid; the config is saved when any was deleted.
    let result = "failed";
    let changed = false;
    for (const u of uuids) {
      if (coll[u]) {
        delete coll[u];
        c.afterDelete?.(ctx.state, u);
        changed = true;
        result = "deleted";
      } else result = "not found";
    }
    if (changed) ctx.state.pending.add(c.subsystem);
    return { result };
  }
  throw new NotEmulatedError(`emulator: ${c.base}/${action} is not emulated`);
}

function settingsSet(
  ctx: HandlerContext,
  wrapper: string,
  modelKey: string,
  prefix: string,
  target: Rec,
): Record<string, unknown> {
  const posted = ctx.body?.[wrapper];
  if (ctx.method !== "POST" || !posted || typeof posted !== "object") return { result: "failed" };
  const fields = fieldsOf(ctx, modelKey, prefix);
  const before = { ...newRecord(fields, []), ...target };
  const rec = setNodes(fields, before, posted);
  // setAction validates the changed fields only (performValidation without validateFullModel).
  const changed = new Set(Object.keys(fields).filter((k) => rec[k] !== before[k]));
  const errs = validate(wrapper, fields, rec, envOf(ctx.state, modelKey), changed);
  if (Object.keys(errs).length) return { result: "failed", validations: errs };
  Object.assign(target, rec);
  return { result: "saved" };
}

/** Apply/reconfigure endpoints: the subsystems they apply, their answer, and their answer to a GET. */
const APPLY: Record<
  string,
  { subsystems: string[]; answer: Record<string, string>; onGet: Record<string, string> }
> = {
  "/api/interfaces/vip_settings/reconfigure": {
    subsystems: ["vip"],
    answer: { status: "ok" },
    onGet: { status: "failed" },
  },
  // FilterBaseController::applyAction: configd's output as the status; "error" for a GET.
  "/api/firewall/filter/apply": {
    subsystems: ["firewall"],
    answer: { status: "OK\n\n" },
    onGet: { status: "error" },
  },
  "/api/firewall/one_to_one/apply": {
    subsystems: ["firewall"],
    answer: { status: "OK\n\n" },
    onGet: { status: "error" },
  },
  "/api/firewall/d_nat/apply": {
    subsystems: ["firewall"],
    answer: { status: "OK\n\n" },
    onGet: { status: "error" },
  },
  "/api/firewall/source_nat/apply": {
    subsystems: ["firewall"],
    answer: { status: "OK\n\n" },
    onGet: { status: "error" },
  },
  "/api/firewall/alias/reconfigure": {
    subsystems: ["alias"],
    answer: { status: "ok" },
    onGet: { status: "failed" },
  },
  "/api/wireguard/service/reconfigure": {
    subsystems: ["wireguard"],
    answer: { result: "ok" },
    onGet: { result: "failed" },
  },
  "/api/kea/service/reconfigure": {
    subsystems: ["kea"],
    answer: { status: "ok" },
    onGet: { status: "failed" },
  },
};

export function handle(route: Route, ctx: HandlerContext): unknown {
  const { endpoint, params } = route;
  const required = route.def.params_detail.filter((p) => p.required).length;
  // Dispatcher: fewer parameters than the action requires is a ParameterMismatchException (404).
  if (params.length < required) throw new DispatchError(`parameter mismatch for ${endpoint}`);
  const base = endpoint.split("/").slice(0, 4).join("/");
  const action = endpoint.split("/")[4];

  if (APPLY[endpoint]) {
    if (ctx.method !== "POST") return APPLY[endpoint].onGet;
    for (const s of APPLY[endpoint].subsystems) ctx.state.pending.delete(s);
    ctx.state.applied.push(endpoint);
    if (endpoint === "/api/wireguard/service/reconfigure") {
      // Interface registration (plugins_interfaces → wireguard_interfaces): the group exists while enabled.
      if (ctx.state.settings.wireguard.enabled === "1")
        ctx.state.dynamicInterfaces.wireguard = "WireGuard (Group)";
      else delete ctx.state.dynamicInterfaces.wireguard;
    }
    return APPLY[endpoint].answer;
  }
  const s = ctx.state.settings;
  switch (endpoint) {
    case "/api/core/system/status":
      return { metadata: { system: { status: "OK", message: "No pending messages" } }, subsystems: {} };
    case "/api/wireguard/general/get":
      return {
        general: render(fieldsOf(ctx, "OPNsense\\Wireguard\\General:"), s.wireguard, envOf(ctx.state, "")),
      };
    case "/api/wireguard/general/set": {
      const r = settingsSet(ctx, "general", "OPNsense\\Wireguard\\General:", "", s.wireguard);
      if (r.result === "saved") ctx.state.pending.add("wireguard");
      return r;
    }
    case "/api/wireguard/server/key_pair": {
      const { privateKey, publicKey } = crypto.generateKeyPairSync("x25519");
      const d = (privateKey.export({ format: "jwk" }) as { d: string }).d;
      const x = (publicKey.export({ format: "jwk" }) as { x: string }).x;
      return {
        privkey: Buffer.from(d, "base64url").toString("base64"),
        pubkey: Buffer.from(x, "base64url").toString("base64"),
        status: "ok",
      };
    }
    case "/api/kea/dhcpv4/get": {
      const all = render(
        fieldsOf(ctx, "OPNsense\\Kea\\KeaDhcpv4:", "general."),
        s.kea,
        envOf(ctx.state, "OPNsense\\Kea\\KeaDhcpv4:"),
      );
      return { dhcpv4: { general: all.general, lexpire: {}, ha: {} } };
    }
    case "/api/kea/dhcpv4/set": {
      const r = settingsSet(ctx, "dhcpv4", "OPNsense\\Kea\\KeaDhcpv4:", "general.", s.kea);
      if (r.result === "saved") ctx.state.pending.add("kea");
      return r;
    }
    case "/api/firewall/source_nat/get":
      return {
        filter: render(
          fieldsOf(ctx, "OPNsense\\Firewall\\Filter:", "general."),
          s.firewall,
          envOf(ctx.state, "OPNsense\\Firewall\\Filter:"),
        ),
      };
    case "/api/firewall/source_nat/set": {
      const r = settingsSet(ctx, "filter", "OPNsense\\Firewall\\Filter:", "general.", s.firewall);
      if (r.result === "saved") ctx.state.pending.add("firewall");
      return r;
    }
    case "/api/firewall/alias/get_alias_uuid": {
      const hit = Object.entries(s && ctx.state.collections.alias).find(([, r]) => r.name === params[0]);
      return hit ? { uuid: hit[0] } : [];
    }
    case "/api/auth/user/add_api_key": {
      if (ctx.method !== "POST" || !ctx.state.users.has(params[0])) return { result: "failed" };
      const key = crypto.randomBytes(60).toString("base64");
      const secret = crypto.randomBytes(60).toString("base64");
      ctx.state.apiKeys.set(key, { secret, username: params[0] });
      return { result: "ok", hostname: "OPNsense.localdomain", key, secret };
    }
    case "/api/auth/user/search_api_key": {
      const rows = [...ctx.state.apiKeys.entries()].map(([key, e]) => ({
        username: e.username,
        key,
        id: Buffer.from(key).toString("base64"),
      }));
      return { total: rows.length, rowCount: rows.length, current: 1, rows };
    }
    case "/api/auth/user/del_api_key": {
      // UserController::delApiKeyAction: base64_decode($id) of the raw path segment, then the key that is exactly
      // that string; any other id (one sent URI-encoded included) is "not found".
      if (ctx.method !== "POST") return { result: "failed" };
      const key = phpBase64Decode(params[0]).toString("latin1");
      return ctx.state.apiKeys.delete(key) ? { result: "deleted" } : { result: "not found" };
    }
  }
  const c = COLLECTIONS.find((x) => x.base === base);
  if (c) return collectionAction(c, action, ctx, params);
  throw new NotEmulatedError(`emulator: ${endpoint} exists in OPNsense ${ctx.version} but is not emulated`);
}
