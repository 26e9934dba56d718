/** The emulator must follow the reference (not the client): routing, casing, bodies, answers. */
import * as assert from "node:assert/strict";
import { withEmulator } from "./helpers";

type Emu = Parameters<Parameters<typeof withEmulator>[0]>[0];

async function call(emu: Emu, method: string, path: string, body?: unknown, auth = true) {
  const headers: Record<string, string> = {};
  if (auth)
    headers.authorization = `Basic ${Buffer.from(`${emu.apiKey}:${emu.apiSecret}`).toString("base64")}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(emu.url + path, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as any };
}

const U = "11111111-2222-4333-8444-555555555555";

describe("OPNsense emulator", () => {
  it("routes like OPNsense: snake_case and camelCase controllers, case-insensitive actions, but not dnat/vipsettings", async () =>
    withEmulator(async (emu) => {
      assert.equal((await call(emu, "GET", "/api/firewall/d_nat/search_rule")).status, 200);
      assert.equal((await call(emu, "GET", "/api/firewall/dNat/searchRule")).status, 200);
      assert.equal((await call(emu, "GET", "/api/Firewall/d_nat/SEARCHRULE")).status, 200);
      assert.deepEqual(await call(emu, "GET", "/api/firewall/dnat/search_rule"), {
        status: 404,
        json: { errorMessage: "Endpoint not found" },
      });
      assert.equal((await call(emu, "GET", "/api/interfaces/vipSettings/search_item")).status, 200);
      assert.equal((await call(emu, "GET", "/api/interfaces/vipsettings/search_item")).status, 404);
      assert.equal((await call(emu, "GET", "/api/firewall/filter/savepoint")).status, 404, "removed in 26.7");
      assert.deepEqual(await call(emu, "GET", "/api/core/system/status", undefined, false), {
        status: 401,
        json: { status: 401, message: "Authentication Failed" },
      });
    }));

  it("set_<item>/<uuid> upserts, add returns a uuid, get renders option maps, search lists raw values, del reports", async () =>
    withEmulator(async (emu) => {
      const body = {
        vip: { mode: "ipalias", interface: "wan", network: "203.0.113.10/32", descr: "x", bogus: "ignored" },
      };
      assert.deepEqual((await call(emu, "POST", `/api/interfaces/vip_settings/set_item/${U}`, body)).json, {
        result: "saved",
      });
      assert.deepEqual(
        (await call(emu, "POST", "/api/interfaces/vip_settings/set_item/not-a-uuid", body)).json,
        { result: "failed" },
      );
      const added = (
        await call(emu, "POST", "/api/interfaces/vip_settings/add_item", {
          vip: { interface: "lan", network: "10.0.0.5/24" },
        })
      ).json;
      assert.equal(added.result, "saved");
      assert.match(added.uuid, /^[0-9a-f-]{36}$/);
      const got = (await call(emu, "GET", `/api/interfaces/vip_settings/get_item/${U}`)).json.vip;
      assert.deepEqual(got.mode.ipalias, { value: "ipalias", selected: 1 });
      assert.equal(got.mode.carp.selected, 0);
      assert.equal(got.interface.wan.selected, 1);
      assert.equal(got.network, "203.0.113.10/32");
      assert.equal(got.bogus, undefined);
      assert.equal(emu.state.collections.vip[U].bogus, undefined, "unknown keys are ignored");
      assert.deepEqual(
        (await call(emu, "GET", "/api/interfaces/vip_settings/get_item/aaaaaaaa-2222-4333-8444-555555555555"))
          .json,
        [],
      );
      const s = (
        await call(emu, "POST", "/api/interfaces/vip_settings/search_item", {
          current: 1,
          rowCount: -1,
          searchPhrase: "lan",
        })
      ).json;
      assert.equal(s.total, 1);
      assert.equal(s.rows[0].interface, "lan");
      assert.equal(s.rows[0]["%interface"], "LAN");
      assert.deepEqual((await call(emu, "POST", `/api/interfaces/vip_settings/del_item/${U}`, {})).json, {
        result: "deleted",
      });
      assert.deepEqual((await call(emu, "POST", `/api/interfaces/vip_settings/del_item/${U}`, {})).json, {
        result: "not found",
      });
      assert.deepEqual(
        (await call(emu, "GET", `/api/interfaces/vip_settings/del_item/${added.uuid}`)).json,
        { result: "failed" },
        "mutators refuse GET",
      );
    }));

  it("answers validations, a list for a scalar (500), an empty JSON body (400), a missing wrapper", async () =>
    withEmulator(async (emu) => {
      const r = await call(emu, "POST", `/api/firewall/one_to_one/set_rule/${U}`, {
        rule: { external: "192.168.200.50", source_net: "10.0.0.0/24" },
      });
      assert.deepEqual(r.json, {
        result: "failed",
        validations: { "rule.external": "External subnet should match internal subnet." },
      });
      const req = await call(emu, "POST", `/api/firewall/filter/set_rule/${U}`, { rule: { action: "pass" } });
      assert.equal(req.json.result, "saved", "filter rule with defaults only");
      const missing = await call(emu, "POST", `/api/firewall/alias/set_item/${U}`, { alias: { name: "a" } });
      assert.match(
        missing.json.validations["alias.type"],
        /^Option \[\] not in list\.$/,
        "alias type has no usable default",
      );
      const list = await call(emu, "POST", `/api/firewall/filter/set_rule/${U}`, {
        rule: { interface: ["lan", "opt1"] },
      });
      // An exception (not a UserException): the generic answer of www/api.php; the reason only in the log.
      assert.deepEqual(list, {
        status: 500,
        json: { errorMessage: "Unexpected error, check log for details" },
      });
      assert.match(emu.requests.at(-1)!.error!, /Invalid input type for interface: expected a single value/);
      const container = await call(emu, "POST", `/api/firewall/d_nat/set_rule/${U}`, {
        rule: { destination: "wanip" },
      });
      assert.equal(container.status, 500);
      assert.match(emu.requests.at(-1)!.error!, /Invalid input type for destination: expected a list/);
      assert.deepEqual(await call(emu, "POST", "/api/firewall/filter/apply", ""), {
        status: 400,
        json: { status: 400, message: "Invalid JSON syntax" },
      });
      assert.deepEqual((await call(emu, "POST", `/api/firewall/filter/set_rule/${U}`, {})).json, {
        result: "failed",
      });
      assert.deepEqual((await call(emu, "POST", "/api/wireguard/service/reconfigure", {})).json, {
        result: "ok",
      });
      assert.deepEqual((await call(emu, "POST", "/api/kea/service/reconfigure", {})).json, { status: "ok" });
      assert.deepEqual((await call(emu, "POST", "/api/interfaces/vip_settings/reconfigure", {})).json, {
        status: "ok",
      });
      const kp = (await call(emu, "GET", "/api/wireguard/server/key_pair")).json;
      assert.equal(kp.status, "ok");
      assert.match(kp.pubkey, /=$/);
    }));

  it("API keys: add, search (id = base64 of the key), delete; a deleted key no longer authenticates", async () =>
    withEmulator(async (emu) => {
      const k = (await call(emu, "POST", "/api/auth/user/add_api_key/root", {})).json;
      assert.equal(k.result, "ok");
      const rows = (await call(emu, "GET", "/api/auth/user/search_api_key")).json.rows;
      const mine = rows.find((x: { key: string }) => x.key === k.key);
      assert.equal(mine.id, Buffer.from(k.key).toString("base64"));
      assert.deepEqual((await call(emu, "POST", "/api/auth/user/add_api_key/nobody", {})).json, {
        result: "failed",
      });
      assert.match(mine.id, /^[A-Za-z0-9]+=$/, "a key id is base64 of base64 text: letters, digits, one =");
      const asKey = async (key: string, secret: string) =>
        (
          await fetch(`${emu.url}/api/core/system/status`, {
            headers: { authorization: `Basic ${Buffer.from(`${key}:${secret}`).toString("base64")}` },
          })
        ).status;
      assert.equal(await asKey(k.key, k.secret), 200);
      // OPNsense does not decode path segments: the encoded id base64-decodes to another string, no key matches.
      assert.ok(encodeURIComponent(mine.id).endsWith("%3D"));
      assert.deepEqual(
        (await call(emu, "POST", `/api/auth/user/del_api_key/${encodeURIComponent(mine.id)}`, {})).json,
        { result: "not found" },
      );
      assert.ok(emu.state.apiKeys.has(k.key), "an encoded id deletes nothing");
      assert.equal(await asKey(k.key, k.secret), 200, "and the key keeps working");
      assert.deepEqual(
        (await call(emu, "POST", `/api/auth/user/del_api_key/${mine.id}`, {})).json,
        { result: "deleted" },
        "the id as it is",
      );
      assert.equal(emu.state.apiKeys.has(k.key), false);
      assert.equal(await asKey(k.key, k.secret), 401, "a deleted key no longer authenticates");
      assert.deepEqual((await call(emu, "POST", `/api/auth/user/del_api_key/${mine.id}`, {})).json, {
        result: "not found",
      });
    }));

  it("takes path parameters raw, drops empty segments and the query; too few parameters is a 404", async () =>
    withEmulator(async (emu) => {
      const body = { vip: { interface: "wan", network: "203.0.113.10/32" } };
      const encoded = U.replace(/-/g, "%2D");
      assert.deepEqual(
        (await call(emu, "POST", `/api/interfaces/vip_settings/set_item/${encoded}`, body)).json,
        { result: "failed" },
        "an encoded uuid is no uuid: no upsert",
      );
      assert.deepEqual(emu.state.collections.vip, {});
      assert.deepEqual(
        (await call(emu, "POST", `//api/interfaces//vip_settings/set_item//${U}?x=1`, body)).json,
        { result: "saved" },
      );
      assert.deepEqual(Object.keys(emu.state.collections.vip), [U]);
      assert.deepEqual((await call(emu, "GET", `/api/interfaces/vip_settings/get_item/${encoded}`)).json, []);
      assert.deepEqual(await call(emu, "POST", "/api/auth/user/add_api_key", {}), {
        status: 404,
        json: { errorMessage: "Endpoint not found" },
      });
      assert.match(emu.requests.at(-1)!.error!, /parameter mismatch/);
    }));
});
