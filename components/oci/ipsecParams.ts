/**
 * The OCI side of the contract with the on-prem OPNsense IPsec side: the proposals the tunnels are pinned to and
 * the pure function that turns OCI's tunnel state into {@link OnpremIpsecParams}. The contract's types live in
 * model/contracts.ts, shared with the on-prem side.
 */
import type { IpsecProposal, OnpremIpsecParams, OnpremIpsecTunnel } from "../../model/contracts";

export type { IpsecProposal, OnpremIpsecParams, OnpremIpsecTunnel };

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
      localIdentifier: args.cpeIp,
      remoteIdentifier: t.vpnIp,
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
