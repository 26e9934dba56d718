/**
 * The automation service's objects on the management cluster meet a real API server: the box's etcd and
 * kube-apiserver v1.37.2 (built from Go modules by scripts/box-tools.sh) with CloudNativePG's Cluster CRD
 * (reference/crds/cloudnative-pg, v1.27.1) installed first. Every object is applied server-side with strict field
 * validation, first as a dry run and then for real, and read back: admitted, and stored with every field the
 * renderer sent (a field the API server does not know would be refused, one a CRD's schema does not know pruned).
 * The box has no kubelet and no CloudNativePG operator: no pod starts, and the operator's admission webhooks are not
 * part of this check (the CRD's OpenAPI schema and CEL rules are).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { ControlPlane, startControlPlane } from "../../../box/controlPlane";
import { stopDaemon } from "../../../box/daemons";
import {
  AutomationServiceObjects,
  ManifestObject,
  OBJECT_ORDER,
  renderAutomationServiceObjects,
} from "../../../components/onprem/automationServiceManifests";
import { KubeApiError, KubeClient, resourcePath } from "../../../providers/kubernetes/client";
import { missingLeaves } from "../../../support/box";
import { PROJECT_ROOT } from "../../../support/engine";

const BIN = path.join(PROJECT_ROOT, ".box", "bin");
const CNPG_CRD = path.join(
  PROJECT_ROOT,
  "reference",
  "crds",
  "cloudnative-pg",
  "postgresql.cnpg.io_clusters.yaml",
);
const IMAGE = "registry.example.internal/basphere/automation-service:0.1.0";

/** Plural resource names of the kinds the service uses. */
const PLURAL: Record<string, string> = {
  Namespace: "namespaces",
  ServiceAccount: "serviceaccounts",
  Deployment: "deployments",
  PodDisruptionBudget: "poddisruptionbudgets",
  Service: "services",
  Cluster: "clusters",
};

function pathOf(o: ManifestObject): string {
  return resourcePath(o.apiVersion, PLURAL[o.kind], o.metadata.namespace, o.metadata.name);
}

/** Everything but apiVersion, kind and metadata: what the renderer decided (spec, automountServiceAccountToken). */
function body(o: ManifestObject): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = o;
  return rest;
}

describe("datacenter in a box: the automation service's objects admitted by the real API server", function () {
  this.timeout(180_000);
  let dir: string;
  let cp: ControlPlane;
  let api: KubeClient;

  /** Server-side apply with strict field validation (unknown or duplicate fields are errors, not warnings). */
  const apply = (o: ManifestObject, dryRun: boolean) =>
    api.request(
      "PATCH",
      `${pathOf(o)}?fieldManager=e2e&force=true&fieldValidation=Strict${dryRun ? "&dryRun=All" : ""}`,
      o,
      "application/apply-patch+yaml",
    );

  before(async function () {
    for (const b of ["etcd", "kube-apiserver", "kube-controller-manager"])
      assert.ok(fs.existsSync(path.join(BIN, b)), `${b} is missing from .box/bin: run npm run box:tools`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "basphere-service-admission-"));
    cp = await startControlPlane({ dir, binDir: BIN });
    api = KubeClient.fromKubeconfig(fs.readFileSync(cp.kubeconfig, "utf8"));
    const crd = YAML.parse(fs.readFileSync(CNPG_CRD, "utf8"));
    const crdPath = resourcePath(
      "apiextensions.k8s.io/v1",
      "customresourcedefinitions",
      undefined,
      crd.metadata.name,
    );
    await api.apply(crdPath, crd, "e2e");
    const end = Date.now() + 60_000;
    for (;;) {
      const live = await api.get(crdPath);
      if (live.status?.conditions?.some((c: any) => c.type === "Established" && c.status === "True")) break;
      if (Date.now() > end) throw new Error(`CRD ${crd.metadata.name} was not Established after 60 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(async () => {
    if (cp) for (const d of [cp.controllerManager, cp.apiserver, cp.etcd]) await stopDaemon(d);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function admitAll(objects: AutomationServiceObjects): Promise<string[]> {
    const kinds: string[] = [];
    for (const role of OBJECT_ORDER) {
      const o = objects[role];
      // A dry run first: admitted without being stored (the namespace of the others must exist for real).
      if (role !== "namespace") await apply(o, true);
      await apply(o, false);
      const stored = await api.get(pathOf(o));
      assert.deepEqual(
        missingLeaves(body(o), stored, ""),
        [],
        `${o.kind} ${o.metadata.name}: pruned or changed`,
      );
      assert.deepEqual(
        missingLeaves(o.metadata.labels ?? {}, stored.metadata.labels, "metadata.labels"),
        [],
        `${o.kind} ${o.metadata.name}: labels`,
      );
      kinds.push(o.kind);
    }
    return kinds;
  }

  it("the defaults (2 replicas, 3 PostgreSQL instances) are admitted whole, CloudNativePG's Cluster included", async () => {
    const kinds = await admitAll(renderAutomationServiceObjects({ image: IMAGE }));
    assert.deepEqual(kinds, [
      "Namespace",
      "ServiceAccount",
      "Cluster",
      "Deployment",
      "PodDisruptionBudget",
      "Service",
    ]);
  });

  it("another namespace, 3 replicas, a digest-pinned image and a storage class are admitted whole", async () => {
    const kinds = await admitAll(
      renderAutomationServiceObjects({
        image: `registry.example.internal/basphere/automation-service@sha256:${"c".repeat(64)}`,
        replicas: 3,
        namespace: "basphere-ops",
        secretName: "ops-automation",
        postgres: { instances: 1, storageSize: "20Gi", storageClass: "vsan-default" },
      }),
    );
    assert.equal(kinds.length, OBJECT_ORDER.length);
  });

  it("the server refuses what it must (a Cluster of 0 instances, an unknown Deployment field): the check can fail", async () => {
    const o = renderAutomationServiceObjects({ image: IMAGE, namespace: "basphere-bad" });
    await apply(o.namespace, false);
    const pg = structuredClone(o.postgresCluster);
    pg.spec.instances = 0;
    await assert.rejects(
      apply(pg, true),
      (e: unknown) => e instanceof KubeApiError && e.code === 422 && /instances/.test(e.message),
    );
    const d = structuredClone(o.deployment);
    d.spec.template.spec.containers[0].livenessProbes = d.spec.template.spec.containers[0].livenessProbe;
    await assert.rejects(
      apply(d, true),
      (e: unknown) => e instanceof KubeApiError && /livenessProbes/.test(e.message),
    );
  });
});
