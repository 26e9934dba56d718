/**
 * What one stack publishes for another. The `onprem` stack exports {@link OnpremOutputs}; every `tenant-*`
 * stack reads them through a StackReference. Keep the two sides compiled against this one definition.
 */

/** Outputs of the `onprem` stack that tenant stacks consume (flat keys, as StackReference reads them). */
export interface OnpremOutputs {
  /** vCenter server (FQDN or IP), e.g. for CAPV's VSphereCluster.spec.server. */
  vcenterServer: string;
  /** SHA-1 thumbprint of the vCenter certificate (colon-separated), for CAPV. */
  vcenterThumbprint: string;
  datacenterName: string;
  datacenterId: string;
  computeClusterName: string;
  computeClusterId: string;
  /** Root resource pool of the compute cluster. */
  resourcePoolId: string;
  datastoreName: string;
  datastoreId: string;
  /** VM folder path tenants create their folders under. */
  folderPath: string;
  distributedSwitchName: string;
  /** UUID of the distributed switch (DistributedPortGroup.distributedVirtualSwitchUuid). */
  distributedSwitchUuid: string;
  wanPortGroupName: string;
  wanPortGroupId: string;
  /** VLAN of the WAN (control) network: 2000. */
  wanVlanId: number;
  /** Management cluster kubeconfig (secret). */
  managementKubeconfig: string;
  /** Omni API endpoint (https URL). */
  omniEndpoint: string;

  // ---- Platform-wide tenant settings (the onprem config's `routerTemplate` and `tenantClusters` sections) ----
  /** Golden OPNsense template VM every tenant router is cloned from (e.g. `opnsense-26.7-golden`). */
  routerTemplateName: string;
  /** The golden template's shared API key (secret); each router rotates it away after first boot. */
  routerTemplateApiKey: string;
  /** The golden template's shared API secret (secret). */
  routerTemplateApiSecret: string;
  /** SHA-256 fingerprint of the template's web GUI certificate; `""` = trust the system CA store. */
  routerTemplateApiFingerprint: string;
  /** VSphereClusterIdentity CAPV uses for tenant clusters; `""` = CAPV's own credentials. */
  tenantClusterIdentity: string;
  /** Restricted vCenter account the vSphere cloud provider (CPI) of every tenant cluster uses (secret). */
  tenantCpiUsername: string;
  /** Its password (secret). */
  tenantCpiPassword: string;
}

/** The keys of {@link OnpremOutputs}, for code that must list them. */
/** Default golden OPNsense template every tenant router is cloned from (the onprem config's `routerTemplate.name`). */
export const DEFAULT_ROUTER_TEMPLATE = "opnsense-26.7-golden";

export const onpremOutputKeys: (keyof OnpremOutputs)[] = [
  "vcenterServer",
  "vcenterThumbprint",
  "datacenterName",
  "datacenterId",
  "computeClusterName",
  "computeClusterId",
  "resourcePoolId",
  "datastoreName",
  "datastoreId",
  "folderPath",
  "distributedSwitchName",
  "distributedSwitchUuid",
  "wanPortGroupName",
  "wanPortGroupId",
  "wanVlanId",
  "managementKubeconfig",
  "omniEndpoint",
  "routerTemplateName",
  "routerTemplateApiKey",
  "routerTemplateApiSecret",
  "routerTemplateApiFingerprint",
  "tenantClusterIdentity",
  "tenantCpiUsername",
  "tenantCpiPassword",
];

/**
 * The keys of {@link OnpremOutputs} that are secrets: the onprem stack exports them with `pulumi.secret`, and a
 * tenant stack keeps them secret after reading them (whatever the StackReference reports).
 */
export const onpremSecretOutputKeys: readonly (keyof OnpremOutputs)[] = [
  "managementKubeconfig",
  "routerTemplateApiKey",
  "routerTemplateApiSecret",
  "tenantCpiUsername",
  "tenantCpiPassword",
];

// ---- OCI site-to-site VPN → on-prem OPNsense IPsec ----------------------------------------------------------
// The `oci` stack exports {@link OnpremIpsecParams} as `onpremIpsec` (a secret: it holds the pre-shared keys).
// OCI runs two route-based tunnels per IPSec connection, one pre-shared key each; the OPNsense side configures one
// IPsec connection per tunnel with the same proposals.

/** IKE / ESP proposal both sides use: OCI custom phase settings and their strongSwan (OPNsense) names. */
export interface IpsecProposal {
  /** OCI name, e.g. `AES_256_CBC` / `AES_256_GCM`. */
  ociEncryption: string;
  /** OCI name, e.g. `SHA2_384`; empty for AEAD ciphers in phase 2. */
  ociIntegrity: string;
  /** OCI DH group, e.g. `GROUP20`. */
  ociDhGroup: string;
  /** strongSwan proposal as OPNsense writes it, e.g. `aes256-sha384-ecp384`. */
  proposal: string;
  /** Lifetime in seconds. */
  lifetimeSeconds: number;
}

/** One OCI tunnel, in the shape the OPNsense IPsec connection needs. */
export interface OnpremIpsecTunnel {
  /** Tunnel label (OCI display name), e.g. `oci-tunnel-1`. */
  name: string;
  /** OCI VPN headend public IP: OPNsense's remote gateway. */
  remoteGateway: string;
  /** On-prem public IP (the CPE): OPNsense's local gateway. */
  localGateway: string;
  /** OPNsense's IKE local identifier: the CPE IP, as the IPSec connection's `cpeLocalIdentifier` says. */
  localIdentifier: string;
  /** OPNsense's IKE remote identifier: the OCI headend IP. */
  remoteIdentifier: string;
  /** `ikev1` or `ikev2`. */
  ikeVersion: "ikev1" | "ikev2";
  /** Pre-shared key of this tunnel. Secret. */
  preSharedKey: string;
  /** OCI routing for the tunnel: static routes (on-prem CIDRs on the OCI side, VCN CIDR on the OPNsense side). */
  routing: "static";
  /** IKE (phase 1). */
  phase1: IpsecProposal;
  /** ESP (phase 2), with PFS in the given DH group. */
  phase2: IpsecProposal;
  /** Dead peer detection timeout (OCI side) in seconds. */
  dpdTimeoutSeconds: number;
  /** On-prem networks (local traffic selectors / static routes on OCI). */
  localNetworks: string[];
  /** OCI networks (remote networks to route into the tunnel on OPNsense). */
  remoteNetworks: string[];
}

/** Everything the on-prem side needs for the VPN to OCI. */
export interface OnpremIpsecParams {
  /** OCI IPSec connection OCID. */
  ipsecConnectionId: string;
  /** Two tunnels (OCI always provisions two for redundancy). */
  tunnels: OnpremIpsecTunnel[];
}
