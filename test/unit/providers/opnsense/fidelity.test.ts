/**
 * The emulator's validations come from the OPNsense models (ground truth + the XML attributes in
 * emulator/fieldAttrs.ts), so a value the real 26.7 model rejects is rejected here too — and the values the
 * tenant stack sends (PortForward/FirewallRule on the `wireguard` group, SourceNatRule with a literal target on
 * lan/opt1) are accepted exactly when 26.7 accepts them.
 */
import * as assert from "node:assert/strict";
import { SPECS } from "../../../../providers/opnsense/fields";
import { baseType, groundTruth } from "../../../../providers/opnsense/groundTruth";
import { WG_KEY_B, connectionOf, provider, rejection, useFastClients, withEmulator } from "./helpers";

type Emu = Parameters<Parameters<typeof withEmulator>[0]>[0];

const U = "11111111-2222-4333-8444-555555555555";

async function call(emu: Emu, method: string, path: string, body?: unknown) {
  const res = await fetch(emu.url + path, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${emu.apiKey}:${emu.apiSecret}`).toString("base64")}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await res.json()) as any;
}

/** A body for set_* that the emulator accepts (the kind's first test case, encoded by the client's field map). */
const VALID: Record<string, Record<string, unknown>> = {
  VirtualIp: { vip: { interface: "wan", mode: "ipalias", network: "192.168.200.50/32" } },
  OneToOneNat: { rule: { interface: "wan", external: "192.168.200.50", source_net: "10.20.0.10" } },
  PortForward: {
    rule: {
      interface: "wan",
      protocol: "tcp",
      destination: { network: "wanip", port: "8443" },
      target: "10.20.0.10",
      "local-port": "443",
    },
  },
  SourceNatRule: { rule: { interface: "wan", source_net: "10.20.0.0/24", target: "wanip" } },
  FirewallRule: { rule: { interface: "lan", action: "pass" } },
  Alias: { alias: { name: "a1", type: "host", content: "10.0.0.1" } },
  WireguardServer: {
    server: { name: "wg0", privkey: WG_KEY_B, tunneladdress: "10.99.0.1/24", port: "51820" },
  },
  WireguardPeer: { client: { name: "p1", pubkey: WG_KEY_B, tunneladdress: "10.99.0.2/32" } },
  DhcpSubnet: { subnet4: { subnet: "10.20.0.0/24", pools: "10.20.0.100-10.20.0.200" } },
};

function withField(body: Record<string, unknown>, wrapper: string, api: string, value: string) {
  const out = structuredClone(body) as Record<string, any>;
  const parts = api.split(".");
  let cur = out[wrapper];
  for (const p of parts.slice(0, -1)) cur = cur[p] ??= {};
  cur[parts[parts.length - 1]] = value;
  return out;
}

describe("emulator validations follow the 26.7 models", () => {
  before(useFastClients);

  it("every option, interface, required, integer and boolean field the client writes rejects a value the model rejects", async () =>
    withEmulator(async (emu) => {
      const gt = groundTruth("26.7");
      let checked = 0;
      for (const spec of Object.values(SPECS)) {
        const model = gt.models[spec.modelKey];
        const base = VALID[spec.kind];
        assert.equal(
          (await call(emu, "POST", `${spec.base}/set_${spec.item}/${U}`, base)).result,
          "saved",
          `${spec.kind}: the valid body is accepted`,
        );
        await call(emu, "POST", `${spec.base}/del_${spec.item}/${U}`, {});
        const apiFields = [...spec.fields.map((f) => f.api), ...Object.keys(spec.fixed ?? {})];
        for (const api of apiFields) {
          const f = model[api];
          if (!f) continue; // controller-only (VIP network)
          const t = baseType(f);
          const bad =
            t === "OptionField"
              ? "not_an_option"
              : t === "InterfaceField" || f.type === ".\\VipInterfaceField"
                ? "opt99"
                : t === "BooleanField"
                  ? "yes"
                  : t === "IntegerField"
                    ? "12x"
                    : undefined;
          const cases: [string, string][] = [];
          if (bad) cases.push([bad, `${t} value`]);
          // Required means required when sent empty, defaults and automatic values notwithstanding.
          if (f.required) cases.push(["", "required"]);
          for (const [value, why] of cases) {
            const r = await call(
              emu,
              "POST",
              `${spec.base}/set_${spec.item}/${U}`,
              withField(base, spec.wrapper, api, value),
            );
            assert.equal(r.result, "failed", `${spec.kind} ${api}="${value}" (${why}) must be refused`);
            assert.ok(
              r.validations?.[`${spec.wrapper}.${api}`],
              `${spec.kind}: refusal keyed ${spec.wrapper}.${api}: ${JSON.stringify(r.validations)}`,
            );
            checked++;
          }
        }
      }
      assert.ok(checked >= 40, `checked ${checked} field values`);
    }));

  it("the `wireguard` group is an interface only where the XML allows dynamic interfaces, and only once WireGuard is enabled and applied", async () =>
    withEmulator(async (emu) => {
      const dnat = withField(VALID.PortForward, "rule", "interface", "wireguard");
      const filter = withField(VALID.FirewallRule, "rule", "interface", "wireguard");
      const before = await call(emu, "POST", `/api/firewall/d_nat/set_rule/${U}`, dnat);
      assert.deepEqual(before.validations, { "rule.interface": "Option [wireguard] not in list." });
      assert.equal((await call(emu, "POST", `/api/firewall/filter/set_rule/${U}`, filter)).result, "failed");

      await call(emu, "POST", "/api/wireguard/general/set", { general: { enabled: "1" } });
      assert.equal(
        (await call(emu, "POST", `/api/firewall/d_nat/set_rule/${U}`, dnat)).result,
        "failed",
        "not before the interface registration (service reconfigure)",
      );
      await call(emu, "POST", "/api/wireguard/service/reconfigure", {});
      assert.deepEqual(await call(emu, "POST", `/api/firewall/d_nat/set_rule/${U}`, dnat), {
        result: "saved",
      });
      assert.deepEqual(await call(emu, "POST", `/api/firewall/filter/set_rule/${U}`, filter), {
        result: "saved",
      });
      const got = (await call(emu, "GET", `/api/firewall/d_nat/get_rule/${U}`)).rule;
      assert.deepEqual(got.interface.wireguard, { value: "WireGuard (Group)", selected: 1 });
      assert.equal(got.interface.wan.selected, 0);
      // VipInterfaceField excludes groups; Kea's interfaces have no AllowDynamic.
      const vip = await call(emu, "POST", `/api/interfaces/vip_settings/set_item/${U}`, {
        vip: { interface: "wireguard", network: "192.168.200.60/32" },
      });
      assert.equal(vip.validations?.["vip.interface"], "Option [] not in list.");
      const kea = await call(emu, "POST", "/api/kea/dhcpv4/set", {
        dhcpv4: { general: { interfaces: "lan,wireguard" } },
      });
      assert.ok(kea.validations?.["dhcpv4.general.interfaces"], JSON.stringify(kea));
      // The `wireguard` net is a valid NetworkAliasField value (an interface); `wireguardip` is not (virtual).
      const src = withField(VALID.FirewallRule, "rule", "source_net", "wireguard");
      assert.equal((await call(emu, "POST", `/api/firewall/filter/set_rule/${U}`, src)).result, "saved");
      const ip = withField(VALID.FirewallRule, "rule", "source_net", "wireguardip");
      assert.ok(
        (await call(emu, "POST", `/api/firewall/filter/set_rule/${U}`, ip)).validations["rule.source_net"],
      );
      // Disabling WireGuard and applying unregisters the group.
      await call(emu, "POST", "/api/wireguard/general/set", { general: { enabled: "0" } });
      await call(emu, "POST", "/api/wireguard/service/reconfigure", {});
      assert.equal((await call(emu, "POST", `/api/firewall/d_nat/set_rule/${U}`, dnat)).result, "failed");
    }));

  it("Filter.php / DNat.php rules: BINAT prefix and alias source, families, per-field port checks, literal lists, port aliases", async () =>
    withEmulator(async (emu) => {
      const set = (path: string, body: unknown) => call(emu, "POST", `${path}/${U}`, body);
      const o2o = "/api/firewall/one_to_one/set_rule";
      await call(emu, "POST", `/api/firewall/alias/set_item/${U.replace("1111", "aaaa")}`, {
        alias: { name: "web", type: "host", content: "10.0.0.1" },
      });
      await call(emu, "POST", `/api/firewall/alias/set_item/${U.replace("1111", "bbbb")}`, {
        alias: { name: "webports", type: "port", content: "443" },
      });
      assert.deepEqual(
        (await set(o2o, { rule: { external: "192.168.200.50", source_net: "web" } })).validations,
        {
          "rule.source_net": "For BINAT rules only addresses or subnets are allowed.",
        },
      );
      assert.deepEqual(
        (await set(o2o, { rule: { external: "2001:db8::1", source_net: "10.0.0.1" } })).validations,
        {
          "rule.source_net": "IP protocol families should match.",
          "rule.external": "IP protocol families should match.",
        },
      );
      assert.equal(
        (await set(o2o, { rule: { external: "192.168.200.0/29", source_net: "10.0.0.8/29" } })).result,
        "saved",
        "equal prefixes",
      );
      const fw = "/api/firewall/filter/set_rule";
      assert.deepEqual(
        (await set(fw, { rule: { protocol: "icmp", source_port: "53", destination_port: "53" } }))
          .validations,
        {
          "rule.source_port": "Source ports are only valid for tcp or udp type rules.",
          "rule.destination_port": "Destination ports are only valid for tcp or udp type rules.",
        },
      );
      assert.ok(
        (await set(fw, { rule: { ipprotocol: "inet6", destination_net: "10.0.0.1" } })).validations[
          "rule.destination_net"
        ],
      );
      assert.ok(
        (await set(fw, { rule: { destination_net: "10.0.0.1,10.0.0.2" } })).validations[
          "rule.destination_net"
        ],
        "a comma list of literal addresses is not an option",
      );
      assert.equal((await set(fw, { rule: { destination_net: "web,lan" } })).result, "saved");
      assert.ok(
        (await set(fw, { rule: { destination_net: "webports" } })).validations["rule.destination_net"],
        "a port alias is no network",
      );
      assert.equal(
        (await set(fw, { rule: { protocol: "tcp", destination_port: "webports" } })).result,
        "saved",
        "a port alias is a port",
      );
      const dnat = "/api/firewall/d_nat/set_rule";
      const fwd = (extra: Record<string, unknown>) => ({
        rule: {
          interface: "wan",
          protocol: "tcp",
          target: "10.0.0.5",
          destination: { port: "80" },
          ...extra,
        },
      });
      assert.deepEqual((await set(dnat, fwd({ "local-port": "8000-8010" }))).validations, {
        "rule.local-port": "Please specify a valid port number or alias.",
      });
      // DNat.xml local-port: <EnableWellKnown>Y (a service name), <EnableAlias>Y, no ranges.
      assert.equal((await set(dnat, fwd({ "local-port": "https" }))).result, "saved");
      assert.equal((await set(dnat, fwd({ "local-port": "webports" }))).result, "saved");
      // PortField options: the numbers as written, the listed service names only, ranges low-high with a dash.
      for (const bad of ["080", "0", "65536", "nosuchservice", "afs3-fileserver", "8080:8090", "9000-8000"])
        assert.deepEqual(
          (await set(fw, { rule: { protocol: "tcp", destination_port: bad } })).validations,
          { "rule.destination_port": "Please specify a valid portnumber, name, alias or range." },
          bad,
        );
      for (const good of ["8080", "https", "any", "8080-8090", "webports"])
        assert.equal(
          (await set(fw, { rule: { protocol: "tcp", destination_port: good } })).result,
          "saved",
          good,
        );
      assert.deepEqual((await set(dnat, fwd({ protocol: "icmp", "local-port": "80" }))).validations, {
        "rule.destination.port": "Ports are only valid for TCP or UDP type rules.",
        "rule.local-port": "Ports are only valid for TCP or UDP type rules.",
      });
      assert.deepEqual((await set(dnat, fwd({ ipprotocol: "inet6" }))).validations, {
        "rule.target": "Address type should match selected TCP/IP protocol version.",
      });
      const snat = "/api/firewall/source_nat/set_rule";
      assert.deepEqual((await set(snat, { rule: { interface: "lan", target: "any" } })).validations, {
        "rule.target": "Target address cannot be any.",
      });
      assert.ok(
        (await set(snat, { rule: { interface: "lan", target: "2001:db8::1" } })).validations["rule.target"],
      );
    }));
});

describe("what the tenant stack sends is accepted as OPNsense 26.7 accepts it", () => {
  before(useFastClients);

  it("PortForward and FirewallRule on the `wireguard` group after its WireguardServer; refused (naming the argument) before", async () =>
    withEmulator(async (emu) => {
      const conn = connectionOf(emu);
      const fwd = {
        connection: conn,
        resourceKey: "t/fwd",
        interface: "wireguard",
        protocol: "tcp",
        destination: "192.168.200.50",
        destinationPort: "443",
        target: "10.20.0.10",
        targetPort: "443",
        pass: "",
        natReflection: "disable",
      };
      const early = await rejection(provider("PortForward").create(fwd));
      assert.match(
        early.message,
        /PortForward\.interface \(rule\.interface\): Option \[wireguard\] not in list\./,
      );
      assert.deepEqual(emu.state.collections.dnat, {}, "nothing saved");
      await provider("WireguardServer").create({
        connection: conn,
        resourceKey: "t/wg",
        name: "tenant-a",
        port: 51820,
        tunnelAddress: ["10.99.0.1/24"],
      });
      const c = await provider("PortForward").create(fwd);
      assert.equal(emu.state.collections.dnat[c.id].interface, "wireguard");
      const read = await provider("PortForward").read(c.id, c.outs);
      assert.equal(read.props!.interface, "wireguard");
      assert.equal((await provider("PortForward").diff(c.id, read.props!, fwd)).changes, false);
      const rule = {
        connection: conn,
        resourceKey: "t/vpn-clients",
        action: "pass",
        interface: "wireguard",
        sourceNet: "10.99.0.0/24",
        description: "vpn clients",
      };
      const r = await provider("FirewallRule").create(rule);
      assert.equal(
        (
          await provider("FirewallRule").diff(
            r.id,
            (await provider("FirewallRule").read(r.id, r.outs)).props!,
            rule,
          )
        ).changes,
        false,
      );
    }));

  it("SourceNatRule with a literal target address on lan and opt1 (reflection helper)", async () =>
    withEmulator(async (emu) => {
      for (const [iface, net, gw] of [
        ["lan", "10.20.0.0/24", "10.20.0.1"],
        ["opt1", "10.21.0.0/24", "10.21.0.1"],
      ]) {
        const inputs = {
          connection: connectionOf(emu),
          resourceKey: `t/reflect-${iface}`,
          interface: iface,
          sourceNet: net,
          destinationNet: "10.20.0.10",
          target: gw,
        };
        const c = await provider("SourceNatRule").create(inputs);
        const rec = emu.state.collections.snat[c.id];
        assert.equal(rec.interface, iface);
        assert.equal(rec.target, gw);
        const read = await provider("SourceNatRule").read(c.id, c.outs);
        assert.equal((await provider("SourceNatRule").diff(c.id, read.props!, inputs)).changes, false);
      }
    }));

  it("FirewallRule on several interfaces: the router's option order is no drift", async () =>
    withEmulator(async (emu) => {
      const inputs = {
        connection: connectionOf(emu),
        resourceKey: "t/multi",
        action: "pass",
        interface: "opt1,lan",
        description: "both lans",
      };
      const p = provider("FirewallRule");
      const c = await p.create(inputs);
      const read = await p.read(c.id, c.outs);
      assert.equal(read.props!.interface, "lan,opt1", "get_rule lists options in the router's order");
      assert.equal((await p.diff(c.id, read.props!, inputs)).changes, false);
      assert.deepEqual(
        ((await p.diff(c.id, read.props!, { ...inputs, interface: "lan" })) as any).changedArgs,
        ["interface"],
      );
    }));

  it("ports the router would refuse are refused before any request, naming the argument", async () => {
    const conn = { url: "https://10.0.0.1", apiKey: "k", apiSecret: "s" };
    for (const bad of ["080", "0", "65536", "9000-8000", "22-22"]) {
      const chk = await provider("FirewallRule").check(
        {},
        {
          connection: conn,
          resourceKey: "k",
          action: "pass",
          interface: "wan",
          protocol: "TCP",
          destinationPort: bad,
          description: "x",
        },
      );
      assert.deepEqual(
        chk.failures?.map((f) => [
          f.property,
          /FirewallRule\.destinationPort: ports are 1-65535/.test(f.reason),
        ]),
        [["destinationPort", true]],
        bad,
      );
    }
    const ok = await provider("FirewallRule").check(
      {},
      {
        connection: conn,
        resourceKey: "k",
        action: "pass",
        interface: "wan",
        protocol: "TCP",
        destinationPort: "30000-32767",
        description: "x",
      },
    );
    assert.equal(ok.failures, undefined);
  });

  it("PortForward.targetPort is one port or a port alias (DNat local-port has no ranges)", async () => {
    const chk = await provider("PortForward").check(
      {},
      {
        connection: { url: "https://10.0.0.1", apiKey: "k", apiSecret: "s" },
        resourceKey: "k",
        protocol: "tcp",
        destination: "wanip",
        destinationPort: "8000-8010",
        target: "10.0.0.5",
        targetPort: "8000-8010",
      },
    );
    assert.deepEqual(
      chk.failures?.map((f) => f.property),
      ["targetPort"],
    );
  });
});
