/**
 * The box's simulator process (`node dist/box/simulators/main.js <config.json>`): the tenant routers (OPNsense API
 * emulators, one per router WAN address) and the Cluster API kubeconfig simulator, plus a small inspection API on
 * 127.0.0.1 for `basphere box status` and the tests (`GET /health`, `GET /routers`, `GET /routers/<address>`; bearer
 * token from the config). The inspection API shows records and settings, never API keys or secrets.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import { runCapiKubeconfigSimulator } from "./capiKubeconfig";
import { startRouters } from "./routers";

/** What the box writes for this process (mode 0600: it holds the template key). */
export interface SimulatorsConfig {
  kubeconfig: string;
  routers: {
    first: string;
    last: string;
    port: number;
    certificate: { certPem: string; keyPem: string };
    apiKey: { key: string; secret: string };
    stateDir: string;
  };
  inspect: { port: number; token: string };
}

const SECRET_FIELDS = /key|secret|psk|password/i;

/** A record without the fields that hold secrets (WireGuard private keys, pre-shared keys). */
function redact(rec: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(rec).map(([k, v]) => [k, SECRET_FIELDS.test(k) && !/pubkey|public/i.test(k) ? "***" : v]),
  );
}

async function main(): Promise<void> {
  const config = JSON.parse(fs.readFileSync(process.argv[2], "utf8")) as SimulatorsConfig;
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  const started = await startRouters(config.routers);
  const routers = started.byAddress;
  log(
    `opnsense-emulator: ${routers.size} tenant routers (OPNsense API EMULATOR, not a real router) on ` +
      `https://${config.routers.first}..${config.routers.last}:${config.routers.port}`,
  );
  const abort = new AbortController();
  const capi = runCapiKubeconfigSimulator({ kubeconfig: config.kubeconfig, log, signal: abort.signal });

  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.url === "/health") return send(200, { ok: true });
    if (req.headers.authorization !== `Bearer ${config.inspect.token}`)
      return send(401, { error: "unauthorized" });
    const m = /^\/routers(?:\/([0-9.]+))?$/.exec(req.url ?? "");
    if (!m) return send(404, { error: "not found" });
    const summary = (address: string) => {
      const s = routers.get(address)!.state;
      return {
        address,
        records: Object.fromEntries(
          Object.entries(s.collections).map(([c, recs]) => [
            c,
            Object.fromEntries(
              Object.entries(recs).map(([uuid, r]) => [uuid, redact(r as Record<string, unknown>)]),
            ),
          ]),
        ),
        settings: s.settings,
        apiKeys: s.apiKeys.size,
        pending: [...s.pending],
        applied: s.applied.length,
      };
    };
    if (!m[1]) {
      const used = [...routers.keys()].filter((a) => {
        const s = routers.get(a)!.state;
        return Object.values(s.collections).some((c) => Object.keys(c).length > 0) || s.applied.length > 0;
      });
      return send(200, { routers: routers.size, used: used.map(summary) });
    }
    if (!routers.has(m[1])) return send(404, { error: `no router at ${m[1]}` });
    return send(200, summary(m[1]));
  });
  await new Promise<void>((r) => server.listen(config.inspect.port, "127.0.0.1", () => r()));
  log(`box simulators ready (inspection API http://127.0.0.1:${config.inspect.port})`);

  const stop = async () => {
    abort.abort();
    server.close();
    await started.close();
    await capi.catch(() => undefined);
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((e) => {
  process.stderr.write(`box simulators: ${e?.stack ?? e}\n`);
  process.exit(1);
});
