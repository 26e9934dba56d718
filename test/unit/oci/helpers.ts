/**
 * Shared fixtures of the OCI tests: the example stack config read from stacks/Pulumi.oci.yaml, and helpers to
 * turn recorded NSG rules into comparable strings.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { RecordedResource } from "../../harness";

/** Repository root (tests run from dist/test/unit/oci). */
export const REPO = path.resolve(__dirname, "../../../..");

/** The example `oci` stack config as `basphere:*` values (prefix stripped). */
export function exampleValues(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const doc = parse(readFileSync(path.join(REPO, "stacks/Pulumi.oci.yaml"), "utf8")) as {
    config: Record<string, unknown>;
  };
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc.config)) {
    if (k.startsWith("basphere:")) values[k.slice("basphere:".length)] = v;
  }
  return { ...values, ...overrides };
}

/** `tcp/443 from 0.0.0.0/0` for one recorded ingress rule. */
export function describeRule(r: RecordedResource): string {
  const i = r.inputs;
  const proto =
    i.protocol === "6" ? "tcp" : i.protocol === "17" ? "udp" : i.protocol === "1" ? "icmp" : i.protocol;
  const range = i.tcpOptions?.destinationPortRange ?? i.udpOptions?.destinationPortRange;
  const port = range ? (range.min === range.max ? `${range.min}` : `${range.min}-${range.max}`) : "*";
  return `${proto}/${port} from ${i.source}`;
}
