/** Example tenant stack configs (stacks/Pulumi.tenant-*.yaml) as the stack program receives them. */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { BasphereConfig } from "../../../stacks/config";
import { repoRoot } from "./crdValidator";

/** Reads stacks/Pulumi.tenant-<name>.yaml into `{values, secretKeys}` (keys without the `basphere:` prefix). */
export function loadExample(name: "small" | "full"): BasphereConfig {
  const file = path.join(repoRoot(), "stacks", `Pulumi.tenant-${name}.yaml`);
  const doc = parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc.config)) {
    if (k.startsWith("basphere:")) values[k.slice("basphere:".length)] = v;
  }
  return { values, secretKeys: new Set() };
}

/** A deep copy of an example's values, for tests that change them. */
export function exampleValues(name: "small" | "full"): Record<string, any> {
  return JSON.parse(JSON.stringify(loadExample(name).values));
}
