/**
 * preview-pr without the engine: stacks it cannot run fall back to the offline plan diff and the report says so;
 * the example WAN moves onto the box's loopback WAN keeping last octets. (The engine path: test/e2e/box/previewPr.)
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { onBoxWan, previewPr, touchedStacks } from "../../../box/previewPr";
import { renderPreviewReport } from "../../../automation/preview/report";
import { PROJECT_ROOT } from "../../../support/engine";

describe("preview-pr: offline fallback and the box's WAN", function () {
  this.timeout(120_000);

  it("moves every example WAN address onto the box's /24, last octet kept, nothing else touched", () => {
    const config = {
      "basphere:allocations": JSON.stringify({
        routerWanAddress: "192.168.200.31",
        floatingIps: [{ name: "a", address: "192.168.200.110" }],
      }),
      "basphere:tenant": JSON.stringify({ vms: [{ address: "10.0.1.20" }] }),
    };
    const moved = onBoxWan(config, "127.0.231");
    assert.deepEqual(JSON.parse(moved["basphere:allocations"]), {
      routerWanAddress: "127.0.231.31",
      floatingIps: [{ name: "a", address: "127.0.231.110" }],
    });
    assert.equal(moved["basphere:tenant"], config["basphere:tenant"]);
  });

  it("--offline: the touched stack's offline diff, marked as such in the report", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "basphere-pr-offline-"));
    try {
      for (const f of fs.readdirSync(path.join(PROJECT_ROOT, "stacks")).filter((f) => f.endsWith(".yaml")))
        fs.copyFileSync(path.join(PROJECT_ROOT, "stacks", f), path.join(dir, f));
      const file = path.join(dir, "Pulumi.tenant-small.yaml");
      fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("memoryMiB: 2048", "memoryMiB: 4096"));
      const head = { root: PROJECT_ROOT, stacksDir: dir };
      assert.deepEqual(touchedStacks(head, { root: PROJECT_ROOT }), ["tenant-small"]);
      const [report] = await previewPr({ head, base: { root: PROJECT_ROOT }, offline: true });
      assert.equal(report.source, "offline");
      assert.equal(report.counts.update, 1);
      const vm = report.steps.find((s) => s.op === "update")!;
      assert.deepEqual(
        vm.properties.map((p) => [p.path, p.before, p.after]),
        [["memory", "2048", "4096"]],
      );
      const md = renderPreviewReport([report]);
      assert.match(md, /\| `tenant-small` \| 0 \| 1 \| 0 \| 0 \| \d+ \| offline plan ⚠ \|/);
      assert.match(
        md,
        /Offline plan diff, not the engine's preview: the engine was not asked for \(--offline\)/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
