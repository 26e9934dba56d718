import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { harness } from "../../../harness";
import { AutomationService } from "../../../../components/onprem/automationService";
import {
  AutomationServiceInput,
  CNPG_API_VERSION,
  CNPG_CHART,
  CNPG_OPERATOR_VERSION,
  CNPG_POSTGRES_IMAGE,
  OBJECT_ORDER,
  OPERATOR_SECRET_KEYS,
  imagePinProblem,
  renderAutomationServiceObjects,
} from "../../../../components/onprem/automationServiceManifests";
import { WORKER_NODE_SELECTOR } from "../../../../components/onprem/clusterTemplate";
import { validateAgainstCrd } from "../tenant/crdValidator";

const IMAGE = "registry.example.internal/basphere/automation-service:0.1.0";
const render = (over: Partial<AutomationServiceInput> = {}) =>
  renderAutomationServiceObjects({ image: IMAGE, ...over });

/** Every `env` entry of every container of a pod template. */
function envOf(deployment: any): any[] {
  return deployment.spec.template.spec.containers.flatMap((c: any) => c.env ?? []);
}

/** Every string leaf of an object tree, with its path. */
function leaves(v: unknown, at = "", out: [string, string][] = []): [string, string][] {
  if (typeof v === "string") out.push([at, v]);
  else if (v && typeof v === "object")
    for (const [k, x] of Object.entries(v)) leaves(x, at ? `${at}.${k}` : k, out);
  return out;
}

describe("onprem: automation service manifests", () => {
  it("renders a Deployment of 2 replicas by default, refusing fewer and naming the field", () => {
    const o = render();
    assert.equal(o.deployment.spec.replicas, 2);
    assert.equal(render({ replicas: 3 }).deployment.spec.replicas, 3);
    for (const bad of [1, 0, 2.5, -1])
      assert.throws(() => render({ replicas: bad }), /^Error: replicas must be an integer 2-20/, String(bad));
  });

  it("rolls one pod at a time and never below the wanted count, spread one per worker", () => {
    const spec = render().deployment.spec;
    assert.deepEqual(spec.strategy, {
      type: "RollingUpdate",
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
    const pod = spec.template.spec;
    assert.deepEqual(pod.nodeSelector, WORKER_NODE_SELECTOR);
    const anti = pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
    assert.equal(anti.length, 1);
    assert.equal(anti[0].topologyKey, "kubernetes.io/hostname");
    assert.deepEqual(anti[0].labelSelector.matchLabels, spec.selector.matchLabels);
    for (const [k, v] of Object.entries(spec.selector.matchLabels))
      assert.equal(spec.template.metadata.labels[k], v, `pod template carries selector label ${k}`);
    assert.ok(pod.terminationGracePeriodSeconds >= 60);
  });

  it("probes /v1/health for startup and liveness and /v1/ready for readiness, on the container's port", () => {
    const c = render().deployment.spec.template.spec.containers[0];
    assert.equal(c.startupProbe.httpGet.path, "/v1/health");
    assert.equal(c.livenessProbe.httpGet.path, "/v1/health");
    assert.equal(c.readinessProbe.httpGet.path, "/v1/ready");
    for (const p of [c.startupProbe, c.livenessProbe, c.readinessProbe]) assert.equal(p.httpGet.port, "http");
    assert.deepEqual(c.ports, [{ name: "http", containerPort: 8080, protocol: "TCP" }]);
    // The real flags of `basphere serve` (automation/cli/serve.ts): production mode, all interfaces, port 8080.
    assert.deepEqual(c.args.slice(0, 6), ["serve", "--no-box", "--host", "0.0.0.0", "--port", "8080"]);
    assert.ok(c.args.includes("--data-dir"));
  });

  it("runs non-root, read-only, without capabilities, with the runtime's seccomp profile and set resources", () => {
    const pod = render().deployment.spec.template.spec;
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault");
    const c = pod.containers[0];
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(c.securityContext.capabilities, { drop: ["ALL"] });
    assert.equal(c.securityContext.seccompProfile.type, "RuntimeDefault");
    assert.ok(c.resources.requests.cpu && c.resources.requests.memory);
    assert.ok(c.resources.limits.cpu && c.resources.limits.memory);
    // Writable places are volumes: the data folder and /tmp.
    assert.deepEqual(c.volumeMounts.map((m: any) => m.mountPath).sort(), ["/tmp", "/var/lib/basphere"]);
    assert.throws(
      () =>
        render({
          resources: { requests: { cpu: "lots", memory: "1Gi" }, limits: { cpu: "2", memory: "4Gi" } },
        }),
      /^Error: resources\.requests\.cpu must be a Kubernetes quantity/,
    );
  });

  it("mounts no service account token: neither the ServiceAccount nor the pod", () => {
    const o = render();
    assert.equal(o.serviceAccount.automountServiceAccountToken, false);
    const pod = o.deployment.spec.template.spec;
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.serviceAccountName, o.serviceAccount.metadata.name);
  });

  it("takes every secret by secretKeyRef (store URL from CloudNativePG's app Secret), none as a value", () => {
    const env = envOf(render({ secretName: "ops-secret" }).deployment);
    const byName = Object.fromEntries(env.map((e) => [e.name, e]));
    assert.deepEqual(byName.BASPHERE_STORE_URL.valueFrom, {
      secretKeyRef: { name: "basphere-postgres-app", key: "uri" },
    });
    assert.deepEqual(byName.BASPHERE_ADMIN_TOKEN.valueFrom, {
      secretKeyRef: { name: "ops-secret", key: OPERATOR_SECRET_KEYS.adminToken },
    });
    assert.deepEqual(byName.PULUMI_CONFIG_PASSPHRASE.valueFrom, {
      secretKeyRef: { name: "ops-secret", key: OPERATOR_SECRET_KEYS.pulumiConfigPassphrase },
    });
    assert.deepEqual(byName.BASPHERE_REPLICA_ID.valueFrom, { fieldRef: { fieldPath: "metadata.name" } });
    const secretish = /TOKEN|PASSPHRASE|PASSWORD|SECRET|STORE_URL|KEY/;
    for (const e of env.filter((e) => secretish.test(e.name))) {
      assert.equal(e.value, undefined, `${e.name} must not carry a value`);
      assert.ok(e.valueFrom?.secretKeyRef, `${e.name} must come from a Secret`);
    }
    // No object is a Secret, and no string anywhere looks like a credential or a connection string.
    const all = render();
    for (const role of OBJECT_ORDER) {
      assert.notEqual(all[role].kind, "Secret");
      for (const [p, v] of leaves(all[role]))
        assert.doesNotMatch(v, /^postgres(ql)?:\/\/|password=|bspa\./, `${role}.${p}`);
    }
  });

  it("has a PodDisruptionBudget that lets at most one replica go, and a ClusterIP Service 80 → 8080", () => {
    const o = render();
    assert.equal(o.podDisruptionBudget.apiVersion, "policy/v1");
    assert.equal(o.podDisruptionBudget.spec.maxUnavailable, 1);
    assert.deepEqual(o.podDisruptionBudget.spec.selector, o.deployment.spec.selector);
    assert.equal(o.service.spec.type, "ClusterIP");
    assert.deepEqual(o.service.spec.ports, [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }]);
    assert.deepEqual(o.service.spec.selector, o.deployment.spec.selector.matchLabels);
    for (const role of OBJECT_ORDER.filter((r) => r !== "namespace"))
      assert.equal(o[role].metadata.namespace, "basphere-system", role);
    assert.equal(render({ namespace: "ops" }).deployment.metadata.namespace, "ops");
  });

  it("requires a pinned image: a tag other than latest or a digest, naming the field", () => {
    for (const ok of [
      IMAGE,
      "registry.example.internal:5000/basphere/automation-service:0.1.0",
      `registry.example.internal/basphere/automation-service@sha256:${"a".repeat(64)}`,
      `registry.example.internal/basphere/automation-service:0.1.0@sha256:${"b".repeat(64)}`,
    ])
      assert.equal(imagePinProblem(ok), undefined, ok);
    const cases: [string, RegExp][] = [
      ["registry.example.internal/basphere/automation-service", /no tag or digest/],
      ["registry.example.internal:5000/basphere/automation-service", /no tag or digest/],
      ["registry.example.internal/basphere/automation-service:latest", /latest/],
      ["registry.example.internal/basphere/automation-service@sha256:abc", /malformed digest/],
      ["", /must be an image reference/],
    ];
    for (const [image, why] of cases) {
      assert.throws(
        () => render({ image }),
        (e: Error) => /^image /.test(e.message) && why.test(e.message),
        image,
      );
    }
    assert.equal(render().deployment.spec.template.spec.containers[0].image, IMAGE);
  });

  it("renders a CloudNativePG Cluster that validates against the operator's CRD (reference/crds/cloudnative-pg)", () => {
    const pg = render().postgresCluster;
    assert.equal(pg.apiVersion, CNPG_API_VERSION);
    assert.deepEqual(validateAgainstCrd(pg as any), []);
    assert.equal(pg.spec.instances, 3);
    assert.equal(pg.spec.imageName, CNPG_POSTGRES_IMAGE);
    assert.equal(imagePinProblem(pg.spec.imageName), undefined);
    assert.deepEqual(pg.spec.bootstrap, { initdb: { database: "basphere", owner: "basphere" } });
    assert.equal(pg.spec.affinity.podAntiAffinityType, "required");
    assert.deepEqual(pg.spec.affinity.nodeSelector, WORKER_NODE_SELECTOR);
    assert.equal(pg.spec.storage.size, "10Gi");
    assert.equal(pg.spec.storage.storageClass, undefined);
    const custom = render({ postgres: { instances: 1, storageSize: "50Gi", storageClass: "vsan-default" } });
    assert.deepEqual(validateAgainstCrd(custom.postgresCluster as any), []);
    assert.deepEqual(custom.postgresCluster.spec.storage, { size: "50Gi", storageClass: "vsan-default" });
    // The validator can fail: a misspelt field and an out-of-range value are reported.
    const bad = structuredClone(pg);
    bad.spec.instances = 0;
    bad.spec.instanses = 3;
    const problems = validateAgainstCrd(bad as any);
    assert.ok(
      problems.some((p) => /^spec\/instances must be >= 1/.test(p)),
      problems.join("\n"),
    );
    assert.ok(
      problems.some((p) => /instanses/.test(p)),
      problems.join("\n"),
    );
  });

  it("pins the operator chart to the release of the stored CRD and the image it defaults to", () => {
    assert.equal(CNPG_CHART.chart, "cloudnative-pg");
    assert.match(CNPG_CHART.version, /^\d+\.\d+\.\d+$/);
    assert.equal(CNPG_OPERATOR_VERSION, "1.27.1");
    assert.match(CNPG_POSTGRES_IMAGE, /^ghcr\.io\/cloudnative-pg\/postgresql:18\.0-/);
  });

  it("names the field of every bad input", () => {
    const cases: [Partial<AutomationServiceInput>, RegExp][] = [
      [{ namespace: "Basphere" }, /^namespace must be a DNS label/],
      [{ secretName: "Bad_Name" }, /^secretName must be a Kubernetes object name/],
      [{ concurrency: 0 }, /^concurrency must be an integer 1-64/],
      [{ postgres: { instances: 0 } }, /^postgres\.instances must be an integer 1-9/],
      [{ postgres: { storageSize: "ten gigs" } }, /^postgres\.storageSize must be a Kubernetes quantity/],
      [{ postgres: { storageClass: "Fast SSD" } }, /^postgres\.storageClass must be a storage class name/],
      [{ postgres: { imageName: "ghcr.io/cloudnative-pg/postgresql" } }, /^postgres\.imageName has no tag/],
      [{ postgres: { name: "x".repeat(51) } }, /^postgres\.name must be a DNS label of at most 50/],
    ];
    for (const [over, why] of cases)
      assert.throws(
        () => render(over),
        (e: Error) => why.test(e.message),
        JSON.stringify(over),
      );
  });
});

describe("onprem: AutomationService", () => {
  const kubeconfig = pulumi.secret("apiVersion: v1\nkind: Config\n");

  before(async () => {
    await harness.run(() => new AutomationService("automation", { kubeconfig, image: IMAGE }));
  });

  it("creates the operator chart, the database after it, and the service's objects on the cluster's provider", () => {
    const release = harness.get("automation-cnpg", "kubernetes:helm.sh/v3:Release");
    assert.equal(release.inputs.chart, CNPG_CHART.chart);
    assert.equal(release.inputs.version, CNPG_CHART.version);
    assert.equal(release.inputs.repositoryOpts.repo, CNPG_CHART.repo);
    assert.equal(release.inputs.namespace, "cnpg-system");
    assert.deepEqual(release.inputs.values.nodeSelector, WORKER_NODE_SELECTOR);
    const cluster = harness.get("automation-postgres", "kubernetes:postgresql.cnpg.io/v1:Cluster");
    assert.ok(
      cluster.dependsOn.includes(release.urn),
      "the Cluster waits for the operator (its CRD and webhooks)",
    );
    const deployment = harness.get("automation-deployment", "kubernetes:apps/v1:Deployment");
    assert.ok(deployment.dependsOn.includes(cluster.urn), "the Deployment waits for its database");
    assert.equal(deployment.inputs.spec.replicas, 2);
    const provider = harness.get("automation-k8s", "pulumi:providers:kubernetes");
    for (const type of [
      "kubernetes:core/v1:Namespace",
      "kubernetes:core/v1:ServiceAccount",
      "kubernetes:apps/v1:Deployment",
      "kubernetes:policy/v1:PodDisruptionBudget",
      "kubernetes:core/v1:Service",
      "kubernetes:postgresql.cnpg.io/v1:Cluster",
      "kubernetes:helm.sh/v3:Release",
    ]) {
      const [r, ...more] = harness.ofType(type);
      assert.ok(r && more.length === 0, `one ${type}`);
      assert.ok(
        String(r.options.provider).startsWith(provider.urn),
        `${type} uses the management cluster's provider`,
      );
      assert.equal(r.parent, harness.get("automation", "basphere:onprem:AutomationService").urn);
    }
    assert.equal(
      harness.get("automation-sa", "kubernetes:core/v1:ServiceAccount").inputs.automountServiceAccountToken,
      false,
    );
    assert.equal(harness.ofType("kubernetes:core/v1:Secret").length, 0, "the Secret is the operator's");
  });

  it("fails with a ResourceError naming the field", async () => {
    await assert.rejects(
      harness.run(() => new AutomationService("bad", { kubeconfig, image: IMAGE, replicas: 1 })),
      (e: Error) =>
        e instanceof pulumi.ResourceError && /AutomationService: replicas must be/.test(e.message),
    );
    await assert.rejects(
      harness.run(
        () => new AutomationService("bad", { kubeconfig, image: "basphere/automation-service:latest" }),
      ),
      (e: Error) => /AutomationService: image must not use the tag "latest"/.test(e.message),
    );
    await assert.rejects(
      harness.run(() => new AutomationService("bad", { image: IMAGE })),
      /AutomationService: provider or kubeconfig is required/,
    );
  });
});
