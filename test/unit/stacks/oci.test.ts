import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { harness, resolve } from "../../harness";
import { ConfigError } from "../../../stacks/config";
import { exampleValues } from "../components/oci/helpers";

// Loaded the way the offline plan loads it (after test/setup installed the mocks).
const stack = () => require("../../../stacks/oci") as typeof import("../../../stacks/oci");

async function runStack(
  values: Record<string, unknown>,
  secretKeys: string[] = ["tlsKey", "gpgKey", "authClientSecret"],
) {
  return harness.run(() => stack().run({ values, secretKeys: new Set(secretKeys) }));
}

function configError(values: Record<string, unknown>): ConfigError {
  try {
    const { parseConfig } = require("../../../stacks/config") as typeof import("../../../stacks/config");
    parseConfig(stack().configSchema, values, "oci stack config");
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail("config was accepted");
}

const out = (o: Record<string, unknown>, k: string) => o[k] as pulumi.Output<unknown>;

describe("oci stack", () => {
  it("runs the example config (vm mode) end to end under the mocks", async () => {
    const o = await runStack(exampleValues());
    const ip = (await resolve(out(o, "reservedIp"))) as string;
    assert.match(ip, /^203\.0\.113\.\d+$/);
    assert.equal(await resolve(out(o, "omniUrl")), "https://omni.basphere.example/");
    assert.equal(await resolve(out(o, "machineApiUrl")), "https://omni.basphere.example:8090/");
    assert.equal(await resolve(out(o, "kubernetesProxyUrl")), "https://omni.basphere.example:8100/");
    assert.equal(
      await resolve(out(o, "wireguardEndpoint")),
      `${ip}:50180`,
      "WireGuard is advertised by IP, not by name",
    );
    assert.match((await resolve(out(o, "hostId"))) as string, /^ocid1\.instance\./);
    assert.equal(harness.ofType("oci:Core/instance:Instance").length, 1);
    assert.equal(harness.ofType("oci:ContainerEngine/cluster:Cluster").length, 0);
  });

  it("uses an explicit OCI provider with the configured region for every OCI resource", async () => {
    await runStack(exampleValues({ region: "ap-tokyo-1" }));
    const providers = harness.ofType("pulumi:providers:oci");
    assert.equal(providers.length, 1);
    assert.equal(providers[0].inputs.region, "ap-tokyo-1");
    const ociResources = harness.resources.filter((r) => r.type.startsWith("oci:"));
    assert.ok(ociResources.length > 10);
    for (const r of ociResources)
      assert.match(
        String(r.options.provider),
        /pulumi:providers:oci::oci::/,
        `${r.name} has no explicit provider`,
      );
  });

  it("defaults the region to ap-singapore-1", async () => {
    const v = exampleValues();
    delete v.region;
    const o = await runStack(v);
    assert.equal(o.region, "ap-singapore-1");
    assert.equal(harness.ofType("pulumi:providers:oci")[0].inputs.region, "ap-singapore-1");
  });

  it("gives the same output keys in vm and k8s mode", async () => {
    const vm = await runStack(exampleValues({ mode: "vm" }));
    const k8s = await runStack(exampleValues({ mode: "k8s" }));
    assert.deepEqual(Object.keys(k8s).sort(), Object.keys(vm).sort());
    assert.equal(k8s.mode, "k8s");
    assert.match((await resolve(out(k8s, "hostId"))) as string, /^ocid1\.cluster\./);
    assert.equal(await resolve(out(k8s, "omniUrl")), "https://omni.basphere.example/");
    const ip = (await resolve(out(k8s, "reservedIp"))) as string;
    assert.equal(await resolve(out(k8s, "wireguardEndpoint")), `${ip}:50180`);
  });

  it("keeps the TLS key, GPG key, OIDC secret and pre-shared keys secret", async () => {
    const o = await runStack(
      exampleValues({ vpnSharedSecrets: ["first tunnel key 1", "second tunnel key 2"] }),
    );
    assert.equal(await pulumi.isSecret(out(o, "onpremIpsec")), true, "IPsec parameters hold the PSKs");
    assert.equal(await pulumi.isSecret(out(o, "omniUrl")), false);
    assert.equal(await pulumi.isSecret(out(o, "tunnelEndpoints")), false);
    const vm = harness.ofType("oci:Core/instance:Instance")[0];
    assert.ok(vm.secretInputs.includes("metadata"), "user data is a secret input");
    for (const t of harness.ofType("IpsecConnectionTunnelManagement")) {
      assert.ok(t.secretInputs.includes("sharedSecret"), `${t.name}: sharedSecret not secret`);
      assert.ok(t.options.additionalSecretOutputs.includes("sharedSecret"));
    }
    const params = (await resolve(out(o, "onpremIpsec"))) as any;
    assert.deepEqual(params.tunnels.map((t: any) => t.preSharedKey).sort(), [
      "first tunnel key 1",
      "second tunnel key 2",
    ]);
    // The plain (non-secret) outputs must not carry key material.
    const plain = JSON.stringify(await resolve(pulumi.output({ ...o, onpremIpsec: undefined })));
    for (const needle of ["PRIVATE KEY", "PGP PRIVATE", "example-oidc-client-secret", "tunnel key"]) {
      assert.ok(!plain.includes(needle), `plain outputs leak ${needle}`);
    }
  });

  it("runs the k8s example config: OKE, Omni behind the NLB on the reserved IP, add-on namespaces", async () => {
    const o = await runStack(exampleValues({}, "stacks/Pulumi.oci-k8s.yaml"), ["tlsKey", "gpgKey"]);
    assert.equal(o.mode, "k8s");
    const ip = (await resolve(out(o, "reservedIp"))) as string;
    const svc = harness.ofType("kubernetes:core/v1:Service").find((s) => s.inputs.metadata.name === "omni")!;
    assert.equal(svc.inputs.spec.loadBalancerIP, ip);
    assert.equal(
      svc.inputs.metadata.annotations[
        "oci-network-load-balancer.oraclecloud.com/oci-network-security-groups"
      ],
      await resolve(out(o, "omniNsgId")),
    );
    const pub = harness.ofType("oci:Core/publicIp:PublicIp")[0];
    assert.equal(pub.inputs.privateIpId, undefined, "the load balancer claims the reserved IP");
    assert.deepEqual(
      harness
        .ofType("kubernetes:core/v1:Namespace")
        .map((n) => n.inputs.metadata.name)
        .sort(),
      ["backstage", "monitoring", "omni"],
    );
    assert.equal(await resolve(out(o, "omniUrl")), "https://omni.basphere.example/");
    assert.equal(await pulumi.isSecret(out(o, "onpremIpsec")), true);
  });

  it("keeps secrets secret in k8s mode (kubeconfig, Omni files)", async () => {
    await runStack(exampleValues({ mode: "k8s" }));
    const provider = harness.ofType("pulumi:providers:kubernetes")[0];
    assert.ok(provider.secretInputs.includes("kubeconfig"), "kubeconfig is a secret");
    const files = harness.ofType("kubernetes:core/v1:Secret")[0];
    assert.ok(files.secretInputs.includes("stringData"));
    assert.match(files.inputs.stringData["tls.key"], /BEGIN PRIVATE KEY/);
    assert.match(files.inputs.stringData["auth.yaml"], /clientSecret: example-oidc-client-secret/);
  });

  it("routes the on-prem CIDRs to the DRG once it is attached", async () => {
    await runStack(exampleValues());
    const rt = harness.ofType("oci:Core/routeTable:RouteTable")[0];
    const attachment = harness.ofType("oci:Core/drgAttachment:DrgAttachment")[0];
    const drgRules = rt.inputs.routeRules.filter((r: any) => r.networkEntityId.startsWith("ocid1.drg."));
    assert.deepEqual(
      drgRules.map((r: any) => r.destination),
      ["192.168.200.0/24", "10.10.0.0/16"],
    );
    assert.ok(rt.dependsOn.includes(attachment.urn), "route table waits for the DRG attachment");
  });

  describe("bad config names the key", () => {
    it("unknown mode", () => {
      const e = configError(exampleValues({ mode: "baremetal" }));
      assert.match(e.message, /basphere:mode: must be one of vm, k8s/);
    });
    it("malformed CIDRs", () => {
      assert.match(
        configError(exampleValues({ adminCidrs: ["10.0.0.0/33"] })).message,
        /basphere:adminCidrs\[0\]: must be an IPv4 CIDR/,
      );
      assert.match(
        configError(exampleValues({ adminCidrs: ["10.0.0.1/24"] })).message,
        /basphere:adminCidrs\[0\]/,
      );
      const vpn = { ...(exampleValues().vpn as object), onpremCidrs: ["192.168.1.0/24", "not-a-cidr"] };
      assert.match(
        configError(exampleValues({ vpn })).message,
        /basphere:vpn\.onpremCidrs\[1\]: must be an IPv4 CIDR/,
      );
    });
    it("k8s mode without an admin CIDR (Pulumi must reach the OKE API endpoint)", () => {
      assert.match(
        configError(exampleValues({ mode: "k8s", adminCidrs: [] })).message,
        /basphere:adminCidrs: needs at least one CIDR in k8s mode/,
      );
      // vm mode may do without (no SSH at all).
      const { parseConfig } = require("../../../stacks/config") as typeof import("../../../stacks/config");
      assert.equal(
        parseConfig(stack().configSchema, exampleValues({ adminCidrs: [] }), "x").adminCidrs.length,
        0,
      );
    });
    it("region: any OCI identifier (also the three-part government ones), nothing else", () => {
      const { parseConfig } = require("../../../stacks/config") as typeof import("../../../stacks/config");
      for (const region of ["ap-singapore-1", "us-gov-ashburn-1", "uk-gov-london-1", "sa-saopaulo-1"])
        assert.equal(parseConfig(stack().configSchema, exampleValues({ region }), "x").region, region);
      assert.match(
        configError(exampleValues({ region: "Singapore" })).message,
        /basphere:region: must be an OCI region identifier/,
      );
    });
    it("missing compartment", () => {
      const v = exampleValues();
      delete v.compartmentId;
      assert.match(configError(v).message, /basphere:compartmentId: is required/);
    });
    it("subnet outside the VCN and on-prem overlapping the VCN", () => {
      const e = configError(
        exampleValues({
          network: { vcnCidr: "10.42.0.0/16", subnetCidr: "10.43.0.0/24" },
          vpn: { cpeIp: "198.51.100.20", onpremCidrs: ["10.42.128.0/20"] },
        }),
      );
      assert.match(e.message, /basphere:network\.subnetCidr: must lie inside/);
      assert.match(e.message, /basphere:vpn\.onpremCidrs\[0\]: overlaps the VCN/);
    });
    it("CIDRs: canonical four-part IPv4 only (no host bits, no octal-looking leading zeros)", () => {
      for (const vcnCidr of ["10.42.0.1/16", "010.42.0.0/16", "10.42/16", "10.42.0.0/016"])
        assert.match(
          configError(exampleValues({ network: { vcnCidr, subnetCidr: "10.42.0.0/24" } })).message,
          /basphere:network\.vcnCidr: must be an IPv4 CIDR like 10\.0\.0\.0\/16 \(no host bits set\)/,
          vcnCidr,
        );
    });
    it("private CPE address, OIDC without a secret, Omni version not pinned", () => {
      assert.match(
        configError(exampleValues({ vpn: { cpeIp: "192.168.1.1", onpremCidrs: ["192.168.200.0/24"] } }))
          .message,
        /basphere:vpn\.cpeIp/,
      );
      const v = exampleValues();
      delete v.authClientSecret;
      assert.match(configError(v).message, /basphere:authClientSecret: is required with auth\.provider oidc/);
      const omni = { ...(exampleValues().omni as object), version: "latest" };
      assert.match(
        configError(exampleValues({ omni })).message,
        /basphere:omni\.version: must be a pinned Omni tag/,
      );
    });
    it("never echoes secret values in the error", () => {
      const e = configError(exampleValues({ tlsKey: "hunter2-not-a-key", gpgKey: "s3cr3t" }));
      assert.match(e.message, /basphere:tlsKey: must be a PEM private key/);
      assert.match(e.message, /basphere:gpgKey/);
      assert.ok(!e.message.includes("hunter2") && !e.message.includes("s3cr3t"));
    });
    it("run() rejects bad config before creating anything", async () => {
      await assert.rejects(
        runStack(exampleValues({ mode: "lxc" })),
        (e: Error) => e instanceof ConfigError && /basphere:mode/.test(e.message),
      );
    });
  });
});

describe("oci stack config: required sections", () => {
  it("names every missing required key at once", () => {
    const { parseConfig } = require("../../../stacks/config") as typeof import("../../../stacks/config");
    const { configSchema } = require("../../../stacks/oci") as typeof import("../../../stacks/oci");
    assert.throws(
      () => parseConfig(configSchema, { kind: "oci" }, "oci stack config"),
      (e: Error) =>
        [
          "basphere:compartmentId",
          "basphere:omni",
          "basphere:auth",
          "basphere:tlsCert",
          "basphere:tlsKey",
          "basphere:gpgKey",
          "basphere:vpn",
        ].every((k) => e.message.includes(k)),
    );
  });
});

describe("oci stack through the dispatcher", () => {
  it("runStack picks the oci module from basphere:kind", async () => {
    const { runStack } = require("../../../stacks/index") as typeof import("../../../stacks/index");
    const o = await harness.run(() =>
      runStack({ values: exampleValues({ mode: "k8s" }), secretKeys: new Set() }),
    );
    assert.equal(o.mode, "k8s");
    assert.equal(harness.ofType("oci:ContainerEngine/cluster:Cluster").length, 1);
  });
});
