/**
 * SiteToSiteVpn: the OCI side of the IPsec VPN to the on-prem datacenter. A DRG attached to the Omni VCN, a CPE
 * object for the on-prem public IP, an IPSec connection with static routes to the on-prem CIDRs, and both of its
 * tunnels pinned to IKE version, proposals and DPD through tunnel management. Outputs the parameters the on-prem
 * OPNsense needs ({@link OnpremIpsecParams}); pre-shared keys stay secret.
 */
import * as oci from "@pulumi/oci";
import * as pulumi from "@pulumi/pulumi";
import { isIpv4Cidr, isPublicIpv4 } from "../../model/net/ipv4";
import { OnpremIpsecParams, PHASE1, PHASE2, toOnpremIpsecParams } from "./ipsecParams";

/** Arguments of {@link SiteToSiteVpn}. */
export interface SiteToSiteVpnArgs {
  /** Compartment OCID. Required. */
  compartmentId: pulumi.Input<string>;
  /** VCN to attach the DRG to. Required. */
  vcnId: pulumi.Input<string>;
  /** OCI-side CIDRs (the VCN's) the on-prem side routes into the tunnels. Required. */
  ociCidrs: string[];
  /** Public IP of the on-prem VPN gateway (OPNsense WAN). Required. */
  cpeIp: string;
  /** On-prem networks: the IPSec connection's static routes (1 to 10). Required. */
  onpremCidrs: string[];
  /** IKE version of both tunnels. Default `V2`. */
  ikeVersion?: "V1" | "V2";
  /** Pre-shared keys of tunnel 1 and 2 (secrets). Default: OCI generates them. */
  sharedSecrets?: [pulumi.Input<string>, pulumi.Input<string>];
  /** DPD timeout in seconds. Default 20. */
  dpdTimeoutSeconds?: number;
}

/** OCI always provisions two tunnels per IPSec connection. */
export const TUNNEL_COUNT = 2;

/** The site-to-site VPN. */
export class SiteToSiteVpn extends pulumi.ComponentResource {
  readonly drgId: pulumi.Output<string>;
  /** The DRG id, known once the DRG is attached to the VCN (route rules to the DRG must wait for it). */
  readonly attachedDrgId: pulumi.Output<string>;
  readonly ipsecConnectionId: pulumi.Output<string>;
  /** OCI VPN headend IPs of the tunnels (plain). */
  readonly tunnelEndpoints: pulumi.Output<string[]>;
  /** Everything the OPNsense side needs (secret: holds the pre-shared keys). */
  readonly onpremParams: pulumi.Output<OnpremIpsecParams>;

  constructor(name: string, args: SiteToSiteVpnArgs, opts?: pulumi.ComponentResourceOptions) {
    super("basphere:oci:SiteToSiteVpn", name, {}, opts);
    if (!isPublicIpv4(args.cpeIp)) {
      throw new pulumi.ResourceError(
        `SiteToSiteVpn ${name}: cpeIp ${JSON.stringify(args.cpeIp)} is not a public IPv4 address`,
        this,
      );
    }
    if (args.onpremCidrs.length < 1 || args.onpremCidrs.length > 10) {
      throw new pulumi.ResourceError(
        `SiteToSiteVpn ${name}: onpremCidrs needs 1 to 10 CIDRs (OCI's static route limit)`,
        this,
      );
    }
    for (const c of [...args.onpremCidrs, ...args.ociCidrs]) {
      if (!isIpv4Cidr(c))
        throw new pulumi.ResourceError(
          `SiteToSiteVpn ${name}: ${JSON.stringify(c)} is not an IPv4 CIDR`,
          this,
        );
    }
    const compartmentId = args.compartmentId;
    const ikeVersion = args.ikeVersion ?? "V2";
    const dpdTimeout = args.dpdTimeoutSeconds ?? 20;
    const p = { parent: this };

    const drg = new oci.core.Drg(`${name}-drg`, { compartmentId, displayName: `${name}-drg` }, p);
    const attachment = new oci.core.DrgAttachment(
      `${name}-drg-vcn`,
      { drgId: drg.id, displayName: `${name}-vcn`, networkDetails: { id: args.vcnId, type: "VCN" } },
      p,
    );
    const cpe = new oci.core.Cpe(
      `${name}-cpe`,
      { compartmentId, ipAddress: args.cpeIp, displayName: `${name}-onprem` },
      p,
    );
    const ipsec = new oci.core.Ipsec(
      `${name}-ipsec`,
      {
        compartmentId,
        cpeId: cpe.id,
        drgId: drg.id,
        staticRoutes: args.onpremCidrs,
        // The IKE identity OCI expects from OPNsense: its public IP (what the on-prem parameters tell it to send).
        cpeLocalIdentifierType: "IP_ADDRESS",
        cpeLocalIdentifier: args.cpeIp,
        displayName: `${name}-ipsec`,
      },
      { ...p, dependsOn: [attachment] },
    );
    const tunnels = oci.core.getIpsecConnectionTunnelsOutput({ ipsecId: ipsec.id }, p).ipSecConnectionTunnels;

    const managed: oci.core.IpsecConnectionTunnelManagement[] = [];
    for (let i = 0; i < TUNNEL_COUNT; i++) {
      const tunnelId = tunnels.apply((t) => {
        if (!t || t.length < TUNNEL_COUNT)
          throw new Error(`IPSec connection has ${t?.length ?? 0} tunnels, expected ${TUNNEL_COUNT}`);
        return t[i].id;
      });
      const secret = args.sharedSecrets?.[i];
      managed.push(
        new oci.core.IpsecConnectionTunnelManagement(
          `${name}-tunnel-${i + 1}`,
          {
            ipsecId: ipsec.id,
            tunnelId,
            displayName: `${name}-tunnel-${i + 1}`,
            routing: "STATIC",
            ikeVersion,
            ...(secret !== undefined ? { sharedSecret: pulumi.secret(secret) } : {}),
            oracleCanInitiate: "INITIATOR_OR_RESPONDER",
            natTranslationEnabled: "AUTO",
            dpdConfigs: [{ dpdMode: "INITIATE_AND_RESPOND", dpdTimeoutInSec: dpdTimeout }],
            phaseOneDetails: {
              isCustomPhaseOneConfig: true,
              customEncryptionAlgorithm: PHASE1.ociEncryption,
              customAuthenticationAlgorithm: PHASE1.ociIntegrity,
              customDhGroup: PHASE1.ociDhGroup,
              lifetime: PHASE1.lifetimeSeconds,
            },
            phaseTwoDetails: {
              isCustomPhaseTwoConfig: true,
              customEncryptionAlgorithm: PHASE2.ociEncryption,
              dhGroup: PHASE2.ociDhGroup,
              isPfsEnabled: true,
              lifetime: PHASE2.lifetimeSeconds,
            },
          },
          { ...p, additionalSecretOutputs: ["sharedSecret"] },
        ),
      );
    }

    this.drgId = drg.id;
    this.attachedDrgId = attachment.drgId;
    this.ipsecConnectionId = ipsec.id;
    this.tunnelEndpoints = pulumi.all(managed.map((m) => m.vpnIp)).apply((ips) => [...ips].sort());
    this.onpremParams = pulumi.secret(
      pulumi
        .all([
          ipsec.id,
          pulumi.all(
            managed.map((m) =>
              pulumi
                .all([m.displayName, m.vpnIp, m.sharedSecret, m.ikeVersion])
                .apply(([displayName, vpnIp, sharedSecret, ike]) => ({
                  displayName,
                  vpnIp,
                  sharedSecret,
                  ikeVersion: ike ?? ikeVersion,
                  dpdTimeoutInSec: dpdTimeout,
                })),
            ),
          ),
        ])
        .apply(([ipsecConnectionId, states]) =>
          toOnpremIpsecParams({
            ipsecConnectionId,
            cpeIp: args.cpeIp,
            onpremCidrs: args.onpremCidrs,
            ociCidrs: args.ociCidrs,
            tunnels: states,
          }),
        ),
    );
    this.registerOutputs({
      drgId: this.drgId,
      ipsecConnectionId: this.ipsecConnectionId,
      tunnelEndpoints: this.tunnelEndpoints,
      onpremParams: this.onpremParams,
    });
  }
}
