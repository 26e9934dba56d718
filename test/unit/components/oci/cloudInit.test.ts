import * as assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { parse, parseDocument } from "yaml";
import {
  OmniCloudConfigInput,
  encodeUserData,
  omniDockerArgs,
  renderOmniCloudConfig,
  shellQuote,
} from "../../../../components/oci/cloudInit";
import { OmniSettings, omniFlags, renderAuthConfig } from "../../../../components/oci/omniFlags";
import { REPO } from "./helpers";

const SNAPSHOT = path.join(REPO, "test/unit/components/oci/__snapshots__/omni-cloud-config.yaml");

const settings: OmniSettings = {
  version: "v1.12.2",
  accountId: "6f1c2b9e-3d4a-4e5f-8a7b-9c0d1e2f3a4b",
  name: "basphere",
  host: "omni.basphere.example",
  publicIp: "203.0.113.10",
  initialUsers: ["admin@basphere.example", "ops@basphere.example"],
  joinTokensMode: "strict",
  auth: {
    provider: "oidc",
    providerUrl: "https://sso.basphere.example/realms/ops",
    clientId: "omni",
    scopes: ["openid", "email"],
  },
};
const input: OmniCloudConfigInput = {
  settings,
  tlsCert: "-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n",
  tlsKey: "-----BEGIN PRIVATE KEY-----\nMIIEkey\n-----END PRIVATE KEY-----\n",
  gpgKey: "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQgpg\n-----END PGP PRIVATE KEY BLOCK-----\n",
  authConfig: renderAuthConfig(settings.auth, "oidc-client-secret"),
  dataDevice: "/dev/oracleoci/oraclevdb",
};

/** Required Omni flags and their exact values. */
const REQUIRED: Record<string, string> = {
  "--name": "basphere",
  "--account-id": "6f1c2b9e-3d4a-4e5f-8a7b-9c0d1e2f3a4b",
  "--cert": "/etc/omni/tls/tls.crt",
  "--key": "/etc/omni/tls/tls.key",
  "--bind-addr": "0.0.0.0:443",
  "--advertised-api-url": "https://omni.basphere.example/",
  "--machine-api-bind-addr": "0.0.0.0:8090",
  "--machine-api-cert": "/etc/omni/tls/tls.crt",
  "--machine-api-key": "/etc/omni/tls/tls.key",
  "--machine-api-advertised-url": "https://omni.basphere.example:8090/",
  "--k8s-proxy-bind-addr": "0.0.0.0:8100",
  "--advertised-kubernetes-proxy-url": "https://omni.basphere.example:8100/",
  "--siderolink-wireguard-bind-addr": "0.0.0.0:50180",
  "--siderolink-wireguard-advertised-addr": "203.0.113.10:50180",
  "--private-key-source": "file:///etc/omni/omni.asc",
  "--etcd-embedded": "true",
  "--etcd-embedded-db-path": "/_out/etcd/",
  "--sqlite-storage-path": "/_out/secondary-storage/sqlite.db",
  "--initial-users": "admin@basphere.example,ops@basphere.example",
  "--config-path": "/etc/omni/auth.yaml",
  "--join-tokens-mode": "strict",
  "--event-sink-port": "8091",
};

/**
 * Flag names Omni registers (siderolabs/omni cmd/omni/cmd/cmd.go: defineServiceFlags, defineAuthFlags,
 * defineStorageFlags, Execute). A name outside this list would make Omni refuse to start.
 */
const OMNI_FLAGS = new Set([
  "--config-path",
  "--account-id",
  "--name",
  "--bind-addr",
  "--advertised-api-url",
  "--cert",
  "--key",
  "--k8s-proxy-bind-addr",
  "--advertised-kubernetes-proxy-url",
  "--siderolink-wireguard-bind-addr",
  "--siderolink-wireguard-advertised-addr",
  "--event-sink-port",
  "--join-tokens-mode",
  "--machine-api-bind-addr",
  "--machine-api-cert",
  "--machine-api-key",
  "--machine-api-advertised-url",
  "--initial-users",
  "--etcd-embedded",
  "--etcd-embedded-db-path",
  "--private-key-source",
  "--sqlite-storage-path",
]);

function unitExecStart(unit: string): string[] {
  const line = unit
    .replace(/ \\\n\s*/g, " ")
    .split("\n")
    .find((l) => l.startsWith("ExecStart="));
  assert.ok(line, "unit has ExecStart");
  return line.slice("ExecStart=".length).split(" ");
}

describe("Omni cloud-init renderer", () => {
  const rendered = renderOmniCloudConfig(input);
  const doc = parse(rendered) as any;
  const files = new Map<string, any>(doc.write_files.map((f: any) => [f.path, f]));

  it("matches the committed snapshot", () => {
    if (process.env.UPDATE_SNAPSHOTS === "1") writeFileSync(SNAPSHOT, rendered);
    assert.ok(existsSync(SNAPSHOT), `snapshot ${SNAPSHOT} is missing (UPDATE_SNAPSHOTS=1 writes it)`);
    assert.equal(
      rendered,
      readFileSync(SNAPSHOT, "utf8"),
      "run with UPDATE_SNAPSHOTS=1 to accept a deliberate change",
    );
  });

  it("is a valid #cloud-config YAML document", () => {
    assert.ok(rendered.startsWith("#cloud-config\n"));
    assert.equal(typeof doc, "object");
    assert.ok(doc.packages.includes("docker.io"), "installs Docker");
  });

  it("parses strictly (no duplicate keys, no YAML errors or warnings)", () => {
    const d = parseDocument(rendered, { strict: true, uniqueKeys: true, prettyErrors: true });
    assert.deepEqual(d.errors, []);
    assert.deepEqual(d.warnings, []);
  });

  it("installs Docker before anything runs a container, and starts Omni last", () => {
    // cloud-init installs `packages` in its config stage; runcmd runs in the final stage, after it.
    assert.ok(doc.packages.includes("docker.io"));
    const cmds = (doc.runcmd as string[][]).map((c) => c.join(" "));
    assert.ok(!cmds.some((c) => /docker (run|pull)/.test(c)), "runcmd never calls docker directly");
    assert.ok(doc.bootcmd === undefined, "nothing runs before packages are installed");
    const docker = cmds.indexOf("systemctl enable --now docker.service");
    const data = cmds.indexOf("systemctl enable --now omni-data.service");
    const omni = cmds.indexOf("systemctl enable --now omni.service");
    assert.ok(docker >= 0 && docker < data && data < omni, cmds.join(" | "));
    assert.ok(cmds.indexOf("systemctl daemon-reload") < docker, "units are loaded before they are enabled");
  });

  it("encodes the user data as base64 of gzip, deterministically", () => {
    const encoded = encodeUserData(rendered);
    assert.equal(gunzipSync(Buffer.from(encoded, "base64")).toString("utf8"), rendered);
    assert.equal(encodeUserData(rendered), encoded, "same input, same bytes (no diff on every run)");
    assert.ok(encoded.length < Buffer.from(rendered).toString("base64").length);
  });

  it("writes the TLS certificate and key, the GPG key and the auth settings with tight permissions", () => {
    assert.equal(files.get("/etc/omni/tls/tls.crt").content, input.tlsCert);
    assert.equal(files.get("/etc/omni/tls/tls.key").content, input.tlsKey);
    assert.equal(files.get("/etc/omni/tls/tls.key").permissions, "0600");
    assert.equal(files.get("/etc/omni/omni.asc").content, input.gpgKey);
    assert.equal(files.get("/etc/omni/omni.asc").permissions, "0600");
    const auth = parse(files.get("/etc/omni/auth.yaml").content);
    assert.equal(files.get("/etc/omni/auth.yaml").permissions, "0600");
    assert.deepEqual(auth.auth.oidc, {
      enabled: true,
      providerURL: "https://sso.basphere.example/realms/ops",
      clientID: "omni",
      clientSecret: "oidc-client-secret",
      scopes: ["openid", "email"],
    });
  });

  it("starts the pinned Omni image with host networking, NET_ADMIN, /dev/net/tun and persistent storage", () => {
    const argv = unitExecStart(files.get("/etc/systemd/system/omni.service").content);
    assert.deepEqual(argv.slice(0, 2), ["/usr/bin/docker", "run"]);
    for (const opt of [
      "--net=host",
      "--cap-add=NET_ADMIN",
      "--device=/dev/net/tun",
      "--volume=/var/lib/omni:/_out",
      "--volume=/etc/omni:/etc/omni:ro",
    ]) {
      assert.ok(argv.includes(opt), `docker run lacks ${opt}`);
    }
    const imageAt = argv.indexOf("ghcr.io/siderolabs/omni:v1.12.2");
    assert.ok(imageAt > 0, "image pinned to the configured tag");
    const flags = new Map(argv.slice(imageAt + 1).map((a) => [a.split("=")[0], a.slice(a.indexOf("=") + 1)]));
    for (const [flag, value] of Object.entries(REQUIRED))
      assert.equal(flags.get(flag), value, `flag ${flag}`);
  });

  it("passes only flags Omni knows, each once", () => {
    const names = omniFlags(settings).map((f) => f.split("=")[0]);
    assert.deepEqual(
      names.filter((n) => !OMNI_FLAGS.has(n)),
      [],
    );
    assert.equal(new Set(names).size, names.length);
  });

  it("uses the current --machine-api-* flags, never the deprecated --siderolink-api-* aliases", () => {
    assert.ok(!rendered.includes("--siderolink-api-"));
    assert.ok(omniFlags(settings).some((f) => f.startsWith("--machine-api-advertised-url=")));
  });

  it("keeps the OIDC client secret off the command line", () => {
    assert.ok(!omniDockerArgs(settings).join(" ").includes("oidc-client-secret"));
    assert.ok(!files.get("/etc/systemd/system/omni.service").content.includes("oidc-client-secret"));
  });

  it("mounts the data volume before Omni starts and never reformats it", () => {
    const script = files.get("/usr/local/sbin/omni-data-volume").content as string;
    assert.match(script, /DEV=\/dev\/oracleoci\/oraclevdb/);
    assert.match(script, /if ! blkid "\$DEV".*then mkfs\.ext4/);
    const unit = files.get("/etc/systemd/system/omni.service").content as string;
    assert.match(unit, /Requires=docker\.service omni-data\.service/);
  });

  it("opens exactly Omni's ports in the host firewall and enables the units", () => {
    const ipt = doc.runcmd
      .filter((c: string[]) => c[0] === "iptables")
      .map((c: string[]) => `${c[4]}/${c[6]}`);
    assert.deepEqual(ipt, ["tcp/443", "tcp/8090", "tcp/8100", "udp/50180"]);
    assert.deepEqual(doc.runcmd.at(-1), ["systemctl", "enable", "--now", "omni.service"]);
  });

  it("advertises the IP when there is no DNS name", () => {
    const flags = omniFlags({ ...settings, host: "203.0.113.10" });
    assert.ok(flags.includes("--advertised-api-url=https://203.0.113.10/"));
    assert.ok(flags.includes("--machine-api-advertised-url=https://203.0.113.10:8090/"));
  });

  it("renders each auth provider", () => {
    assert.deepEqual(
      parse(renderAuthConfig({ provider: "auth0", domain: "x.eu.auth0.com", clientId: "c" })).auth,
      {
        auth0: { enabled: true, domain: "x.eu.auth0.com", clientID: "c" },
      },
    );
    assert.deepEqual(parse(renderAuthConfig({ provider: "saml", metadata: "https://idp/metadata" })).auth, {
      saml: { enabled: true, metadata: "https://idp/metadata" },
    });
    assert.throws(
      () => renderAuthConfig({ provider: "oidc", providerUrl: "https://i", clientId: "c", scopes: [] }),
      /client secret/,
    );
  });

  it("quotes shell-unsafe values", () => {
    assert.equal(shellQuote("--name=a b"), "'--name=a b'");
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
    assert.equal(shellQuote("--bind-addr=0.0.0.0:443"), "--bind-addr=0.0.0.0:443");
  });
});
