/**
 * The box's pure pieces: its pools and router addresses, the routers' saved state, the connect() audit parser and
 * the simulated workload kubeconfig.
 */
import assert from "node:assert/strict";
import { BOX_POOLS, boxPools } from "../../../box/box";
import { simulatedKubeconfig } from "../../../box/simulators/capiKubeconfig";
import { deserializeState, poolAddresses, serializeState } from "../../../box/simulators/routers";
import { buildPools } from "../../../automation/allocator/pools";
import { parseKubeconfig } from "../../../providers/kubernetes/client";
import { newState } from "../../../providers/opnsense/emulator/state";
import { nonLoopbackConnects } from "../../../support/box";

describe("box: pools, routers, audit", () => {
  it("the default pools are the embedded defaults' shape on 127.0.200.0/24, and valid pools", () => {
    assert.deepEqual(BOX_POOLS.routerWan, { first: "127.0.200.20", last: "127.0.200.99" });
    assert.deepEqual(BOX_POOLS.floatingIp, { first: "127.0.200.100", last: "127.0.200.239" });
    buildPools(BOX_POOLS); // the allocator accepts them
    assert.equal(boxPools("127.0.231").routerWan.first, "127.0.231.20");
  });

  it("refuses a WAN network outside loopback or malformed", () => {
    for (const bad of ["192.168.200", "127.0.256", "127.0", "127.0.200.0"])
      assert.throws(() => boxPools(bad), /127\.x\.y\.0\/24/, bad);
  });

  it("router addresses: every address of the pool, loopback only, bounded", () => {
    const a = poolAddresses("127.0.200.20", "127.0.200.99");
    assert.equal(a.length, 80);
    assert.equal(a[0], "127.0.200.20");
    assert.equal(a[79], "127.0.200.99");
    assert.throws(() => poolAddresses("127.255.255.250", "128.0.0.3"), /not a loopback address/);
    assert.throws(() => poolAddresses("127.0.0.1", "127.1.0.0"), /more than 1024/);
    assert.throws(() => poolAddresses("127.0.0.9", "127.0.0.1"), /before/);
  });

  it("a router's saved state comes back whole: records, settings, keys, users, pending", () => {
    const s = newState();
    s.collections.filter["u1"] = { description: "x", sequence: "10000" } as any;
    s.apiKeys.set("k", { secret: "s", username: "root" });
    s.pending.add("firewall");
    s.users.add("basphere");
    const back = deserializeState(serializeState(s));
    assert.deepEqual(back.collections, s.collections);
    assert.deepEqual([...back.apiKeys], [["k", { secret: "s", username: "root" }]]);
    assert.deepEqual([...back.pending], ["firewall"]);
    assert.ok(back.users.has("basphere"));
  });

  it("the connect() audit flags every non-loopback address and nothing else", () => {
    const trace = [
      '123 connect(5, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("127.0.200.20")}, 16) = 0',
      '123 connect(6, {sa_family=AF_UNIX, sun_path="/run/x.sock"}, 110) = 0',
      '124 connect(7, {sa_family=AF_INET6, sin6_port=htons(80), inet_pton(AF_INET6, "::1", &sin6_addr)}, 28) = 0',
      '125 connect(8, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("192.168.200.20")}, 16) = -1',
      '126 connect(9, {sa_family=AF_INET6, sin6_port=htons(53), inet_pton(AF_INET6, "2001:db8::1", &sin6_addr)}, 28) = -1',
    ].join("\n");
    const bad = nonLoopbackConnects(trace);
    assert.equal(bad.length, 2);
    assert.match(bad[0], /192\.168\.200\.20/);
    assert.match(bad[1], /2001:db8::1/);
  });

  it("the simulated workload kubeconfig names its endpoint and says it is simulated", () => {
    const k = parseKubeconfig(simulatedKubeconfig("dev", "127.0.200.110", 6443));
    assert.equal(k.server, "https://127.0.200.110:6443");
    assert.match(simulatedKubeconfig("dev", "h", 1), /simulated-by-basphere-box/);
  });
});
