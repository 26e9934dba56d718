/**
 * Fixed facts about a self-hosted Omni (siderolabs/omni deploy/compose, docs "deploy Omni on-prem"): the ports it
 * binds, where the container reads its files, and the defaults this project pins.
 */

/** Ports Omni serves to the outside. Everything else it binds (metrics 2122, debug 9988, ...) stays closed. */
export const OMNI_PORTS = {
  /** UI, gRPC API and omnictl (`--bind-addr`). */
  api: 443,
  /** SideroLink machine API: join requests and tokens (`--machine-api-bind-addr`). */
  machineApi: 8090,
  /** Kubernetes API proxy used by kubeconfigs Omni issues (`--k8s-proxy-bind-addr`; compose uses 8100). */
  kubernetesProxy: 8100,
  /** SideroLink WireGuard, UDP (`--siderolink-wireguard-bind-addr`). */
  wireguard: 50180,
} as const;

/** Ports Omni binds that must never be reachable from the internet (host networking exposes them on the VM). */
export const OMNI_INTERNAL_PORTS = {
  metrics: 2122,
  localResourceService: 8081,
  eventSink: 8091,
  logServer: 8092,
  embeddedDiscovery: 8093,
  debug: 9988,
} as const;

/** The Omni image repository. */
export const OMNI_IMAGE = "ghcr.io/siderolabs/omni";
/** The Omni release this project pins by default. */
export const DEFAULT_OMNI_VERSION = "v1.12.2";

/** Paths inside the Omni container. */
export const OMNI_PATHS = {
  configDir: "/etc/omni",
  tlsCert: "/etc/omni/tls/tls.crt",
  tlsKey: "/etc/omni/tls/tls.key",
  gpgKey: "/etc/omni/omni.asc",
  authConfig: "/etc/omni/auth.yaml",
  /** Everything persistent lives under /_out: embedded etcd and the SQLite secondary storage. */
  dataDir: "/_out",
  etcd: "/_out/etcd/",
  sqlite: "/_out/secondary-storage/sqlite.db",
} as const;

/** IANA protocol numbers as OCI security rules want them. */
export const PROTOCOL = { icmp: "1", tcp: "6", udp: "17", all: "all" } as const;
