/**
 * `basphere tenants create|list|show|update|preview|delete|drift|drift-policy|reconcile` against the API (BASPHERE_URL / BASPHERE_TOKEN or flags),
 * following the operation's events while it runs.
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import * as YAML from "yaml";
import { ApiClient, StreamEvent } from "./client";

interface Common {
  url?: string;
  token?: string;
}

function client(opts: Common): ApiClient {
  const url = opts.url ?? process.env.BASPHERE_URL ?? "http://127.0.0.1:8080";
  const token = opts.token ?? process.env.BASPHERE_TOKEN;
  if (!token)
    throw new Error(
      "no token: pass --token or set BASPHERE_TOKEN (the admin token is in <data-dir>/admin-token)",
    );
  return new ApiClient(url, token);
}

/** Reads a spec file (YAML or JSON). A stack config file (`config: basphere:tenant: ...`) is accepted too. */
export function readSpecFile(file: string): Record<string, unknown> {
  let doc: any;
  try {
    doc = YAML.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`spec file ${file}: ${(e as Error).message}`);
  }
  if (doc?.config?.["basphere:tenant"]) doc = doc.config["basphere:tenant"];
  if (!doc || typeof doc !== "object" || Array.isArray(doc))
    throw new Error(`spec file ${file}: must hold a YAML/JSON object (the tenant spec)`);
  return doc;
}

/** One line per event, for a terminal. */
export function formatEvent(e: StreamEvent): string | undefined {
  const d = e.data?.data ?? {};
  const time = String(e.data?.time ?? "").slice(11, 19);
  switch (e.event) {
    case "engine.resourcePre":
    case "engine.resOpFailed":
    case "engine.diagnostic":
      return `${time}  ${d.message ?? e.event}`;
    case "engine.summary":
      return `${time}  summary ${JSON.stringify(d.data?.changes ?? d.changes ?? {})}`;
    case "engine.resOutputs":
    case "engine.prelude":
      return undefined;
    default:
      return `${time}  ${e.event}${d.error ? `: ${d.error}` : ""}`;
  }
}

async function follow(c: ApiClient, op: { id: string }, wait: boolean): Promise<void> {
  process.stderr.write(`operation ${op.id}\n`);
  if (!wait) return;
  const fin = await c.follow(op.id, (e) => {
    const line = formatEvent(e);
    if (line) process.stderr.write(line + "\n");
  });
  process.stderr.write(`${fin.kind} ${fin.status}${fin.error ? `: ${fin.error}` : ""}\n`);
  if (fin.result?.diff) process.stdout.write(String(fin.result.diff) + "\n");
  if (fin.status !== "succeeded") process.exitCode = 1;
}

const print = (v: unknown) => process.stdout.write(JSON.stringify(v, null, 2) + "\n");

export function registerTenantsCommand(program: Command): void {
  const tenants = program
    .command("tenants")
    .description("manage tenants through the automation service (BASPHERE_URL, BASPHERE_TOKEN)")
    .option("--url <url>", "service URL (default BASPHERE_URL or http://127.0.0.1:8080)")
    .option("--token <token>", "admin or tenant token (default BASPHERE_TOKEN)");
  const common = (cmd: Command): Common => cmd.optsWithGlobals() as Common;

  tenants
    .command("create <name>")
    .description("create a tenant from a spec file and follow its first `up`")
    .requiredOption("-f, --spec <file>", "tenant spec (YAML or JSON)")
    .option("--no-wait", "return once queued")
    .action(async (name: string, o: { spec: string; wait: boolean }, cmd: Command) => {
      const c = client(common(cmd));
      const r = await c.request("POST", "/v1/tenants", { name, spec: readSpecFile(o.spec) });
      process.stderr.write(`tenant ${name} created; its token (shown once):\n`);
      process.stdout.write(r.token + "\n");
      await follow(c, r.operation, o.wait);
    });

  tenants
    .command("list")
    .description("list tenants (admin)")
    .action(async (_o: unknown, cmd: Command) => {
      const r = await client(common(cmd)).request("GET", "/v1/tenants");
      for (const t of r.items)
        process.stdout.write(
          `${t.name}\t${t.status}\tv${t.appliedVersion ?? "-"}/${t.specVersion}${t.lastError ? `\t${t.lastError}` : ""}\n`,
        );
    });

  tenants
    .command("show <name>")
    .description("show a tenant: status, spec, allocations, outputs")
    .option("--show-secrets", "include secret outputs (tenant token only)")
    .action(async (name: string, o: { showSecrets?: boolean }, cmd: Command) => {
      print(
        await client(common(cmd)).request(
          "GET",
          `/v1/tenants/${encodeURIComponent(name)}${o.showSecrets ? "?showSecrets=true" : ""}`,
        ),
      );
    });

  tenants
    .command("update <name>")
    .description("replace a tenant's spec and follow the `up`")
    .requiredOption("-f, --spec <file>", "tenant spec (YAML or JSON)")
    .option("--no-wait", "return once queued")
    .action(async (name: string, o: { spec: string; wait: boolean }, cmd: Command) => {
      const c = client(common(cmd));
      const r = await c.request("PUT", `/v1/tenants/${encodeURIComponent(name)}/spec`, {
        spec: readSpecFile(o.spec),
      });
      await follow(c, r.operation, o.wait);
    });

  tenants
    .command("preview <name>")
    .description("preview a spec change without applying it (no --spec: the current spec)")
    .option("-f, --spec <file>", "proposed tenant spec (YAML or JSON)")
    .action(async (name: string, o: { spec?: string }, cmd: Command) => {
      const c = client(common(cmd));
      const r = await c.request(
        "POST",
        `/v1/tenants/${encodeURIComponent(name)}/preview`,
        o.spec ? { spec: readSpecFile(o.spec) } : {},
      );
      await follow(c, r.operation, true);
    });

  tenants
    .command("delete <name>")
    .description("destroy the tenant's stack, remove it, release its allocations")
    .option("--no-wait", "return once queued")
    .action(async (name: string, o: { wait: boolean }, cmd: Command) => {
      const c = client(common(cmd));
      const r = await c.request("DELETE", `/v1/tenants/${encodeURIComponent(name)}`);
      await follow(c, r.operation, o.wait);
    });

  tenants
    .command("drift <name>")
    .description(
      "the last drift check: resources and properties whose live state differs (--check: check now)",
    )
    .option("--check", "queue a drift check now and wait for it")
    .option("--json", "print the drift record as JSON")
    .action(async (name: string, o: { check?: boolean; json?: boolean }, cmd: Command) => {
      const c = client(common(cmd));
      const base = `/v1/tenants/${encodeURIComponent(name)}`;
      if (o.check) {
        const r = await c.request("POST", `${base}/drift/check`);
        await follow(c, r.operation, true);
      }
      const d = await c.request("GET", `${base}/drift`);
      if (o.json) print(d);
      else process.stdout.write(formatDrift(d));
      if (d.check?.state === "drifted") process.exitCode = 2;
    });

  tenants
    .command("drift-policy <name> <policy>")
    .description(
      "detect (record drift) or reconcile (also put it back with an up --refresh, once per interval)",
    )
    .action(async (name: string, policy: string, _o: unknown, cmd: Command) => {
      const d = await client(common(cmd)).request(
        "PUT",
        `/v1/tenants/${encodeURIComponent(name)}/drift/policy`,
        { policy },
      );
      process.stdout.write(`${d.tenant}: drift policy ${d.policy}\n`);
    });

  tenants
    .command("reconcile <name>")
    .description("put the live systems back to the applied spec now (up --refresh) and follow it")
    .option("--no-wait", "return once queued")
    .action(async (name: string, o: { wait: boolean }, cmd: Command) => {
      const c = client(common(cmd));
      const r = await c.request("POST", `/v1/tenants/${encodeURIComponent(name)}/reconcile`);
      await follow(c, r.operation, o.wait);
    });
}

/** The drift record for a terminal: status, last check, each drifted resource with its properties. */
export function formatDrift(d: any): string {
  const lines = [`${d.tenant}: ${d.status} (policy ${d.policy})`];
  const c = d.check;
  if (!c) lines.push("not checked yet" + (d.nextCheckAt ? `; first check at ${d.nextCheckAt}` : ""));
  else {
    lines.push(
      `last check ${c.checkedAt} (${c.operationId}): ${c.state}${c.error ? `: ${c.error}` : ""}` +
        (c.reconciledBy ? `; put back by ${c.reconciledBy}` : ""),
    );
    for (const r of c.resources ?? [])
      lines.push(`  ${r.op.padEnd(7)} ${r.name}  ${r.properties.join(", ")}`.trimEnd() + `  (${r.type})`);
  }
  if (d.nextCheckAt && c) lines.push(`next check at ${d.nextCheckAt}`);
  if (d.lastReconcile)
    lines.push(
      `last reconcile ${d.lastReconcile.at} (${d.lastReconcile.operationId}): ${d.lastReconcile.reason}`,
    );
  return lines.join("\n") + "\n";
}
