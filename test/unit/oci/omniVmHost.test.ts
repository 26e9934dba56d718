import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { harness, resolve } from "../../harness";
import { fakeOcid } from "../../../automation/plan/inventoryOci";
import { OmniVmHost, OmniVmHostArgs } from "../../../components/oci/omniVmHost";
import { renderAuthConfig } from "../../../components/oci/omniFlags";

const args: OmniVmHostArgs = {
  compartmentId: "ocid1.compartment.oc1..test",
  subnetId: "ocid1.subnet.oc1.ap-singapore-1.test",
  nsgIds: ["ocid1.networksecuritygroup.oc1.ap-singapore-1.omni"],
  privateIpId: "ocid1.privateip.oc1.ap-singapore-1.omni",
  reservedIp: "203.0.113.44",
  settings: {
    version: "v1.12.2",
    accountId: "6f1c2b9e-3d4a-4e5f-8a7b-9c0d1e2f3a4b",
    name: "basphere",
    initialUsers: ["admin@basphere.example"],
    joinTokensMode: "strict",
    auth: { provider: "saml", metadata: "https://idp.example/metadata" },
  },
  tlsCert: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n",
  tlsKey: pulumi.secret("-----BEGIN PRIVATE KEY-----\nTLSKEY\n-----END PRIVATE KEY-----\n"),
  gpgKey: pulumi.secret(
    "-----BEGIN PGP PRIVATE KEY BLOCK-----\nGPGKEY\n-----END PGP PRIVATE KEY BLOCK-----\n",
  ),
  authConfig: renderAuthConfig({ provider: "saml", metadata: "https://idp.example/metadata" }),
};

describe("OmniVmHost", () => {
  it("launches a Flex VM sized per Omni's guidance from the newest x86 Ubuntu 24.04 image", async () => {
    await harness.run(() => new OmniVmHost("omni", args));
    const vm = harness.ofType("oci:Core/instance:Instance")[0];
    assert.equal(vm.inputs.shape, "VM.Standard.E5.Flex");
    assert.deepEqual(vm.inputs.shapeConfig, { ocpus: 2, memoryInGbs: 16 });
    assert.equal(vm.inputs.sourceDetails.sourceId, fakeOcid("image", "Canonical-Ubuntu-24.04-2025.07.23-0"));
    assert.equal(vm.inputs.createVnicDetails.privateIpId, args.privateIpId);
    assert.equal(vm.inputs.createVnicDetails.assignPublicIp, "false");
    assert.deepEqual(vm.inputs.createVnicDetails.nsgIds, args.nsgIds);
    const getImages = harness.invokes.find((i) => i.token === "oci:Core/getImages:getImages");
    assert.equal(getImages?.args.operatingSystemVersion, "24.04");
  });

  it("passes the user data as a secret and it starts Omni with the reserved IP", async () => {
    const host = await harness.run(() => new OmniVmHost("omni", args));
    assert.equal(await pulumi.isSecret(host.userData), true);
    const vm = harness.ofType("oci:Core/instance:Instance")[0];
    assert.ok(vm.secretInputs.includes("metadata"));
    const userData = Buffer.from(vm.inputs.metadata.user_data, "base64").toString("utf8");
    assert.ok(userData.startsWith("#cloud-config\n"));
    const doc = parse(userData);
    const unit = doc.write_files.find((f: any) => f.path === "/etc/systemd/system/omni.service").content;
    assert.match(unit, /--siderolink-wireguard-advertised-addr=203\.0\.113\.44:50180/);
    assert.match(unit, /--advertised-api-url=https:\/\/203\.0\.113\.44\//);
    assert.match(userData, /TLSKEY/);
    assert.equal(await resolve(host.omniUrl), "https://203.0.113.44/");
  });

  it("keeps Omni's state on a separate block volume attached at the consistent device path", async () => {
    await harness.run(() => new OmniVmHost("omni", { ...args, dataVolumeGb: 200 }));
    assert.equal(harness.ofType("oci:Core/volume:Volume")[0].inputs.sizeInGbs, "200");
    const att = harness.ofType("oci:Core/volumeAttachment:VolumeAttachment")[0];
    assert.equal(att.inputs.device, "/dev/oracleoci/oraclevdb");
    assert.equal(att.inputs.instanceId, fakeOcid("instance", "omni-vm"));
  });

  it("rejects non-Flex shapes and impossible sizes", async () => {
    await assert.rejects(
      harness.run(() => new OmniVmHost("omni", { ...args, shape: "VM.Standard2.4" })),
      /not a Flex shape/,
    );
    await assert.rejects(
      harness.run(() => new OmniVmHost("omni", { ...args, ocpus: 8, memoryGb: 4 })),
      /memoryGb >= ocpus/,
    );
  });
});
