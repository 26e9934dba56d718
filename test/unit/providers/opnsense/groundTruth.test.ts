/**
 * Every request the client can build, checked against the OPNsense ground truth (opnsense/core 26.7.2):
 * paths must exist (snake_case, right HTTP method), bodies must use the endpoint's wrapper and only fields the
 * model (or the controller) knows — OPNsense silently ignores unknown fields, so a typo would "succeed".
 * Static: every field map and extra call. Dynamic: every request the emulator saw while all resources ran
 * their full lifecycle, the key rotation included.
 */
import * as assert from "node:assert/strict";
import { EXTRA_CALLS, SPECS, encodeFlat } from "../../../../providers/opnsense/fields";
import { GtEndpoint, GtVersion, baseType, groundTruth } from "../../../../providers/opnsense/groundTruth";
import { SCHEMAS } from "../../../../providers/opnsense/schemas";
import { resolve } from "../../../../providers/opnsense/emulator/routes";
import { CASES, inputsOf } from "./cases";
import { connectionOf, provider, useFastClients, withEmulator } from "./helpers";

const gt = groundTruth("26.7");

function endpoint(v: GtVersion, path: string): GtEndpoint {
  const e = v.endpoints[path];
  assert.ok(e, `${path} does not exist in OPNsense ${v === gt ? "26.7" : "26.1"}`);
  return e;
}

/** Dotted leaf keys of a body wrapper. */
function leaves(obj: Record<string, unknown>, prefix = ""): [string, unknown][] {
  return Object.entries(obj).flatMap(([k, v]) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? leaves(v as Record<string, unknown>, `${prefix}${k}.`)
      : [[`${prefix}${k}`, v] as [string, unknown]],
  );
}

/**
 * Checks a request body against the endpoint's wrapper and model. `sent`: a body the client really sent (not a
 * synthetic one with arguments missing), so a required field must not be empty in it either.
 */
function checkBody(
  v: GtVersion,
  path: string,
  e: GtEndpoint,
  body: Record<string, unknown>,
  sent = true,
): void {
  const allowedTop = new Set([
    ...(e.wrapper ? [e.wrapper] : []),
    ...(e.post_keys ?? []),
    ...(e.paging_keys ?? []),
    ...(e.request_keys ?? []),
  ]);
  for (const k of Object.keys(body))
    assert.ok(allowedTop.has(k), `${path}: body key "${k}" is not read by the endpoint`);
  if (!e.wrapper || body[e.wrapper] === undefined) return;
  const model = v.models[e.model_key!];
  assert.ok(model, `${path}: model ${e.model_key} missing`);
  const reads = new Set<string>([...(e.extra_fields ?? []), ...Object.values(e.wrapper_reads ?? {}).flat()]);
  for (const [k, val] of leaves(body[e.wrapper] as Record<string, unknown>)) {
    const f = model[k];
    assert.ok(f || reads.has(k), `${path}: field ${e.wrapper}.${k} does not exist in ${e.model_key}`);
    assert.equal(typeof val, "string", `${path}: ${e.wrapper}.${k} must be sent as a string`);
    // A volatile field is not persisted by the model: only fine when the controller reads it (or its section) itself.
    if (f?.volatile)
      assert.ok(
        [...reads].some((r) => k === r || k.startsWith(`${r}.`)),
        `${path}: ${k} is volatile and not read by the controller: it would be dropped`,
      );
    // A required field sent empty is refused by the model (BaseField: PresenceOf), automatic values included.
    assert.ok(
      !(sent && f?.required && val === ""),
      `${path}: ${e.wrapper}.${k} is required and must not be sent empty`,
    );
    if (f?.options && val !== "") {
      for (const x of (val as string).split(","))
        assert.ok(f.options.includes(x), `${path}: ${k}="${x}" is not one of ${f.options.join("|")}`);
    }
    if (f && !f.multiple && !f.as_list && f.options)
      assert.ok(!(val as string).includes(","), `${path}: ${k} takes one value`);
  }
}

describe("OPNsense ground truth (26.7.2): every path and field the client sends exists", () => {
  for (const spec of Object.values(SPECS)) {
    it(`${spec.kind}: ${spec.base} endpoints, wrapper "${spec.wrapper}", fields and option values`, () => {
      for (const action of ["get", "set", "del", "search"])
        endpoint(gt, `${spec.base}/${action}_${spec.item}`);
      const set = endpoint(gt, `${spec.base}/set_${spec.item}`);
      assert.equal(set.http, "POST");
      assert.equal(set.wrapper, spec.wrapper);
      assert.equal(set.model_key, spec.modelKey);
      assert.equal(endpoint(gt, spec.apply.path).http, "POST");
      assert.equal(endpoint(gt, `${spec.base}/get_${spec.item}`).wrapper, spec.wrapper);
      // A body with every argument at its default, and one with every enum value the schema allows.
      const body = encodeFlat(spec, {});
      const nested: Record<string, unknown> = {};
      for (const [k, val] of Object.entries(body)) {
        const parts = k.split(".");
        let cur: Record<string, unknown> = nested;
        for (const p of parts.slice(0, -1)) cur = (cur[p] ??= {}) as Record<string, unknown>;
        cur[parts[parts.length - 1]] = val;
      }
      checkBody(gt, set.method, set, { [spec.wrapper]: nested }, false);
      const shape = (SCHEMAS as Record<string, { shape?: Record<string, any> }>)[spec.kind].shape ?? {};
      for (const f of spec.fields) {
        const enumValues: string[] | undefined = shape[f.arg]?.unwrap?.()?.options ?? shape[f.arg]?.options;
        const gtField = gt.models[spec.modelKey][f.api];
        if (!enumValues || !gtField?.options || f.codec !== "str") continue;
        for (const ev of enumValues) {
          if (ev === "")
            assert.ok(!gtField.required, `${spec.kind}.${f.arg}: "" not allowed for required ${f.api}`);
          else
            assert.ok(
              gtField.options.includes(ev),
              `${spec.kind}.${f.arg}: "${ev}" is not an option of ${f.api} (${gtField.options.join("|")})`,
            );
        }
      }
    });
  }

  it("a field left out when unset is one the model requires and numbers itself; every other unset required field has a default", () => {
    let omitted = 0;
    for (const spec of Object.values(SPECS)) {
      const model = gt.models[spec.modelKey];
      const body = encodeFlat(spec, {});
      for (const f of spec.fields) {
        const m = model[f.api];
        if (f.omitWhenUnset) {
          omitted++;
          assert.ok(
            m?.required,
            `${spec.kind}.${f.arg}: ${f.api} is not required; send "" to clear it instead`,
          );
          assert.equal(
            baseType(m),
            "AutoNumberField",
            `${spec.kind}.${f.arg}: only automatic values are omitted`,
          );
          assert.equal(f.default, undefined, `${spec.kind}.${f.arg}: a default would always be sent`);
          assert.ok(!(f.api in body), `${spec.kind}.${f.arg} is left out of an empty body`);
          assert.equal(encodeFlat(spec, { [f.arg]: 300 })[f.api], "300", "and sent when given");
        }
      }
    }
    assert.equal(omitted, 1, "FirewallRule.sequence");
    // Arguments the schema may leave out must not reach a required field as "" (computed ones come from hooks).
    const computed: Record<string, string[]> = {
      WireguardServer: ["privateKey"], // HOOKS.prepare generates a key pair
      DhcpSubnet: ["autocollect"], // HOOKS.prepare
    };
    for (const spec of Object.values(SPECS)) {
      const shape = (SCHEMAS as Record<string, { shape?: Record<string, any> }>)[spec.kind].shape ?? {};
      for (const f of spec.fields) {
        const m = gt.models[spec.modelKey][f.api];
        if (!m?.required || f.default !== undefined || f.omitWhenUnset) continue;
        if (computed[spec.kind]?.includes(f.arg)) continue;
        assert.ok(
          shape[f.arg] && !shape[f.arg].isOptional(),
          `${spec.kind}.${f.arg}: ${f.api} is required but the argument is optional and has no default`,
        );
      }
    }
  });

  it("the checker itself rejects a misspelt field, a wrong wrapper, a JSON list and an invalid option", () => {
    const set = endpoint(gt, "/api/interfaces/vip_settings/set_item");
    assert.throws(
      () => checkBody(gt, "x", set, { vip: { description: "typo: the model calls it descr" } }),
      /vip\.description does not exist/,
    );
    assert.throws(() => checkBody(gt, "x", set, { rule: {} }), /body key "rule"/);
    assert.throws(
      () => checkBody(gt, "x", set, { vip: { interface: ["wan"] } as never }),
      /must be sent as a string/,
    );
    assert.throws(() => checkBody(gt, "x", set, { vip: { mode: "vrrp" } }), /"vrrp" is not one of/);
    assert.throws(
      () =>
        checkBody(gt, "x", endpoint(gt, "/api/firewall/filter/set_rule"), {
          rule: { action: "pass", sequence: "" },
        }),
      /rule\.sequence is required and must not be sent empty/,
    );
  });

  it("the extra calls (WireGuard switch, Kea settings, outbound NAT mode, API keys, health) exist with their wrappers and fields", () => {
    for (const c of Object.values(EXTRA_CALLS)) {
      const e = endpoint(gt, c.path);
      if ("wrapper" in c) {
        assert.equal(e.wrapper, c.wrapper);
        for (const f of c.fields)
          assert.ok(gt.models[c.modelKey][f], `${c.path}: ${f} missing in ${c.modelKey}`);
      }
    }
    assert.equal(endpoint(gt, "/api/auth/user/add_api_key").params_detail[0].name, "username");
    assert.equal(endpoint(gt, "/api/auth/user/del_api_key").params_detail[0].name, "id");
  });

  it("every request made during all lifecycles matches the ground truth (path, method, wrapper, fields)", async () => {
    useFastClients();
    await withEmulator(async (emu) => {
      for (const c of CASES) {
        const p = provider(c.kind);
        const inputs = await inputsOf(c, emu, `gt/${c.kind}`);
        const r = await p.create(inputs);
        await p.read(r.id, r.outs);
        const u = await p.update(r.id, r.outs, { ...inputs, ...c.update });
        await p.delete(r.id, u.outs!);
      }
      await provider("ApiKeyRotation").create({ connection: connectionOf(emu), resourceKey: "gt/rot" });
      assert.ok(emu.requests.length > 60);
      const used = new Set<string>();
      for (const req of emu.requests) {
        const route = resolve(req.path);
        assert.ok(route, `${req.method} ${req.path} does not route`);
        assert.ok(
          req.path.startsWith(route.endpoint),
          `${req.path} is not in the canonical snake_case form ${route.endpoint}`,
        );
        const e = route.def;
        if (e.http === "POST") assert.equal(req.method, "POST", `${req.path} needs POST`);
        if (e.http === "GET") assert.equal(req.method, "GET", `${req.path} needs GET`);
        assert.equal(req.path.split("/").length - 5, route.params.length);
        assert.ok(
          !req.path.includes("%"),
          `${req.path}: path parameters are sent raw (OPNsense never decodes them)`,
        );
        assert.ok(
          route.params.length >= e.params_detail.filter((x) => x.required).length,
          `${req.path}: missing parameters`,
        );
        if (req.method === "POST") checkBody(gt, req.path, e, (req.body ?? {}) as Record<string, unknown>);
        used.add(route.endpoint);
      }
      // 26.1 (26.1.11) has every endpoint used, too; DNAT needs ≥ 26.1, outbound NAT mode `set` differs there (see README).
      const v261 = groundTruth("26.1");
      assert.deepEqual(
        [...used].filter((x) => !v261.endpoints[x]),
        [],
      );
    });
  });
});

describe("OPNsense 26.1 (26.1.11): connection.version adapts the client", () => {
  it("every request of all lifecycles against a 26.1 emulator matches the 26.1 ground truth; no outbound NAT mode switch", async () => {
    useFastClients();
    const v261 = groundTruth("26.1");
    await withEmulator(
      async (emu) => {
        for (const c of CASES) {
          const p = provider(c.kind);
          const conn = connectionOf(emu, { version: "26.1" });
          const inputs = await inputsOf(c, emu, `gt261/${c.kind}`, conn);
          const r = await p.create(inputs);
          await p.read(r.id, r.outs);
          const u = await p.update(r.id, r.outs, { ...inputs, ...c.update });
          await p.delete(r.id, u.outs!);
        }
        for (const req of emu.requests) {
          const route = resolve(req.path, "26.1");
          assert.ok(route, `${req.method} ${req.path} does not route on 26.1`);
          if (req.method === "POST")
            checkBody(v261, req.path, route.def, (req.body ?? {}) as Record<string, unknown>);
        }
        assert.ok(
          !emu.requests.some(
            (r) => r.path === "/api/firewall/source_nat/get" || r.path === "/api/firewall/source_nat/set",
          ),
          "26.1 renders MVC outbound rules in every mode: the mode is left alone",
        );
        assert.equal(emu.state.settings.firewall["general.snat_mode"], "automatic");
      },
      { version: "26.1" },
    );
  });

  it("an explicit outboundMode is refused with version 26.1, naming the argument", async () => {
    const chk = await provider("SourceNatRule").check(
      {},
      {
        connection: { url: "https://10.0.0.1", apiKey: "k", apiSecret: "s", version: "26.1" },
        resourceKey: "k",
        sourceNet: "10.0.0.0/24",
        outboundMode: "hybrid",
      },
    );
    assert.match(
      chk.failures![0].reason,
      /SourceNatRule\.outboundMode: not supported with connection\.version 26\.1/,
    );
    const bad = await provider("Alias").check(
      {},
      {
        connection: { url: "https://10.0.0.1", apiKey: "k", apiSecret: "s", version: "25.7" },
        name: "a",
        type: "host",
        content: ["10.0.0.1"],
      },
    );
    assert.match(bad.failures![0].reason, /connection\.version/);
  });
});
