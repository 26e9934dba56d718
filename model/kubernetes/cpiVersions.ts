/**
 * The vSphere cloud provider (CPI) release pinned per Kubernetes minor: which Kubernetes versions a tenant cluster
 * may run (the tenant spec refuses the others) and which image its CPI gets (components/tenant/vsphereCpi.ts).
 * Facts: one CPI release line per Kubernetes minor; tags from kubernetes/cloud-provider-vsphere
 * `releases/v1.<minor>/vsphere-cloud-controller-manager.yaml`.
 */

/** The CPI image repository. */
export const CPI_IMAGE_REPOSITORY = "registry.k8s.io/cloud-pv-vsphere/cloud-provider-vsphere";

/**
 * Pinned CPI release per Kubernetes minor (the tag of each `releases/v1.<minor>` manifest). Raise a tag only after
 * checking that release's manifest; add a minor when tenant clusters may run it.
 */
export const CPI_VERSIONS: Readonly<Record<string, string>> = {
  "1.32": "v1.32.9",
  "1.33": "v1.33.1",
  "1.34": "v1.34.0",
  "1.35": "v1.35.1",
  "1.36": "v1.36.0",
};

/** The pinned CPI tag for a Kubernetes version (`v1.34.2` → `v1.34.0`), or undefined if the minor has none. */
export function cpiVersionFor(kubernetesVersion: string): string | undefined {
  const m = /^v?(\d+)\.(\d+)\.\d+$/.exec(kubernetesVersion);
  return m ? CPI_VERSIONS[`${Number(m[1])}.${Number(m[2])}`] : undefined;
}

/** A sentence naming the Kubernetes minors that have a pinned CPI (for error messages). */
export function cpiSupportedMinors(): string {
  return Object.keys(CPI_VERSIONS).join(", ");
}

/** The pinned CPI image for a Kubernetes version; throws naming the version when its minor has no CPI release. */
export function cpiImageFor(kubernetesVersion: string): string {
  const v = cpiVersionFor(kubernetesVersion);
  if (!v) {
    throw new Error(
      `kubernetesVersion ${kubernetesVersion}: no pinned vSphere cloud provider (CPI) release for this minor ` +
        `(pinned: ${cpiSupportedMinors()})`,
    );
  }
  return `${CPI_IMAGE_REPOSITORY}:${v}`;
}
