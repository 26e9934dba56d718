/** OPNsense: a REST client and Pulumi dynamic resources for the tenant router. See README.md. */
export * from "./types";
export * from "./errors";
export { OpnsenseClient, waitForApi, apiPath, APPLY_TIMEOUT_MS } from "./client";
export type { ClientOptions, RequestOptions, SearchResult } from "./client";
export { fingerprintOfPem, normaliseFingerprint } from "./tls";
export { generateWireguardKeyPair, wireguardPublicKey } from "./keys";
export { deterministicUuid } from "./engine";
export { providerFor } from "./provider";
export * from "./resources/virtualIp";
export * from "./resources/oneToOneNat";
export * from "./resources/portForward";
export * from "./resources/sourceNatRule";
export * from "./resources/firewallRule";
export * from "./resources/alias";
export * from "./resources/wireguardServer";
export * from "./resources/wireguardPeer";
export * from "./resources/dhcpSubnet";
export * from "./resources/apiKeyRotation";
