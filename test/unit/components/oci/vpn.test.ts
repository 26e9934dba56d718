import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { harness, resolve } from "../../../harness";
import { fakeSharedSecret, fakeVpnIp } from "../../../../automation/plan/inventoryOci";
import {
  OnpremIpsecParams,
  PHASE1,
  PHASE2,
  toOnpremIpsecParams,
} from "../../../../components/oci/ipsecParams";
import { SiteToSiteVpn, SiteToSiteVpnArgs } from "../../../../components/oci/siteToSiteVpn";

const base: SiteToSiteVpnArgs = {
  compartmentId: "ocid1.compartment.oc1..test",
  vcnId: "ocid1.vcn.oc1.ap-singapore-1.test",
  ociCidrs: ["10.42.0.0/16"],
  cpeIp: "198.51.100.20",
  onpremCidrs: ["192.168.200.0/24", "10.10.0.0/16"],
};

describe("SiteToSiteVpn", () => {
  it("attaches a DRG to the VCN, creates the CPE and an IPSec connection with static routes", async () => {
    await harness.run(() => new SiteToSiteVpn("onprem", base));
    const attachment = harness.ofType("oci:Core/drgAttachment:DrgAttachment")[0];
    assert.deepEqual(attachment.inputs.networkDetails, { id: base.vcnId, type: "VCN" });
    assert.equal(harness.ofType("oci:Core/cpe:Cpe")[0].inputs.ipAddress, "198.51.100.20");
    const ipsec = harness.ofType("oci:Core/ipsec:Ipsec")[0];
    assert.deepEqual(ipsec.inputs.staticRoutes, ["192.168.200.0/24", "10.10.0.0/16"]);
    assert.equal(ipsec.inputs.cpeLocalIdentifierType, "IP_ADDRESS");
    assert.equal(ipsec.inputs.cpeLocalIdentifier, "198.51.100.20");
    assert.ok(ipsec.dependsOn.includes(attachment.urn));
    const inv = harness.invokes.find(
      (i) => i.token === "oci:Core/getIpsecConnectionTunnels:getIpsecConnectionTunnels",
    );
    assert.ok(inv, "tunnels come from getIpsecConnectionTunnels");
  });

  it("pins both tunnels to IKEv2, static routing and the documented proposals", async () => {
    await harness.run(() => new SiteToSiteVpn("onprem", base));
    const tunnels = harness.ofType(
      "oci:Core/ipsecConnectionTunnelManagement:IpsecConnectionTunnelManagement",
    );
    assert.equal(tunnels.length, 2);
    assert.notEqual(tunnels[0].inputs.tunnelId, tunnels[1].inputs.tunnelId);
    for (const t of tunnels) {
      assert.equal(t.inputs.ikeVersion, "V2");
      assert.equal(t.inputs.routing, "STATIC");
      assert.equal(t.inputs.phaseOneDetails.customEncryptionAlgorithm, PHASE1.ociEncryption);
      assert.equal(t.inputs.phaseOneDetails.customDhGroup, "GROUP20");
      assert.equal(t.inputs.phaseTwoDetails.customEncryptionAlgorithm, PHASE2.ociEncryption);
      assert.equal(t.inputs.phaseTwoDetails.isPfsEnabled, true);
      assert.equal(t.inputs.sharedSecret, undefined, "OCI generates the keys unless given");
    }
  });

  it("outputs the OPNsense parameters with the pre-shared keys as secrets", async () => {
    const vpn = await harness.run(() => new SiteToSiteVpn("onprem", base));
    assert.equal(await pulumi.isSecret(vpn.onpremParams), true);
    const params = (await resolve(vpn.onpremParams)) as OnpremIpsecParams;
    const ids = harness.ofType("IpsecConnectionTunnelManagement").map((t) => t.inputs.tunnelId as string);
    const expectedIps = ids.map(fakeVpnIp).sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
    assert.deepEqual(
      params.tunnels.map((t) => t.remoteGateway),
      expectedIps,
    );
    assert.deepEqual(params.tunnels.map((t) => t.preSharedKey).sort(), ids.map(fakeSharedSecret).sort());
    for (const t of params.tunnels) {
      assert.equal(t.localGateway, "198.51.100.20");
      assert.equal(t.localIdentifier, "198.51.100.20", "the IKE ID the IPSec connection expects");
      assert.equal(t.remoteIdentifier, t.remoteGateway);
      assert.equal(t.ikeVersion, "ikev2");
      assert.deepEqual(t.localNetworks, base.onpremCidrs);
      assert.deepEqual(t.remoteNetworks, ["10.42.0.0/16"]);
      assert.equal(t.phase1.proposal, "aes256-sha384-ecp384");
      assert.equal(t.phase2.proposal, "aes256gcm16-ecp384");
    }
    assert.deepEqual(await resolve(vpn.tunnelEndpoints), [...expectedIps].sort());
    assert.equal(await pulumi.isSecret(vpn.tunnelEndpoints), false);
  });

  it("uses given pre-shared keys and keeps them secret on the way in", async () => {
    await harness.run(
      () => new SiteToSiteVpn("onprem", { ...base, ikeVersion: "V1", sharedSecrets: ["key one", "key two"] }),
    );
    const tunnels = harness.ofType("IpsecConnectionTunnelManagement");
    assert.deepEqual(
      tunnels.map((t) => t.inputs.sharedSecret),
      ["key one", "key two"],
    );
    assert.ok(tunnels.every((t) => t.secretInputs.includes("sharedSecret") && t.inputs.ikeVersion === "V1"));
  });

  it("rejects a private CPE address, too many routes and malformed CIDRs", async () => {
    await assert.rejects(
      harness.run(() => new SiteToSiteVpn("x", { ...base, cpeIp: "10.0.0.1" })),
      /cpeIp "10\.0\.0\.1" is not a public IPv4/,
    );
    const eleven = Array.from({ length: 11 }, (_, i) => `10.${100 + i}.0.0/16`);
    await assert.rejects(
      harness.run(() => new SiteToSiteVpn("x", { ...base, onpremCidrs: eleven })),
      /1 to 10 CIDRs/,
    );
    await assert.rejects(
      harness.run(() => new SiteToSiteVpn("x", { ...base, onpremCidrs: ["10.0.0/8"] })),
      /not an IPv4 CIDR/,
    );
  });
});

describe("toOnpremIpsecParams", () => {
  it("orders tunnels by headend IP and maps IKE versions", () => {
    const p = toOnpremIpsecParams({
      ipsecConnectionId: "ocid1.ipsecconnection.x",
      cpeIp: "198.51.100.20",
      onpremCidrs: ["192.168.0.0/16"],
      ociCidrs: ["10.42.0.0/16"],
      tunnels: [
        { vpnIp: "198.51.100.100", sharedSecret: "b", ikeVersion: "V1" },
        {
          vpnIp: "198.51.100.9",
          sharedSecret: "a",
          ikeVersion: "V2",
          displayName: "t-a",
          dpdTimeoutInSec: 30,
        },
      ],
    });
    assert.deepEqual(
      p.tunnels.map((t) => [t.name, t.remoteGateway, t.ikeVersion, t.preSharedKey, t.dpdTimeoutSeconds]),
      [
        ["t-a", "198.51.100.9", "ikev2", "a", 30],
        ["oci-tunnel-2", "198.51.100.100", "ikev1", "b", 20],
      ],
    );
  });
});
