/**
 * Secrets fuzz: every failure kind on every call a WireGuard server/peer and a key rotation make, with the
 * router echoing the posted secrets back in its error messages and validations. No secret (nor its base64 or
 * URI-encoded form) may appear in an error message, its stack, `util.inspect(err)`, the client log or the console.
 */
import * as assert from "node:assert/strict";
import { inspect } from "node:util";
import { FailKind } from "../../../../providers/opnsense/emulator";
import {
  WG_KEY_A,
  WG_KEY_B,
  connectionOf,
  logLines,
  provider,
  useFastClients,
  withEmulator,
} from "./helpers";

const KINDS: FailKind[] = ["500", "503", "user-exception", "validation", "failed", "401", "reset", "lost"];

function forms(s: string): string[] {
  const b64 = Buffer.from(s).toString("base64");
  return [s, b64, encodeURIComponent(s), encodeURIComponent(b64)];
}

describe("secrets never leak from error paths (fuzz)", function () {
  this.timeout(60000);
  before(useFastClients);

  it("WireguardServer / WireguardPeer / ApiKeyRotation under every failure kind on every call, with the router echoing secrets", async () =>
    withEmulator(async (emu) => {
      const conn = connectionOf(emu);
      const basic = Buffer.from(`${conn.apiKey}:${conn.apiSecret}`).toString("base64");
      const secrets = [conn.apiKey, conn.apiSecret, WG_KEY_A, basic];
      const console_: string[] = [];
      const saved = { log: console.log, error: console.error, warn: console.warn, info: console.info };
      for (const k of Object.keys(saved) as (keyof typeof saved)[])
        console[k] = (...a: unknown[]) => void console_.push(a.map(String).join(" "));
      const texts: string[] = [];
      let failures = 0;
      try {
        const server = await provider("WireguardServer").create({
          connection: conn,
          resourceKey: "fz/base",
          name: "wg-base",
          port: 51820,
          tunnelAddress: ["10.99.0.1/24"],
        });
        // The generated private key of `server` is a secret too (its delete below gets it in props).
        secrets.push(server.outs.privateKey);
        // The router echoes what it got: the credentials and the secrets of the resource being written (WG_KEY_B
        // is a public key: not secret, echoed as is).
        const echoOf = (...own: string[]) =>
          `bad value ${own.join(" / ")} / ${WG_KEY_B} for key ${conn.apiKey} ${basic}`;
        const echo = echoOf();
        const paths = [
          "/api/wireguard/server/get_server",
          "/api/wireguard/server/set_server",
          "/api/wireguard/client/get_client",
          "/api/wireguard/client/set_client",
          "/api/wireguard/general/set",
          "/api/wireguard/service/reconfigure",
          "/api/wireguard/server/del_server",
        ];
        let n = 0;
        for (const path of paths)
          for (const kind of KINDS) {
            n++;
            const scenarios: [string, () => Promise<unknown>][] = [
              [
                echoOf(WG_KEY_A),
                () =>
                  provider("WireguardServer").create({
                    connection: conn,
                    resourceKey: `fz/s${n}`,
                    name: `wg${n}`,
                    port: 51820 + n,
                    tunnelAddress: ["10.98.0.1/24"],
                    privateKey: WG_KEY_A,
                  }),
              ],
              [
                echoOf(WG_KEY_A),
                () =>
                  provider("WireguardPeer").create({
                    connection: conn,
                    resourceKey: `fz/p${n}`,
                    name: `p${n}`,
                    publicKey: WG_KEY_B,
                    tunnelAddress: [`10.99.0.${(n % 200) + 2}/32`],
                    serverUuid: server.id,
                    presharedKey: WG_KEY_A,
                  }),
              ],
              [
                echoOf(server.outs.privateKey),
                () =>
                  provider("WireguardServer").delete(
                    `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
                    server.outs,
                  ),
              ],
              [
                echoOf(server.outs.privateKey),
                () => provider("WireguardServer").read(server.id, server.outs),
              ],
            ];
            for (const [message, run] of scenarios) {
              emu.clearFailures();
              emu.failNext(path, kind, 10, {
                validations: { "server.privkey": message, "client.psk": message },
                message,
              });
              try {
                await run();
              } catch (e) {
                failures++;
                texts.push((e as Error).message, String((e as Error).stack), inspect(e, { depth: 10 }));
              }
            }
          }
        emu.clearFailures();
        for (const kind of KINDS) {
          emu.clearFailures();
          for (const path of [
            "/api/auth/user/add_api_key",
            "/api/auth/user/search_api_key",
            "/api/core/system/status",
            "/api/auth/user/del_api_key",
          ]) {
            emu.failNext(path, kind, 10, { message: echo, validations: { "user.key": echo } });
            try {
              await provider("ApiKeyRotation").create({ connection: conn, resourceKey: "fz/rot" });
            } catch (e) {
              failures++;
              texts.push((e as Error).message, String((e as Error).stack), inspect(e, { depth: 10 }));
            }
            emu.clearFailures();
          }
        }
      } finally {
        Object.assign(console, saved);
      }
      assert.ok(failures > 100, `failures provoked: ${failures}`);
      const all = [...texts, ...logLines, ...console_].join("\n");
      for (const s of secrets)
        for (const f of forms(s)) assert.ok(!all.includes(f), `a secret (form of ${s.slice(0, 4)}…) leaked`);
      assert.ok(all.includes("***"), "echoed secrets show up masked");
    }));
});
