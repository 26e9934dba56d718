import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { harness } from "../../harness";
import { PlatformServices, PlatformServicesArgs } from "../../../components/onprem/platformServices";
import { CHARTS, ServiceKey, chartValues, mergeValues } from "../../../components/onprem/platformCharts";
import { IPAM_VERSION } from "../../../components/tenant/clusterApiObjects";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const base: PlatformServicesArgs = {
  kubeconfig: pulumi.secret("apiVersion: v1\nkind: Config\n"),
  loadBalancerAddresses: ["192.168.200.200-192.168.200.220"],
  harborAdminPassword: pulumi.secret("harbor-admin-pw"),
  giteaAdminPassword: pulumi.secret("gitea-admin-pw"),
};

/** Every nodeSelector found anywhere in a values tree. */
function nodeSelectors(v: unknown, out: Record<string, string>[] = []): Record<string, string>[] {
  if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      if (k === "nodeSelector") out.push(x as Record<string, string>);
      else nodeSelectors(x, out);
    }
  }
  return out;
}

describe("onprem: PlatformServices", () => {
  before(async () => {
    await harness.run(() => new PlatformServices("platform", base));
  });

  it("installs every service as a pinned Helm release from its repository", () => {
    const releases = harness.ofType(RELEASE);
    assert.equal(releases.length, Object.keys(CHARTS).length);
    for (const [key, spec] of Object.entries(CHARTS)) {
      const r = harness.get(`platform-${key}`, RELEASE);
      assert.equal(r.inputs.chart, spec.chart);
      assert.match(r.inputs.version, /^\d+\.\d+\.\d+$/, `${key} must pin an exact chart version`);
      assert.equal(r.inputs.version, spec.version);
      assert.equal(r.inputs.repositoryOpts.repo, spec.repo);
      assert.equal(r.inputs.namespace, spec.namespace);
      assert.equal(r.state.status.status, "deployed");
    }
  });

  it("schedules the services on the workers, MetalLB speakers only on the LB tier", () => {
    for (const key of Object.keys(CHARTS) as ServiceKey[]) {
      const values = harness.get(`platform-${key}`, RELEASE).inputs.values;
      const sels = nodeSelectors(values);
      assert.ok(sels.length > 0, `${key} sets no nodeSelector`);
      if (key === "metallb") {
        assert.deepEqual(values.speaker.nodeSelector, { "basphere.io/tier": "lb" });
        assert.deepEqual(values.speaker.tolerations, [
          { key: "node-role.kubernetes.io/lb", operator: "Exists", effect: "NoSchedule" },
        ]);
        assert.deepEqual(values.controller.nodeSelector, { "basphere.io/tier": "worker" });
      } else {
        for (const s of sels)
          assert.deepEqual(s, { "basphere.io/tier": "worker" }, `${key} places something off the workers`);
      }
    }
  });

  it("installs CAPI v1.14 and CAPV v1.17 through the operator", () => {
    const v = harness.get("platform-clusterApi", RELEASE).inputs.values;
    assert.deepEqual(v.core, { "cluster-api": { version: "v1.14.0" } });
    assert.deepEqual(v.bootstrap, { kubeadm: { version: "v1.14.0" } });
    assert.deepEqual(v.controlPlane, { kubeadm: { version: "v1.14.0" } });
    assert.deepEqual(v.infrastructure, {
      vsphere: { version: "v1.17.0", namespace: "vsphere-infrastructure-system" },
    });
  });

  it("installs the in-cluster IPAM provider that tenant InClusterIPPools (ipam.cluster.x-k8s.io/v1alpha2) need", () => {
    const v = harness.get("platform-clusterApi", RELEASE).inputs.values;
    assert.deepEqual(v.ipam, { "in-cluster": { version: "v1.0.3" } });
    assert.equal(
      IPAM_VERSION,
      "ipam.cluster.x-k8s.io/v1alpha2",
      "tenant objects changed their IPAM API version",
    );
  });

  it("passes admin passwords as secrets and configures MetalLB's pool and L2 advertisement on the LB nodes", () => {
    const harbor = harness.get("platform-harbor", RELEASE);
    assert.equal(harbor.inputs.values.harborAdminPassword, "harbor-admin-pw");
    assert.ok(harbor.secretInputs.includes("values"));
    const gitea = harness.get("platform-gitea", RELEASE);
    assert.equal(gitea.inputs.values.gitea.admin.password, "gitea-admin-pw");
    assert.ok(gitea.secretInputs.includes("values"));
    const pool = harness.get("platform-lb-pool");
    assert.deepEqual(pool.inputs.spec.addresses, ["192.168.200.200-192.168.200.220"]);
    const l2 = harness.get("platform-lb-l2");
    assert.deepEqual(l2.inputs.spec.nodeSelectors, [{ matchLabels: { "basphere.io/tier": "lb" } }]);
    assert.ok(l2.dependsOn.includes(pool.urn));
    assert.ok(pool.dependsOn.includes(harness.get("platform-metallb", RELEASE).urn));
  });

  it("uses the management kubeconfig through one explicit provider", () => {
    const provider = harness.ofType("pulumi:providers:kubernetes");
    assert.equal(provider.length, 1);
    assert.ok(provider[0].secretInputs.includes("kubeconfig"));
    for (const r of harness.ofType(RELEASE))
      assert.ok(r.options.provider?.startsWith(provider[0].urn), r.name);
  });

  it("each service can be switched off, and its version and values overridden", async () => {
    await harness.run(
      () =>
        new PlatformServices("platform", {
          ...base,
          services: {
            harbor: { enabled: false },
            crossplane: { enabled: false },
            argocd: { version: "9.1.0", values: { global: { domain: "argo.lab" } } },
          },
        }),
    );
    const names = harness.ofType(RELEASE).map((r) => r.name);
    assert.ok(!names.includes("platform-harbor") && !names.includes("platform-crossplane"));
    assert.equal(names.length, Object.keys(CHARTS).length - 2);
    const argo = harness.get("platform-argocd", RELEASE);
    assert.equal(argo.inputs.version, "9.1.0");
    assert.deepEqual(argo.inputs.values.global, {
      nodeSelector: { "basphere.io/tier": "worker" },
      domain: "argo.lab",
    });
  });

  it("stores CAPV credentials in the operator's config secret when given", async () => {
    await harness.run(
      () =>
        new PlatformServices("platform", {
          ...base,
          vsphereCredentials: pulumi.secret({ username: "capv@vsphere.local", password: "pw" }),
        }),
    );
    const secret = harness.get("platform-capv-credentials");
    assert.equal(secret.inputs.stringData.VSPHERE_USERNAME, "capv@vsphere.local");
    assert.ok(secret.secretInputs.includes("stringData"));
    // The operator copies configSecret into each provider's spec; without a namespace it would be looked up in the
    // provider's own namespace, not where the secret is.
    assert.deepEqual(harness.get("platform-clusterApi", RELEASE).inputs.values.configSecret, {
      name: "capv-credentials",
      namespace: secret.inputs.metadata.namespace,
    });
    assert.equal(secret.inputs.metadata.namespace, "capi-operator-system");
    assert.equal(harness.ofType("Command").length, 0, "no identity unless asked for");
  });

  it("creates the tenant clusters' VSphereClusterIdentity after Cluster API, with secret credentials", async () => {
    await harness.run(
      () =>
        new PlatformServices("platform", {
          ...base,
          vsphereCredentials: pulumi.secret({ username: "capv@vsphere.local", password: "pw" }),
          tenantClusterIdentity: "tenant-clusters",
        }),
    );
    const cmd = harness.get("platform-tenant-identity", "Command");
    assert.ok(cmd.dependsOn.includes(harness.get("platform-clusterApi", RELEASE).urn));
    assert.ok(cmd.secretInputs.includes("environment"));
    assert.equal(cmd.inputs.environment.CAPV_PASSWORD, "pw");
    assert.match(cmd.inputs.create, /kind: VSphereClusterIdentity/);
    assert.match(cmd.inputs.create, /name: tenant-clusters/);
    assert.doesNotMatch(cmd.inputs.create, /pw\b/);
    assert.match(cmd.inputs.delete, /delete vsphereclusteridentities\S* tenant-clusters/);
    await assert.rejects(
      harness.run(
        () => new PlatformServices("platform", { ...base, tenantClusterIdentity: "tenant-clusters" }),
      ),
      /tenantClusterIdentity needs Cluster API enabled and vsphereCredentials/,
    );
  });

  it("refuses MetalLB without addresses and Harbor/Gitea without admin passwords", async () => {
    await assert.rejects(
      harness.run(() => new PlatformServices("platform", { ...base, loadBalancerAddresses: [] })),
      /loadBalancerAddresses is required/,
    );
    await assert.rejects(
      harness.run(() => new PlatformServices("platform", { ...base, harborAdminPassword: undefined })),
      /harborAdminPassword/,
    );
    await assert.rejects(
      harness.run(() => new PlatformServices("platform", { ...base, giteaAdminPassword: undefined })),
      /giteaAdminPassword/,
    );
  });

  it("merges values deeply, replacing arrays", () => {
    assert.deepEqual(mergeValues({ a: { b: 1, c: [1] } }, { a: { c: [2], d: 3 } }), {
      a: { b: 1, c: [2], d: 3 },
    });
    assert.match(
      chartValues("logCollector", { lokiPushUrl: "http://loki/push" }).alloy.configMap.content,
      /url = "http:\/\/loki\/push"/,
    );
  });
});
