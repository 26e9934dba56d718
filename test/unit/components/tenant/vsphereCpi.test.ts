import * as assert from "node:assert/strict";
import { parse, parseAllDocuments } from "yaml";
import { objectHeader, renderClusterObjects } from "../../../../components/tenant/clusterApiObjects";
import {
  CPI_OBJECT_NAMES,
  RESOURCE_SET_SECRET_TYPE,
  cpiAddonNames,
  renderCpiCloudConfig,
  renderCpiCredentialsSecret,
  renderCpiManifests,
  renderCpiResourceSet,
} from "../../../../components/tenant/vsphereCpi";
import { tenantClusterSpecSchema } from "../../../../model/tenant/spec";
import { defaultInventory, harness } from "../../../harness";
import { checkClusterResourceSet, selectorMatches } from "./clusterResourceSetShape";
import { clusterRenderInput, exampleValues, loadExample } from "./fixtures";
import {
  CPI_IMAGE_REPOSITORY,
  CPI_VERSIONS,
  cpiImageFor,
  cpiVersionFor,
} from "../../../../model/kubernetes/cpiVersions";

const THUMB = "5D:1A:9C:7E:33:0B:AF:12:64:C8:90:DE:44:71:2B:E5:0F:A3:6C:18";
const vcenter = { server: "vcenter.lab.local", datacenter: "dc1", thumbprint: THUMB };
const docs = (yaml: string) => parseAllDocuments(yaml).map((d) => d.toJS());

/** A minimal cluster render input (cluster `acme` in namespace `tenant-acme`). */
const baseInput = () => clusterRenderInput();

describe("vSphere CPI renderers", () => {
  it("pins one CPI release per Kubernetes minor and refuses minors without one", () => {
    assert.equal(cpiVersionFor("v1.34.2"), "v1.34.0");
    assert.equal(cpiVersionFor("v1.35.0"), "v1.35.1");
    assert.equal(cpiVersionFor("v1.31.4"), undefined);
    assert.equal(cpiImageFor("v1.34.2"), "registry.k8s.io/cloud-pv-vsphere/cloud-provider-vsphere:v1.34.0");
    for (const [minor, tag] of Object.entries(CPI_VERSIONS))
      assert.match(
        tag,
        new RegExp(`^v${minor.replace(".", "\\.")}\\.\\d+$`),
        `${minor} → ${tag} matches its minor`,
      );
    assert.throws(
      () => cpiImageFor("v1.31.4"),
      /kubernetesVersion v1\.31\.4: no pinned vSphere cloud provider/,
    );
  });

  it("the tenant spec refuses a Kubernetes version whose minor has no pinned CPI", () => {
    const r = tenantClusterSpecSchema.safeParse({ kubernetesVersion: "v1.30.9" });
    assert.equal(r.success, false);
    assert.deepEqual(r.error!.issues[0].path, ["kubernetesVersion"]);
    assert.match(r.error!.issues[0].message, /no pinned vSphere cloud provider \(CPI\).*1\.34/);
    assert.equal(tenantClusterSpecSchema.parse({}).kubernetesVersion, "v1.34.2");
  });

  it("cloud-config names the vCenter, its datacenter and thumbprint, and the credentials Secret", () => {
    const conf = parse(renderCpiCloudConfig({ ...vcenter, server: "10.0.0.5" }));
    assert.deepEqual(conf.global, {
      port: 443,
      secretName: CPI_OBJECT_NAMES.credentials,
      secretNamespace: "kube-system",
      thumbprint: THUMB,
    });
    assert.deepEqual(conf.vcenter, { "10.0.0.5": { server: "10.0.0.5", datacenters: ["dc1"] } });
    assert.throws(() => renderCpiCloudConfig({ ...vcenter, thumbprint: "" }), /thumbprint must be the SHA-1/);
    assert.throws(() => renderCpiCloudConfig({ ...vcenter, datacenter: "" }), /datacenter is required/);
  });

  it("manifests: ServiceAccount, RBAC, cloud-config and a DaemonSet that runs on uninitialised control-plane nodes", () => {
    const objs = docs(renderCpiManifests({ ...vcenter, kubernetesVersion: "v1.34.2" }));
    assert.deepEqual(
      objs.map((o) => o.kind),
      ["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "RoleBinding", "ConfigMap", "DaemonSet"],
    );
    const by = (k: string) => objs.find((o) => o.kind === k);
    const ds = by("DaemonSet");
    const pod = ds.spec.template.spec;
    assert.equal(pod.containers[0].image, `${CPI_IMAGE_REPOSITORY}:v1.34.0`);
    assert.ok(pod.containers[0].args.includes("--cloud-config=/etc/cloud/vsphere.conf"));
    assert.ok(pod.containers[0].args.includes("--cloud-provider=vsphere"));
    assert.ok(
      pod.tolerations.some(
        (t: any) => t.key === "node.cloudprovider.kubernetes.io/uninitialized" && t.effect === "NoSchedule",
      ),
      "tolerates the taint it removes",
    );
    assert.equal(
      pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]
        .matchExpressions[0].key,
      "node-role.kubernetes.io/control-plane",
    );
    // Selector matches the pod template; references resolve inside the manifests.
    assert.ok(selectorMatches(ds.spec.selector, ds.spec.template.metadata.labels));
    assert.equal(pod.serviceAccountName, by("ServiceAccount").metadata.name);
    assert.equal(pod.volumes[0].configMap.name, by("ConfigMap").metadata.name);
    assert.equal(by("ClusterRoleBinding").roleRef.name, by("ClusterRole").metadata.name);
    assert.ok(by("ConfigMap").data["vsphere.conf"].includes(THUMB));
    assert.ok(
      by("ClusterRole").rules.some((r: any) => r.resources.includes("nodes") && r.verbs.includes("*")),
      "may initialise nodes (providerID, addresses, taint)",
    );
  });

  it("credentials Secret: keys <server>.username/.password, values survive YAML special characters", () => {
    const password = `p@ss: "w'o#rd"\n--- {x}`;
    const s = parse(
      renderCpiCredentialsSecret({ server: "vcenter.lab.local", username: "cpi@vsphere.local", password }),
    );
    assert.equal(s.kind, "Secret");
    assert.equal(s.metadata.name, CPI_OBJECT_NAMES.credentials);
    assert.equal(s.metadata.namespace, "kube-system");
    assert.deepEqual(s.stringData, {
      "vcenter.lab.local.username": "cpi@vsphere.local",
      "vcenter.lab.local.password": password,
    });
    assert.throws(
      () => renderCpiCredentialsSecret({ server: "v", username: "u", password: "" }),
      (e: Error) => /password is required/.test(e.message),
    );
  });

  it("the ClusterResourceSet conforms to the v1beta2 CRD facts and selects the rendered Cluster", () => {
    const crs = renderCpiResourceSet("acme", "tenant-acme");
    assert.deepEqual(checkClusterResourceSet(crs), []);
    const cluster = renderClusterObjects(baseInput()).cluster;
    assert.ok(selectorMatches(crs.spec.clusterSelector, cluster.metadata.labels), "selects its Cluster");
    assert.deepEqual(objectHeader("cluster", "acme", "tenant-acme").metadata.labels, cluster.metadata.labels);
    const other = renderClusterObjects({ ...baseInput(), name: "other" }).cluster;
    assert.ok(!selectorMatches(crs.spec.clusterSelector, other.metadata.labels), "and no other cluster");
    const n = cpiAddonNames("acme");
    assert.deepEqual(crs.spec.resources, [
      { kind: "Secret", name: n.credentials },
      { kind: "ConfigMap", name: n.manifests },
    ]);
  });

  it("the ClusterResourceSet check is not a rubber stamp", () => {
    const good = renderCpiResourceSet("acme", "tenant-acme");
    const variant = (f: (o: any) => void) => {
      const o = JSON.parse(JSON.stringify(good));
      f(o);
      return checkClusterResourceSet(o).join("; ");
    };
    assert.match(
      variant((o) => (o.apiVersion = "addons.cluster.x-k8s.io/v1beta1")),
      /apiVersion/,
    );
    assert.match(
      variant((o) => delete o.metadata.namespace),
      /metadata\.namespace/,
    );
    assert.match(
      variant((o) => (o.spec.clusterSelector = {})),
      /spec\.clusterSelector: must not be empty/,
    );
    assert.match(
      variant((o) => delete o.spec.resources),
      /spec\.resources: required/,
    );
    assert.match(
      variant((o) => (o.spec.resources = [])),
      /1 to 100/,
    );
    assert.match(
      variant((o) => (o.spec.resources[0].kind = "Deployment")),
      /resources\[0\]\.kind/,
    );
    assert.match(
      variant((o) => (o.spec.resources[1].namespace = "x")),
      /resources\[1\]\.namespace: unknown/,
    );
    assert.match(
      variant((o) => (o.spec.resources[1].name = "")),
      /resources\[1\]\.name/,
    );
    assert.match(
      variant((o) => (o.spec.strategy = "Always")),
      /spec\.strategy/,
    );
    assert.match(
      variant((o) => (o.spec.clusterSelectors = {})),
      /spec\.clusterSelectors: unknown field/,
    );
  });
});

describe("tenant stack: vSphere CPI on the tenant cluster (full example)", function () {
  this.timeout(60_000);
  const stack = () => require("../../../../stacks/tenant") as typeof import("../../../../stacks/tenant");
  const run = (values: Record<string, any>) =>
    harness.run(() => stack().run({ values, secretKeys: new Set() }));
  const crsOf = () => harness.ofType("kubernetes:addons.cluster.x-k8s.io/v1beta2:ClusterResourceSet");

  before(() => run(loadExample("full").values));

  it("a ClusterResourceSet selects the tenant cluster and references exactly the CPI ConfigMap and Secret", () => {
    const crs = crsOf();
    assert.equal(crs.length, 1);
    const c = crs[0];
    assert.deepEqual(checkClusterResourceSet(c.inputs), []);
    const clusters = harness.ofType("kubernetes:cluster.x-k8s.io/v1beta2:Cluster");
    assert.equal(clusters.length, 1);
    const cluster = clusters[0].inputs;
    assert.equal(c.inputs.metadata.namespace, cluster.metadata.namespace, "same namespace as the Cluster");
    assert.ok(selectorMatches(c.inputs.spec.clusterSelector, cluster.metadata.labels), "selects the Cluster");
    // The referenced objects exist in the CRS's namespace, with the kinds named.
    const refs = c.inputs.spec.resources as { kind: string; name: string }[];
    assert.deepEqual(refs.map((r) => r.kind).sort(), ["ConfigMap", "Secret"]);
    for (const r of refs) {
      const found = harness
        .ofType(`kubernetes:core/v1:${r.kind}`)
        .filter(
          (x) =>
            x.inputs.metadata?.name === r.name &&
            x.inputs.metadata?.namespace === c.inputs.metadata.namespace,
        );
      assert.equal(found.length, 1, `${r.kind} ${r.name} exists`);
      assert.ok(c.dependsOn.includes(found[0].urn), `the CRS waits for ${r.kind} ${r.name}`);
      if (r.kind === "Secret") assert.equal(found[0].inputs.type, RESOURCE_SET_SECRET_TYPE);
    }
    assert.ok(
      clusters[0].dependsOn.includes(c.urn),
      "the Cluster comes after (and goes before) its CPI add-on",
    );
    const prov = harness.ofType("pulumi:providers:kubernetes")[0];
    assert.ok(c.options.provider?.startsWith(`${prov.urn}::`), "on the management cluster");
  });

  it("the CPI cloud-config points at the onprem vCenter, datacenter and thumbprint", () => {
    const onprem = defaultInventory().data.stackOutputs["onprem"];
    const cm = harness.get("tenant-full-cluster-cpi-manifests", "kubernetes:core/v1:ConfigMap");
    const objs = docs(Object.values(cm.inputs.data)[0] as string);
    const cloudConfig = objs.find(
      (o) => o.kind === "ConfigMap" && o.metadata.name === CPI_OBJECT_NAMES.cloudConfig,
    );
    const conf = parse(cloudConfig.data["vsphere.conf"]);
    assert.equal(conf.global.thumbprint, onprem.vcenterThumbprint);
    assert.deepEqual(conf.vcenter[onprem.vcenterServer], {
      server: onprem.vcenterServer,
      datacenters: [onprem.datacenterName],
    });
    assert.ok(!JSON.stringify(cm.inputs).includes(onprem.tenantCpiPassword), "no password in the ConfigMap");
  });

  it("the CPI's vCenter credentials are secret inputs, taken from the onprem outputs", () => {
    const onprem = defaultInventory().data.stackOutputs["onprem"];
    const secret = harness.get("tenant-full-cluster-cpi-credentials", "kubernetes:core/v1:Secret");
    assert.ok(secret.secretInputs.includes("stringData"), "stringData is a secret input");
    assert.ok(secret.options.additionalSecretOutputs.includes("stringData"));
    const inner = parse(Object.values(secret.inputs.stringData)[0] as string);
    assert.equal(inner.metadata.name, CPI_OBJECT_NAMES.credentials);
    assert.equal(inner.stringData[`${onprem.vcenterServer}.username`], onprem.tenantCpiUsername);
    assert.equal(inner.stringData[`${onprem.vcenterServer}.password`], onprem.tenantCpiPassword);
    for (const r of harness.resources) {
      const plain = Object.entries(r.inputs).filter(([k]) => !r.secretInputs.includes(k));
      assert.ok(
        !JSON.stringify(plain).includes(onprem.tenantCpiPassword),
        `${r.name} holds the CPI password in plain`,
      );
    }
  });

  it("the CPI DaemonSet image is pinned to the cluster's Kubernetes minor", async () => {
    const cm = harness.get("tenant-full-cluster-cpi-manifests", "kubernetes:core/v1:ConfigMap");
    const ds = docs(Object.values(cm.inputs.data)[0] as string).find((o) => o.kind === "DaemonSet");
    const image = ds.spec.template.spec.containers[0].image;
    assert.equal(image, "registry.k8s.io/cloud-pv-vsphere/cloud-provider-vsphere:v1.34.0");
    assert.match(image, /:v\d+\.\d+\.\d+$/, "a fixed tag, never latest");

    const v = exampleValues("full");
    v.tenant.cluster.kubernetesVersion = "v1.35.0";
    v.tenant.cluster.template = "ubuntu-2404-kube-v1.35.0";
    await run(v);
    const cm2 = harness.get("tenant-full-cluster-cpi-manifests", "kubernetes:core/v1:ConfigMap");
    const ds2 = docs(Object.values(cm2.inputs.data)[0] as string).find((o) => o.kind === "DaemonSet");
    assert.equal(ds2.spec.template.spec.containers[0].image, `${CPI_IMAGE_REPOSITORY}:v1.35.1`);

    v.tenant.cluster.kubernetesVersion = "v1.31.2";
    await assert.rejects(
      run(v),
      /basphere:tenant\.cluster\.kubernetesVersion: has no pinned vSphere cloud provider/,
    );
  });

  it("a tenant without a cluster gets no CPI add-on", async () => {
    await run(loadExample("small").values);
    assert.equal(crsOf().length, 0);
    assert.equal(harness.ofType("kubernetes:core/v1:Secret").length, 0);
  });
});
