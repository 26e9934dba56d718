/**
 * The Omni command line and its auth settings file, as pure functions shared by the VM mode (docker run in a
 * systemd unit) and the Kubernetes mode (container args). Flag names are the current ones: `--machine-api-*`,
 * never the deprecated `--siderolink-api-*` aliases.
 */
import { stringify } from "yaml";
import { OMNI_IMAGE, OMNI_INTERNAL_PORTS, OMNI_PATHS, OMNI_PORTS } from "./constants";

/** How users sign in to Omni. Exactly one provider; Auth0 cannot be switched off again once enabled. */
export type OmniAuth =
  | { provider: "auth0"; domain: string; clientId: string }
  | { provider: "saml"; url?: string; metadata?: string }
  | { provider: "oidc"; providerUrl: string; clientId: string; scopes: string[]; logoutUrl?: string };

/** Everything that shapes the Omni command line. */
export interface OmniSettings {
  /** Image tag, e.g. `v1.12.2`. */
  version: string;
  /** Account UUID: the etcd key prefix. Never change it after the first start. */
  accountId: string;
  /** Account name shown in the UI. */
  name: string;
  /** Host part of the advertised URLs: the DNS name if there is one, else the reserved public IP. */
  host: string;
  /** The reserved public IP (WireGuard's advertised address must be an IP, not a name). */
  publicIp: string;
  /** E-mails created as admins on the first start. */
  initialUsers: string[];
  /** Join token mode; `strict` is the secure mode the Omni config example uses. */
  joinTokensMode: "strict" | "legacyAllowed" | "legacy";
  /** Sign-in provider (its secret part, if any, goes into the auth settings file, never onto the command line). */
  auth: OmniAuth;
}

/** `ghcr.io/siderolabs/omni:<version>`. */
export function omniImage(version: string): string {
  return `${OMNI_IMAGE}:${version}`;
}

/** Advertised URLs and the WireGuard endpoint derived from the settings. */
export function omniEndpoints(s: Pick<OmniSettings, "host" | "publicIp">): {
  omniUrl: string;
  machineApiUrl: string;
  kubernetesProxyUrl: string;
  wireguardEndpoint: string;
} {
  return {
    omniUrl: `https://${s.host}/`,
    machineApiUrl: `https://${s.host}:${OMNI_PORTS.machineApi}/`,
    kubernetesProxyUrl: `https://${s.host}:${OMNI_PORTS.kubernetesProxy}/`,
    wireguardEndpoint: `${s.publicIp}:${OMNI_PORTS.wireguard}`,
  };
}

/**
 * The Omni arguments, one `--flag=value` per entry. TLS, etcd encryption key and auth settings are read from files
 * under /etc/omni; persistent data lives under /_out (embedded etcd and the SQLite secondary storage).
 */
export function omniFlags(s: OmniSettings): string[] {
  const e = omniEndpoints(s);
  const flags = [
    `--name=${s.name}`,
    `--account-id=${s.accountId}`,
    `--cert=${OMNI_PATHS.tlsCert}`,
    `--key=${OMNI_PATHS.tlsKey}`,
    `--bind-addr=0.0.0.0:${OMNI_PORTS.api}`,
    `--advertised-api-url=${e.omniUrl}`,
    `--machine-api-bind-addr=0.0.0.0:${OMNI_PORTS.machineApi}`,
    `--machine-api-cert=${OMNI_PATHS.tlsCert}`,
    `--machine-api-key=${OMNI_PATHS.tlsKey}`,
    `--machine-api-advertised-url=${e.machineApiUrl}`,
    `--k8s-proxy-bind-addr=0.0.0.0:${OMNI_PORTS.kubernetesProxy}`,
    `--advertised-kubernetes-proxy-url=${e.kubernetesProxyUrl}`,
    `--siderolink-wireguard-bind-addr=0.0.0.0:${OMNI_PORTS.wireguard}`,
    `--siderolink-wireguard-advertised-addr=${e.wireguardEndpoint}`,
    `--event-sink-port=${OMNI_INTERNAL_PORTS.eventSink}`,
    `--join-tokens-mode=${s.joinTokensMode}`,
    `--private-key-source=file://${OMNI_PATHS.gpgKey}`,
    `--etcd-embedded=true`,
    `--etcd-embedded-db-path=${OMNI_PATHS.etcd}`,
    `--sqlite-storage-path=${OMNI_PATHS.sqlite}`,
    `--config-path=${OMNI_PATHS.authConfig}`,
  ];
  if (s.initialUsers.length > 0) flags.push(`--initial-users=${s.initialUsers.join(",")}`);
  return flags;
}

/**
 * The auth settings file (`--config-path`), Omni's config schema `auth.*`. It holds the OIDC client secret when
 * OIDC is used, so callers treat the result as a secret.
 */
export function renderAuthConfig(auth: OmniAuth, clientSecret?: string): string {
  let section: Record<string, unknown>;
  switch (auth.provider) {
    case "auth0":
      section = { auth0: { enabled: true, domain: auth.domain, clientID: auth.clientId } };
      break;
    case "saml":
      section = { saml: { enabled: true, ...(auth.url ? { url: auth.url } : { metadata: auth.metadata }) } };
      break;
    case "oidc":
      if (!clientSecret) throw new Error("OIDC sign-in needs a client secret (basphere:authClientSecret)");
      section = {
        oidc: {
          enabled: true,
          providerURL: auth.providerUrl,
          clientID: auth.clientId,
          clientSecret,
          scopes: auth.scopes,
          ...(auth.logoutUrl ? { logoutURL: auth.logoutUrl } : {}),
        },
      };
      break;
  }
  return stringify({ auth: section });
}
