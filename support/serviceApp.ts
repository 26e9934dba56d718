/**
 * Test helpers: a whole service (real store in a temp data folder, real worker, real HTTP app) with the recording
 * {@link FakeDriver} in place of the Pulumi engine, and Fastify's inject for requests.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Service, ServiceConfig, createService } from "../automation/service/wiring";
import { FakeDriver } from "./fakeDriver";
import {
  DOMAIN_NAME_MAX,
  MAX_FLOATING_IPS,
  MAX_FLOATING_IP_PORTS,
  MAX_SSH_KEYS,
  MAX_VMS,
  MAX_VPN_PEERS,
  SSH_KEY_MAX,
  TEMPLATE_NAME_MAX,
  TENANT_NAME_MAX,
} from "../model/tenant/limits";

export const ADMIN = "bspa.test-admin-token-0123456789abcdefghijkl";

export interface TestService {
  svc: Service;
  driver: FakeDriver;
  dir: string;
  req(
    method: string,
    url: string,
    opts?: { token?: string | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Record<string, any>; text: string }>;
  /** Waits until the operation is terminal; returns it. */
  waitOp(id: string, token?: string): Promise<any>;
  close(): Promise<void>;
}

export function tempDir(prefix = "basphere-svc-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A valid small tenant spec (the shape of stacks/Pulumi.tenant-small.yaml). */
export function smallSpec(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    vms: [{ name: "web", cpus: 2, memoryMiB: 2048, diskGb: 20 }],
    floatingIps: [{ name: "web", target: "web", ports: [{ port: 22 }, { port: 443 }] }],
    ...extra,
  };
}

/** `prefix` padded with `fill` (then a closing letter) to exactly `length` characters. */
function padded(prefix: string, length: number, fill = "x"): string {
  return (prefix + fill.repeat(length)).slice(0, length - 1) + "z";
}

/** The `i`th of many distinct valid WireGuard public keys (44 characters of base64 encoding 32 bytes). */
function wgKey(i: number): string {
  const bytes = Buffer.alloc(32);
  bytes.writeUInt32BE(i + 1, 0);
  bytes.fill(0x5a, 4);
  return bytes.toString("base64");
}

/**
 * A valid tenant spec at every documented limit (model/tenant/spec.ts): the most VMs, floating IPs, port rules per
 * floating IP, SSH keys, peers and reach entries, every name and string as long as allowed, numbers at their maxima.
 */
export function maxSpec(name = padded("limits", TENANT_NAME_MAX)): Record<string, unknown> {
  const label = (p: string) => padded(p, 63);
  const vms = Array.from({ length: MAX_VMS }, (_, i) => ({
    name: padded(`vm-${String(i).padStart(2, "0")}-`, 40),
    network: i % 2 === 0 ? "lan1" : "lan2",
    cpus: 64,
    memoryMiB: 524288,
    diskGb: 4096,
    template: padded("tpl-", TEMPLATE_NAME_MAX),
    address: `10.0.${i % 2 === 0 ? 1 : 2}.${20 + Math.floor(i / 2)}`,
  }));
  const ports = Array.from({ length: MAX_FLOATING_IP_PORTS }, (_, j) => ({
    protocol: "tcp/udp",
    port: `${30000 + j * 10}-${30005 + j * 10}`,
  }));
  const floatingIps = Array.from({ length: MAX_FLOATING_IPS }, (_, i) => ({
    name: padded(`fip-${String(i).padStart(2, "0")}-`, 24),
    target: i === 0 ? "cluster" : vms[i - 1].name,
    ports: ports.map((p) => ({ ...p })),
  }));
  return {
    name,
    network: {
      lan1Cidr: "10.0.1.0/24",
      lan2Cidr: "10.0.2.0/24",
      mtu: 1450,
      domainName: [label("a"), label("b"), label("c"), padded("d", DOMAIN_NAME_MAX - 3 * 64)].join("."),
    },
    cluster: {
      name: padded("cluster-", 40),
      kubernetesVersion: "v1.34.2",
      template: padded("kube-", TEMPLATE_NAME_MAX),
      network: "lan1",
      addressing: "ipam",
      controlPlane: { replicas: 3, cpus: 64, memoryMiB: 524288, diskGiB: 4096 },
      workers: { replicas: 50, cpus: 64, memoryMiB: 524288, diskGiB: 4096 },
      podCidr: "10.244.0.0/16",
      serviceCidr: "10.96.0.0/16",
      sshAuthorizedKeys: Array.from({ length: MAX_SSH_KEYS }, (_, i) =>
        padded(`ssh-ed25519 AAAA${i}`, SSH_KEY_MAX, "B"),
      ),
    },
    vms,
    floatingIps,
    vpn: {
      port: 65535,
      tunnelCidr: "10.99.0.0/24",
      reach: ["floatingIps", "lan1", "lan2"],
      keepalive: 3600,
      peers: Array.from({ length: MAX_VPN_PEERS }, (_, i) => ({
        name: padded(`peer-${String(i).padStart(3, "0")}-`, 32),
        publicKey: wgKey(i),
        address: `10.99.0.${2 + i}`,
      })),
    },
  };
}

export async function startService(
  opts: Partial<ServiceConfig> & { delayMs?: number; dir?: string; driver?: FakeDriver } = {},
): Promise<TestService> {
  const dir = opts.dir ?? tempDir();
  const driver = opts.driver ?? new FakeDriver({ delayMs: opts.delayMs ?? 10 });
  const svc = await createService({
    dataDir: dir,
    adminToken: ADMIN,
    driver,
    pollIntervalMs: 20,
    drainMs: 0,
    ...opts,
    env: {},
  });
  const req: TestService["req"] = async (method, url, o = {}) => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    const token = o.token === undefined ? ADMIN : o.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const r = await svc.app.inject({
      method: method as any,
      url,
      headers,
      ...(o.body !== undefined ? { payload: o.body as any } : {}),
    });
    let body: any;
    try {
      body = r.json();
    } catch {
      body = undefined;
    }
    return { status: r.statusCode, body, headers: r.headers, text: r.body };
  };
  return {
    svc,
    driver,
    dir,
    req,
    async waitOp(id, token = ADMIN) {
      for (let i = 0; i < 1000; i++) {
        const r = await req("GET", `/v1/operations/${id}`, { token });
        if (["succeeded", "failed", "cancelled"].includes(r.body?.status)) return r.body;
        await new Promise((res) => setTimeout(res, 10));
      }
      throw new Error(`operation ${id} did not finish`);
    },
    async close() {
      await svc.close();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
