/**
 * Test helpers: a whole service (real store in a temp data folder, real worker, real HTTP app) with the recording
 * {@link FakeDriver} in place of the Pulumi engine, and Fastify's inject for requests.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Service, ServiceConfig, createService } from "../../../automation/service/wiring";
import { FakeDriver } from "../worker/fakeDriver";

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
