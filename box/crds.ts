/**
 * Installs the Cluster API CRDs on the box's API server: every file of reference/crds (CAPI core, kubeadm and
 * Talos bootstrap/control plane, CAPV, IPAM) and ClusterResourceSet's from the cluster-api module
 * (scripts/box-tools.sh puts them in .box/crds). Created, or replaced when present with other content, then
 * waited for until Established, so the objects a tenant creates meet the real schemas: validation, CEL rules,
 * defaulting and pruning.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { KubeClient, resourcePath } from "../providers/kubernetes/client";

/** The CRD files the box installs, in a stable order. */
export function crdFiles(projectRoot: string): string[] {
  const dirs = [path.join(projectRoot, "reference", "crds"), path.join(projectRoot, ".box", "crds")];
  const files = dirs.flatMap((d) =>
    fs.existsSync(d)
      ? fs
          .readdirSync(d)
          .filter((f) => f.endsWith(".yaml"))
          .sort()
          .map((f) => path.join(d, f))
      : [],
  );
  if (!files.some((f) => f.includes("clusterresourcesets")))
    throw new Error(
      "the ClusterResourceSet CRDs are missing from .box/crds: run scripts/box-tools.sh crds (npm run box:tools)",
    );
  return files;
}

/** Installs every CRD (server-side apply) and waits until each is Established. Returns the CRD names. */
export async function installCrds(
  kubeconfig: string,
  projectRoot: string,
  timeoutMs = 60_000,
): Promise<string[]> {
  const api = KubeClient.fromKubeconfig(fs.readFileSync(kubeconfig, "utf8"));
  const names: string[] = [];
  const pathOf = (name: string) =>
    resourcePath("apiextensions.k8s.io/v1", "customresourcedefinitions", undefined, name);
  for (const file of crdFiles(projectRoot)) {
    const crd = YAML.parse(fs.readFileSync(file, "utf8"));
    if (crd?.kind !== "CustomResourceDefinition")
      throw new Error(`${file} is not a CustomResourceDefinition`);
    const name = crd.metadata.name as string;
    names.push(name);
    try {
      await api.apply(pathOf(name), crd, "basphere-box");
    } catch (e) {
      throw new Error(`installing CRD ${name} from ${file}: ${(e as Error).message}`);
    }
  }
  const end = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const live = await api.get(pathOf(name));
      if (live.status?.conditions?.some((c: any) => c.type === "Established" && c.status === "True")) break;
      if (Date.now() > end) throw new Error(`CRD ${name} was not Established after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return names;
}
