/* eslint-disable @typescript-eslint/no-require-imports */
/* global setTimeout */
"use strict";
// Service e2e test program. It reads the SAME stack config the automation service writes into `tenant-<name>`
// (automation/worker/worker.ts, model/tenant/spec.ts):
//   basphere:kind         must be "tenant"
//   basphere:tenant       the validated tenant spec (JSON object)
//   basphere:allocations  { lan1VlanId, lan2VlanId, routerWanAddress, floatingIps: [{ name, address }] }
// and creates real records through the project's compiled OPNsense dynamic resources (dist/providers/opnsense):
//   - one VirtualIp per floating IP allocation (the allocated WAN address),
//   - one host Alias per VM (content: the VM's address, else its name; description: its size).
// The router is the OPNsense emulator the test started; BASPHERE_E2E_OPNSENSE carries its connection as JSON
// { providers, url, apiKey, apiSecret } (providers = absolute path of dist/providers/opnsense).
// BASPHERE_E2E_DELAY_MS (optional) makes the program wait before declaring resources (the recovery test uses it
// to have operations in flight when it kills the service).
const crypto = require("node:crypto");
const pulumi = require("@pulumi/pulumi");

const config = new pulumi.Config("basphere");
const kind = config.require("kind");
if (kind !== "tenant") throw new Error(`basphere:kind must be "tenant" for this program, got "${kind}"`);
const spec = config.requireObject("tenant");
const allocations = config.requireObject("allocations");
if (!spec || typeof spec.name !== "string") throw new Error("basphere:tenant.name is missing");
if (!Array.isArray(allocations.floatingIps)) throw new Error("basphere:allocations.floatingIps is missing");

const raw = process.env.BASPHERE_E2E_OPNSENSE;
if (!raw) throw new Error("BASPHERE_E2E_OPNSENSE is not set (the test passes the emulator's connection)");
const router = JSON.parse(raw);
const opnsense = require(router.providers);
const connection = pulumi.secret({ url: router.url, apiKey: router.apiKey, apiSecret: router.apiSecret });

/** OPNsense alias names: [A-Za-z_][A-Za-z0-9_]{0,31}, unique on the router (all tenants share the emulator). */
function aliasName(tenant, vm) {
  const name = `t_${tenant}_${vm}`.replace(/[^A-Za-z0-9_]/g, "_");
  if (name.length <= 31) return name;
  return `t_${crypto.createHash("sha256").update(name).digest("hex").slice(0, 29)}`;
}

async function main() {
  const delayMs = Number(process.env.BASPHERE_E2E_DELAY_MS ?? "0");
  if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));

  const vips = allocations.floatingIps.map(
    (f) =>
      new opnsense.VirtualIp(`fip-${f.name}`, {
        connection,
        interface: "wan",
        address: f.address,
        description: `${spec.name}/${f.name}`,
      }),
  );
  const aliases = (spec.vms ?? []).map((vm) => ({
    name: aliasName(spec.name, vm.name),
    resource: new opnsense.Alias(`vm-${vm.name}`, {
      connection,
      name: aliasName(spec.name, vm.name),
      type: "host",
      content: [vm.address ?? vm.name],
      description: `${vm.cpus ?? 2} vCPU, ${vm.memoryMiB ?? 2048} MiB`,
    }),
  }));

  return {
    tenant: spec.name,
    lanVlans: [allocations.lan1VlanId, allocations.lan2VlanId],
    routerWanAddress: allocations.routerWanAddress ?? null,
    floatingIps: Object.fromEntries(allocations.floatingIps.map((f) => [f.name, f.address])),
    virtualIpUuids: pulumi.all(vips.map((v) => v.uuid)),
    vmAliases: pulumi.all(aliases.map((a) => a.resource.uuid.apply((uuid) => ({ name: a.name, uuid })))),
    // A secret output: only the tenant's own token with ?showSecrets=true may read it through the service.
    accessKey: pulumi.secret(
      crypto.createHash("sha256").update(`access-key/${spec.name}/${router.apiSecret}`).digest("hex"),
    ),
  };
}

module.exports = main();
