/**
 * The box's tenant routers: one OPNsense API emulator (providers/opnsense/emulator, strict to the 26.7 ground truth)
 * per address of the router WAN pool, on `https://<address>:<port>` (127.0.x.y addresses: the whole 127.0.0.0/8 is
 * loopback on Linux). Every router starts as a clone of the golden template would: the template's certificate and
 * its shared API key, which the tenant program rotates away. Each router's state (records, settings, API keys) is
 * saved to `<stateDir>/<address>.json` (mode 0600: it holds API keys) within a second of a change and loaded at the
 * next start, so a router keeps its rotated key and records across box restarts, as a real one would.
 */
import ipaddr from "ipaddr.js";
import * as fs from "node:fs";
import * as path from "node:path";
import { Emulator, EmulatorState, startEmulator } from "../../providers/opnsense/emulator";

/** Options of {@link startRouters}. */
export interface RoutersOptions {
  /** First and last address of the router WAN pool (inclusive; loopback only). */
  first: string;
  last: string;
  /** Port of every router's API. Default 443, as a real router's web GUI. */
  port?: number;
  /** The golden template's certificate. */
  certificate: { certPem: string; keyPem: string };
  /** The golden template's API key. */
  apiKey: { key: string; secret: string };
  /** Folder of the routers' saved states. */
  stateDir: string;
}

/** JSON form of an emulator state (Maps and Sets as arrays). */
export function serializeState(s: EmulatorState): string {
  return JSON.stringify({
    ...s,
    apiKeys: [...s.apiKeys.entries()],
    users: [...s.users],
    pending: [...s.pending],
  });
}

/** The state {@link serializeState} wrote. */
export function deserializeState(text: string): EmulatorState {
  const o = JSON.parse(text);
  return { ...o, apiKeys: new Map(o.apiKeys), users: new Set(o.users), pending: new Set(o.pending) };
}

/** The running routers; `close()` saves their states one last time. */
export interface Routers {
  byAddress: Map<string, Emulator>;
  close(): Promise<void>;
}

/** The addresses from first to last (inclusive), checked to be loopback and at most 1024. */
export function poolAddresses(first: string, last: string): string[] {
  const a = ipaddr.IPv4.parse(first).toByteArray();
  const b = ipaddr.IPv4.parse(last).toByteArray();
  const n = (x: number[]) => ((x[0] << 24) >>> 0) + (x[1] << 16) + (x[2] << 8) + x[3];
  const from = n(a);
  const to = n(b);
  if (to < from) throw new Error(`router pool: ${last} is before ${first}`);
  if (to - from >= 1024) throw new Error(`router pool: ${first}-${last} is more than 1024 addresses`);
  const out: string[] = [];
  for (let v = from; v <= to; v++) {
    const ip = [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join(".");
    if (ipaddr.IPv4.parse(ip).range() !== "loopback")
      throw new Error(`router pool: ${ip} is not a loopback address (the box only listens on 127.0.0.0/8)`);
    out.push(ip);
  }
  return out;
}

/** Starts one emulator per pool address (each from its saved state when there is one). */
export async function startRouters(opts: RoutersOptions): Promise<Routers> {
  fs.mkdirSync(opts.stateDir, { recursive: true, mode: 0o700 });
  const byAddress = new Map<string, Emulator>();
  const saved = new Map<string, string>();
  const fileOf = (address: string) => path.join(opts.stateDir, `${address}.json`);
  const save = () => {
    for (const [address, r] of byAddress) {
      const text = serializeState(r.state);
      if (saved.get(address) === text) continue;
      const tmp = `${fileOf(address)}.tmp`;
      fs.writeFileSync(tmp, text, { mode: 0o600 });
      fs.renameSync(tmp, fileOf(address));
      saved.set(address, text);
    }
  };
  const closeAll = () => Promise.all([...byAddress.values()].map((r) => r.close()));
  try {
    for (const address of poolAddresses(opts.first, opts.last)) {
      let state: EmulatorState | undefined;
      if (fs.existsSync(fileOf(address))) {
        const text = fs.readFileSync(fileOf(address), "utf8");
        state = deserializeState(text);
        saved.set(address, serializeState(state));
      }
      byAddress.set(
        address,
        await startEmulator({
          tls: true,
          host: address,
          port: opts.port ?? 443,
          certificate: opts.certificate,
          apiKey: opts.apiKey,
          state,
        }),
      );
    }
  } catch (e) {
    await closeAll();
    throw e;
  }
  const timer = setInterval(save, 1000);
  return {
    byAddress,
    async close() {
      clearInterval(timer);
      await closeAll();
      save();
    },
  };
}
