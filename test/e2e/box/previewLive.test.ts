/**
 * `basphere preview-pr --live` on a box standing in for an operator's machine: the box's backend is the "live"
 * backend (the onprem stack and a tenant stack are up there), its provider plugins and passphrase are the
 * operator's. The head's edited stack file is previewed against that live state by the real engine: only the change
 * shows, nothing in the backend changes, a stack the backend does not hold is reported beside it with its error,
 * and a backend or passphrase the live mode cannot use is refused naming the variable.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { liveBackend, previewLive } from "../../../automation/cli/livePreview";
import type { Engine } from "../../../automation/engine";
import { readStackFile } from "../../../automation/plan/stackFile";
import { StackReport, renderPreviewReport } from "../../../automation/preview/report";
import { resolvePassphrase } from "../../../automation/service/dataDir";
import { boxDown, boxUp } from "../../../box/box";
import { openBoxEngine, upBoxOnpremStack } from "../../../box/onpremStack";
import { onBoxWan } from "../../../box/previewPr";
import { PROJECT_ROOT, requireEngine } from "../../../support/engine";

describe("preview-pr --live: the head previewed against live stacks", function () {
  this.timeout(15 * 60_000);
  let dataDir: string;
  let headDir: string;
  let engine: Engine;
  let reports: StackReport[];
  let env: NodeJS.ProcessEnv;
  const checkpoint = () =>
    path.join(engine.environment.backendDir, ".pulumi", "stacks", engine.project, "tenant-small.json");
  const hash = (f: string) => createHash("sha256").update(fs.readFileSync(f)).digest("hex");

  before(async () => {
    await requireEngine();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "basphere-live-"));
    headDir = fs.mkdtempSync(path.join(os.tmpdir(), "basphere-live-head-"));
    const wanNet = `127.0.${201 + Math.floor(Math.random() * 50)}`;
    const { state } = await boxUp({ dataDir, projectRoot: PROJECT_ROOT, wanNet });
    engine = await openBoxEngine(dataDir, PROJECT_ROOT, state);
    await upBoxOnpremStack(engine, state, PROJECT_ROOT);
    // The live tenant stack: the example as it is, up.
    const example = readStackFile(path.join(PROJECT_ROOT, "stacks", "Pulumi.tenant-small.yaml")).config;
    const live = onBoxWan(example, wanNet);
    const s = await engine.stack("tenant-small");
    await s.setConfig(live);
    await s.up();
    // The head: one VM's memory changed; and a stack file of a stack the backend does not hold.
    const tenant = JSON.parse(live["basphere:tenant"]);
    tenant.vms[0].memoryMiB = 4096;
    const headConfig = { ...live, "basphere:tenant": JSON.stringify(tenant) };
    fs.writeFileSync(path.join(headDir, "Pulumi.tenant-small.yaml"), YAML.stringify({ config: headConfig }));
    fs.writeFileSync(path.join(headDir, "Pulumi.tenant-ghost.yaml"), YAML.stringify({ config: headConfig }));
    const passphrase = resolvePassphrase(dataDir, process.env);
    env = {
      ...process.env,
      PULUMI_BACKEND_URL: `file://${engine.environment.backendDir}`,
      PULUMI_HOME: engine.environment.pulumiHome,
      PATH: [state.vsphere.pluginDir, process.env.PATH].join(path.delimiter),
      ...(passphrase.kind === "env"
        ? {}
        : { PULUMI_CONFIG_PASSPHRASE: undefined, PULUMI_CONFIG_PASSPHRASE_FILE: passphrase.file }),
    };
    const before = hash(checkpoint());
    reports = await previewLive({
      head: { root: PROJECT_ROOT, stacksDir: headDir },
      stacks: ["tenant-ghost", "tenant-small"],
      env,
    });
    assert.equal(hash(checkpoint()), before, "a live preview changes nothing in the backend");
  });

  after(async () => {
    if (dataDir) {
      await boxDown({ dataDir }).catch(() => undefined);
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
    if (headDir) fs.rmSync(headDir, { recursive: true, force: true });
  });

  it("shows only the change, from the engine against the live state", () => {
    const small = reports.find((r) => r.stack === "tenant-small")!;
    assert.equal(small.error, undefined, small.error);
    assert.equal(small.live, true);
    assert.deepEqual(
      { create: small.counts.create, replace: small.counts.replace, delete: small.counts.delete },
      { create: 0, replace: 0, delete: 0 },
    );
    const changed = small.steps.filter((s) => s.op !== "same");
    assert.deepEqual(
      changed.map((s) => [s.op, s.name]),
      [["update", "tenant-small-vm-web-vm"]],
    );
    assert.ok(changed[0].properties.some((p) => p.path === "memory" && p.after === "4096"));
    const md = renderPreviewReport(reports);
    assert.match(md, /\| `tenant-small` \| 0 \| 1 \| 0 \| 0 \| \d+ \| pulumi preview \(live\) \|/);
    assert.match(md, /Previewed against the live stack/);
  });

  it("reports a stack the live backend does not hold beside the other, with its error", () => {
    const ghost = reports.find((r) => r.stack === "tenant-ghost")!;
    assert.match(
      ghost.error ?? "",
      /holds no stack tenant-ghost of project basphere: nothing to preview against/,
    );
    assert.match(renderPreviewReport(reports), /\| `tenant-ghost` \| \| \| \| \| \| \*\*failed\*\* \|/);
  });

  it("refuses a backend or passphrase it cannot use, naming the variable", () => {
    assert.throws(() => liveBackend({}), /--live needs PULUMI_BACKEND_URL/);
    assert.throws(
      () => liveBackend({ PULUMI_BACKEND_URL: "s3://bucket", PULUMI_CONFIG_PASSPHRASE: "x" }),
      /PULUMI_BACKEND_URL s3:\/\/bucket is not supported/,
    );
    assert.throws(
      () => liveBackend({ PULUMI_BACKEND_URL: "postgres://u:hunter2@db/x" }),
      (e: Error) => /PULUMI_CONFIG_PASSPHRASE/.test(e.message) && !e.message.includes("hunter2"),
    );
    assert.throws(
      () => liveBackend({ PULUMI_BACKEND_URL: "https://api.pulumi.com", PULUMI_CONFIG_PASSPHRASE: "x" }),
      /not the Pulumi Cloud/,
    );
  });
});
