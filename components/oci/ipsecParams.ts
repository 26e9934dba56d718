/**
 * The contract between the OCI side of the site-to-site VPN and the on-prem OPNsense IPsec side, plus the pure
 * function that builds it. OCI runs two route-based (VTI) tunnels per IPSec connection with a pre-shared key each;
 * the OPNsense side configures one IPsec connection per tunnel with the same proposals.
 */

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
  /** On-prem public IP (the CPE): OPNsense's local gateway / IKE identifier. */
  localGateway: string;
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

/** Phase-1 proposal the OCI tunnels are pinned to: AES-256-CBC, SHA-384, DH group 20 (ECP-384), 8 h. */
export const PHASE1: IpsecProposal = {
  ociEncryption: "AES_256_CBC",
  ociIntegrity: "SHA2_384",
  ociDhGroup: "GROUP20",
  proposal: "aes256-sha384-ecp384",
  lifetimeSeconds: 28800,
};

/** Phase-2 proposal: AES-256-GCM (AEAD, no separate integrity), PFS with DH group 20, 1 h. */
export const PHASE2: IpsecProposal = {
  ociEncryption: "AES_256_GCM",
  ociIntegrity: "",
  ociDhGroup: "GROUP20",
  proposal: "aes256gcm16-ecp384",
  lifetimeSeconds: 3600,
};

/** What OCI reports about one tunnel (subset of `getIpsecConnectionTunnels` / the tunnel management resource). */
export interface OciTunnelState {
  displayName?: string;
  vpnIp: string;
  sharedSecret: string;
  ikeVersion: string;
  dpdTimeoutInSec?: number;
}

/** Builds the on-prem parameters from OCI's tunnel state. Tunnels are ordered by OCI headend IP. */
export function toOnpremIpsecParams(args: {
  ipsecConnectionId: string;
  cpeIp: string;
  onpremCidrs: string[];
  ociCidrs: string[];
  tunnels: OciTunnelState[];
}): OnpremIpsecParams {
  const sorted = [...args.tunnels].sort((a, b) => a.vpnIp.localeCompare(b.vpnIp, "en", { numeric: true }));
  return {
    ipsecConnectionId: args.ipsecConnectionId,
    tunnels: sorted.map((t, i) => ({
      name: t.displayName || `oci-tunnel-${i + 1}`,
      remoteGateway: t.vpnIp,
      localGateway: args.cpeIp,
      ikeVersion: t.ikeVersion === "V1" ? "ikev1" : "ikev2",
      preSharedKey: t.sharedSecret,
      routing: "static",
      phase1: PHASE1,
      phase2: PHASE2,
      dpdTimeoutSeconds: t.dpdTimeoutInSec ?? 20,
      localNetworks: [...args.onpremCidrs],
      remoteNetworks: [...args.ociCidrs],
    })),
  };
}
