import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { gunzipSync } from "node:zlib";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { harness, resolve } from "../../../harness";
import { fakeOcid } from "../../../../automation/plan/inventoryOci";
import { OmniVmHost, OmniVmHostArgs } from "../../../../components/oci/omniVmHost";
import { renderAuthConfig } from "../../../../components/oci/omniFlags";
import { hostSettingsFixture } from "./helpers";
import {
  OCI_METADATA_LIMIT_BYTES,
  checkMetadataSize,
  metadataBytes,
} from "../../../../components/oci/cloudInit";

/** A PEM/armor block with `n` random bytes of body: as incompressible as real DER. */
function pem(label: string, n: number): string {
  const body = randomBytes(n)
    .toString("base64")
    .match(/.{1,64}/g)!
    .join("\n");
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

/** The cloud-config inside the instance's `user_data` (base64 of gzip). */
function userDataOf(metadata: Record<string, string>): string {
  return gunzipSync(Buffer.from(metadata.user_data, "base64")).toString("utf8");
}

const args: OmniVmHostArgs = {
  compartmentId: "ocid1.compartment.oc1..test",
  subnetId: "ocid1.subnet.oc1.ap-singapore-1.test",
  nsgIds: ["ocid1.networksecuritygroup.oc1.ap-singapore-1.omni"],
  privateIpId: "ocid1.privateip.oc1.ap-singapore-1.omni",
  reservedIp: "203.0.113.44",
  settings: hostSettingsFixture({ provider: "saml", metadata: "https://idp.example/metadata" }),
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
    const userData = userDataOf(vm.inputs.metadata);
    assert.ok(userData.startsWith("#cloud-config\n"));
    const doc = parse(userData);
    const unit = doc.write_files.find((f: any) => f.path === "/etc/systemd/system/omni.service").content;
    assert.match(unit, /--siderolink-wireguard-advertised-addr=203\.0\.113\.44:50180/);
    assert.match(unit, /--advertised-api-url=https:\/\/203\.0\.113\.44\//);
    assert.match(userData, /TLSKEY/);
    assert.equal(await resolve(host.omniUrl), "https://203.0.113.44/");
  });

  it("fits a full certificate chain and 4096-bit keys into OCI's 32,000-byte metadata cap", async () => {
    // Real DER sizes: RSA-4096 leaf with SCTs, RSA-4096 intermediate, cross-signed root; RSA-4096 PKCS#8 key;
    // RSA-4096 GPG key with its encryption subkey. Plain base64 of this user data would be over the cap.
    const big: OmniVmHostArgs = {
      ...args,
      tlsCert: pem("CERTIFICATE", 2100) + pem("CERTIFICATE", 1800) + pem("CERTIFICATE", 1400),
      tlsKey: pulumi.secret(pem("PRIVATE KEY", 2375)),
      gpgKey: pulumi.secret(pem("PGP PRIVATE KEY BLOCK", 5200)),
      sshPublicKey:
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyOnlyForTheTestXXXXXXXXXXXXXXXXXXXXXX ops@x",
    };
    const host = await harness.run(() => new OmniVmHost("omni", big));
    const metadata = harness.ofType("oci:Core/instance:Instance")[0].inputs.metadata as Record<
      string,
      string
    >;
    const plain = (await resolve(host.userData)) as string;
    assert.equal(userDataOf(metadata), plain, "user_data is the cloud-config, gzip + base64");
    const plainBytes = metadataBytes({ ...metadata, user_data: Buffer.from(plain).toString("base64") });
    assert.ok(
      plainBytes > OCI_METADATA_LIMIT_BYTES,
      `plain base64 would be ${plainBytes} bytes: fixture too small`,
    );
    assert.ok(metadataBytes(metadata) <= OCI_METADATA_LIMIT_BYTES, `${metadataBytes(metadata)} bytes`);
    assert.equal(metadata.ssh_authorized_keys, big.sshPublicKey);
  });

  it("never sends metadata over the cap, and says so with sizes, not content", async () => {
    const gpg = pem("PGP PRIVATE KEY BLOCK", 30000);
    assert.throws(
      () => checkMetadataSize("OmniVmHost omni", { user_data: gpg }),
      (e: Error) =>
        /OmniVmHost omni: instance metadata is \d+ bytes, over OCI's 32000-byte limit/.test(e.message) &&
        !e.message.includes(gpg.slice(40, 80)),
    );
    assert.doesNotThrow(() => checkMetadataSize("x", { user_data: "a".repeat(31000) }));
    // The component fails the program at that point: no instance is registered with a metadata OCI would reject,
    // and the run fails with the sizes (not the content) in its message.
    await assert.rejects(
      harness.run(() => new OmniVmHost("omni", { ...args, gpgKey: pulumi.secret(gpg) })),
      (e: Error) =>
        /instance metadata is \d+ bytes, over OCI's 32000-byte limit/.test(e.message) &&
        !e.message.includes(gpg.slice(40, 80)),
    );
    assert.equal(harness.ofType("oci:Core/instance:Instance").length, 0);
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
