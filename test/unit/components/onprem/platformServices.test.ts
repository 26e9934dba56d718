import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { harness } from "../../../harness";
import { PlatformServices, PlatformServicesArgs } from "../../../../components/onprem/platformServices";
import {
  CHARTS,
  CHART_DEFAULT_SECRETS,
  KNOWN_DEFAULT_SECRET_VALUES,
  ServiceKey,
  chartValues,
  giteaSecretValues,
  harborSecretValues,
  mergeValues,
  secretProblem,
} from "../../../../components/onprem/platformCharts";
import { IPAM_VERSION } from "../../../../components/tenant/clusterApiObjects";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const base: PlatformServicesArgs = {
  kubeconfig: pulumi.secret("apiVersion: v1\nkind: Config\n"),
  loadBalancerAddresses: ["192.168.200.200-192.168.200.220"],
  harborAdminPassword: pulumi.secret("harbor-admin-pw"),
  harborSecretKey: pulumi.secret("0123456789abcdef"),
  harborDatabasePassword: pulumi.secret("harbor-db-pw"),
  harborRegistryPassword: pulumi.secret("harbor-registry-pw"),
  giteaAdminPassword: pulumi.secret("gitea-admin-pw"),
  giteaDatabasePassword: pulumi.secret("gitea-db-pw"),
  giteaValkeyPassword: pulumi.secret("gitea-valkey-pw"),
};

/** The credential fields of PlatformServicesArgs, by the service that needs them. */
const HARBOR_FIELDS = [
  "harborAdminPassword",
  "harborSecretKey",
  "harborDatabasePassword",
  "harborRegistryPassword",
] as const;
const GITEA_FIELDS = ["giteaAdminPassword", "giteaDatabasePassword", "giteaValkeyPassword"] as const;

/** Every string leaf of a values tree, with its dotted path. */
function stringLeaves(v: unknown, at = "", out: [string, string][] = []): [string, string][] {
  if (typeof v === "string") out.push([at, v]);
  else if (v && typeof v === "object")
    for (const [k, x] of Object.entries(v)) stringLeaves(x, at ? `${at}.${k}` : k, out);
  return out;
}

/** The value at a key path, or undefined. */
function at(v: any, path: readonly string[]): unknown {
  return path.reduce((o, k) => (o && typeof o === "object" ? o[k] : undefined), v);
}

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

  it("passes every Harbor and Gitea credential into the chart values, and the values as a secret input", () => {
    const harbor = harness.get("platform-harbor", RELEASE);
    assert.equal(harbor.inputs.values.secretKey, "0123456789abcdef");
    assert.equal(harbor.inputs.values.database.internal.password, "harbor-db-pw");
    assert.equal(harbor.inputs.values.registry.credentials.password, "harbor-registry-pw");
    // The credentials join Basphere's placement values; they do not replace them.
    assert.deepEqual(harbor.inputs.values.database.internal.nodeSelector, { "basphere.io/tier": "worker" });
    assert.deepEqual(harbor.inputs.values.registry.nodeSelector, { "basphere.io/tier": "worker" });
    assert.ok(harbor.secretInputs.includes("values"), "Harbor values must be secret");
    const gitea = harness.get("platform-gitea", RELEASE);
    assert.equal(gitea.inputs.values.postgresql.global.postgresql.auth.password, "gitea-db-pw");
    assert.deepEqual(gitea.inputs.values.postgresql.primary.nodeSelector, { "basphere.io/tier": "worker" });
    assert.equal(gitea.inputs.values.valkey.global.valkey.password, "gitea-valkey-pw");
    assert.equal(gitea.inputs.values.gitea.admin.username, "gitea-admin");
    assert.ok(gitea.secretInputs.includes("values"), "Gitea values must be secret");
    // Services without credentials keep plain values.
    assert.ok(!harness.get("platform-argocd", RELEASE).secretInputs.includes("values"));
  });

  it("leaves none of the charts' published default credentials in any release's values", () => {
    for (const r of harness.ofType(RELEASE)) {
      for (const [path, value] of stringLeaves(r.inputs.values)) {
        assert.ok(
          !KNOWN_DEFAULT_SECRET_VALUES.includes(value),
          `${r.name} ${path} is a chart default credential`,
        );
      }
    }
    for (const svc of ["harbor", "gitea"] as const) {
      const values = harness.get(`platform-${svc}`, RELEASE).inputs.values;
      for (const d of CHART_DEFAULT_SECRETS[svc]) {
        const v = at(values, d.path);
        assert.equal(
          typeof v,
          "string",
          `${svc} ${d.path.join(".")} is not set, so the chart default applies`,
        );
        assert.notEqual(v, d.value);
      }
    }
  });

  it("renders the credential fragments at the charts' key paths", () => {
    const h = harborSecretValues({
      adminPassword: "a-admin-pw",
      secretKey: "ABCDEFGHIJKLMNOP",
      databasePassword: "a-db-pw",
      registryPassword: "a-reg-pw",
    });
    assert.deepEqual(
      CHART_DEFAULT_SECRETS.harbor.map((d) => at(h, d.path)),
      ["a-admin-pw", "ABCDEFGHIJKLMNOP", "a-db-pw", "a-reg-pw"],
    );
    const g = giteaSecretValues({
      adminUser: "root",
      adminPassword: "g-admin-pw",
      databasePassword: "g-db-pw",
      valkeyPassword: "g-vk-pw",
    });
    assert.deepEqual(
      CHART_DEFAULT_SECRETS.gitea.map((d) => at(g, d.path)),
      ["g-admin-pw", "g-db-pw", "g-vk-pw"],
    );
    assert.equal(secretProblem("harborSecretKey", "ABCDEFGHIJKLMNOP"), undefined);
    assert.match(secretProblem("harborSecretKey", "ABCDEFGHIJKLMNOPQ")!, /exactly 16/);
    assert.match(secretProblem("harborSecretKey", "ABCDEFGHIJKLMNOé")!, /exactly 16 printable ASCII/);
    assert.match(secretProblem("giteaDatabasePassword", "")!, /giteaDatabasePassword must not be empty/);
    assert.match(secretProblem("giteaDatabasePassword", "gitea")!, /published default/);
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

  it("puts the configured credentials over user values that try to restore a chart default", async () => {
    await harness.run(
      () =>
        new PlatformServices("platform", {
          ...base,
          services: {
            harbor: {
              values: { secretKey: "not-a-secure-key", database: { internal: { password: "changeit" } } },
            },
            gitea: { values: { valkey: { global: { valkey: { password: "changeme" } } } } },
          },
        }),
    );
    const harbor = harness.get("platform-harbor", RELEASE).inputs.values;
    assert.equal(harbor.secretKey, "0123456789abcdef");
    assert.equal(harbor.database.internal.password, "harbor-db-pw");
    assert.equal(
      harness.get("platform-gitea", RELEASE).inputs.values.valkey.global.valkey.password,
      "gitea-valkey-pw",
    );
  });

  it("refuses Harbor and Gitea without each credential, naming it; none needed while the service is off", async () => {
    for (const field of [...HARBOR_FIELDS, ...GITEA_FIELDS]) {
      const service = field.startsWith("harbor") ? "Harbor" : "Gitea";
      await assert.rejects(
        harness.run(() => new PlatformServices("platform", { ...base, [field]: undefined })),
        new RegExp(`${field} is required while ${service} is enabled`),
      );
    }
    await harness.run(
      () =>
        new PlatformServices("platform", {
          ...base,
          ...Object.fromEntries([...HARBOR_FIELDS, ...GITEA_FIELDS].map((f) => [f, undefined])),
          services: { harbor: { enabled: false }, gitea: { enabled: false } },
        }),
    );
    assert.equal(harness.ofType(RELEASE).length, Object.keys(CHARTS).length - 2);
  });

  it("refuses a Harbor secretKey that is not 16 characters and any published default, without echoing it", async () => {
    for (const key of ["too-short", "seventeen-chars!!", "sixteen chars ok"]) {
      const err = await harness
        .run(() => new PlatformServices("platform", { ...base, harborSecretKey: key }))
        .then(
          () => undefined,
          (e: Error) => e,
        );
      assert.ok(err, `secretKey ${JSON.stringify(key)} was accepted`);
      assert.match(err.message, /harborSecretKey must be exactly 16 printable ASCII characters/);
      assert.ok(!err.message.includes(key), "the error must not contain the secret");
    }
    await assert.rejects(
      harness.run(() => new PlatformServices("platform", { ...base, harborSecretKey: "not-a-secure-key" })),
      /harborSecretKey must not be a chart's published default/,
    );
    await assert.rejects(
      harness.run(() => new PlatformServices("platform", { ...base, harborDatabasePassword: "changeit" })),
      /harborDatabasePassword must not be a chart's published default/,
    );
    await assert.rejects(
      harness.run(() => new PlatformServices("platform", { ...base, giteaValkeyPassword: "changeme" })),
      /giteaValkeyPassword must not be a chart's published default/,
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
