/**
 * Picking images from what OCI lists: platform images for the Omni VM and OKE node images for the node pool.
 */

/** OCI shape families that run on Arm (Ampere). */
export function isArmShape(shape: string): boolean {
  return /\.A\d+\./.test(shape);
}

/** One entry of `getNodePoolOption(...).sources`. */
export interface OkeImageSource {
  imageId: string;
  sourceName: string;
  sourceType: string;
}

/**
 * The newest OKE Oracle Linux node image for a Kubernetes version and CPU architecture (no GPU images).
 * OKE names them like `Oracle-Linux-8.10-2025.05.19-0-OKE-1.33.1-787` and `...-aarch64-...-OKE-1.33.1-...`.
 */
export function pickOkeNodeImage(
  sources: OkeImageSource[],
  kubernetesVersion: string,
  shape: string,
): OkeImageSource {
  const version = kubernetesVersion.replace(/^v/, "");
  const arm = isArmShape(shape);
  const candidates = sources.filter(
    (s) =>
      s.sourceName.startsWith("Oracle-Linux-") &&
      s.sourceName.includes(`-OKE-${version}-`) &&
      !/GPU/i.test(s.sourceName) &&
      /aarch64/i.test(s.sourceName) === arm,
  );
  if (candidates.length === 0) {
    throw new Error(
      `no OKE node image for Kubernetes ${kubernetesVersion} on ${arm ? "aarch64" : "x86_64"} (shape ${shape})`,
    );
  }
  return [...candidates].sort((a, b) => b.sourceName.localeCompare(a.sourceName, "en", { numeric: true }))[0];
}
