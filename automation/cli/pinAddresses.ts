/**
 * `basphere pin-addresses --config <Pulumi.tenant-x.yaml> [--check]`: what the service does for the specs it stores,
 * for a hand-written tenant stack config — writes into the file (comments and layout kept) the address every VM and
 * VPN peer has now and every cluster of `clusters` its endpoint VIP and IPAM range, so that later edits (inserting, removing, reordering entries) never move it
 * (model/tenant/addressPins.ts). The addresses written are the ones the stack gives them today: explicit ones as
 * they are, the rest as the program assigns them. `--check` only reports entries without one (exit 1), for CI.
 */
import { Command } from "commander";

/** One entry that got (or, with --check, lacks) a pinned address. */
export interface PinnedEntry {
  /** `vms.bastion`, `vpn.peers.alice`. */
  entry: string;
  address: string;
}

/**
 * Pins the addresses in stack-file text; returns the new text and what was pinned (nothing: the text unchanged).
 * Throws an Error naming the file and field when the file holds no valid tenant spec.
 */
export function pinStackFileText(text: string, file: string): { text: string; pinned: PinnedEntry[] } {
  const { parseDocument, isMap } = require("yaml") as typeof import("yaml");
  const { tenantSpecSchema } = require("../../model/tenant/spec") as typeof import("../../model/tenant/spec");
  const { pinAddresses } =
    require("../../model/tenant/addressPins") as typeof import("../../model/tenant/addressPins");
  const doc = parseDocument(text);
  if (doc.errors.length) throw new Error(`${file}: not valid YAML: ${doc.errors[0].message.split("\n")[0]}`);
  const key = ["config", "basphere:tenant"];
  const raw = doc.getIn(key) as unknown;
  if (!isMap(raw)) throw new Error(`${file}: config."basphere:tenant" is missing or not a mapping`);
  const r = tenantSpecSchema.safeParse(raw.toJSON());
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`${file}: basphere:tenant.${i.path.join(".")}: ${i.message}`);
  }
  // The history is the file itself: the addresses the running stack gives its entries today.
  const { spec, issues } = pinAddresses(r.data, [r.data]);
  if (issues.length)
    throw new Error(`${file}: basphere:tenant.${issues[0].path.join(".")}: ${issues[0].message}`);
  const pinned: PinnedEntry[] = [];
  r.data.vms.forEach((v, i) => {
    if (v.address === undefined && spec.vms[i].address) {
      doc.setIn([...key, "vms", i, "address"], spec.vms[i].address);
      pinned.push({ entry: `vms.${v.name}`, address: spec.vms[i].address! });
    }
  });
  r.data.vpn?.peers.forEach((p, i) => {
    const address = spec.vpn?.peers[i].address;
    if (p.address === undefined && address) {
      doc.setIn([...key, "vpn", "peers", i, "address"], address);
      pinned.push({ entry: `vpn.peers.${p.name}`, address });
    }
  });
  // Clusters of a `clusters` list: endpoint VIP and IPAM range (a single `cluster` is alone: nothing moves it).
  r.data.clusters?.forEach((c, i) => {
    const got = spec.clusters?.[i];
    if (!got) return;
    if (c.vip === undefined && got.vip) {
      doc.setIn([...key, "clusters", i, "vip"], got.vip);
      pinned.push({ entry: `clusters.${c.name}.vip`, address: got.vip });
    }
    if (c.addressing === "ipam" && c.ipamRange === undefined && got.ipamRange) {
      doc.setIn([...key, "clusters", i, "ipamRange"], got.ipamRange);
      pinned.push({ entry: `clusters.${c.name}.ipamRange`, address: got.ipamRange });
    }
  });
  return { text: pinned.length ? doc.toString({ lineWidth: 0 }) : text, pinned };
}

export function registerPinAddressesCommand(program: Command): void {
  program
    .command("pin-addresses")
    .description(
      "Write into a tenant stack config the address every VM and VPN peer has now, so that later edits never move it",
    )
    .requiredOption("--config <file>", "tenant stack config (Pulumi.<stack>.yaml), changed in place")
    .option("--check", "change nothing; exit 1 when an entry has no pinned address")
    .action(async (opts: { config: string; check?: boolean }) => {
      const fs = await import("node:fs");
      const { text, pinned } = pinStackFileText(fs.readFileSync(opts.config, "utf8"), opts.config);
      for (const p of pinned)
        process.stdout.write(`${p.entry}: ${p.address}${opts.check ? " (not pinned)" : " (pinned)"}\n`);
      if (opts.check) {
        if (pinned.length) {
          process.stderr.write(
            `basphere: ${opts.config}: ${pinned.length} address(es) not pinned; run basphere pin-addresses --config ${opts.config}\n`,
          );
          process.exitCode = 1;
        }
        return;
      }
      if (pinned.length) fs.writeFileSync(opts.config, text);
      else process.stdout.write(`${opts.config}: every address is pinned\n`);
    });
}
