/**
 * What the tenant's own dynamic resources do when the engine runs them. Their provider objects (see
 * {@link ./dynamicProviders}) only hold this module's absolute path and `require` it at run time, so function
 * serialization captures two strings, never a client or a secret.
 */
import { generateWireguardKeyPair, waitForApi } from "../../providers/opnsense";
import type { OpnsenseConnection } from "../../providers/opnsense";

/** RouterApiReady.create: polls the router's API until it answers (or the timeout passes). */
export async function createRouterApiReady(
  inputs: Record<string, any>,
): Promise<{ id: string; outs: Record<string, any> }> {
  const connection = inputs.connection as OpnsenseConnection;
  const status = await waitForApi(connection, { timeoutMs: Number(inputs.timeoutMs ?? 600_000) });
  return {
    id: `${connection.url}`,
    outs: { ...inputs, status: String(status ?? "ok"), readyAt: new Date().toISOString() },
  };
}

/** WireguardKeyPair.create: a fresh x25519 key pair; the private key is stored as a secret output. */
export async function createWireguardKeyPair(
  inputs: Record<string, any>,
): Promise<{ id: string; outs: Record<string, any> }> {
  const pair = generateWireguardKeyPair();
  return { id: `wg-${String(inputs.name)}-${pair.publicKey.slice(0, 8)}`, outs: { ...inputs, ...pair } };
}
