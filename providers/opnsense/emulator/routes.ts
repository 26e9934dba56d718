/**
 * Route resolution as OPNsense's router does it (Mvc/Router.php): module case-insensitive; controller
 * `ucwords(seg,'_')` minus `_` must equal the controller file name exactly (so `d_nat`/`dNat` work, `dnat`
 * does not); action `lcfirst(ucwords(seg,'_'))` minus `_`, looked up case-insensitively. Endpoints come from
 * the ground truth of the emulated release (26.7 by default), so everything that exists there routes and nothing else does.
 */
import { GtEndpoint, groundTruth } from "../groundTruth";

export interface Route {
  /** Canonical snake_case endpoint, e.g. `/api/firewall/one_to_one/set_rule`. */
  endpoint: string;
  def: GtEndpoint;
  params: string[];
}

const ucwords = (s: string) =>
  s.replace(/(^|_)([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
const controllerName = (seg: string) => ucwords(seg).replace(/_/g, "");
const actionKey = (seg: string) => controllerName(seg).toLowerCase();

const tables = new Map<string, Map<string, { endpoint: string; def: GtEndpoint }>>();

function build(version: "26.7" | "26.1"): Map<string, { endpoint: string; def: GtEndpoint }> {
  const t = new Map<string, { endpoint: string; def: GtEndpoint }>();
  for (const [endpoint, def] of Object.entries(groundTruth(version).endpoints)) {
    const [, , mod, ctrl] = endpoint.split("/");
    const method = def.method.replace(/Action$/, "").toLowerCase();
    t.set(`${mod}|${controllerName(ctrl)}|${method}`, { endpoint, def });
  }
  return t;
}

/**
 * Resolves a request path or returns undefined (→ 404), as Mvc/Router.php routeRequest/parsePath do it: the path of
 * the raw REQUEST_URI (leading slashes collapsed, query and fragment dropped by parse_url), split on "/", empty
 * segments dropped; the segments after
 * the action are the action's parameters exactly as they were sent: never URI-decoded (`%3D` stays three
 * characters).
 */
export function resolve(rawPath: string, version: "26.7" | "26.1" = "26.7"): Route | undefined {
  let table = tables.get(version);
  if (!table) tables.set(version, (table = build(version)));
  const path = "/" + rawPath.split(/[?#]/)[0].replace(/^\/+/, "");
  if (!path.startsWith("/api/")) return undefined;
  const segs = path
    .slice("/api/".length)
    .split("/")
    .filter((p) => p !== "");
  if (segs.length < 3) return undefined;
  const [mod, ctrl, action, ...params] = segs;
  const hit = table.get(`${mod.toLowerCase()}|${controllerName(ctrl)}|${actionKey(action)}`);
  if (!hit) return undefined;
  return { ...hit, params };
}
