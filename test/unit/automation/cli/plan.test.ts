import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../../../support/engine";

const root = PROJECT_ROOT;
const cli = join(root, "dist/automation/cli/main.js");

function basphere(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", cwd: root, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tmpFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "basphere-plan-"));
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

describe("basphere plan (CLI)", () => {
  it("fails with one clear line for a file that does not exist", () => {
    const r = basphere("plan", "--config", "/nonexistent/Pulumi.x.yaml");
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), "basphere: /nonexistent/Pulumi.x.yaml: cannot read file (ENOENT)");
  });

  it("fails with one clear line when basphere:kind is missing", () => {
    const r = basphere("plan", "--config", tmpFile("Pulumi.x.yaml", "config:\n  basphere:foo: 1\n"));
    assert.equal(r.code, 1);
    assert.match(
      r.stderr.trim(),
      /^basphere: stack config key basphere:kind is missing: set it to one of oci, onprem, tenant/,
    );
    assert.equal(r.stderr.trim().split("\n").length, 1);
  });

  it("fails with one clear line for an unknown kind, in the file or on the command line", () => {
    const r = basphere("plan", "--config", tmpFile("Pulumi.x.yaml", "config:\n  basphere:kind: aws\n"));
    assert.equal(r.code, 1);
    assert.match(r.stderr.trim(), /^basphere: stack config key basphere:kind has unknown value "aws"/);
    const r2 = basphere("plan", "--kind", "aws", "--config", "x.yaml");
    assert.notEqual(r2.code, 0);
    assert.match(r2.stderr, /argument 'aws' is invalid\. Allowed choices are oci, onprem, tenant/);
  });

  it("fails with one line naming every key of the wrong type or missing", () => {
    const r = basphere(
      "plan",
      "--config",
      tmpFile(
        "Pulumi.tenant-bad.yaml",
        "config:\n  basphere:kind: tenant\n  basphere:tenant:\n    name: 42\n",
      ),
    );
    assert.equal(r.code, 1);
    const line = r.stderr.trim();
    assert.equal(line.split("\n").length, 1);
    assert.match(line, /^basphere: invalid tenant stack config: /);
    assert.match(line, /basphere:tenant\.name: [^;]*expected string, received number/);
    assert.match(line, /basphere:allocations/);
  });

  it("refuses a --kind that contradicts the file", () => {
    const r = basphere(
      "plan",
      "--kind",
      "oci",
      "--config",
      tmpFile("Pulumi.x.yaml", "config:\n  basphere:kind: tenant\n"),
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--kind oci does not match basphere:kind "tenant"/);
  });

  it("fails with one clear line for invalid YAML", () => {
    const r = basphere("plan", "--config", tmpFile("Pulumi.x.yaml", "config:\n  basphere:kind: [tenant\n"));
    assert.equal(r.code, 1);
    assert.match(r.stderr.trim(), /^basphere: .*Pulumi\.x\.yaml: not valid YAML/);
  });

  it("every example stack config in stacks/ plans, with a tree, JSON and Mermaid", function () {
    this.timeout(120_000);
    const files = readdirSync(join(root, "stacks")).filter((f) => /^Pulumi\..+\.yaml$/.test(f));
    const kinds = new Set<string>();
    for (const f of files) {
      const path = join(root, "stacks", f);
      const tree = basphere("plan", "--config", path);
      assert.equal(tree.code, 0, `${f}: ${tree.stderr}`);
      const first = tree.stdout.split("\n")[0];
      assert.match(first, /^basphere plan: stack .+ \(kind (oci|onprem|tenant)\): \d+ resources/);
      kinds.add(/\(kind (\w+)\)/.exec(first)![1]);
      assert.match(tree.stdout, /pulumi:pulumi:Stack {2}basphere-/);
      const json = JSON.parse(basphere("plan", "--json", "--config", path).stdout);
      assert.ok(json.resources.length > 3, `${f}: plans real resources`);
      assert.ok(json.resources.every((r: any) => typeof r.type === "string" && typeof r.name === "string"));
      const mermaid = basphere("plan", "--mermaid", "--config", path).stdout;
      assert.match(mermaid, /^flowchart TB\n/);
    }
    assert.deepEqual(
      [...kinds].sort(),
      ["oci", "onprem", "tenant"],
      "an example config exists for every stack kind",
    );
  });
});
