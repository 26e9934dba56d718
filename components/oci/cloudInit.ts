/**
 * The cloud-init user data of the Omni VM: a pure renderer, snapshot-tested. It installs Docker, prepares the
 * persistent data volume, writes the TLS certificate and key, the etcd encryption GPG key and the auth settings,
 * opens the Omni ports in the image's host firewall and runs Omni as a systemd unit around `docker run`.
 */
import { gzipSync } from "node:zlib";
import { stringify } from "yaml";
import { OMNI_PATHS, OMNI_PORTS } from "./constants";
import { OmniSettings, omniFlags, omniImage } from "./omniFlags";

/** Host directory holding Omni's persistent data (mounted from the block volume, bind-mounted to /_out). */
export const HOST_DATA_DIR = "/var/lib/omni";
/** Host directory holding TLS, GPG and auth files (bind-mounted read-only to /etc/omni). */
export const HOST_CONFIG_DIR = "/etc/omni";

/** Inputs of {@link renderOmniCloudConfig}. Key material comes as PEM / armored text. */
export interface OmniCloudConfigInput {
  settings: OmniSettings;
  /** TLS certificate chain (PEM) for UI, API and machine API; must not be self-signed. */
  tlsCert: string;
  /** TLS private key (PEM). Secret. */
  tlsKey: string;
  /** Armored GPG private key (with an encryption subkey, no passphrase) for etcd encryption. Secret. */
  gpgKey: string;
  /** Auth settings file content (see renderAuthConfig). May hold a secret. */
  authConfig: string;
  /** Device path of the data block volume (OCI consistent device path). */
  dataDevice: string;
  /** Host name of the VM. Default `omni`. */
  hostname?: string;
}

/** Single-quotes a value for a shell / systemd command line when it holds anything but safe characters. */
export function shellQuote(v: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

/** The docker run command line (argv) of the Omni container. */
export function omniDockerArgs(settings: OmniSettings): string[] {
  return [
    "/usr/bin/docker",
    "run",
    "--rm",
    "--name=omni",
    "--net=host",
    "--cap-add=NET_ADMIN",
    "--device=/dev/net/tun",
    `--volume=${HOST_DATA_DIR}:${OMNI_PATHS.dataDir}`,
    `--volume=${HOST_CONFIG_DIR}:${OMNI_PATHS.configDir}:ro`,
    omniImage(settings.version),
    ...omniFlags(settings),
  ];
}

/** The systemd unit running the Omni container. */
export function renderOmniUnit(settings: OmniSettings): string {
  const image = omniImage(settings.version);
  const run = omniDockerArgs(settings).map(shellQuote).join(" \\\n  ");
  return [
    "[Unit]",
    "Description=Sidero Omni",
    "Wants=network-online.target",
    "After=network-online.target docker.service omni-data.service",
    "Requires=docker.service omni-data.service",
    "",
    "[Service]",
    "Restart=always",
    "RestartSec=10",
    "TimeoutStartSec=600",
    "ExecStartPre=-/usr/bin/docker rm -f omni",
    `ExecStartPre=/usr/bin/docker pull ${image}`,
    `ExecStart=${run}`,
    "ExecStop=/usr/bin/docker stop omni",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/** Script that waits for the data volume, formats it once (never reformats) and mounts it at the data dir. */
export function renderDataVolumeScript(device: string): string {
  return [
    "#!/bin/sh",
    "# Mounts Omni's persistent volume (embedded etcd + SQLite). Formats it only if it carries no filesystem.",
    "set -eu",
    `DEV=${shellQuote(device)}`,
    `DIR=${HOST_DATA_DIR}`,
    "i=0",
    'while [ ! -e "$DEV" ]; do',
    "  i=$((i + 1))",
    '  if [ "$i" -gt 120 ]; then echo "data volume $DEV did not appear" >&2; exit 1; fi',
    "  sleep 5",
    "done",
    'if ! blkid "$DEV" >/dev/null 2>&1; then mkfs.ext4 -L omni-data "$DEV"; fi',
    'mkdir -p "$DIR"',
    'if ! mountpoint -q "$DIR"; then mount -o defaults,noatime "$DEV" "$DIR"; fi',
    'grep -q " $DIR " /etc/fstab || echo "$DEV $DIR ext4 defaults,noatime,_netdev,nofail 0 2" >> /etc/fstab',
    'mkdir -p "$DIR/etcd" "$DIR/secondary-storage"',
    'chmod 0700 "$DIR/etcd"',
    "",
  ].join("\n");
}

const DATA_UNIT = [
  "[Unit]",
  "Description=Mount the Omni data volume",
  "After=iscsid.service local-fs.target",
  "",
  "[Service]",
  "Type=oneshot",
  "RemainAfterExit=yes",
  "ExecStart=/usr/local/sbin/omni-data-volume",
  "",
  "[Install]",
  "WantedBy=multi-user.target",
  "",
].join("\n");

/** Host-firewall commands: OCI platform images reject inbound traffic except SSH, so open exactly Omni's ports. */
export function hostFirewallCommands(): string[][] {
  const rules: [string, number][] = [
    ["tcp", OMNI_PORTS.api],
    ["tcp", OMNI_PORTS.machineApi],
    ["tcp", OMNI_PORTS.kubernetesProxy],
    ["udp", OMNI_PORTS.wireguard],
  ];
  return [
    ...rules.map(([proto, port]) => [
      "iptables",
      "-I",
      "INPUT",
      "-p",
      proto,
      "--dport",
      String(port),
      "-j",
      "ACCEPT",
    ]),
    ["sh", "-c", "command -v netfilter-persistent >/dev/null && netfilter-persistent save || true"],
  ];
}

/** Renders the `#cloud-config` document. The result contains private keys: treat it as a secret. */
export function renderOmniCloudConfig(input: OmniCloudConfigInput): string {
  const file = (path: string, content: string, permissions: string) => ({
    path,
    owner: "root:root",
    permissions,
    content,
  });
  const doc = {
    hostname: input.hostname ?? "omni",
    package_update: true,
    packages: ["docker.io", "ca-certificates"],
    write_files: [
      file(`${HOST_CONFIG_DIR}/tls/tls.crt`, input.tlsCert, "0644"),
      file(`${HOST_CONFIG_DIR}/tls/tls.key`, input.tlsKey, "0600"),
      file(`${HOST_CONFIG_DIR}/omni.asc`, input.gpgKey, "0600"),
      file(`${HOST_CONFIG_DIR}/auth.yaml`, input.authConfig, "0600"),
      file("/usr/local/sbin/omni-data-volume", renderDataVolumeScript(input.dataDevice), "0755"),
      file("/etc/systemd/system/omni-data.service", DATA_UNIT, "0644"),
      file("/etc/systemd/system/omni.service", renderOmniUnit(input.settings), "0644"),
    ],
    runcmd: [
      ["chmod", "0700", HOST_CONFIG_DIR, `${HOST_CONFIG_DIR}/tls`],
      ...hostFirewallCommands(),
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "--now", "docker.service"],
      ["systemctl", "enable", "--now", "omni-data.service"],
      ["systemctl", "enable", "--now", "omni.service"],
    ],
  };
  return "#cloud-config\n" + stringify(doc, { lineWidth: 0 });
}

/**
 * OCI caps an instance's `metadata` plus `extendedMetadata` at 32,000 bytes (docs "Updating Instance Metadata").
 * A full certificate chain, a 4096-bit TLS key and a GPG key with its subkey already fill most of it in plain base64.
 */
export const OCI_METADATA_LIMIT_BYTES = 32000;

/**
 * The `user_data` metadata value: the cloud-config gzip-compressed (cloud-init inflates gzip user data itself) and
 * base64-encoded. Deterministic: the gzip header carries no timestamp.
 */
export function encodeUserData(cloudConfig: string): string {
  return gzipSync(Buffer.from(cloudConfig, "utf8"), { level: 9 }).toString("base64");
}

/** Size OCI counts for a metadata map (its JSON form, bytes). */
export function metadataBytes(metadata: Record<string, string>): number {
  return Buffer.byteLength(JSON.stringify(metadata), "utf8");
}

/** Throws when `metadata` is over OCI's limit. The message gives sizes only, never content (it holds keys). */
export function checkMetadataSize(owner: string, metadata: Record<string, string>): void {
  const size = metadataBytes(metadata);
  if (size > OCI_METADATA_LIMIT_BYTES) {
    throw new Error(
      `${owner}: instance metadata is ${size} bytes, over OCI's ${OCI_METADATA_LIMIT_BYTES}-byte limit ` +
        "(shorten the tlsCert chain or use smaller keys)",
    );
  }
}
