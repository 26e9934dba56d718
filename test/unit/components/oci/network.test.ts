import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { harness, resolve } from "../../../harness";
import { OmniNetwork } from "../../../../components/oci/omniNetwork";
import { addonIngressRules } from "../../../../components/oci/addons";
import { omniIngressRules } from "../../../../components/oci/securityRules";
import { fakeOcid } from "../../../../automation/plan/inventoryOci";
import { describeRule } from "./helpers";

const RULE = "oci:Core/networkSecurityGroupSecurityRule:NetworkSecurityGroupSecurityRule";

function rulesOf(nsgName: string, direction: "INGRESS" | "EGRESS") {
  harness.get(nsgName, "NetworkSecurityGroup");
  const id = fakeOcid("networksecuritygroup", nsgName);
  return harness
    .ofType(RULE)
    .filter((r) => r.inputs.networkSecurityGroupId === id)
    .filter((r) => r.inputs.direction === direction);
}

async function build(args: Partial<ConstructorParameters<typeof OmniNetwork>[1]> = {}) {
  return harness.run(
    () =>
      new OmniNetwork("omni", {
        compartmentId: "ocid1.compartment.oc1..test",
        adminCidrs: ["198.51.100.0/28", "192.0.2.7/32"],
        onpremRoutes: { cidrs: ["192.168.200.0/24"], drgId: "ocid1.drg.oc1.ap-singapore-1.test" },
        ...args,
      }),
  );
}

describe("OmniNetwork", () => {
  it("opens exactly Omni's ports to the internet and SSH only to the admin CIDRs", async () => {
    await build();
    const ingress = rulesOf("omni-nsg", "INGRESS").map(describeRule).sort();
    assert.deepEqual(
      ingress,
      [
        "tcp/22 from 192.0.2.7/32",
        "tcp/22 from 198.51.100.0/28",
        "tcp/443 from 0.0.0.0/0",
        "tcp/8090 from 0.0.0.0/0",
        "tcp/8100 from 0.0.0.0/0",
        "udp/50180 from 0.0.0.0/0",
      ].sort(),
    );
    for (const r of rulesOf("omni-nsg", "INGRESS")) {
      assert.equal(r.inputs.stateless, false);
      assert.equal(r.inputs.sourceType, "CIDR_BLOCK");
    }
    assert.ok(
      !ingress.some((r) => /\/(2122|9988|8081|8091|8092|8093) /.test(r)),
      "metrics/debug/internal ports stay closed",
    );
    assert.equal(rulesOf("omni-nsg", "EGRESS").length, 1);
  });

  it("has no SSH at all without admin CIDRs", async () => {
    await build({ adminCidrs: [] });
    assert.ok(
      !rulesOf("omni-nsg", "INGRESS")
        .map(describeRule)
        .some((r) => r.startsWith("tcp/22 ")),
    );
    assert.equal(rulesOf("omni-nsg", "INGRESS").length, 4);
  });

  it("gives the subnet a security list that admits nothing but path-MTU ICMP (not the VCN default)", async () => {
    await build();
    const sl = harness.ofType("oci:Core/securityList:SecurityList");
    assert.equal(sl.length, 1);
    assert.deepEqual(
      sl[0].inputs.ingressSecurityRules.map((r: any) => ({
        protocol: r.protocol,
        source: r.source,
        icmp: r.icmpOptions,
      })),
      [{ protocol: "1", source: "0.0.0.0/0", icmp: { type: 3, code: 4 } }],
    );
    const subnet = harness.ofType("oci:Core/subnet:Subnet")[0];
    assert.deepEqual(subnet.inputs.securityListIds, [fakeOcid("securitylist", sl[0].name)]);
    assert.equal(subnet.inputs.cidrBlock, "10.42.0.0/24");
  });

  it("routes the internet through the gateway and on-prem through the DRG", async () => {
    await build({
      onpremRoutes: { cidrs: ["192.168.200.0/24", "10.10.0.0/16"], drgId: "ocid1.drg.oc1.x.y" },
    });
    const rt = harness.ofType("oci:Core/routeTable:RouteTable")[0];
    const igw = harness.ofType("oci:Core/internetGateway:InternetGateway")[0];
    assert.deepEqual(
      rt.inputs.routeRules.map((r: any) => [r.destination, r.networkEntityId]),
      [
        ["0.0.0.0/0", fakeOcid("internetgateway", igw.name)],
        ["192.168.200.0/24", "ocid1.drg.oc1.x.y"],
        ["10.10.0.0/16", "ocid1.drg.oc1.x.y"],
      ],
    );
    assert.equal(
      harness.ofType("oci:Core/subnet:Subnet")[0].inputs.routeTableId,
      fakeOcid("routetable", rt.name),
    );
  });

  it("reserves a private IP and binds the reserved public IP to it (vm mode)", async () => {
    const net = await build();
    const priv = harness.ofType("oci:Core/privateIp:PrivateIp")[0];
    assert.equal(priv.inputs.ipAddress, "10.42.0.10");
    assert.equal(priv.inputs.lifetime, "RESERVED");
    const pub = harness.ofType("oci:Core/publicIp:PublicIp")[0];
    assert.equal(pub.inputs.lifetime, "RESERVED");
    assert.equal(pub.inputs.privateIpId, fakeOcid("privateip", priv.name));
    assert.equal(await resolve(net.reservedIp), pub.state.ipAddress);
  });

  it("leaves the reserved public IP unassigned for the load balancer (k8s mode)", async () => {
    await build({ bindPublicIpToPrivateIp: false });
    assert.equal(harness.ofType("oci:Core/privateIp:PrivateIp").length, 0);
    const pub = harness.ofType("oci:Core/publicIp:PublicIp")[0];
    assert.equal(pub.inputs.privateIpId, undefined);
    assert.deepEqual(pub.options.ignoreChanges, ["privateIpId"]);
  });

  it("creates add-on security groups only when switched on, never open to the internet", async () => {
    await build();
    assert.equal(harness.ofType("NetworkSecurityGroup").length, 1);
    const net = await build({ addons: { monitoring: true, backstage: true } });
    assert.equal(harness.ofType("NetworkSecurityGroup").length, 3);
    const mon = rulesOf("omni-monitoring-nsg", "INGRESS").map(describeRule).sort();
    assert.deepEqual(
      mon,
      [
        "tcp/3000 from 198.51.100.0/28",
        "tcp/3000 from 192.0.2.7/32",
        "tcp/3000 from 192.168.200.0/24",
        "tcp/9090 from 192.168.200.0/24",
        "tcp/3100 from 192.168.200.0/24",
        "tcp/4317 from 192.168.200.0/24",
      ].sort(),
    );
    const bs = rulesOf("omni-backstage-nsg", "INGRESS").map(describeRule);
    assert.ok(bs.every((r) => r.startsWith("tcp/7007 ") && !r.endsWith("0.0.0.0/0")));
    assert.ok(pulumi.Output.isInstance(net.addonNsgIds.monitoring));
    // The Omni group is unchanged by add-ons.
    assert.equal(rulesOf("omni-nsg", "INGRESS").length, 6);
  });

  it("rejects a subnet outside the VCN and malformed CIDRs", async () => {
    await assert.rejects(
      build({ subnetCidr: "10.50.0.0/24" }),
      /subnetCidr 10\.50\.0\.0\/24 is not inside vcnCidr/,
    );
    await assert.rejects(build({ adminCidrs: ["1.2.3.4"] }), /adminCidrs "1\.2\.3\.4" is not an IPv4 CIDR/);
  });
});

describe("security rule data", () => {
  it("omniIngressRules de-duplicates admin CIDRs", () => {
    assert.equal(
      omniIngressRules({ adminCidrs: ["10.0.0.0/8", "10.0.0.0/8"] }).filter((r) => r.port === 22).length,
      1,
    );
  });
  it("an add-on audience without CIDRs yields no rule rather than an open one", () => {
    assert.deepEqual(addonIngressRules("backstage", { adminCidrs: [], onpremCidrs: [] }), []);
  });
});
