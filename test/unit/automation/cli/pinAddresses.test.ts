/**
 * `basphere pin-addresses`: a hand-written tenant stack config gets the addresses its entries have now written in,
 * comments kept, so that inserting an entry later moves nothing; `--check` guards the examples in CI.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { pinStackFileText } from "../../../../automation/cli/pinAddresses";
import { root, runCli } from "./helpers";

const FILE = `# my tenant
config:
  basphere:kind: tenant
  basphere:tenant:
    name: acme
    vms:
      - name: bastion # jump host
      - name: db
        network: lan2
      - name: ci
        address: 10.0.1.40
    vpn:
      peers:
        - name: alice
  basphere:allocations:
    lan1VlanId: 101
    lan2VlanId: 102
`;

const tenantOf = (text: string) => parse(text).config["basphere:tenant"];

describe("basphere pin-addresses", function () {
  this.timeout(60_000);

  it("writes the addresses the stack gives its entries today, keeping comments and explicit ones", () => {
    const { text, pinned } = pinStackFileText(FILE, "Pulumi.tenant-acme.yaml");
    assert.deepEqual(pinned, [
      { entry: "vms.bastion", address: "10.0.1.20" },
      { entry: "vms.db", address: "10.0.2.20" },
      { entry: "vpn.peers.alice", address: "10.99.0.2" },
    ]);
    assert.match(text, /^# my tenant\n/);
    assert.match(text, /- name: bastion # jump host\n\s+address: 10\.0\.1\.20\n/);
    assert.equal(tenantOf(text).vms[2].address, "10.0.1.40");
    // Idempotent: a pinned file pins nothing and is returned unchanged.
    assert.deepEqual(pinStackFileText(text, "f"), { text, pinned: [] });
  });

  it("after pinning, a VM inserted at the head takes a free address and moves no other", () => {
    const { text } = pinStackFileText(FILE, "f");
    const edited = text.replace("    vms:\n", "    vms:\n      - name: web\n");
    const again = pinStackFileText(edited, "f");
    assert.deepEqual(again.pinned, [{ entry: "vms.web", address: "10.0.1.21" }]);
    const vms = tenantOf(again.text).vms.map((v: { name: string; address: string }) => [v.name, v.address]);
    assert.deepEqual(vms, [
      ["web", "10.0.1.21"],
      ["bastion", "10.0.1.20"],
      ["db", "10.0.2.20"],
      ["ci", "10.0.1.40"],
    ]);
  });

  it("a file without a valid tenant spec is an error naming the file and field", () => {
    assert.throws(
      () => pinStackFileText(FILE.replace("network: lan2", "network: lan9"), "Pulumi.tenant-acme.yaml"),
      /^Error: Pulumi\.tenant-acme\.yaml: basphere:tenant\.vms\.1\.network: /,
    );
    assert.throws(
      () => pinStackFileText("config: {}\n", "x.yaml"),
      /x\.yaml: config\."basphere:tenant" is missing/,
    );
  });

  it("the CLI changes the file in place; --check exits 1 on an unpinned file and 0 on the examples", async () => {
    const dir = mkdtempSync(join(tmpdir(), "basphere-pin-"));
    const file = join(dir, "Pulumi.tenant-acme.yaml");
    writeFileSync(file, FILE);
    const check = await runCli(["pin-addresses", "--config", file, "--check"]);
    assert.equal(check.code, 1, check.stderr);
    assert.match(check.stderr, /3 address\(es\) not pinned/);
    assert.equal(readFileSync(file, "utf8"), FILE, "--check changes nothing");
    const run = await runCli(["pin-addresses", "--config", file]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^vms\.bastion: 10\.0\.1\.20 \(pinned\)$/m);
    assert.equal(tenantOf(readFileSync(file, "utf8")).vms[0].address, "10.0.1.20");
    for (const example of [
      "Pulumi.tenant-full.yaml",
      "Pulumi.tenant-small.yaml",
      "Pulumi.tenant-multi.yaml",
    ]) {
      const copy = join(dir, example);
      copyFileSync(join(root, "stacks", example), copy);
      const r = await runCli(["pin-addresses", "--config", copy, "--check"]);
      assert.equal(r.code, 0, `${example} has unpinned addresses: ${r.stdout}`);
    }
  });
});
