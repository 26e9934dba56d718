/**
 * Mock outputs of what tenant stacks create besides vSphere resources: the OPNsense dynamic resources (uuids, the
 * rotated API key, WireGuard keys), the tenant's own dynamic resources, and the CAPI kubeconfig Secret read from
 * the management cluster. Registered into the shared inventory (automation/plan/handlers.ts), loaded by inventory.ts.
 */
import { createHash } from "node:crypto";
import { wireguardPublicKey } from "../../providers/opnsense/keys";
import { fakeUuid, registerState } from "./handlers";
import { SECRET_SIG, SIG_KEY } from "../../providers/pulumiWire";

/** Inputs arrive in wire form; secrets are wrapped. */
function plain(v: any): any {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(plain);
  if (v[SIG_KEY] === SECRET_SIG || v[SECRET_SIG] === SECRET_SIG) return plain(v.value);
  const out: Record<string, any> = {};
  for (const [k, val] of Object.entries(v)) out[k] = plain(val);
  return out;
}

/** A deterministic, valid WireGuard key pair for a seed (never a real secret). */
export function mockWireguardKeyPair(seed: string): { privateKey: string; publicKey: string } {
  const raw = createHash("sha256").update(`wg:${seed}`).digest();
  raw[0] &= 248;
  raw[31] = (raw[31] & 127) | 64;
  const privateKey = raw.toString("base64");
  return { privateKey, publicKey: wireguardPublicKey(privateKey) };
}

const OPNSENSE_KINDS = [
  "VirtualIp",
  "OneToOneNat",
  "PortForward",
  "SourceNatRule",
  "FirewallRule",
  "Alias",
  "WireguardServer",
  "WireguardPeer",
  "DhcpSubnet",
  "ApiKeyRotation",
];

for (const kind of OPNSENSE_KINDS) {
  registerState(`pulumi-nodejs:dynamic/opnsense:${kind}`, (name, inputs) => {
    const uuid = fakeUuid(`opnsense:${kind}:${name}`);
    const state: Record<string, any> = { uuid };
    if (kind === "ApiKeyRotation") {
      const conn = plain(inputs.connection) ?? {};
      const apiKey = createHash("sha256").update(`key:${name}`).digest("base64").slice(0, 40);
      const apiSecret = createHash("sha256").update(`secret:${name}`).digest("base64").slice(0, 40);
      Object.assign(state, { apiKey, apiSecret, rotatedConnection: { ...conn, apiKey, apiSecret } });
    }
    if (kind === "WireguardServer") Object.assign(state, mockWireguardKeyPair(`server:${name}`));
    return { id: uuid, state };
  });
}

registerState("pulumi-nodejs:dynamic/basphere:RouterApiReady", (name, inputs) => ({
  id: String(plain(inputs.connection)?.url ?? name),
  state: { status: "ok", readyAt: "2026-11-24T00:00:00.000Z" },
}));
registerState("pulumi-nodejs:dynamic/basphere:WireguardKeyPair", (name) => {
  const pair = mockWireguardKeyPair(`peer:${name}`);
  return { id: `wg-${name}`, state: pair };
});

// Secrets read from a management cluster: CAPI's `<cluster>-kubeconfig` carries the admin kubeconfig under `value`.
registerState("kubernetes:core/v1:Secret", (name, inputs) => {
  if (inputs.data || inputs.stringData) return {};
  const cluster = name.replace(/-kubeconfig$/, "");
  const kubeconfig = [
    "apiVersion: v1",
    "kind: Config",
    `clusters: [{name: ${cluster}, cluster: {server: "https://mock-endpoint:6443", certificate-authority-data: TU9DSw==}}]`,
    `users: [{name: ${cluster}-admin, user: {client-certificate-data: TU9DSw==, client-key-data: TU9DSw==}}]`,
    `contexts: [{name: ${cluster}-admin@${cluster}, context: {cluster: ${cluster}, user: ${cluster}-admin}}]`,
    `current-context: ${cluster}-admin@${cluster}`,
    "",
  ].join("\n");
  return {
    state: { type: "cluster.x-k8s.io/secret", data: { value: Buffer.from(kubeconfig).toString("base64") } },
  };
});
