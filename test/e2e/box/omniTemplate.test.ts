/**
 * The Omni cluster template the onprem stack renders (its example config, stacks/Pulumi.onprem.yaml) passes Omni's
 * own validation: `omnictl cluster template validate` (offline), the binary built from
 * github.com/siderolabs/omni/client v1.0.0 by scripts/box-tools.sh.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../../../..");
const OMNICTL = path.join(ROOT, ".box", "bin", "omnictl");

/** The heredoc bodies `cat > "$dir/<file>" <<'BASPHERE_EOF' ... BASPHERE_EOF` of a script, by file name. */
function heredocs(script: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of script.matchAll(/cat > "\$dir\/([\w.-]+)" <<'BASPHERE_EOF'\n([\s\S]*?)\nBASPHERE_EOF/g))
    out[m[1]] = m[2] + "\n";
  return out;
}

function planOf(config: string): any {
  const out = execFileSync(
    process.execPath,
    [path.join(ROOT, "dist/automation/cli/main.js"), "plan", "--config", config, "--json"],
    { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(out.toString("utf8"));
}

describe("Omni cluster template of the onprem stack (omnictl cluster template validate)", function () {
  this.timeout(120_000);
  let dir: string;
  before(function () {
    assert.ok(fs.existsSync(OMNICTL), `${OMNICTL} is missing: run npm run box:tools`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "omni-template-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("the template synced by the example onprem stack is valid for Omni", () => {
    const plan = planOf(path.join(ROOT, "stacks/Pulumi.onprem.yaml"));
    const sync = plan.resources.find(
      (r: any) => r.type === "command:local:Command" && /template-sync$/.test(r.name),
    );
    assert.ok(sync, "the onprem plan has the template sync command");
    const files = heredocs(sync.inputs.create as string);
    assert.ok(files["cluster.yaml"], "the sync script writes cluster.yaml");
    const file = path.join(dir, "cluster.yaml");
    fs.writeFileSync(file, files["cluster.yaml"]);
    const r = spawnSync(OMNICTL, ["cluster", "template", "validate", "-f", file], {
      encoding: "utf8",
      env: { ...process.env, HOME: dir, XDG_CONFIG_HOME: dir },
    });
    assert.equal(r.status, 0, `omnictl refused the template:\n${r.stdout}${r.stderr}`);
  });

  it("omnictl refuses a broken template (the check can fail)", () => {
    const plan = planOf(path.join(ROOT, "stacks/Pulumi.onprem.yaml"));
    const sync = plan.resources.find((r: any) => /template-sync$/.test(r.name));
    const broken = heredocs(sync.inputs.create as string)["cluster.yaml"].replace(
      /^kind: ControlPlane$/m,
      "kind: ControlPlaneX",
    );
    const file = path.join(dir, "broken.yaml");
    fs.writeFileSync(file, broken);
    const r = spawnSync(OMNICTL, ["cluster", "template", "validate", "-f", file], {
      encoding: "utf8",
      env: { ...process.env, HOME: dir, XDG_CONFIG_HOME: dir },
    });
    assert.notEqual(r.status, 0, "a template with an unknown kind must be refused");
  });
});
