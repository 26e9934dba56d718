/**
 * Mock answers for the OCI provider's invokes (availability domains, platform images, OKE node images, IPSec
 * tunnels, OKE kubeconfig) and the outputs OCI resources return (OCIDs, reserved addresses, tunnel headends).
 * Registered into the shared inventory (automation/plan/handlers.ts), loaded by inventory.ts. Addresses come from documentation ranges:
 * reserved public IPs from 203.0.113.0/24, OCI VPN headends from 198.51.100.0/24.
 */
import { createHash } from "node:crypto";
import { registerInvoke, registerState } from "./handlers";

const REGION = "ap-singapore-1";

function hex(seed: string): string {
  return createHash("sha256").update(seed).digest("hex");
}

/** A deterministic OCID of a resource kind (`vcn`, `instance`, ...). */
export function fakeOcid(kind: string, seed: string): string {
  return `ocid1.${kind}.oc1.${REGION}.aaaaaaaa${hex(`${kind}:${seed}`).slice(0, 52)}`;
}

function octet(seed: string, min = 10, max = 250): number {
  return min + (parseInt(hex(seed).slice(0, 6), 16) % (max - min + 1));
}

/** The reserved public IP the mock gives a PublicIp resource. */
export function fakePublicIp(name: string): string {
  return `203.0.113.${octet(`public-ip:${name}`)}`;
}

/** The OCI VPN headend IP of a tunnel (same answer from the invoke and the tunnel management resource). */
export function fakeVpnIp(tunnelId: string): string {
  return `198.51.100.${octet(`vpn:${tunnelId}`)}`;
}

/** The shared secret OCI would generate for a tunnel. */
export function fakeSharedSecret(tunnelId: string): string {
  return `mockpsk${hex(`psk:${tunnelId}`).slice(0, 40)}`;
}

function tunnelIds(ipsecId: string): string[] {
  return [0, 1].map((i) => fakeOcid("ipsectunnel", `${ipsecId}#${i}`));
}

// ---- invokes ---------------------------------------------------------------------------------------------
registerInvoke("oci:Identity/getAvailabilityDomains:getAvailabilityDomains", (a) => ({
  id: "availability-domains",
  compartmentId: a.compartmentId,
  availabilityDomains: [1, 2, 3].map((n) => ({
    id: fakeOcid("availabilitydomain", `ad${n}`),
    name: `Uocm:AP-SINGAPORE-1-AD-${n}`,
    compartmentId: a.compartmentId,
  })),
}));

const PLATFORM_IMAGES = [
  { os: "Canonical Ubuntu", version: "24.04", displayName: "Canonical-Ubuntu-24.04-2025.07.23-0" },
  { os: "Canonical Ubuntu", version: "24.04", displayName: "Canonical-Ubuntu-24.04-aarch64-2025.07.23-0" },
  { os: "Canonical Ubuntu", version: "24.04", displayName: "Canonical-Ubuntu-24.04-2025.05.20-0" },
  { os: "Canonical Ubuntu", version: "22.04", displayName: "Canonical-Ubuntu-22.04-2025.07.23-0" },
  { os: "Oracle Linux", version: "9", displayName: "Oracle-Linux-9.6-2025.07.21-0" },
];
registerInvoke("oci:Core/getImages:getImages", (a) => ({
  id: "images",
  compartmentId: a.compartmentId,
  images: PLATFORM_IMAGES.filter(
    (i) =>
      (a.operatingSystem === undefined || i.os === a.operatingSystem) &&
      (a.operatingSystemVersion === undefined || i.version === a.operatingSystemVersion),
  ).map((i) => ({
    id: fakeOcid("image", i.displayName),
    displayName: i.displayName,
    operatingSystem: i.os,
    operatingSystemVersion: i.version,
    state: "AVAILABLE",
    compartmentId: null,
  })),
}));

const OKE_IMAGES = [
  "Oracle-Linux-8.10-2025.06.17-0-OKE-1.33.1-800",
  "Oracle-Linux-8.10-2025.05.19-0-OKE-1.33.1-787",
  "Oracle-Linux-8.10-aarch64-2025.06.17-0-OKE-1.33.1-800",
  "Oracle-Linux-8.10-Gen2-GPU-2025.06.17-0-OKE-1.33.1-800",
  "Oracle-Linux-8.10-2025.06.17-0-OKE-1.32.1-800",
];
registerInvoke("oci:ContainerEngine/getNodePoolOption:getNodePoolOption", (a) => ({
  id: a.nodePoolOptionId,
  nodePoolOptionId: a.nodePoolOptionId,
  kubernetesVersions: ["v1.32.1", "v1.33.1"],
  images: OKE_IMAGES,
  shapes: ["VM.Standard.E5.Flex", "VM.Standard.E4.Flex", "VM.Standard.A1.Flex"],
  sources: OKE_IMAGES.map((n) => ({ imageId: fakeOcid("image", n), sourceName: n, sourceType: "IMAGE" })),
}));

registerInvoke("oci:Core/getIpsecConnectionTunnels:getIpsecConnectionTunnels", (a) => ({
  id: `${a.ipsecId}/tunnels`,
  ipsecId: a.ipsecId,
  ipSecConnectionTunnels: tunnelIds(String(a.ipsecId)).map((id, i) => ({
    id,
    tunnelId: id,
    ipsecId: a.ipsecId,
    displayName: `tunnel-${i + 1}`,
    vpnIp: fakeVpnIp(id),
    cpeIp: "",
    sharedSecret: fakeSharedSecret(id),
    ikeVersion: "V1",
    routing: "STATIC",
    state: "AVAILABLE",
    status: "DOWN",
  })),
}));

registerInvoke("oci:ContainerEngine/getClusterKubeConfig:getClusterKubeConfig", (a) => ({
  id: `${a.clusterId}/kubeconfig`,
  clusterId: a.clusterId,
  content: [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: oke",
    "  cluster:",
    "    server: https://203.0.113.200:6443",
    "    certificate-authority-data: bW9jaw==",
    "users:",
    "- name: oke",
    "  user:",
    "    exec:",
    "      apiVersion: client.authentication.k8s.io/v1beta1",
    "      command: oci",
    `      args: [ce, cluster, generate-token, --cluster-id, ${a.clusterId}, --region, ${REGION}]`,
    "contexts:",
    "- name: oke",
    "  context: { cluster: oke, user: oke }",
    "current-context: oke",
    "",
  ].join("\n"),
}));

// ---- resources -------------------------------------------------------------------------------------------
const OCID_KINDS: Record<string, string> = {
  "oci:Core/vcn:Vcn": "vcn",
  "oci:Core/subnet:Subnet": "subnet",
  "oci:Core/internetGateway:InternetGateway": "internetgateway",
  "oci:Core/routeTable:RouteTable": "routetable",
  "oci:Core/securityList:SecurityList": "securitylist",
  "oci:Core/networkSecurityGroup:NetworkSecurityGroup": "networksecuritygroup",
  "oci:Core/drg:Drg": "drg",
  "oci:Core/drgAttachment:DrgAttachment": "drgattachment",
  "oci:Core/cpe:Cpe": "cpe",
  "oci:Core/ipsec:Ipsec": "ipsecconnection",
  "oci:Core/volume:Volume": "volume",
  "oci:Core/volumeAttachment:VolumeAttachment": "volumeattachment",
  "oci:ContainerEngine/cluster:Cluster": "cluster",
  "oci:ContainerEngine/nodePool:NodePool": "nodepool",
};
for (const [type, kind] of Object.entries(OCID_KINDS)) {
  registerState(type, (name) => ({ id: fakeOcid(kind, name), state: { state: "AVAILABLE" } }));
}
registerState("oci:Core/networkSecurityGroupSecurityRule:NetworkSecurityGroupSecurityRule", (name) => ({
  id: hex(`nsg-rule:${name}`).slice(0, 6).toUpperCase(),
}));
registerState("oci:Core/privateIp:PrivateIp", (name, inputs) => ({
  id: fakeOcid("privateip", name),
  state: { ipAddress: inputs.ipAddress ?? `10.42.0.${octet(`private:${name}`)}`, isPrimary: false },
}));
registerState("oci:Core/publicIp:PublicIp", (name, inputs) => ({
  id: fakeOcid("publicip", name),
  state: {
    ipAddress: fakePublicIp(name),
    scope: "REGION",
    state: inputs.privateIpId ? "ASSIGNED" : "AVAILABLE",
    assignedEntityId: inputs.privateIpId ?? "",
  },
}));
registerState("oci:Core/instance:Instance", (name, inputs) => ({
  id: fakeOcid("instance", name),
  state: {
    state: "RUNNING",
    region: REGION,
    bootVolumeId: fakeOcid("bootvolume", name),
    privateIp: "10.42.0.10",
    shape: inputs.shape,
  },
}));
registerState("oci:Core/ipsecConnectionTunnelManagement:IpsecConnectionTunnelManagement", (_name, inputs) => {
  const tunnelId = String(inputs.tunnelId ?? "");
  return {
    id: tunnelId,
    state: {
      vpnIp: fakeVpnIp(tunnelId),
      sharedSecret: inputs.sharedSecret ?? fakeSharedSecret(tunnelId),
      ikeVersion: inputs.ikeVersion ?? "V1",
      status: "DOWN",
      state: "AVAILABLE",
    },
  };
});
registerState("kubernetes:core/v1:Service", (_name, inputs) => {
  const ip = inputs.spec?.loadBalancerIP;
  return ip && inputs.spec?.type === "LoadBalancer"
    ? { state: { status: { loadBalancer: { ingress: [{ ip }] } } } }
    : {};
});
