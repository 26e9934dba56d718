/**
 * What both Omni host modes (VM and OKE) take and derive the same way: the Omni settings without the address
 * parts, the four files Omni reads (TLS certificate and key, etcd encryption GPG key, auth settings), the
 * advertised endpoints built from the reserved IP or DNS name, and the availability domain lookup.
 */
import * as oci from "@pulumi/oci";
import * as pulumi from "@pulumi/pulumi";
import { OmniSettings, omniEndpoints } from "./omniFlags";

/** The Omni settings a host fills in itself: host name and public IP come from the network. */
export type OmniHostSettings = Omit<OmniSettings, "host" | "publicIp">;

/** The files Omni reads from /etc/omni. Key material stays a Pulumi secret end to end. */
export interface OmniHostFiles {
  /** TLS certificate chain (PEM) for UI, API, machine API and Kubernetes proxy; must be publicly trusted. Required. */
  tlsCert: pulumi.Input<string>;
  /** TLS private key (PEM). Secret. Required. */
  tlsKey: pulumi.Input<string>;
  /** Armored GPG private key (encryption subkey, no passphrase) for etcd encryption. Secret. Required. */
  gpgKey: pulumi.Input<string>;
  /** Auth settings file (`--config-path`); holds the OIDC client secret when OIDC is used. Secret. Required. */
  authConfig: pulumi.Input<string>;
}

/** Just the files of `args` (so a caller passes them on without listing each). */
export function omniHostFiles(args: OmniHostFiles): OmniHostFiles {
  return { tlsCert: args.tlsCert, tlsKey: args.tlsKey, gpgKey: args.gpgKey, authConfig: args.authConfig };
}

/** Arguments every Omni host mode takes. */
export interface OmniHostCommonArgs extends OmniHostFiles {
  /** Compartment OCID. Required. */
  compartmentId: pulumi.Input<string>;
  /** Subnet of the VM's VNIC, or of the OKE endpoint, node and load balancer. Required. */
  subnetId: pulumi.Input<string>;
  /** The reserved public IP address Omni is reached at. Required. */
  reservedIp: pulumi.Input<string>;
  /** DNS name pointing at the reserved IP; used in the advertised URLs when set. Default: the IP itself. */
  dnsName?: string;
  /** SSH public key of the VM / node. Default none (no SSH login). */
  sshPublicKey?: string;
  /** Index of the availability domain in the region's list. Default 0. */
  availabilityDomainIndex?: number;
  /** Omni settings. Required. */
  settings: OmniHostSettings;
}

/** The full Omni settings for a host reached at `ip` (and `dnsName`, if any). Pure. */
export function hostSettings(settings: OmniHostSettings, ip: string, dnsName?: string): OmniSettings {
  return { ...settings, host: dnsName ?? ip, publicIp: ip };
}

/** The advertised URLs and WireGuard endpoint of a host reached at the reserved IP (and DNS name). */
export function hostEndpoints(
  reservedIp: pulumi.Input<string>,
  dnsName?: string,
): pulumi.Output<ReturnType<typeof omniEndpoints>> {
  return pulumi.output(reservedIp).apply((ip) => omniEndpoints({ host: dnsName ?? ip, publicIp: ip }));
}

/** The name of the `index`-th availability domain of the compartment's region; fails naming the component. */
export function availabilityDomainName(
  owner: string,
  compartmentId: pulumi.Input<string>,
  index: number,
  opts: pulumi.InvokeOutputOptions,
): pulumi.Output<string> {
  return oci.identity
    .getAvailabilityDomainsOutput({ compartmentId }, opts)
    .availabilityDomains.apply((list) => {
      if (!list[index])
        throw new Error(`${owner}: no availability domain #${index} (region has ${list.length})`);
      return list[index].name;
    });
}
