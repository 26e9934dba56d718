/** The tenant's filter rule order (components/tenant/ruleOrder.ts) as the tenant program emits it. */
import * as assert from "node:assert/strict";
import {
  RULE_SEQUENCE,
  floatingIpRuleSequence,
  lanOutSequence,
} from "../../../../components/tenant/ruleOrder";
import { harness } from "../../../harness";
import { exampleValues } from "./fixtures";

async function sequences(values: Record<string, any>): Promise<Map<string, number>> {
  const stack = require("../../../../stacks/tenant") as { run(c: any): Promise<unknown> };
  await harness.run(() => stack.run({ values, secretKeys: new Set() }));
  return new Map(
    harness.ofType("pulumi-nodejs:dynamic/opnsense:FirewallRule").map((r) => [r.name, r.inputs.sequence]),
  );
}

describe("tenant filter rule order", function () {
  this.timeout(60_000);

  it("bands: operators' room first, the router's own services, floating IPs, the LANs out last", () => {
    const s = RULE_SEQUENCE;
    const order = [
      s.operatorLast,
      s.vpnWanIn,
      s.vpnClients,
      s.floatingIpFirst,
      s.floatingIpLast,
      s.lanOut.lan1,
    ];
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      order,
    );
    assert.ok(s.operatorFirst >= 1 && s.lanOut.lan2 < 999_999, "inside the model's 1-999999");
    assert.equal(lanOutSequence("lan1"), 900_100);
    assert.equal(lanOutSequence("lan2"), 900_200);
    assert.throws(
      () => lanOutSequence("lan3" as never),
      /lanOutSequence: lan must be lan1 or lan2, got "lan3"/,
    );
    assert.throws(() => floatingIpRuleSequence(""), /ruleName must not be empty/);
  });

  it("a floating IP rule's sequence is a function of its name alone, inside its band, spread over it", () => {
    const names = Array.from({ length: 200 }, (_, i) => `tenant-t-fip-f${i}-in-tcp-${i}`);
    const seqs = names.map(floatingIpRuleSequence);
    assert.deepEqual(names.map(floatingIpRuleSequence), seqs, "deterministic");
    for (const q of seqs) {
      assert.ok(Number.isInteger(q));
      assert.ok(q >= RULE_SEQUENCE.floatingIpFirst && q <= RULE_SEQUENCE.floatingIpLast, String(q));
    }
    assert.ok(new Set(seqs).size >= 195, "few ties among 200 rules in 400000 slots");
  });

  it("every rule of the full example states its sequence; an existing rule keeps it when others come and go", async () => {
    const full = await sequences(exampleValues("full"));
    assert.equal(full.size, 11);
    assert.equal(full.get("tenant-full-vpn-wan-in"), RULE_SEQUENCE.vpnWanIn);
    assert.equal(full.get("tenant-full-vpn-clients"), RULE_SEQUENCE.vpnClients);
    assert.equal(full.get("tenant-full-router-out-lan1"), RULE_SEQUENCE.lanOut.lan1);
    assert.equal(full.get("tenant-full-router-out-lan2"), RULE_SEQUENCE.lanOut.lan2);
    const fip = [...full].filter(([n]) => n.includes("-fip-"));
    assert.equal(fip.length, 7);
    for (const [n, q] of fip) assert.equal(q, floatingIpRuleSequence(n), n);
    assert.equal(new Set(fip.map(([, q]) => q)).size, 7, "no tie in the example");
    // Another tenant spec: web-1 gone, a new floating IP first in the list, bastion's ports reordered.
    const v = exampleValues("full");
    v.tenant.floatingIps = v.tenant.floatingIps.filter((f: { name: string }) => f.name !== "web-1");
    v.allocations.floatingIps = v.allocations.floatingIps.filter((f: { name: string }) => f.name !== "web-1");
    v.tenant.floatingIps.unshift({ name: "ci", target: "ci", ports: [{ port: 8443 }] });
    v.allocations.floatingIps.push({ name: "ci", address: "192.168.200.114" });
    v.tenant.floatingIps.find((f: { name: string }) => f.name === "bastion").ports = [
      { port: "30000-32767" },
      { port: 22 },
    ];
    const other = await sequences(v);
    assert.ok(other.has("tenant-full-fip-ci-in-tcp-8443"));
    assert.ok(!other.has("tenant-full-fip-web-1-in-tcp-80"));
    assert.equal(other.size, 11 - 2 + 1);
    for (const [n, q] of full) if (other.has(n)) assert.equal(other.get(n), q, `${n} kept its sequence`);
  });
});
