import * as assert from "node:assert/strict";
import { harness, resolve } from "../../../harness";
import { pickOkeNodeImage } from "../../../../components/oci/images";
import { OmniK8sHost, OmniK8sHostArgs } from "../../../../components/oci/omniK8sHost";
import { renderAuthConfig } from "../../../../components/oci/omniFlags";
import { omniServiceAnnotations } from "../../../../components/oci/omniService";
import { describeRule, hostSettingsFixture } from "./helpers";
import { fakeOcid } from "../../../../automation/plan/inventoryOci";

const args: OmniK8sHostArgs = {
  compartmentId: "ocid1.compartment.oc1..test",
  vcnId: "ocid1.vcn.oc1.ap-singapore-1.test",
  vcnCidr: "10.42.0.0/16",
  subnetId: "ocid1.subnet.oc1.ap-singapore-1.test",
  nsgId: "ocid1.networksecuritygroup.oc1.ap-singapore-1.omni",
  reservedIp: "203.0.113.77",
  adminCidrs: ["198.51.100.0/28"],
  settings: hostSettingsFixture({ provider: "auth0", domain: "basphere.eu.auth0.com", clientId: "abc" }),
  tlsCert: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n",
  tlsKey: "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n",
  gpgKey: "-----BEGIN PGP PRIVATE KEY BLOCK-----\nx\n-----END PGP PRIVATE KEY BLOCK-----\n",
  authConfig: renderAuthConfig({ provider: "auth0", domain: "basphere.eu.auth0.com", clientId: "abc" }),
};

describe("OmniK8sHost", () => {
  it("builds a one-node OKE cluster from the matching OKE image", async () => {
    await harness.run(() => new OmniK8sHost("omni", args));
    const cluster = harness.ofType("oci:ContainerEngine/cluster:Cluster")[0];
    assert.equal(cluster.inputs.kubernetesVersion, "v1.33.1");
    const pool = harness.ofType("oci:ContainerEngine/nodePool:NodePool")[0];
    assert.equal(pool.inputs.nodeConfigDetails.size, 1);
    assert.equal(
      pool.inputs.nodeSourceDetails.imageId,
      fakeOcid("image", "Oracle-Linux-8.10-2025.06.17-0-OKE-1.33.1-800"),
    );
    assert.equal(
      pool.inputs.nodeConfigDetails.placementConfigs[0].availabilityDomain,
      "Uocm:AP-SINGAPORE-1-AD-1",
    );
    // The pods CIDR is a flannel setting: cluster and pool must both say flannel, not VCN-native pod networking.
    assert.deepEqual(cluster.inputs.clusterPodNetworkOptions, [{ cniType: "FLANNEL_OVERLAY" }]);
    assert.deepEqual(cluster.inputs.options.kubernetesNetworkConfig, {
      podsCidr: "10.244.0.0/16",
      servicesCidr: "10.96.0.0/16",
    });
    assert.deepEqual(pool.inputs.nodeConfigDetails.nodePoolPodNetworkOptionDetails, {
      cniType: "FLANNEL_OVERLAY",
    });
    assert.deepEqual(pool.inputs.nodeShapeConfig, { ocpus: 2, memoryInGbs: 16 });
  });

  it("refuses to build without an admin CIDR: Pulumi could not reach the API endpoint to deploy Omni", async () => {
    await assert.rejects(
      harness.run(() => new OmniK8sHost("omni", { ...args, adminCidrs: [] })),
      /OmniK8sHost omni: adminCidrs needs at least one CIDR/,
    );
  });

  it("exposes Omni through an OCI NLB on the reserved IP with exactly Omni's ports", async () => {
    await harness.run(() => new OmniK8sHost("omni", args));
    const svc = harness.ofType("kubernetes:core/v1:Service")[0];
    assert.equal(svc.inputs.spec.type, "LoadBalancer");
    assert.equal(svc.inputs.spec.loadBalancerIP, "203.0.113.77");
    // Exactly the keys the OCI CCM reads for an NLB (oracle/oci-cloud-controller-manager, load_balancer_spec.go).
    assert.deepEqual(svc.inputs.metadata.annotations, {
      "oci.oraclecloud.com/load-balancer-type": "nlb",
      "oci-network-load-balancer.oraclecloud.com/oci-network-security-groups": args.nsgId,
      "oci-network-load-balancer.oraclecloud.com/security-list-management-mode": "None",
      "oci-network-load-balancer.oraclecloud.com/is-preserve-source": "false",
    });
    assert.deepEqual(svc.inputs.metadata.annotations, omniServiceAnnotations(args.nsgId as string));
    assert.equal(
      svc.inputs.spec.externalTrafficPolicy,
      "Cluster",
      "is-preserve-source false goes with Cluster",
    );
    assert.deepEqual(
      svc.inputs.spec.ports.map((p: any) => `${p.protocol}/${p.port}`),
      ["TCP/443", "TCP/8090", "TCP/8100", "UDP/50180"],
    );
  });

  it("runs one Omni replica with the same flags, NET_ADMIN, /dev/net/tun and a persistent volume", async () => {
    const host = await harness.run(() => new OmniK8sHost("omni", args));
    const dep = harness.ofType("kubernetes:apps/v1:Deployment")[0];
    assert.equal(dep.inputs.spec.replicas, 1);
    assert.equal(dep.inputs.spec.strategy.type, "Recreate");
    const pod = dep.inputs.spec.template.spec;
    const c = pod.containers[0];
    assert.equal(c.image, "ghcr.io/siderolabs/omni:v1.12.2");
    assert.ok(c.args.includes("--siderolink-wireguard-advertised-addr=203.0.113.77:50180"));
    assert.ok(c.args.includes("--machine-api-advertised-url=https://203.0.113.77:8090/"));
    assert.ok(!c.args.some((a: string) => a.startsWith("--siderolink-api-")));
    assert.deepEqual(c.securityContext.capabilities.add, ["NET_ADMIN"]);
    assert.ok(pod.volumes.some((v: any) => v.hostPath?.path === "/dev/net/tun"));
    const pvc = harness.ofType("kubernetes:core/v1:PersistentVolumeClaim")[0];
    assert.equal(pvc.inputs.spec.storageClassName, "oci-bv");
    assert.ok(c.volumeMounts.some((m: any) => m.mountPath === "/_out" && m.name === "data"));
    assert.equal(await resolve(host.wireguardEndpoint), "203.0.113.77:50180");
  });

  it("allows the API endpoint from admin CIDRs and the VCN only, and nodes only from the VCN", async () => {
    await harness.run(() => new OmniK8sHost("omni", args));
    const rules = (nsg: string) =>
      harness
        .ofType("NetworkSecurityGroupSecurityRule")
        .filter(
          (r) =>
            r.inputs.networkSecurityGroupId === fakeOcid("networksecuritygroup", nsg) &&
            r.inputs.direction === "INGRESS",
        )
        .map(describeRule)
        .sort();
    assert.deepEqual(rules("omni-api-nsg"), [
      "tcp/12250 from 10.42.0.0/16",
      "tcp/6443 from 10.42.0.0/16",
      "tcp/6443 from 198.51.100.0/28",
    ]);
    assert.deepEqual(rules("omni-node-nsg"), ["all/* from 10.42.0.0/16"]);
  });

  it("creates add-on namespaces and calls their hooks with the cluster provider", async () => {
    const seen: string[] = [];
    await harness.run(
      () =>
        new OmniK8sHost("omni", {
          ...args,
          addons: {
            nsgIds: { monitoring: "ocid1.networksecuritygroup.mon" },
            hooks: { monitoring: (ctx) => seen.push(ctx.name), backstage: () => seen.push("backstage") },
          },
        }),
    );
    assert.deepEqual(seen, ["monitoring"], "only enabled add-ons get their hook called");
    assert.ok(
      harness.ofType("kubernetes:core/v1:Namespace").some((n) => n.inputs.metadata.name === "monitoring"),
    );
  });
});

describe("pickOkeNodeImage", () => {
  const src = (n: string) => ({ imageId: n, sourceName: n, sourceType: "IMAGE" });
  const sources = [
    "Oracle-Linux-8.10-2025.05.19-0-OKE-1.33.1-787",
    "Oracle-Linux-8.10-2025.06.17-0-OKE-1.33.1-800",
    "Oracle-Linux-8.10-aarch64-2025.06.17-0-OKE-1.33.1-800",
    "Oracle-Linux-8.10-Gen2-GPU-2025.06.17-0-OKE-1.33.1-800",
  ].map(src);
  it("picks the newest matching x86 or Arm image and never a GPU one", () => {
    assert.equal(
      pickOkeNodeImage(sources, "v1.33.1", "VM.Standard.E5.Flex").sourceName,
      "Oracle-Linux-8.10-2025.06.17-0-OKE-1.33.1-800",
    );
    assert.equal(
      pickOkeNodeImage(sources, "v1.33.1", "VM.Standard.A1.Flex").sourceName,
      "Oracle-Linux-8.10-aarch64-2025.06.17-0-OKE-1.33.1-800",
    );
    assert.throws(
      () => pickOkeNodeImage(sources, "v1.30.1", "VM.Standard.E5.Flex"),
      /no OKE node image for Kubernetes v1\.30\.1/,
    );
  });
});
