/**
 * The Cluster API objects of a tenant cluster, both bootstraps, meet a real API server: the box's etcd and
 * kube-apiserver v1.37.2 (built from Go modules by scripts/box-tools.sh) with the CRDs of reference/crds installed.
 * Each object is applied (server-side) and read back: admitted, and stored with every field the renderer sent
 * (a field a CRD's structural schema does not know is pruned silently — this is where that shows).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ControlPlane, startControlPlane } from "../../../box/controlPlane";
import { installCrds } from "../../../box/crds";
import { stopDaemon } from "../../../box/daemons";
import { ClusterObjects, renderClusterObjects } from "../../../components/tenant/clusterApiObjects";
import { KubeApiError, KubeClient, resourcePath } from "../../../providers/kubernetes/client";
import { crdPlural, missingLeaves } from "../../../support/box";
import { PROJECT_ROOT } from "../../../support/engine";
import { clusterRenderInput } from "../../unit/components/tenant/fixtures";

const BIN = path.join(PROJECT_ROOT, ".box", "bin");

describe("datacenter in a box: tenant cluster objects admitted by the real API server", function () {
  this.timeout(180_000);
  let dir: string;
  let cp: ControlPlane;
  let api: KubeClient;

  before(async function () {
    for (const b of ["etcd", "kube-apiserver", "kube-controller-manager"])
      assert.ok(fs.existsSync(path.join(BIN, b)), `${b} is missing from .box/bin: run npm run box:tools`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "basphere-admission-"));
    cp = await startControlPlane({ dir, binDir: BIN });
    await installCrds(cp.kubeconfig, PROJECT_ROOT);
    api = KubeClient.fromKubeconfig(fs.readFileSync(cp.kubeconfig, "utf8"));
  });

  after(async () => {
    if (cp) for (const d of [cp.controllerManager, cp.apiserver, cp.etcd]) await stopDaemon(d);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function applyAll(objects: ClusterObjects): Promise<string[]> {
    const kinds: string[] = [];
    const ns = objects.cluster.metadata.namespace!;
    await api.apply(
      resourcePath("v1", "namespaces", undefined, ns),
      { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
      "e2e",
    );
    for (const o of Object.values(objects).filter(Boolean)) {
      const p = resourcePath(o!.apiVersion, crdPlural(o!.kind), ns, o!.metadata.name);
      await api.apply(p, o, "e2e");
      const stored = await api.get(p);
      assert.deepEqual(
        missingLeaves(o!.spec, stored.spec, "spec"),
        [],
        `${o!.kind} ${o!.metadata.name}: pruned or changed`,
      );
      kinds.push(o!.kind);
    }
    return kinds.sort();
  }

  it("a Talos cluster (TalosControlPlane, TalosConfigTemplate and the CAPV/CAPI objects) is admitted whole", async () => {
    const kinds = await applyAll(
      renderClusterObjects(
        clusterRenderInput({
          name: "dev",
          namespace: "tenant-acme-talos",
          bootstrap: { kind: "talos", talosVersion: "v1.11.5" },
          template: "talos-v1.11.5",
          controlPlane: { replicas: 1, cpus: 2, memoryMiB: 4096, diskGiB: 40 },
          mtu: 1450,
        }),
      ),
    );
    assert.deepEqual(kinds, [
      "Cluster",
      "MachineDeployment",
      "MachineHealthCheck",
      "TalosConfigTemplate",
      "TalosControlPlane",
      "VSphereCluster",
      "VSphereMachineTemplate",
      "VSphereMachineTemplate",
    ]);
  });

  it("a kubeadm cluster with IPAM (3 control planes) is admitted whole", async () => {
    const kinds = await applyAll(
      renderClusterObjects(
        clusterRenderInput({
          name: "prod",
          namespace: "tenant-acme-kubeadm",
          mtu: 1450,
          addressing: {
            mode: "ipam",
            range: { first: "10.0.2.100", last: "10.0.2.199" },
            prefix: 24,
            gateway: "10.0.2.1",
            nameservers: ["10.0.2.1"],
          },
        }),
      ),
    );
    assert.ok(kinds.includes("KubeadmControlPlane") && kinds.includes("InClusterIPPool"), kinds.join());
  });

  it("the server refuses what the CRD refuses (a TalosConfigTemplate without generateType): the check can fail", async () => {
    const o = renderClusterObjects(
      clusterRenderInput({ name: "bad", bootstrap: { kind: "talos", talosVersion: "v1.11.5" } }),
    ).talosConfigTemplate!;
    delete o.spec.template.spec.generateType;
    await assert.rejects(
      api.apply(
        resourcePath(o.apiVersion, crdPlural(o.kind), "tenant-acme-talos", o.metadata.name),
        { ...o, metadata: { ...o.metadata, namespace: "tenant-acme-talos" } },
        "e2e",
      ),
      (e: unknown) => e instanceof KubeApiError && e.code === 422 && /generateType/.test(e.message),
    );
  });
});
