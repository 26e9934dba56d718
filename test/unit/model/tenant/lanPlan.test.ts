import * as assert from "node:assert/strict";
import {
  assignAddresses,
  formatRange,
  planLan,
  planTunnel,
  rangeSize,
  staticMacFor,
} from "../../../../model/tenant/lanPlan";
import { cidrContainsIp, cidrsOverlap, parseIpv4Cidr } from "../../../../model/net/ipv4";

describe("tenant ipPlan", () => {
  it("plans LAN1 10.0.1.0/24: gateway .1, kube-vip .10, static .20-.99, IPAM .100-.199, DHCP .200-.250", () => {
    const p = planLan("10.0.1.0/24");
    assert.equal(p.gateway, "10.0.1.1");
    assert.equal(p.netmask, "255.255.255.0");
    assert.equal(p.kubeVip, "10.0.1.10");
    assert.equal(formatRange(p.staticRange), "10.0.1.20-10.0.1.99");
    assert.equal(formatRange(p.ipamRange), "10.0.1.100-10.0.1.199");
    assert.equal(formatRange(p.dhcpRange), "10.0.1.200-10.0.1.250");
    assert.equal(rangeSize(p.dhcpRange), 51);
  });

  it("keeps DHCP, IPAM, static and virtual addresses apart", () => {
    const p = planLan("10.0.2.0/24");
    const ranges = [p.staticRange, p.ipamRange, p.dhcpRange];
    for (const r of ranges) {
      assert.ok(!cidrContainsIp(`${p.kubeVip}/32`, r.first));
    }
    const n = (ip: string) => Number(ip.split(".")[3]);
    assert.ok(n(p.staticRange.last) < n(p.ipamRange.first));
    assert.ok(n(p.ipamRange.last) < n(p.dhcpRange.first));
    assert.ok(n(p.kubeVip) < n(p.staticRange.first) && n(p.kubeVip) > n(p.gateway));
  });

  it("rejects prefixes too small for the layout and non-IPv4 input", () => {
    assert.throws(() => planLan("10.0.1.0/25"), /between \/16 and \/24/);
    assert.throws(() => planLan("fd00::/64"), /not an IPv4 CIDR/);
    assert.throws(() => planLan("10.0.1.0"), /not an IPv4 CIDR/);
  });

  it("assigns explicit addresses first, the rest in order, and reports exhaustion", () => {
    const r = { first: "10.0.1.20", last: "10.0.1.22" };
    const m = assignAddresses([{ name: "a" }, { name: "b", address: "10.0.1.20" }, { name: "c" }], r);
    assert.deepEqual(
      [...m.entries()],
      [
        ["b", "10.0.1.20"],
        ["a", "10.0.1.21"],
        ["c", "10.0.1.22"],
      ],
    );
    assert.throws(
      () => assignAddresses([{ name: "a" }, { name: "b" }, { name: "c" }, { name: "d" }], r),
      /no free address left .* for d/,
    );
    assert.throws(() => assignAddresses([{ name: "a", address: "10.0.1.99" }], r), /outside/);
  });

  it("plans the tunnel: router .1, peers from .2", () => {
    const t = planTunnel("10.99.0.0/24");
    assert.equal(t.server, "10.99.0.1");
    assert.equal(formatRange(t.peerRange), "10.99.0.2-10.99.0.254");
  });

  it("detects overlapping networks", () => {
    assert.ok(cidrsOverlap("10.0.0.0/16", "10.0.1.0/24"));
    assert.ok(!cidrsOverlap("10.0.1.0/24", "10.0.2.0/24"));
  });

  it("parses only four-part decimal IPv4 CIDRs, normalised to the network address", () => {
    assert.deepEqual(parseIpv4Cidr("10.0.1.7/24"), { network: "10.0.1.0", prefix: 24 });
    // Leading zeros would be read as octal (010 = 8); shorthand and out-of-range prefixes are not CIDRs here.
    for (const bad of ["010.0.1.0/24", "10.1/16", "10.0.1.0/33", "10.0.1.0", "fd00::/64"])
      assert.equal(parseIpv4Cidr(bad), undefined, bad);
    assert.equal(planLan("10.0.0.0/16").broadcast, "10.0.255.255");
  });

  it("derives stable MACs in VMware's static range", () => {
    const a = staticMacFor("tenant-acme/wan");
    assert.equal(a, staticMacFor("tenant-acme/wan"));
    assert.notEqual(a, staticMacFor("tenant-other/wan"));
    assert.match(a, /^00:50:56:[0-3][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}$/);
  });
});
