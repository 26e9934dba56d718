/**
 * `basphere preview-pr` on recorded real runs: the base example stacks are `up`'d on a box of their own, the head's
 * edited stack files are previewed by the real engine against that state, and the report is rendered from the
 * engine's events — an update, a replacement (a VM's address: the vSphere provider cannot change `clone` in place),
 * creates and a delete; a head that fails beside one that succeeds; no secret in the report.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { previewPr, touchedStacks } from "../../../box/previewPr";
import { REPORT_MARKER, StackReport, renderPreviewReport } from "../../../automation/preview/report";
import { PROJECT_ROOT, requireEngine } from "../../../support/engine";

/** Copies the example stack files into a temporary head folder and edits some of them. */
function headStacks(edit: Record<string, (tenant: any) => void>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "basphere-pr-head-"));
  for (const f of fs.readdirSync(path.join(PROJECT_ROOT, "stacks")).filter((f) => f.endsWith(".yaml"))) {
    const text = fs.readFileSync(path.join(PROJECT_ROOT, "stacks", f), "utf8");
    const stack = f.replace(/^Pulumi\.|\.yaml$/g, "");
    if (!edit[stack]) {
      fs.writeFileSync(path.join(dir, f), text);
      continue;
    }
    const doc = YAML.parseDocument(text);
    const tenant = doc.getIn(["config", "basphere:tenant"]) as YAML.YAMLMap;
    const js = tenant.toJSON();
    edit[stack](js);
    doc.setIn(["config", "basphere:tenant"], doc.createNode(js));
    fs.writeFileSync(path.join(dir, f), doc.toString());
  }
  return dir;
}

describe("preview-pr: real previews on the box, rendered for a pull request", function () {
  this.timeout(20 * 60_000);
  let dir: string;
  let reports: StackReport[];
  let markdown: string;
  let dataDir: string;

  before(async function () {
    await requireEngine();
    dir = headStacks({
      "tenant-small": (t) => {
        t.vms[0].memoryMiB = 4096; // update
        t.vms[0].address = "10.0.1.30"; // the VM is replaced (clone), its floating IP's records updated
        t.vms.push({ name: "extra", address: "10.0.1.40" }); // create
        t.vpn.peers = t.vpn.peers.filter((p: any) => p.name !== "bob"); // delete
      },
      "tenant-multi": (t) => {
        t.vms[0].name = "Bad_Name"; // the head program refuses it
      },
    });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "basphere-pr-data-"));
    reports = await previewPr({
      head: { root: PROJECT_ROOT, stacksDir: dir },
      base: { root: PROJECT_ROOT },
      dataDir,
    });
    markdown = renderPreviewReport(reports);
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("previews only the stacks the change touches, each by the engine", () => {
    assert.deepEqual(touchedStacks({ root: PROJECT_ROOT, stacksDir: dir }, { root: PROJECT_ROOT }), [
      "tenant-multi",
      "tenant-small",
    ]);
    assert.deepEqual(
      reports.map((r) => [r.stack, r.source]),
      [
        ["tenant-multi", "engine"],
        ["tenant-small", "engine"],
      ],
    );
  });

  it("tells a replacement from an update, with the property that forces it and the changed values", () => {
    const small = reports.find((r) => r.stack === "tenant-small")!;
    assert.equal(small.error, undefined);
    assert.deepEqual(
      { create: small.counts.create, replace: small.counts.replace, delete: small.counts.delete },
      { create: 2, replace: 1, delete: 1 },
    );
    const vm = small.steps.find((s) => s.name === "tenant-small-vm-web-vm")!;
    assert.equal(vm.op, "replace");
    assert.deepEqual(vm.replaceReasons, ["clone"]);
    const ip = vm.properties.find((p) => p.path.endsWith("ipv4Address"))!;
    assert.deepEqual([ip.kind, ip.before, ip.after], ["update-replace", '"10.0.1.20"', '"10.0.1.30"']);
    assert.ok(vm.properties.some((p) => p.path === "memory" && p.after === "4096"));
    const nat = small.steps.find((s) => s.name === "tenant-small-fip-web-binat")!;
    assert.equal(nat.op, "update");
    assert.deepEqual(nat.properties, [
      { path: "internal", kind: "update", before: '"10.0.1.20"', after: '"10.0.1.30"' },
    ]);
    assert.deepEqual(
      small.steps.filter((s) => s.op === "delete").map((s) => s.name),
      ["tenant-small-vpn-peer-bob"],
    );
    assert.ok(small.steps.some((s) => s.op === "create" && s.name === "tenant-small-vm-extra-vm"));
  });

  it("a stack whose head fails is shown with its error beside the others", () => {
    const multi = reports.find((r) => r.stack === "tenant-multi")!;
    assert.match(multi.error ?? "", /basphere:tenant\.vms\[0\]\.name: must be a DNS-1123 label/);
    assert.match(markdown, /\| `tenant-multi` \| \| \| \| \| \| \*\*failed\*\* \|/);
    assert.match(markdown, /\| `tenant-small` \| 2 \| \d+ \| 1 \| 1 \| \d+ \| pulumi preview \|/);
  });

  it("renders the report: marker, summary, the replacement's reason; no secret of the box in it", () => {
    assert.ok(markdown.startsWith(REPORT_MARKER));
    assert.match(
      markdown,
      /\*\*VirtualMachine\*\* `tenant-small-vm-web-vm` — replaced because `clone` cannot change in place/,
    );
    assert.match(
      markdown,
      /`clone\.customize\.networkInterfaces\[0\]\.ipv4Address` \(forces replacement\): "10\.0\.1\.20" → "10\.0\.1\.30"/,
    );
    // Every secret of that box: the golden router template's API key, the vCenter password, the state passphrase.
    const template = JSON.parse(fs.readFileSync(path.join(dataDir, "box", "router-template.json"), "utf8"));
    const vcenter = JSON.parse(
      fs.readFileSync(path.join(dataDir, "box", "vcenter-credentials.json"), "utf8"),
    );
    // The state passphrase: the environment's when a test before set one, else the data folder's own.
    const passphrase =
      process.env.PULUMI_CONFIG_PASSPHRASE ||
      fs.readFileSync(path.join(dataDir, "pulumi-passphrase"), "utf8").trim();
    for (const [what, secret] of [
      ["router API key", template.apiKey],
      ["router API secret", template.apiSecret],
      ["vCenter password", vcenter.password],
      ["passphrase", passphrase],
    ])
      assert.ok(!markdown.includes(secret), `the ${what} is not in the report`);
    assert.doesNotMatch(markdown, /BEGIN [A-Z ]*PRIVATE KEY/);
  });
});
