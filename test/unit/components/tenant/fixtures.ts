/** Example tenant stack configs (stacks/Pulumi.tenant-*.yaml) as the stack program receives them. */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { ClusterRenderInput } from "../../../../components/tenant/clusterApiObjects";
import type { BasphereConfig } from "../../../../stacks/config";
import { PROJECT_ROOT } from "../../../../support/engine";

/** Reads stacks/Pulumi.tenant-<name>.yaml into `{values, secretKeys}` (keys without the `basphere:` prefix). */
export function loadExample(name: "small" | "full" | "multi"): BasphereConfig {
  const file = path.join(PROJECT_ROOT, "stacks", `Pulumi.tenant-${name}.yaml`);
  const doc = parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc.config)) {
    if (k.startsWith("basphere:")) values[k.slice("basphere:".length)] = v;
  }
  return { values, secretKeys: new Set() };
}

/** A deep copy of an example's values, for tests that change them. */
export function exampleValues(name: "small" | "full" | "multi"): Record<string, any> {
  return JSON.parse(JSON.stringify(loadExample(name).values));
}

/** Render input of a tenant cluster `acme` (3+2, DHCP, on tenant-acme-lan1) with some fields replaced. */
export function clusterRenderInput(over: Partial<ClusterRenderInput> = {}): ClusterRenderInput {
  return {
    name: "acme",
    namespace: "tenant-acme",
    kubernetesVersion: "v1.34.2",
    template: "ubuntu-2404-kube-v1.34.2",
    controlPlane: { replicas: 3, cpus: 2, memoryMiB: 4096, diskGiB: 40 },
    workers: { replicas: 2, cpus: 4, memoryMiB: 8192, diskGiB: 60 },
    podCidr: "10.244.0.0/16",
    serviceCidr: "10.96.0.0/16",
    endpointAddress: "192.168.200.110",
    kubeVipAddress: "10.0.1.10",
    vsphere: {
      server: "vcenter.lab.local",
      thumbprint: "5D:1A:9C:7E:33:0B:AF:12:64:C8:90:DE:44:71:2B:E5:0F:A3:6C:18",
      datacenter: "dc1",
      datastore: "vsan-ds",
      folder: "/dc1/vm/basphere/tenant-acme",
      resourcePool: "/dc1/host/cluster1/Resources",
      networkName: "tenant-acme-lan1",
    },
    addressing: { mode: "dhcp" },
    ...over,
  };
}
