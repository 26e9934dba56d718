/**
 * The emulator is as strict as OPNsense 26.7 where it used to be kinder (issue 21): required fields are required
 * when sent empty and automatic values are only given to absent fields (ArrayField::add + setNodes), JSON null is
 * an absent value, settings `set` validates what changed, and the controllers' own refusals (addresses and aliases
 * in use, duplicate addresses) happen here too.
 */
import * as assert from "node:assert/strict";
import { withEmulator } from "./helpers";

type Emu = Parameters<Parameters<typeof withEmulator>[0]>[0];

async function call(emu: Emu, method: string, path: string, body?: unknown) {
  const res = await fetch(emu.url + path, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${emu.apiKey}:${emu.apiSecret}`).toString("base64")}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as any };
}

const uuid = (n: number) => `${String(n).padStart(8, "0")}-2222-4333-8444-555555555555`;
const WG_KEY = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";

describe("emulator strictness: required, automatic values, null, settings, controller refusals", () => {
  it("a filter rule posted with an empty sequence is answered as OPNsense answers it", async () =>
    withEmulator(async (emu) => {
      const r = await call(emu, "POST", `/api/firewall/filter/set_rule/${uuid(1)}`, {
        rule: { action: "pass", interface: "lan", description: "x", sequence: "" },
      });
      assert.deepEqual(r, {
        status: 200,
        json: { result: "failed", validations: { "rule.sequence": "A value is required." } },
      });
      assert.deepEqual(emu.state.collections.filter, {}, "nothing saved");
      // The same on add_rule, and on an existing rule (set validates the whole record).
      const add = await call(emu, "POST", "/api/firewall/filter/add_rule", {
        rule: { action: "pass", interface: "lan", sequence: "" },
      });
      assert.deepEqual(add.json.validations, { "rule.sequence": "A value is required." });
      await call(emu, "POST", `/api/firewall/filter/set_rule/${uuid(1)}`, { rule: { interface: "lan" } });
      const upd = await call(emu, "POST", `/api/firewall/filter/set_rule/${uuid(1)}`, {
        rule: { description: "changed", sequence: "" },
      });
      assert.deepEqual(upd.json.validations, { "rule.sequence": "A value is required." });
      for (const bad of ["0", "1000000", "12x"])
        assert.deepEqual(
          (
            await call(emu, "POST", `/api/firewall/filter/set_rule/${uuid(1)}`, {
              rule: { sequence: bad },
            })
          ).json.validations,
          { "rule.sequence": "Sequence shall be between 1 and 999999." },
          bad,
        );
    }));

  it("every automatic number is refused empty and given only when absent: sequences max + 100, instances and subnet ids the first free one", async () =>
    withEmulator(async (emu) => {
      await call(emu, "POST", "/api/wireguard/general/set", { general: { enabled: "1" } });
      const bodies: [string, string, Record<string, unknown>, string][] = [
        [
          "/api/firewall/one_to_one",
          "rule",
          { external: "192.168.200.50", source_net: "10.0.0.5" },
          "sequence",
        ],
        ["/api/firewall/source_nat", "rule", { interface: "wan", source_net: "10.0.0.0/24" }, "sequence"],
        [
          "/api/firewall/d_nat",
          "rule",
          { interface: "wan", protocol: "tcp", target: "10.0.0.5", destination: { port: "80" } },
          "sequence",
        ],
        [
          "/api/wireguard/server",
          "server",
          { name: "wg", privkey: WG_KEY, tunneladdress: "10.99.0.1/24", port: "51820" },
          "instance",
        ],
        [
          "/api/kea/dhcpv4",
          "subnet4",
          { subnet: "10.20.0.0/24", pools: "10.20.0.100-10.20.0.200" },
          "subnet_id",
        ],
      ];
      for (const [base, wrapper, fields, auto] of bodies) {
        const item = base.endsWith("server") ? "server" : base.endsWith("dhcpv4") ? "subnet" : "rule";
        const empty = await call(emu, "POST", `${base}/set_${item}/${uuid(9)}`, {
          [wrapper]: { ...fields, [auto]: "" },
        });
        assert.deepEqual(
          empty.json,
          { result: "failed", validations: { [`${wrapper}.${auto}`]: "A value is required." } },
          `${base}: ${auto}=""`,
        );
      }
      // Absent: numbered from the other records.
      const fw = (n: number, extra: Record<string, unknown> = {}) =>
        call(emu, "POST", `/api/firewall/filter/set_rule/${uuid(n)}`, {
          rule: { interface: "lan", ...extra },
        });
      const seq = (n: number) => emu.state.collections.filter[uuid(n)].sequence;
      await fw(1);
      await fw(2);
      await fw(3, { sequence: "5000" });
      await fw(4);
      assert.deepEqual([seq(1), seq(2), seq(3), seq(4)], ["100", "200", "5000", "5100"]);
      await fw(1, { description: "updated" });
      assert.equal(seq(1), "100", "an existing rule keeps its sequence when the field is absent");
      await fw(2, { sequence: null });
      assert.equal(seq(2), "200", "JSON null is absent (PHP isset), not empty");
      const def = (await call(emu, "GET", "/api/firewall/filter/get_rule")).json.rule;
      assert.equal(def.sequence, "5200", "get_rule without uuid shows a new rule's automatic sequence");
      // AutoNumberField: the first unused number from the minimum (instance: 0, subnet_id: 1).
      const wg = (n: number) =>
        call(emu, "POST", `/api/wireguard/server/set_server/${uuid(n)}`, {
          server: {
            name: `wg${n}`,
            privkey: WG_KEY,
            tunneladdress: `10.9${n}.0.1/24`,
            port: String(51820 + n),
          },
        });
      for (const n of [1, 2, 3]) assert.equal((await wg(n)).json.result, "saved");
      const inst = (n: number) => emu.state.collections.wgServer[uuid(n)].instance;
      assert.deepEqual([inst(1), inst(2), inst(3)], ["0", "1", "2"]);
      await call(emu, "POST", `/api/wireguard/server/del_server/${uuid(2)}`, {});
      await wg(4);
      assert.equal(inst(4), "1", "a gap is reused");
      const kea = (n: number) =>
        call(emu, "POST", `/api/kea/dhcpv4/set_subnet/${uuid(n)}`, {
          subnet4: { subnet: `10.2${n}.0.0/24`, pools: `10.2${n}.0.100-10.2${n}.0.200` },
        });
      await kea(1);
      await kea(2);
      assert.deepEqual(
        [
          emu.state.collections.keaSubnet[uuid(1)].subnet_id,
          emu.state.collections.keaSubnet[uuid(2)].subnet_id,
        ],
        ["1", "2"],
      );
      assert.deepEqual(
        (
          await call(emu, "POST", `/api/kea/dhcpv4/set_subnet/${uuid(2)}`, {
            subnet4: { subnet_id: "1" },
          })
        ).json.validations,
        { "subnet4.subnet_id": "Subnet ID must be unique." },
      );
    }));

  it("settings set validates what changed: an empty required (volatile) field is refused, an untouched one is not", async () =>
    withEmulator(async (emu) => {
      assert.deepEqual(
        (await call(emu, "POST", "/api/firewall/source_nat/set", { filter: { general: { snat_mode: "" } } }))
          .json,
        { result: "failed", validations: { "filter.general.snat_mode": "A value is required." } },
      );
      assert.deepEqual(
        (await call(emu, "POST", "/api/firewall/source_nat/set", { filter: { general: {} } })).json,
        { result: "saved" },
      );
      assert.deepEqual(
        (await call(emu, "POST", "/api/wireguard/general/set", { general: { enabled: "" } })).json,
        { result: "failed", validations: { "general.enabled": "A value is required." } },
      );
    }));

  it("virtual IPs: one address once; an address a port forward uses can neither change nor go", async () =>
    withEmulator(async (emu) => {
      const vip = (n: number, network: string, descr = "") =>
        call(emu, "POST", `/api/interfaces/vip_settings/set_item/${uuid(n)}`, {
          vip: { interface: "wan", mode: "ipalias", network, descr },
        });
      assert.equal((await vip(1, "192.168.200.110/32")).json.result, "saved");
      assert.deepEqual((await vip(2, "192.168.200.110/32")).json.validations, {
        "vip.network": "Address already assigned.",
      });
      assert.deepEqual((await vip(2, "192.168.200.0/24")).json.validations, {
        "vip.network": "You cannot use the network address.",
      });
      assert.deepEqual((await vip(2, "192.168.200.1")).json.validations, {
        "vip.network": "A valid network subnet is required.",
      });
      await call(emu, "POST", `/api/firewall/d_nat/set_rule/${uuid(5)}`, {
        rule: {
          interface: "wan",
          protocol: "tcp",
          target: "10.0.0.5",
          "local-port": "443",
          descr: "web",
          destination: { network: "192.168.200.110", port: "443" },
        },
      });
      assert.deepEqual((await vip(1, "192.168.200.120/32")).json, {
        result: "failed",
        validations: { "vip.network": ['Address 192.168.200.110 referenced by port forward "web"'] },
      });
      assert.equal((await vip(1, "192.168.200.110/32", "same address")).json.result, "saved");
      const del = await call(emu, "POST", `/api/interfaces/vip_settings/del_item/${uuid(1)}`, {});
      assert.deepEqual(del, {
        status: 500,
        json: {
          errorMessage: 'Address 192.168.200.110 referenced by port forward "web"',
          errorTitle: "Item in use by",
        },
      });
      await call(emu, "POST", `/api/firewall/d_nat/del_rule/${uuid(5)}`, {});
      assert.equal(
        (await call(emu, "POST", `/api/interfaces/vip_settings/del_item/${uuid(1)}`, {})).json.result,
        "deleted",
      );
    }));

  it("aliases: a reference inside a list keeps an alias, a rename rewrites the references", async () =>
    withEmulator(async (emu) => {
      await call(emu, "POST", `/api/firewall/alias/set_item/${uuid(1)}`, {
        alias: { name: "web", type: "host", content: "10.0.0.1" },
      });
      await call(emu, "POST", `/api/firewall/filter/set_rule/${uuid(2)}`, {
        rule: { interface: "lan", destination_net: "lan,web" },
      });
      const del = await call(emu, "POST", `/api/firewall/alias/del_item/${uuid(1)}`, {});
      assert.equal(del.status, 500);
      assert.equal(del.json.errorTitle, "Alias in use");
      assert.match(del.json.errorMessage, /^Cannot delete alias web\. Currently in use by/);
      await call(emu, "POST", `/api/firewall/alias/set_item/${uuid(1)}`, {
        alias: { name: "web2", type: "host", content: "10.0.0.1" },
      });
      assert.equal(emu.state.collections.filter[uuid(2)].destination_net, "lan,web2");
    }));

  it("a WireGuard peer saved without `servers` is unlinked from every instance; an unknown instance is refused", async () =>
    withEmulator(async (emu) => {
      await call(emu, "POST", `/api/wireguard/server/set_server/${uuid(1)}`, {
        server: { name: "wg", privkey: WG_KEY, tunneladdress: "10.99.0.1/24", port: "51820" },
      });
      const peer = (extra: Record<string, unknown>) =>
        call(emu, "POST", `/api/wireguard/client/set_client/${uuid(2)}`, {
          client: { name: "p", pubkey: WG_KEY, tunneladdress: "10.99.0.2/32", ...extra },
        });
      await peer({ servers: uuid(1) });
      assert.equal(emu.state.collections.wgServer[uuid(1)].peers, uuid(2));
      await peer({});
      assert.equal(emu.state.collections.wgServer[uuid(1)].peers, "");
      // `servers` is a ModelRelationField: a uuid that is no instance is refused, not silently dropped.
      assert.deepEqual((await peer({ servers: uuid(7) })).json, {
        result: "failed",
        validations: { "client.servers": `Option [${uuid(7)}] not in list.` },
      });
    }));
});
