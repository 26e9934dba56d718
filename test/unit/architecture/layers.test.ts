/**
 * The layer rules of docs/architecture.md (.dependency-cruiser.cjs): the project passes them, and they are not a
 * rubber stamp — a tree with an upward import and a cycle fails, naming each file that breaks a rule.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../../support/engine";

const DEPCRUISE = path.join(
  PROJECT_ROOT,
  "node_modules",
  "dependency-cruiser",
  "bin",
  "dependency-cruiser.mjs",
);
const CONFIG = path.join(PROJECT_ROOT, ".dependency-cruiser.cjs");

function cruise(cwd: string, ...dirs: string[]) {
  const r = spawnSync(process.execPath, [DEPCRUISE, "--config", CONFIG, "--output-type", "err", ...dirs], {
    cwd,
    encoding: "utf8",
    timeout: 120000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("architecture: layer rules", function () {
  this.timeout(120000);

  it("the project has no import cycle and no upward import", () => {
    const dirs = [
      "index.ts",
      "model",
      "providers",
      "components",
      "stacks",
      "automation",
      "box",
      "support",
      "bench",
      "test",
    ];
    const r = cruise(PROJECT_ROOT, ...dirs);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /no dependency violations found/);
  });

  it("an upward import and a cycle fail, naming the files", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "layers-"));
    try {
      const write = (file: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
      };
      write("tsconfig.json", JSON.stringify({ compilerOptions: { module: "commonjs", strict: true } }));
      write("stacks/tenant.ts", 'export const kind = "tenant";\n');
      write("model/spec.ts", 'import { kind } from "../stacks/tenant";\nexport const k = kind;\n');
      write(
        "components/vm.ts",
        'import type { kind } from "../stacks/tenant";\nexport type K = typeof kind;\n',
      );
      write("automation/service/app.ts", 'import { r } from "./route";\nexport const a = () => r;\n');
      write("automation/service/route.ts", 'import { a } from "./app";\nexport const r = () => a;\n');
      write("bench/run.ts", 'import { t } from "../test/helper";\nexport const b = t;\n');
      write("test/helper.ts", "export const t = 1;\n");
      write("automation/cli/tenants.ts", 'import { c } from "./client";\nexport const t = c;\n');
      write("automation/cli/client.ts", 'import { s } from "../store/sqlite";\nexport const c = s;\n');
      write("automation/store/sqlite.ts", "export const s = 1;\n");
      const r = cruise(dir, "model", "components", "stacks", "automation", "bench", "test");
      assert.notEqual(r.status, 0, r.out);
      assert.match(r.out, /model-imports-only-libraries: model\/spec\.ts → stacks\/tenant\.ts/);
      assert.match(r.out, /components-below-stacks: components\/vm\.ts → stacks\/tenant\.ts/);
      assert.match(r.out, /no-circular: automation\/service\/(app|route)\.ts/);
      assert.match(r.out, /nothing-imports-tests: bench\/run\.ts → test\/helper\.ts/);
      // A client command that reaches the store, even through another file.
      assert.match(
        r.out,
        /cli-client-loads-only-http: automation\/cli\/tenants\.ts → [^\n]*automation\/store\/sqlite\.ts/s,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
