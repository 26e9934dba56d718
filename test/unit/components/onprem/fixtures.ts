/** Shared inputs of the on-prem tests. */
import * as path from "node:path";
import { readStackFile } from "../../../../automation/plan/stackFile";
import { PROJECT_ROOT } from "../../../../support/engine";

/** The six ESXi hosts of the mock inventory (one LB node each). */
export const HOSTS = [
  "esx01.lab.local",
  "esx02.lab.local",
  "esx03.lab.local",
  "esx04.lab.local",
  "esx05.lab.local",
  "esx06.lab.local",
];

/** The example stack config's `basphere:*` values, decoded like readBasphereConfig does (JSON, else plain text). */
export function onpremExampleValues(): Record<string, any> {
  const file = readStackFile(path.join(PROJECT_ROOT, "stacks", "Pulumi.onprem.yaml"));
  const values: Record<string, any> = {};
  for (const [k, v] of Object.entries(file.config)) {
    if (!k.startsWith("basphere:")) continue;
    let decoded: unknown = v;
    try {
      decoded = JSON.parse(v);
    } catch {
      /* plain string */
    }
    values[k.slice("basphere:".length)] = decoded;
  }
  return values;
}
