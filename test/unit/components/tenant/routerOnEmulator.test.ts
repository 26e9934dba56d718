/**
 * The tenant's whole router configuration (the full example: rules, NAT, VIPs, aliases, DHCP, WireGuard) driven
 * through the real OPNsense providers against the strict emulator, as `pulumi up` would: the key rotation first,
 * then every record in dependency order; then a changed spec (a floating IP gone, a port added, the VPN on another
 * port) applied as
 * diff → update/create/delete; then everything deleted. Every filter rule carries the sequence the tenant gave it
 * (ruleOrder.ts), an existing rule keeps it across the change, and the router's first-match order on each
 * interface is the intended one.
 */
import * as assert from "node:assert/strict";
import { RULE_SEQUENCE } from "../../../../components/tenant/ruleOrder";
import { Emulator } from "../../../../providers/opnsense/emulator";
import { OpnsenseConnection } from "../../../../providers/opnsense/types";
import { RecordedResource, harness } from "../../../harness";
import { connectionOf, provider, useFastClients, withEmulator } from "../../providers/opnsense/helpers";
import { exampleValues } from "./fixtures";

const PREFIX = "pulumi-nodejs:dynamic/opnsense:";

interface Desired {
  name: string;
  kind: string;
  inputs: Record<string, any>;
  deps: string[];
}

/** The OPNsense resources the tenant program registers, each with the OPNsense resources it waits for. */
async function program(values: Record<string, any>): Promise<Desired[]> {
  const stack = require("../../../../stacks/tenant") as { run(c: any): Promise<unknown> };
  await harness.run(() => stack.run({ values, secretKeys: new Set() }));
  const byUrn = new Map(harness.resources.map((r) => [r.urn, r]));
  const isOpn = (r: RecordedResource) => r.type.startsWith(PREFIX);
  // Depending on a component means depending on every resource under it.
  const expand = (urn: string): RecordedResource[] => {
    const r = byUrn.get(urn);
    if (!r) return [];
    if (isOpn(r)) return [r];
    return harness.resources.filter((c) => c.parent === urn).flatMap((c) => expand(c.urn));
  };
  return harness.resources.filter(isOpn).map((r) => ({
    name: r.name,
    kind: r.type.slice(PREFIX.length),
    inputs: r.inputs,
    deps: [...new Set(r.dependsOn.flatMap(expand).map((d) => d.name))],
  }));
}

/** Dependencies first; registration order among equals. */
function ordered(all: Desired[]): Desired[] {
  const out: Desired[] = [];
  const done = new Set<string>();
  const names = new Set(all.map((d) => d.name));
  while (out.length < all.length) {
    const next = all.find((d) => !done.has(d.name) && d.deps.every((x) => done.has(x) || !names.has(x)));
    assert.ok(next, "dependency cycle");
    out.push(next);
    done.add(next.name);
  }
  return out;
}

interface Live {
  kind: string;
  id: string;
  outs: Record<string, any>;
}

/** What one `pulumi up` does with the providers: create, diff + update, delete (reverse order). */
async function up(
  emu: Emulator,
  live: Map<string, Live>,
  previous: Desired[],
  desired: Desired[],
): Promise<{ created: string[]; updated: string[]; deleted: string[] }> {
  const report = { created: [] as string[], updated: [] as string[], deleted: [] as string[] };
  let connection: OpnsenseConnection | undefined;
  const serverUuid = () => [...live.values()].find((l) => l.kind === "WireguardServer")!.id;
  for (const d of ordered(desired)) {
    let inputs: Record<string, any>;
    if (d.kind === "ApiKeyRotation") inputs = { ...d.inputs, connection: connectionOf(emu) };
    else {
      assert.ok(connection, `${d.name} after the key rotation`);
      inputs = { ...d.inputs, connection };
      if (d.kind === "WireguardPeer") inputs.serverUuid = serverUuid();
    }
    const p = provider(d.kind);
    const have = live.get(d.name);
    if (!have) {
      const r = await p.create(inputs);
      live.set(d.name, { kind: d.kind, id: r.id, outs: r.outs });
      report.created.push(d.name);
    } else if ((await p.diff(have.id, have.outs, inputs)).changes) {
      const r = await p.update(have.id, have.outs, inputs);
      live.set(d.name, { ...have, outs: r.outs! });
      report.updated.push(d.name);
    }
    if (d.kind === "ApiKeyRotation") connection = live.get(d.name)!.outs.rotatedConnection;
  }
  const keep = new Set(desired.map((d) => d.name));
  for (const d of ordered(previous).reverse()) {
    if (keep.has(d.name)) continue;
    const l = live.get(d.name)!;
    await provider(d.kind).delete(l.id, l.outs);
    live.delete(d.name);
    report.deleted.push(d.name);
  }
  return report;
}

/** The router's filter rules on `iface` in evaluation order (sequence, then uuid: ArrayField::sortedBy). */
function evaluationOrder(emu: Emulator, iface: string): string[] {
  return Object.entries(emu.state.collections.filter)
    .filter(([, r]) => r.interface === iface)
    .sort(([ua, a], [ub, b]) => Number(a.sequence) - Number(b.sequence) || ua.localeCompare(ub))
    .map(([, r]) => r.description);
}

describe("the tenant router on the strict OPNsense emulator (full example)", function () {
  this.timeout(120_000);

  it("creates every record, applies a changed spec (rules keep their sequences), deletes everything", async () => {
    useFastClients();
    await withEmulator(async (emu) => {
      const live = new Map<string, Live>();
      const first = await program(exampleValues("full"));
      const rules = first.filter((d) => d.kind === "FirewallRule");
      assert.equal(rules.length, 11, "2 LAN out, WireGuard in, VPN clients, 7 floating IP ports");
      for (const r of rules) assert.ok(Number.isInteger(r.inputs.sequence), `${r.name} states its sequence`);

      const created = await up(emu, live, [], first);
      assert.equal(created.created.length, first.length);
      const c = emu.state.collections;
      const count = (kind: string) => first.filter((d) => d.kind === kind).length;
      assert.equal(Object.keys(c.filter).length, count("FirewallRule"));
      assert.equal(Object.keys(c.vip).length, count("VirtualIp"));
      assert.equal(Object.keys(c.dnat).length, count("PortForward"));
      assert.equal(Object.keys(c.wgClient).length, count("WireguardPeer"));
      for (const r of rules) {
        const rec = c.filter[live.get(r.name)!.id];
        assert.equal(rec.sequence, String(r.inputs.sequence), r.name);
      }
      // The filter bodies carried the sequence: never "" (the real router refuses it), never left to the router.
      const filterSets = emu.requests.filter((q) => q.path.startsWith("/api/firewall/filter/set_rule/"));
      assert.equal(filterSets.length, rules.length);
      for (const q of filterSets) assert.match((q.body as any).rule.sequence, /^[1-9][0-9]*$/);
      // First match on WAN: the router's own WireGuard listener, then the floating IPs' openings.
      const wan = evaluationOrder(emu, "wan");
      assert.equal(wan[0], "tenant full WireGuard in");
      assert.equal(wan.length, 8);
      assert.ok(wan.slice(1).every((d) => d.startsWith("floating full/")));
      for (const r of rules.filter((x) => x.name.includes("-fip-"))) {
        assert.ok(r.inputs.sequence >= RULE_SEQUENCE.floatingIpFirst, r.name);
        assert.ok(r.inputs.sequence <= RULE_SEQUENCE.floatingIpLast, r.name);
      }
      assert.deepEqual(evaluationOrder(emu, "lan"), ["tenant lan1 out"]);
      assert.deepEqual(evaluationOrder(emu, "wireguard"), ["tenant full VPN clients"]);
      assert.deepEqual([...emu.state.apiKeys.keys()], [live.get("tenant-full-router-api-key")!.outs.apiKey]);

      // A second run of the same spec changes nothing.
      const again = await up(emu, live, first, await program(exampleValues("full")));
      assert.deepEqual(again, { created: [], updated: [], deleted: [] });

      // web-2 goes, web-1 opens 8080 too, WireGuard moves to port 51821.
      const v = exampleValues("full");
      v.tenant.vpn.port = 51821;
      v.tenant.floatingIps = v.tenant.floatingIps.filter((f: { name: string }) => f.name !== "web-2");
      v.allocations.floatingIps = v.allocations.floatingIps.filter(
        (f: { name: string }) => f.name !== "web-2",
      );
      v.tenant.floatingIps.find((f: { name: string }) => f.name === "web-1").ports.push({ port: 8080 });
      const before = new Map(Object.entries(c.filter).map(([u, r]) => [u, r.sequence]));
      const second = await program(v);
      const changed = await up(emu, live, first, second);
      assert.deepEqual(changed.created.sort(), [
        "tenant-full-fip-web-1-in-tcp-8080",
        "tenant-full-fip-web-1-vpn-tcp-8080",
      ]);
      assert.deepEqual(
        changed.updated.sort(),
        ["tenant-full-vpn-reach", "tenant-full-vpn-server", "tenant-full-vpn-wan-in"],
        "the VPN's instance, its WAN rule and its reach alias; nothing else",
      );
      const wanIn = c.filter[live.get("tenant-full-vpn-wan-in")!.id];
      assert.equal(wanIn.destination_port, "51821", "the rule was updated in place");
      assert.equal(wanIn.sequence, String(RULE_SEQUENCE.vpnWanIn));
      const lastSet = emu.requests
        .filter((q) => q.path === `/api/firewall/filter/set_rule/${live.get("tenant-full-vpn-wan-in")!.id}`)
        .at(-1)!;
      assert.equal(
        (lastSet.body as any).rule.sequence,
        String(RULE_SEQUENCE.vpnWanIn),
        "the update sends it again",
      );
      assert.deepEqual(changed.deleted.sort(), [
        "tenant-full-fip-web-2-binat",
        "tenant-full-fip-web-2-in-tcp-443",
        "tenant-full-fip-web-2-in-tcp-80",
        "tenant-full-fip-web-2-reflect",
        "tenant-full-fip-web-2-vip",
        "tenant-full-fip-web-2-vpn-tcp-443",
        "tenant-full-fip-web-2-vpn-tcp-80",
      ]);
      for (const [u, seq] of before)
        if (c.filter[u])
          assert.equal(c.filter[u].sequence, seq, `${c.filter[u].description} kept its sequence`);
      const added = c.filter[live.get("tenant-full-fip-web-1-in-tcp-8080")!.id];
      assert.equal(
        added.sequence,
        String(second.find((d) => d.name === "tenant-full-fip-web-1-in-tcp-8080")!.inputs.sequence),
      );
      assert.equal(evaluationOrder(emu, "wan")[0], "tenant full WireGuard in");
      assert.equal(evaluationOrder(emu, "wan").length, 7, "8 - web-2's 2 + web-1's 8080");

      // Destroy: reverse dependency order (the strict emulator refuses a VIP a port forward still uses).
      const gone = await up(emu, live, second, []);
      assert.equal(gone.deleted.length, second.length);
      for (const [name, coll] of Object.entries(c)) assert.deepEqual(coll, {}, `${name} is empty`);
    });
  });
});
