/** Helpers of the CLI tests: run the built CLI as a child process, and a stub of the service's tenant list. */
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../../../support/engine";

export const root = PROJECT_ROOT;
export const cli = join(root, "dist/automation/cli/main.js");
export const STUB_TOKEN = "stub-admin-token";

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node [nodeArgs] main.js args` with stdout piped to this process (or, with `stdoutFile`, redirected to that
 * file, read back once the child ended). Asynchronous, so a stub server in this process can answer the child.
 */
export function runCli(
  args: string[],
  opts: { node?: string; nodeArgs?: string[]; env?: NodeJS.ProcessEnv; stdoutFile?: string } = {},
): Promise<Run> {
  return new Promise((done, fail) => {
    const fd = opts.stdoutFile ? openSync(opts.stdoutFile, "w") : undefined;
    const child = spawn(opts.node ?? process.execPath, [...(opts.nodeArgs ?? []), cli, ...args], {
      cwd: root,
      env: { ...process.env, ...opts.env },
      stdio: ["ignore", fd ?? "pipe", "pipe"],
    });
    if (fd !== undefined) closeSync(fd);
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (opts.stdoutFile) stdout = readFileSync(opts.stdoutFile, "utf8");
      done({ code, stdout, stderr });
    });
  });
}

/** Tenants as the service's GET /v1/tenants lists them (automation/service/routes/tenants.ts, listTenants). */
export function stubTenants(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    name: `tenant-${String(i).padStart(5, "0")}`,
    status: i % 3 === 0 ? "failed" : "ready",
    specVersion: 2,
    appliedVersion: i % 5 === 0 ? null : 1,
    lastError: i % 3 === 0 ? `up failed: quota of tenant-${i} exceeded while creating its router` : null,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-02T00:00:00.000Z",
  }));
}

/** A stub of the service on 127.0.0.1 answering GET /v1/tenants (bearer STUB_TOKEN) with `tenants`. */
export async function startStubService(tenants: unknown[]): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${STUB_TOKEN}`) {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: "unauthorized", message: "missing or invalid token" }));
    } else if (req.method === "GET" && req.url === "/v1/tenants") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ items: tenants }));
    } else {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: "not_found", message: `${req.method} ${req.url}` }));
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** The lines `basphere tenants list` prints for `tenants` (automation/cli/tenants.ts). */
export function expectedListLines(tenants: ReturnType<typeof stubTenants>): string {
  return tenants
    .map(
      (t) =>
        `${t.name}\t${t.status}\tv${t.appliedVersion ?? "-"}/${t.specVersion}${t.lastError ? `\t${t.lastError}` : ""}\n`,
    )
    .join("");
}
