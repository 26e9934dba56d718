import assert from "node:assert/strict";
import {
  ALWAYS_RESERVED_VLANS,
  DEFAULT_POOLS,
  PoolConfigError,
  PoolExhaustedError,
  WAN_VLAN,
  buildPools,
  canonicalAddress,
  pickFree,
} from "../../../../automation/allocator/pools";
import { allocationsObject, checkDemand, demandOfSpec } from "../../../../automation/allocator/demand";

describe("allocator pools", () => {
  it("never offers the WAN VLAN 2000 or reserved ids, even when the range covers them", () => {
    const pools = buildPools({ ...DEFAULT_POOLS, vlan: { first: 1, last: 4094, reserved: [3000] } });
    const values = new Set(pools.vlan.candidates());
    assert.equal(values.has(String(WAN_VLAN)), false);
    for (const v of [...ALWAYS_RESERVED_VLANS, 3000])
      assert.equal(values.has(String(v)), false, `VLAN ${v} offered`);
    assert.equal(values.has("2001"), true);
    assert.equal(pools.vlan.size, 4094 - 3); // 1, 2000, 3000 removed (0 and 4095 are outside the range)
  });

  it("default VLAN reservations exclude 1002-1005", () => {
    const pools = buildPools({ ...DEFAULT_POOLS, vlan: { first: 1000, last: 1010 } });
    assert.deepEqual([...pools.vlan.candidates()], ["1000", "1001", "1006", "1007", "1008", "1009", "1010"]);
  });

  it("enumerates address ranges in order, canonical form, skipping reserved addresses", () => {
    const pools = buildPools({
      vlan: { first: 10, last: 20 },
      routerWan: { first: "10.0.0.254", last: "10.0.1.1" },
      floatingIp: { first: "10.0.2.1", last: "10.0.2.4", reserved: ["10.0.2.2"] },
    });
    assert.deepEqual([...pools.routerWan.candidates()], ["10.0.0.254", "10.0.0.255", "10.0.1.0", "10.0.1.1"]);
    assert.deepEqual([...pools.floatingIp.candidates()], ["10.0.2.1", "10.0.2.3", "10.0.2.4"]);
    assert.equal(canonicalAddress("::ffff:10.0.2.1"), "10.0.2.1");
  });

  it("rejects bad configuration naming the key", () => {
    const bad: [unknown, string][] = [
      [{ ...DEFAULT_POOLS, vlan: { first: 0, last: 10 } }, "vlan.first"],
      [{ ...DEFAULT_POOLS, vlan: { first: 10, last: 5000 } }, "vlan.last"],
      [{ ...DEFAULT_POOLS, vlan: { first: 30, last: 20 } }, "vlan.first"],
      [{ ...DEFAULT_POOLS, vlan: { first: 2000, last: 2000 } }, "vlan"],
      [{ ...DEFAULT_POOLS, floatingIp: { first: "not-an-ip", last: "10.0.0.1" } }, "floatingIp.first"],
      [{ ...DEFAULT_POOLS, floatingIp: { first: "10.0.0.9", last: "10.0.0.1" } }, "floatingIp.first"],
      [{ ...DEFAULT_POOLS, floatingIp: { first: "10.0.0.1", last: "::1" } }, "floatingIp.last"],
      [{ ...DEFAULT_POOLS, floatingIp: { first: "10.0.0.0", last: "10.1.0.0" } }, "floatingIp"],
      [{ ...DEFAULT_POOLS, floatingIp: { first: "192.168.200.50", last: "192.168.200.60" } }, "floatingIp"],
    ];
    for (const [cfg, field] of bad) {
      assert.throws(
        () => buildPools(cfg as any),
        (e: unknown) => e instanceof PoolConfigError && e.field === field,
        `expected error on ${field}`,
      );
    }
  });

  it("picks the lowest free values and reports exhaustion naming the pool", () => {
    const pools = buildPools({ ...DEFAULT_POOLS, vlan: { first: 100, last: 104 } });
    assert.deepEqual(pickFree(pools.vlan, new Set(["100", "102"]), 2), ["101", "103"]);
    assert.throws(
      () => pickFree(pools.vlan, new Set(["100", "101", "102", "103"]), 2),
      (e: unknown) =>
        e instanceof PoolExhaustedError &&
        e.pool === "vlan" &&
        e.free === 1 &&
        /pool vlan is exhausted/.test(e.message),
    );
  });

  it("derives the demand of a spec and the stack's allocations object", () => {
    const d = demandOfSpec({ floatingIps: [{ name: "web" }, { name: "api" }] });
    assert.deepEqual(d, { vlan: ["lan1", "lan2"], routerWan: ["router"], floatingIp: ["web", "api"] });
    const rows = [
      { pool: "vlan", key: "lan2", value: "101" },
      { pool: "vlan", key: "lan1", value: "100" },
      { pool: "routerWan", key: "router", value: "192.168.200.20" },
      { pool: "floatingIp", key: "web", value: "192.168.200.101" },
      { pool: "floatingIp", key: "api", value: "192.168.200.100" },
    ].map((r) => ({ ...r, tenant: "acme", createdAt: "" })) as any;
    assert.deepEqual(allocationsObject(rows), {
      lan1VlanId: 100,
      lan2VlanId: 101,
      routerWanAddress: "192.168.200.20",
      floatingIps: [
        { name: "api", address: "192.168.200.100" },
        { name: "web", address: "192.168.200.101" },
      ],
    });
    assert.throws(() => checkDemand({ vlan: ["a", "a"] }), /twice/);
    assert.throws(() => checkDemand({ nope: [] } as any), /unknown pool/);
    assert.throws(() => checkDemand({ floatingIp: ["../x"] }), /bad key/);
  });
});
