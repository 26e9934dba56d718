/**
 * Property tests of the tenant address plan over random valid specs: the router's DHCP pool never hands out an
 * address that is static (router, kube-vip, VMs), virtual or in the IPAM pool; everything sits inside its LAN.
 */
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { planTenantAddresses } from "../../../../model/tenant/addressPlan";
import { renderClusterObjects } from "../../../../components/tenant/clusterApiObjects";
import { AddressRange, LAN_LAYOUT, rangeContains } from "../../../../model/tenant/lanPlan";
import { cidrContainsIp, intToIp, ipToInt, parseIpv4Cidr } from "../../../../model/net/ipv4";
import { tenantSpecSchema } from "../../../../model/tenant/spec";
import { clusterRenderInput } from "../../components/tenant/fixtures";

/** A LAN CIDR `10.<second>.<x>.<y>/<prefix>`, normalised to its network address. */
const lanCidr = (second: number) =>
  fc
    .record({ prefix: fc.integer({ min: 16, max: 24 }), third: fc.integer({ min: 0, max: 255 }) })
    .map(({ prefix, third }) => {
      const c = parseIpv4Cidr(`10.${second}.${third}.0/${prefix}`)!;
      return `${c.network}/${c.prefix}`;
    });

const at = (cidr: string, offset: number) => intToIp(ipToInt(parseIpv4Cidr(cidr)!.network) + offset);
const rangesOverlap = (a: AddressRange, b: AddressRange) =>
  ipToInt(a.first) <= ipToInt(b.last) && ipToInt(b.first) <= ipToInt(a.last);

const specArb = fc
  .record({
    lan1: lanCidr(1),
    lan2: lanCidr(2),
    vms: fc.uniqueArray(
      fc.record({
        name: fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/),
        network: fc.constantFrom("lan1" as const, "lan2" as const),
        // An explicit address somewhere in the static range (offset), or none.
        offset: fc.option(fc.integer({ min: LAN_LAYOUT.staticFirst, max: LAN_LAYOUT.staticLast }), {
          nil: undefined,
        }),
      }),
      { selector: (v) => v.name, maxLength: 12 },
    ),
    clusters: fc.array(
      fc.record({
        network: fc.constantFrom("lan1" as const, "lan2" as const),
        addressing: fc.constantFrom("dhcp" as const, "ipam" as const),
      }),
      { maxLength: 4 },
    ),
    rawTarget: fc.option(fc.integer({ min: 2, max: 250 }), { nil: undefined }),
    fipOnVms: fc.integer({ min: 0, max: 12 }),
  })
  .map((r) => {
    const cidr = { lan1: r.lan1, lan2: r.lan2 };
    const vms = r.vms.map((v) => ({
      name: v.name,
      network: v.network,
      ...(v.offset !== undefined ? { address: at(cidr[v.network], v.offset) } : {}),
    }));
    const floatingIps: { name: string; target: string }[] = vms
      .slice(0, r.fipOnVms)
      .map((v) => ({ name: `f-${v.name}`, target: v.name }));
    const clusters = r.clusters.map((c, i) => ({ ...c, name: `c${i}`, workers: { replicas: 1 } }));
    for (const c of clusters) floatingIps.push({ name: `${c.name}-api`, target: `cluster:${c.name}` });
    if (r.rawTarget !== undefined) floatingIps.push({ name: "raw", target: at(r.lan2, r.rawTarget) });
    return {
      name: "prop",
      network: { lan1Cidr: r.lan1, lan2Cidr: r.lan2 },
      vms,
      clusters,
      floatingIps: floatingIps.slice(-16),
    };
  });

describe("tenant address plan (property tests)", () => {
  it("DHCP pools never overlap router, kube-vip, VM, floating-IP target or IPAM addresses", () => {
    let checked = 0;
    fc.assert(
      fc.property(specArb, (input) => {
        const parsed = tenantSpecSchema.safeParse(input);
        fc.pre(parsed.success); // e.g. two VMs asking for the same address
        const spec = parsed.data!;
        const plan = planTenantAddresses(spec);
        for (const lan of ["lan1", "lan2"] as const) {
          const p = plan.lans[lan];
          const dhcp = p.dhcpRange;
          const statics = [
            p.gateway,
            ...spec.vms.filter((v) => v.network === lan).map((v) => plan.vmAddresses.get(v.name)!),
            ...[...plan.clusters.values()].filter((c) => c.lan === lan).map((c) => c.kubeVip),
          ];
          // Inside the subnet, neither its network nor its broadcast address.
          for (const a of [...statics, dhcp.first, dhcp.last]) {
            assert.ok(cidrContainsIp(p.cidr, a), `${a} in ${p.cidr}`);
            assert.ok(a !== p.network && a !== p.broadcast, a);
          }
          assert.equal(new Set(statics).size, statics.length, `statics unique on ${lan}: ${statics}`);
          for (const a of statics)
            assert.ok(!rangeContains(dhcp, a), `${a} outside DHCP ${dhcp.first}-${dhcp.last}`);
          const pools = [...plan.clusters.values()]
            .filter((c) => c.lan === lan && c.ipamRange)
            .map((c) => c.ipamRange!);
          pools.forEach((ipam, i) => {
            assert.ok(!rangesOverlap(ipam, dhcp), "IPAM pool apart from DHCP pool");
            for (const a of statics) assert.ok(!rangeContains(ipam, a), `${a} outside IPAM pool`);
            assert.ok(cidrContainsIp(p.cidr, ipam.first) && cidrContainsIp(p.cidr, ipam.last));
            for (const other of pools.slice(0, i)) assert.ok(!rangesOverlap(ipam, other), "IPAM pools apart");
          });
        }
        // VM-targeted floating IPs map to their VM's address; every target is a host of its LAN.
        for (const f of spec.floatingIps) {
          const t = plan.targets.get(f.name)!;
          const p = plan.lans[t.lan];
          assert.ok(
            cidrContainsIp(p.cidr, t.address) && ![p.network, p.broadcast, p.gateway].includes(t.address),
          );
          if (t.kind.startsWith("vm:")) assert.equal(t.address, plan.vmAddresses.get(f.target));
          if (t.kind.startsWith("cluster:"))
            assert.equal(t.address, plan.clusters.get(t.kind.slice(8))!.kubeVip);
        }
        checked++;
      }),
      { numRuns: 300 },
    );
    assert.ok(checked > 150, `only ${checked} valid specs generated`);
  });

  it("the rendered IPAM pool is the planned one, with the LAN's prefix and gateway (never allocated)", () => {
    fc.assert(
      fc.property(lanCidr(1), (cidr) => {
        const spec = tenantSpecSchema.parse({
          name: "prop",
          network: { lan1Cidr: cidr },
          cluster: { addressing: "ipam" },
          floatingIps: [{ name: "api", target: "cluster" }],
        });
        const plan = planTenantAddresses(spec);
        const p = plan.lans.lan1;
        const objs = renderClusterObjects(
          clusterRenderInput({
            kubeVipAddress: plan.clusters.get("prop")!.kubeVip,
            addressing: {
              mode: "ipam",
              range: plan.clusters.get("prop")!.ipamRange!,
              prefix: p.prefix,
              gateway: p.gateway,
              nameservers: [p.gateway],
            },
          }),
        );
        const pool = objs.ipPool!.spec;
        assert.equal(pool.prefix, p.prefix);
        assert.equal(pool.gateway, p.gateway);
        const [first, last] = pool.addresses[0].split("-");
        assert.ok(!rangesOverlap({ first, last }, p.dhcpRange));
        assert.ok(!rangeContains({ first, last }, plan.clusters.get("prop")!.kubeVip));
      }),
      { numRuns: 50 },
    );
  });
});
