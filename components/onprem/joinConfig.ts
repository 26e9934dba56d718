/**
 * The Omni "machine join config" a Talos VM reads from `guestinfo.talos.config` while in maintenance mode:
 * three partial machine-config documents (SideroLinkConfig, EventSinkConfig, KmsgLogConfig), the same ones
 * `omnictl jointoken machine-config` prints. Pure functions; the join token is a secret, so callers render
 * inside `pulumi.secret(...).apply(...)` and never log the result.
 */
import { stringify } from "yaml";

/** Omni's fixed address inside the SideroLink WireGuard overlay (event sink and log server listen there). */
export const SIDEROLINK_OMNI_ADDRESS = "fdae:41e4:649b:9303::1";

/** What the join config needs. */
export interface JoinConfigArgs {
  /** Omni machine (SideroLink) API URL as advertised by Omni (`--machine-api-advertised-url`), e.g. `grpc://omni.example:8090`. */
  machineApiUrl: string;
  /** Omni join token (secret). */
  joinToken: string;
  /** Omni event sink port inside the overlay. Default 8091 (the compose deployment's value; Omni's own default is 8090). */
  eventSinkPort?: number;
  /** Omni log server port inside the overlay. Default 8092. */
  logServerPort?: number;
  /** Adds `grpc_tunnel=<bool>` to the API URL (SideroLink over HTTP/2 instead of UDP). Default: not set. */
  useGrpcTunnel?: boolean;
}

function checkPort(name: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name} must be a TCP port (1-65535), got ${String(port)}`);
  }
}

/** Builds the SideroLink API URL with the join token (and optional tunnel flag) as query parameters. */
export function sideroLinkApiUrl(machineApiUrl: string, joinToken: string, useGrpcTunnel?: boolean): string {
  let url: URL;
  try {
    url = new URL(machineApiUrl);
  } catch {
    throw new Error(
      `machineApiUrl must be an absolute URL such as grpc://omni.example:8090, got ${JSON.stringify(machineApiUrl)}`,
    );
  }
  if (!["grpc:", "https:", "http:"].includes(url.protocol)) {
    throw new Error(`machineApiUrl must use grpc://, https:// or http://, got ${url.protocol}//`);
  }
  if (!url.hostname) throw new Error(`machineApiUrl has no host: ${JSON.stringify(machineApiUrl)}`);
  if (!joinToken) throw new Error("joinToken is empty: set the Omni join token");
  url.searchParams.set("jointoken", joinToken);
  if (useGrpcTunnel !== undefined) url.searchParams.set("grpc_tunnel", String(useGrpcTunnel));
  return url.toString();
}

/**
 * The three join documents as objects, in the order Omni emits them. Shapes checked against siderolabs/talos
 * pkg/machinery/config/types (siderolink/testdata/document.yaml: `apiVersion: v1alpha1`, `kind: SideroLinkConfig`,
 * `apiUrl`; runtime/testdata/eventsink.yaml: `endpoint`; runtime/testdata/kmsglog.yaml: `name`, `url`) and against
 * Omni's own generator (siderolabs/omni: `omni-kmsg`, `[fdae:41e4:649b:9303::1]:<port>`, `tcp://[…]:8092`).
 */
export function joinDocuments(args: JoinConfigArgs): Record<string, unknown>[] {
  const eventSinkPort = args.eventSinkPort ?? 8091;
  const logServerPort = args.logServerPort ?? 8092;
  checkPort("eventSinkPort", eventSinkPort);
  checkPort("logServerPort", logServerPort);
  return [
    {
      apiVersion: "v1alpha1",
      kind: "SideroLinkConfig",
      apiUrl: sideroLinkApiUrl(args.machineApiUrl, args.joinToken, args.useGrpcTunnel),
    },
    {
      apiVersion: "v1alpha1",
      kind: "EventSinkConfig",
      endpoint: `[${SIDEROLINK_OMNI_ADDRESS}]:${eventSinkPort}`,
    },
    {
      apiVersion: "v1alpha1",
      kind: "KmsgLogConfig",
      name: "omni-kmsg",
      url: `tcp://[${SIDEROLINK_OMNI_ADDRESS}]:${logServerPort}`,
    },
  ];
}

/** Renders the join config as a multi-document YAML string. */
export function renderJoinConfig(args: JoinConfigArgs): string {
  return joinDocuments(args)
    .map((d) => stringify(d, { lineWidth: 0 }))
    .join("---\n");
}

/** Base64 of a UTF-8 string, the encoding Talos expects in `guestinfo.*` keys. */
export function toBase64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

/**
 * `guestinfo.metadata` for the Talos VMware platform (cloud-init style metadata, base64): gives the node its
 * hostname and instance id, so Kubernetes node names match the VM names without DHCP hostnames.
 */
export function renderGuestMetadata(hostname: string): string {
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(hostname)) {
    throw new Error(
      `hostname ${JSON.stringify(hostname)} is not a valid DNS label (lower-case letters, digits, '-', at most 63)`,
    );
  }
  return stringify({ "instance-id": hostname, "local-hostname": hostname, hostname }, { lineWidth: 0 });
}
