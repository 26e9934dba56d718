import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import { harness } from "../../../harness";
import { createWireguardKeyPair } from "../../../../components/tenant/dynamicOps";
import { FloatingIp, floatingIpRules } from "../../../../components/tenant/floatingIp";
import { TenantNetwork, TenantNetworkArgs } from "../../../../components/tenant/tenantNetwork";
import {
  PRIVATE_KEY_PLACEHOLDER,
  renderWireguardClientConfig,
} from "../../../../components/tenant/wireguardClientConfig";
import { wireguardPublicKey } from "../../../../providers/opnsense";

const conn = { url: "https://192.168.200.31", apiKey: "k", apiSecret: "s" };

describe("tenant components", () => {
  /** A TenantNetwork of tenant `a` (switch `u`, VLANs 10/11) with some arguments replaced. */
  const network =
    (over: Partial<TenantNetworkArgs> = {}) =>
    () =>
      new TenantNetwork("n", {
        tenantName: "a",
        distributedSwitchUuid: "u",
        lan1VlanId: 10,
        lan2VlanId: 11,
        ...over,
      });

  it("TenantNetwork refuses shared or WAN VLANs, naming the argument", async () => {
    const cases: [Partial<TenantNetworkArgs>, RegExp][] = [
      [{ lan1VlanId: 5, lan2VlanId: 5 }, /lan1VlanId and lan2VlanId must differ/],
      [{ lan1VlanId: 2000 }, /lan1VlanId must not be the WAN VLAN 2000/],
      [{ lan2Cidr: "10.0.2.0/26" }, /lan2Cidr: prefix \/26/],
    ];
    for (const [over, expected] of cases) await assert.rejects(harness.run(network(over)), expected);
  });

  it("TenantNetwork names port groups after the tenant", async () => {
    await harness.run(network({ tenantName: "acme" }));
    const pgs = harness.ofType("DistributedPortGroup").map((p) => `${p.inputs.name}:${p.inputs.vlanId}`);
    assert.deepEqual(pgs.sort(), ["tenant-acme-lan1:10", "tenant-acme-lan2:11"]);
    const comp = harness.get("n", "basphere:tenant:TenantNetwork");
    for (const p of harness.ofType("DistributedPortGroup")) assert.equal(p.parent, comp.urn);
  });

  it("FloatingIp: virtual IP, BINAT with reflection and one rule per port, all children of the component", async () => {
    await harness.run(
      () =>
        new FloatingIp("f", {
          connection: conn,
          address: "192.168.200.50",
          target: "10.0.1.20",
          ports: [
            { protocol: "tcp", port: 443 },
            { protocol: "udp", port: "5000-5010" },
          ],
        }),
    );
    const comp = harness.get("f", "basphere:tenant:FloatingIp");
    const kids = harness.childrenOf(comp.urn);
    assert.deepEqual(kids.map((k) => k.name).sort(), [
      "f-binat",
      "f-in-tcp-443",
      "f-in-udp-5000-5010",
      "f-vip",
    ]);
    const binat = harness.get("f-binat").inputs;
    assert.equal(binat.external, "192.168.200.50");
    assert.equal(binat.internal, "10.0.1.20");
    assert.equal(binat.natReflection, "enable");
    assert.ok(
      harness.get("f-binat").dependsOn.includes(harness.get("f-vip").urn),
      "NAT after its virtual IP",
    );
    const udp = harness.get("f-in-udp-5000-5010").inputs;
    assert.equal(udp.protocol, "UDP");
    assert.equal(udp.destinationPort, "5000-5010");
    assert.equal(udp.destinationNet, "10.0.1.20");
  });

  it("FloatingIp defaults to SSH and the NodePort range and rejects a bad address", async () => {
    assert.deepEqual(
      floatingIpRules([
        { protocol: "tcp", port: 22 },
        { protocol: "tcp/udp", port: "30000-32767" },
      ]).map((r) => `${r.protocol} ${r.destinationPort}`),
      ["TCP 22", "TCP/UDP 30000-32767"],
    );
    await harness.run(
      () => new FloatingIp("g", { connection: conn, address: "192.168.200.51", target: "10.0.1.21" }),
    );
    assert.deepEqual(
      harness
        .ofType("FirewallRule")
        .map((r) => r.inputs.destinationPort)
        .sort(),
      ["22", "30000-32767"],
    );
    await assert.rejects(
      harness.run(() => new FloatingIp("h", { connection: conn, address: "fip", target: "10.0.1.21" })),
      /address must be an IPv4 address/,
    );
  });

  it("renders wg-quick configurations", () => {
    const ini = renderWireguardClientConfig({
      privateKey: "cHJpdg==",
      address: "10.99.0.2",
      dns: ["10.0.1.1"],
      serverPublicKey: "c2VydmVy",
      endpoint: "192.168.200.31:51820",
      allowedIps: ["10.99.0.0/24", "10.0.1.0/24"],
      keepalive: 25,
    });
    assert.equal(
      ini,
      "[Interface]\nPrivateKey = cHJpdg==\nAddress = 10.99.0.2/32\nDNS = 10.0.1.1\n\n[Peer]\nPublicKey = c2VydmVy\n" +
        "Endpoint = 192.168.200.31:51820\nAllowedIPs = 10.99.0.0/24, 10.0.1.0/24\nPersistentKeepalive = 25\n",
    );
    const own = renderWireguardClientConfig({
      address: "10.99.0.3",
      serverPublicKey: "x",
      endpoint: "e:1",
      allowedIps: ["a"],
      keepalive: 0,
    });
    assert.ok(own.includes(`PrivateKey = ${PRIVATE_KEY_PLACEHOLDER}`));
    assert.ok(!own.includes("PersistentKeepalive"));
  });

  it("the key-pair resource generates a matching x25519 pair", async () => {
    const { outs } = await createWireguardKeyPair({ name: "alice" });
    assert.equal(Buffer.from(outs.privateKey, "base64").length, 32);
    assert.equal(wireguardPublicKey(outs.privateKey), outs.publicKey);
    // Cross-check with node:crypto directly: the public key of the private key is what was returned.
    const der = Buffer.concat([
      Buffer.from("302e020100300506032b656e04220420", "hex"),
      Buffer.from(outs.privateKey, "base64"),
    ]);
    const pub = crypto
      .createPublicKey(crypto.createPrivateKey({ key: der, format: "der", type: "pkcs8" }))
      .export({ type: "spki", format: "der" });
    assert.equal(pub.subarray(pub.length - 32).toString("base64"), outs.publicKey);
    const again = await createWireguardKeyPair({ name: "alice" });
    assert.notEqual(again.outs.privateKey, outs.privateKey, "fresh keys every time");
  });

  it("generated private keys are secret outputs of the key-pair resource", async () => {
    const { WireguardKeyPair } = await import("../../../../components/tenant/wireguardKeyPair");
    await harness.run(() => new WireguardKeyPair("kp", { name: "p" }));
    assert.ok(harness.get("kp").options.additionalSecretOutputs.includes("privateKey"));
  });
});
