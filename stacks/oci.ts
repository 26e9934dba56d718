/**
 * Stack kind `oci`: Sidero Omni on OCI (region Singapore by default) as a VM or on single-node OKE, and the
 * site-to-site VPN to the on-prem datacenter. Config is `basphere:*`; see stacks/Pulumi.oci.yaml for an example.
 */
import * as oci from "@pulumi/oci";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ADDON_NAMES, AddonHook, AddonName } from "../components/oci/addons";
import { cidrContainsCidr, cidrsOverlap, isIpv4Cidr, isPublicIpv4 } from "../model/net/ipv4";
import { DEFAULT_OMNI_VERSION } from "../components/oci/constants";
import { OmniAuth, omniImage, renderAuthConfig } from "../components/oci/omniFlags";
import { OMNI_MODES, OmniHost } from "../components/oci/omniHost";
import { DEFAULT_OKE_VERSION } from "../components/oci/omniK8sHost";
import { OmniNetwork } from "../components/oci/omniNetwork";
import { SiteToSiteVpn } from "../components/oci/siteToSiteVpn";
import { DEFAULT_VM_MEMORY_GB, DEFAULT_VM_OCPUS, DEFAULT_VM_SHAPE } from "../components/oci/omniVmHost";
import { BasphereConfig, parseConfig } from "./config";
import type { OnpremIpsecParams } from "../model/contracts";

const cidr = z
  .string()
  .refine(isIpv4Cidr, { message: "must be an IPv4 CIDR like 10.0.0.0/16 (no host bits set)" });
const pem = (label: RegExp, what: string) =>
  z.string().refine((s) => label.test(s), { message: `must be ${what}` });
const hostname = z
  .string()
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i,
    "must be a fully qualified DNS name",
  );

const authSchema = z.discriminatedUnion("provider", [
  z
    .object({
      provider: z.literal("auth0").describe("Identity provider: Auth0"),
      domain: hostname.describe("Auth0 tenant domain, e.g. example.eu.auth0.com"),
      clientId: z.string().min(1).describe("Auth0 application client ID"),
    })
    .strict(),
  z
    .object({
      provider: z.literal("saml").describe("Identity provider: SAML"),
      url: z.url().optional().describe("URL of the IdP's SAML metadata (set this or metadata)"),
      metadata: z
        .url()
        .optional()
        .describe("Location of the IdP's SAML metadata file Omni reads (set this or url)"),
    })
    .strict()
    .refine((a) => (a.url === undefined) !== (a.metadata === undefined), {
      message: "set exactly one of url and metadata",
    }),
  z
    .object({
      provider: z.literal("oidc").describe("Identity provider: OpenID Connect"),
      providerUrl: z.url().describe("OIDC issuer URL"),
      clientId: z.string().min(1).describe("OIDC client ID (its secret is basphere:authClientSecret)"),
      scopes: z
        .array(z.string().min(1))
        .default(["openid", "profile", "email"])
        .describe("OIDC scopes Omni requests"),
      logoutUrl: z.url().optional().describe("IdP URL Omni redirects to on logout"),
    })
    .strict(),
]);

/** The `oci` stack's config (`basphere:<key>`). */
export const configSchema = z
  .object({
    kind: z.literal("oci").describe("Stack kind; always oci for this stack"),
    /** OCI region. */
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, "must be an OCI region identifier like ap-singapore-1")
      .default("ap-singapore-1")
      .describe("OCI region identifier, e.g. ap-singapore-1"),
    /** Compartment (or tenancy) OCID for every resource. */
    compartmentId: z
      .string({ error: "is required (the OCID of the compartment to build in)" })
      .regex(
        /^ocid1\.(compartment|tenancy)\.[a-z0-9-]+\.[a-z0-9-]*\.[a-z0-9]+$/,
        "must be a compartment or tenancy OCID",
      )
      .describe("OCID of the compartment (or tenancy) every OCI resource is created in"),
    /** `vm` (a compute instance) or `k8s` (single-node OKE). */
    mode: z
      .enum(OMNI_MODES, { error: `must be one of ${OMNI_MODES.join(", ")}` })
      .default("vm")
      .describe("How Omni runs: vm (a compute instance) or k8s (a single-node OKE cluster)"),
    /** DNS name of Omni (an A record to the reserved IP, managed outside). Default: URLs use the IP. */
    dnsName: hostname
      .optional()
      .describe("FQDN of Omni (an A record to the reserved IP, managed outside); default: URLs use the IP"),
    /**
     * Networks allowed to SSH (vm) / reach the Kubernetes API (k8s) and admin-only add-on ports. In k8s mode at
     * least one, and it must hold the machine Pulumi runs on.
     */
    adminCidrs: z
      .array(cidr)
      .default([])
      .describe(
        "IPv4 CIDRs allowed to SSH (vm) or reach the Kubernetes API (k8s) and admin-only add-on ports; k8s mode needs one holding the Pulumi machine",
      ),
    sshPublicKey: z
      .string()
      .regex(
        /^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+( .*)?$/,
        "must be an OpenSSH public key",
      )
      .optional()
      .describe("OpenSSH public key authorized on the Omni VM (vm) or OKE node (k8s)"),
    network: z
      .object({
        vcnCidr: cidr
          .default("10.42.0.0/16")
          .describe("IPv4 CIDR of the VCN; must not overlap vpn.onpremCidrs"),
        subnetCidr: cidr
          .default("10.42.0.0/24")
          .describe("IPv4 CIDR of Omni's public subnet, inside vcnCidr"),
      })
      .strict()
      .default({ vcnCidr: "10.42.0.0/16", subnetCidr: "10.42.0.0/24" })
      .describe("OCI network of the Omni site"),
    /** Compute shape of the VM / node; defaults sized per Omni's guidance for up to ~200 nodes. */
    shape: z
      .object({
        name: z
          .string()
          .regex(/^VM\.[A-Za-z0-9.]+\.Flex$/, "must be a Flex VM shape like VM.Standard.E5.Flex")
          .default(DEFAULT_VM_SHAPE)
          .describe("OCI Flex VM shape name, e.g. VM.Standard.E5.Flex"),
        ocpus: z.number().int().min(1).max(64).default(DEFAULT_VM_OCPUS).describe("OCPUs of the VM / node"),
        memoryGb: z
          .number()
          .int()
          .min(4)
          .max(1024)
          .default(DEFAULT_VM_MEMORY_GB)
          .describe("Memory of the VM / node in GB"),
        dataVolumeGb: z
          .number()
          .int()
          .min(50)
          .max(32768)
          .optional()
          .describe("Size of Omni's data volume in GB; default 100 (vm) or the node's default storage (k8s)"),
      })
      .strict()
      .default({ name: DEFAULT_VM_SHAPE, ocpus: DEFAULT_VM_OCPUS, memoryGb: DEFAULT_VM_MEMORY_GB })
      .describe("Compute shape of the Omni VM / OKE node"),
    kubernetesVersion: z
      .string()
      .regex(/^v\d+\.\d+\.\d+$/, "must look like v1.33.1")
      .default(DEFAULT_OKE_VERSION)
      .describe("OKE Kubernetes version (k8s mode only), e.g. v1.33.1"),
    omni: z
      .object({
        version: z
          .string()
          .regex(/^v\d+\.\d+\.\d+$/, "must be a pinned Omni tag like v1.12.2")
          .default(DEFAULT_OMNI_VERSION)
          .describe("Pinned Omni image tag, e.g. v1.12.2"),
        accountId: z
          .uuid("must be a UUID (never change it after the first start)")
          .describe("Omni account ID (UUID, --account-id); never change it after the first start"),
        name: z
          .string()
          .regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes")
          .default("basphere")
          .describe("Omni account name shown in the UI (--name)"),
        initialUsers: z
          .array(z.email())
          .min(1, "needs at least one admin e-mail")
          .describe("E-mail addresses of the initial Omni admins (--initial-users)"),
        joinTokensMode: z
          .enum(["strict", "legacyAllowed", "legacy"])
          .default("strict")
          .describe("Omni machine join token mode (--join-tokens-mode)"),
      })
      .strict()
      .describe("Omni instance settings"),
    auth: authSchema.describe("Omni user authentication: {provider: auth0|saml|oidc, ...}"),
    /** TLS certificate chain (PEM) for the Omni URLs; must be publicly trusted. */
    tlsCert: pem(/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/, "a PEM certificate").describe(
      "PEM TLS certificate chain for the Omni URLs; must be publicly trusted",
    ),
    /** TLS private key (secret). */
    tlsKey: pem(
      /-----BEGIN (RSA |EC )?PRIVATE KEY-----[\s\S]+-----END (RSA |EC )?PRIVATE KEY-----/,
      "a PEM private key",
    ).describe("secret: PEM private key of tlsCert"),
    /** GPG private key for etcd encryption (secret). */
    gpgKey: pem(
      /-----BEGIN PGP PRIVATE KEY BLOCK-----[\s\S]+-----END PGP PRIVATE KEY BLOCK-----/,
      "an armored PGP private key",
    ).describe("secret: armored GPG private key Omni encrypts etcd with"),
    /** OIDC client secret (secret; only with auth.provider oidc). */
    authClientSecret: z
      .string()
      .min(1)
      .optional()
      .describe("secret: OIDC client secret; required with auth.provider oidc, else not allowed"),
    vpn: z
      .object({
        cpeIp: z
          .string()
          .refine(isPublicIpv4, { message: "must be the public IPv4 address of the on-prem VPN gateway" })
          .describe("Public IPv4 address of the on-prem VPN gateway (the CPE)"),
        onpremCidrs: z
          .array(cidr)
          .min(1, "needs at least one on-prem CIDR")
          .max(10, "OCI allows at most 10 static routes")
          .describe("On-prem IPv4 CIDRs routed through the VPN (1-10, outside the VCN)"),
        ikeVersion: z.enum(["V1", "V2"]).default("V2").describe("IKE version of the IPsec tunnels"),
      })
      .strict()
      .describe("Site-to-site IPsec VPN to the on-prem datacenter"),
    /** Pre-shared keys of tunnel 1 and 2 (secret). Default: OCI generates them. */
    vpnSharedSecrets: z
      .tuple([z.string(), z.string()])
      .refine((t) => t.every((s) => /^[A-Za-z0-9 ]{1,255}$/.test(s)), {
        message: "OCI accepts letters, digits and spaces, at most 255 characters",
      })
      .optional()
      .describe("secret: pre-shared keys of tunnel 1 and 2; default: OCI generates them"),
    /** Add-ons with a network slot (and a deployment hook in k8s mode). */
    addons: z
      .object(
        Object.fromEntries(
          ADDON_NAMES.map((a) => [
            a,
            z
              .boolean()
              .default(false)
              .describe(`Give the ${a} add-on its network slot (and deploy it in k8s mode)`),
          ]),
        ) as Record<AddonName, z.ZodDefault<z.ZodBoolean>>,
      )
      .strict()
      .default({ monitoring: false, backstage: false })
      .describe("Optional add-ons sharing the Omni site, each true or false"),
  })
  .superRefine((c, ctx) => {
    // Runs even when a field above failed (zod keeps going on non-fatal issues): check only well-formed CIDRs.
    const vcnOk = isIpv4Cidr(c.network.vcnCidr);
    if (
      vcnOk &&
      isIpv4Cidr(c.network.subnetCidr) &&
      !cidrContainsCidr(c.network.vcnCidr, c.network.subnetCidr)
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["network", "subnetCidr"],
        message: `must lie inside network.vcnCidr ${c.network.vcnCidr}`,
      });
    }
    (c.vpn?.onpremCidrs ?? []).forEach((o, i) => {
      if (vcnOk && isIpv4Cidr(o) && cidrsOverlap(o, c.network.vcnCidr)) {
        ctx.addIssue({
          code: "custom",
          path: ["vpn", "onpremCidrs", i],
          message: `overlaps the VCN ${c.network.vcnCidr}`,
        });
      }
    });
    if (c.mode === "k8s" && Array.isArray(c.adminCidrs) && c.adminCidrs.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["adminCidrs"],
        message:
          "needs at least one CIDR in k8s mode (Pulumi deploys Omni through the OKE API endpoint it opens)",
      });
    }
    if (c.auth?.provider === "oidc" && !c.authClientSecret) {
      ctx.addIssue({
        code: "custom",
        path: ["authClientSecret"],
        message: "is required with auth.provider oidc",
      });
    }
    if (c.auth && c.auth.provider !== "oidc" && c.authClientSecret) {
      ctx.addIssue({
        code: "custom",
        path: ["authClientSecret"],
        message: `is only used with auth.provider oidc`,
      });
    }
  });

export type OciStackConfig = z.infer<typeof configSchema>;

/** The outputs of an `oci` stack; both modes give exactly these keys. */
export interface OciStackOutputs {
  mode: string;
  region: string;
  omniImage: string;
  omniUrl: pulumi.Output<string>;
  machineApiUrl: pulumi.Output<string>;
  kubernetesProxyUrl: pulumi.Output<string>;
  wireguardEndpoint: pulumi.Output<string>;
  reservedIp: pulumi.Output<string>;
  hostId: pulumi.Output<string>;
  vcnId: pulumi.Output<string>;
  subnetId: pulumi.Output<string>;
  omniNsgId: pulumi.Output<string>;
  addonNsgIds: Partial<Record<AddonName, pulumi.Output<string>>>;
  drgId: pulumi.Output<string>;
  ipsecConnectionId: pulumi.Output<string>;
  tunnelEndpoints: pulumi.Output<string[]>;
  /** The OPNsense side's IPsec parameters (secret: holds the pre-shared keys). */
  onpremIpsec: pulumi.Output<OnpremIpsecParams>;
}

/** Deployment hooks for add-ons in k8s mode; register before `run` (e.g. from a site-specific module). */
export const addonHooks: Partial<Record<AddonName, AddonHook>> = {};

/** Runs the `oci` stack. */
export async function run(config: BasphereConfig): Promise<Record<string, pulumi.Input<unknown>>> {
  const c = parseConfig(configSchema, config.values, "oci stack config");
  const provider = new oci.Provider("oci", { region: c.region });
  const opts = { providers: { oci: provider } };
  const auth = c.auth as OmniAuth;
  const clientSecret = c.authClientSecret !== undefined ? pulumi.secret(c.authClientSecret) : undefined;
  const authConfig = pulumi.secret(pulumi.output(clientSecret).apply((s) => renderAuthConfig(auth, s)));

  // The subnet's routes to on-prem point at the DRG, which the VPN creates and attaches to the VCN afterwards.
  const [attachedDrgId, resolveAttachedDrgId] = pulumi.deferredOutput<string>();
  const network = new OmniNetwork(
    "omni",
    {
      compartmentId: c.compartmentId,
      vcnCidr: c.network.vcnCidr,
      subnetCidr: c.network.subnetCidr,
      adminCidrs: c.adminCidrs,
      onpremRoutes: { cidrs: c.vpn.onpremCidrs, drgId: attachedDrgId },
      addons: c.addons,
      bindPublicIpToPrivateIp: c.mode === "vm",
    },
    opts,
  );
  const vpn = new SiteToSiteVpn(
    "onprem",
    {
      compartmentId: c.compartmentId,
      vcnId: network.vcnId,
      ociCidrs: [c.network.vcnCidr],
      cpeIp: c.vpn.cpeIp,
      onpremCidrs: c.vpn.onpremCidrs,
      ikeVersion: c.vpn.ikeVersion,
      sharedSecrets: c.vpnSharedSecrets
        ? [pulumi.secret(c.vpnSharedSecrets[0]), pulumi.secret(c.vpnSharedSecrets[1])]
        : undefined,
    },
    opts,
  );
  resolveAttachedDrgId(vpn.attachedDrgId);

  const host = new OmniHost(
    "omni",
    {
      mode: c.mode,
      compartmentId: c.compartmentId,
      network,
      dnsName: c.dnsName,
      adminCidrs: c.adminCidrs,
      shape: c.shape.name,
      ocpus: c.shape.ocpus,
      memoryGb: c.shape.memoryGb,
      dataVolumeGb: c.shape.dataVolumeGb,
      kubernetesVersion: c.kubernetesVersion,
      sshPublicKey: c.sshPublicKey,
      settings: {
        version: c.omni.version,
        accountId: c.omni.accountId,
        name: c.omni.name,
        initialUsers: c.omni.initialUsers,
        joinTokensMode: c.omni.joinTokensMode,
        auth,
      },
      tlsCert: c.tlsCert,
      tlsKey: pulumi.secret(c.tlsKey),
      gpgKey: pulumi.secret(c.gpgKey),
      authConfig,
      addonHooks,
    },
    opts,
  );

  const outputs: OciStackOutputs = {
    mode: c.mode,
    region: c.region,
    omniImage: omniImage(c.omni.version),
    omniUrl: host.omniUrl,
    machineApiUrl: host.machineApiUrl,
    kubernetesProxyUrl: host.kubernetesProxyUrl,
    wireguardEndpoint: host.wireguardEndpoint,
    reservedIp: network.reservedIp,
    hostId: host.hostId,
    vcnId: network.vcnId,
    subnetId: network.subnetId,
    omniNsgId: network.nsgId,
    addonNsgIds: network.addonNsgIds,
    drgId: vpn.drgId,
    ipsecConnectionId: vpn.ipsecConnectionId,
    tunnelEndpoints: vpn.tunnelEndpoints,
    onpremIpsec: vpn.onpremParams,
  };
  return { ...outputs };
}
