/**
 * Stack kind `box`: the `onprem` stack of a datacenter in a box (box/, `basphere box up`). A real `onprem` stack
 * builds the Talos management cluster through Omni; on the box the management cluster is the box's own
 * kube-apiserver, so this program builds only what a tenant stack reads: it looks the vSphere inventory up through
 * the vSphere provider (on the box: the vSphere provider simulator, or the real provider against vcsim), creates the
 * tenants' root VM folder, and exports every {@link OnpremOutputs} key, so a tenant stack cannot tell the two apart.
 *
 * `basphere box up` writes its config; an operator never needs to. The secrets (the box's admin kubeconfig, the
 * golden template key, the CPI account) are config secrets and exported as secrets.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import * as vsphere from "../providers/vsphere";
import { BasphereConfig, parseConfig } from "./config";
import { OnpremOutputs } from "../model/contracts";
import { lookupVsphereSite, siteOutputs } from "./vsphereSite";

const name = z.string().min(1);

/** The box onprem stack's config (`basphere:*`), written by `basphere box up`. */
export const configSchema = z.strictObject({
  kind: z.literal("box").describe("Stack kind; box for the onprem stack of a datacenter in a box"),
  vcenter: z
    .strictObject({ server: name, thumbprint: z.string() })
    .describe("The box's vCenter (vcsim) address and SHA-1 certificate thumbprint"),
  datacenter: name.describe("Datacenter of the box inventory"),
  computeCluster: name.describe("Compute cluster of the box inventory"),
  datastore: name.describe("Datastore tenant VMs go to"),
  distributedSwitch: name.describe("Distributed switch of the tenant port groups"),
  wan: z
    .strictObject({ portGroup: name, vlanId: z.number().int().min(0).max(4094) })
    .describe("WAN port group"),
  folder: name.describe("Root VM folder the tenants' folders go under (created by this stack)"),
  omniEndpoint: z.string().url().describe("Omni endpoint the box reports (nothing of the box calls it)"),
  managementKubeconfig: name.describe(
    "secret: admin kubeconfig of the box's API server (the management cluster)",
  ),
  routerTemplate: z
    .strictObject({ name, apiKey: name, apiSecret: name, fingerprint: z.string() })
    .describe(
      "secret: the golden router template (the box's OPNsense emulators): name, API key/secret, fingerprint",
    ),
  tenantClusters: z
    .strictObject({ identity: z.string(), cpiUsername: name, cpiPassword: name })
    .describe("secret: VSphereClusterIdentity name and the CPI account of tenant clusters"),
});
export type BoxStackConfig = z.infer<typeof configSchema>;

/** Runs the box's onprem stack; returns exactly the {@link OnpremOutputs} keys. */
export async function run(
  config: BasphereConfig,
): Promise<{ [K in keyof OnpremOutputs]: pulumi.Input<OnpremOutputs[K]> }> {
  const c = parseConfig(configSchema, config.values, "box stack config");
  const site = lookupVsphereSite(c);
  const rootFolder = new vsphere.Folder("basphere-folder", {
    path: c.folder,
    type: "vm",
    datacenterId: site.dc.id,
  });

  return {
    ...siteOutputs(c, site, rootFolder.path),
    managementKubeconfig: pulumi.secret(c.managementKubeconfig),
    omniEndpoint: c.omniEndpoint,
    routerTemplateName: c.routerTemplate.name,
    routerTemplateApiKey: pulumi.secret(c.routerTemplate.apiKey),
    routerTemplateApiSecret: pulumi.secret(c.routerTemplate.apiSecret),
    routerTemplateApiFingerprint: c.routerTemplate.fingerprint,
    tenantClusterIdentity: c.tenantClusters.identity,
    tenantCpiUsername: pulumi.secret(c.tenantClusters.cpiUsername),
    tenantCpiPassword: pulumi.secret(c.tenantClusters.cpiPassword),
  };
}
