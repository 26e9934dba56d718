import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { format } from "prettier";
import { configJsonSchema, configMarkdown } from "../../../../automation/cli/configSchema";
import { PROJECT_ROOT } from "../../../../support/engine";

const root = PROJECT_ROOT;

describe("stack config reference (basphere config-schema)", () => {
  for (const kind of ["oci", "onprem", "tenant", "box"] as const) {
    it(`${kind}: the JSON Schema lists the keys the program requires`, () => {
      const s = configJsonSchema(kind);
      assert.equal((s as any).type, "object");
      const required = (s as any).required as string[];
      const must = {
        oci: ["compartmentId"],
        onprem: ["hosts", "omni"],
        tenant: ["tenant", "allocations"],
        box: ["managementKubeconfig", "routerTemplate"],
      }[kind];
      for (const k of must) assert.ok(required.includes(k), `${kind} requires ${k}`);
    });

    it(`${kind}: docs/config/${kind}.md is in sync with the schema (npm run docs)`, async () => {
      const committed = readFileSync(join(root, "docs/config", `${kind}.md`), "utf8");
      const generated = await format(configMarkdown(kind), { parser: "markdown", printWidth: 110 });
      assert.equal(committed, generated, `docs/config/${kind}.md is stale: run npm run docs`);
    });
  }
});
