/**
 * Shared fixtures of the OCI tests: the example stack config read from stacks/Pulumi.oci.yaml, and helpers to
 * turn recorded NSG rules into comparable strings.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { RecordedResource } from "../../../harness";
import type { OmniAuth } from "../../../../components/oci/omniFlags";
import type { OmniHostSettings } from "../../../../components/oci/omniHostInputs";
import { PROJECT_ROOT } from "../../../../support/engine";

/** Repository root (found from this file, wherever the tests run). */
export const REPO = PROJECT_ROOT;

/** An example `oci` stack config (default the vm one) as `basphere:*` values (prefix stripped). */
export function exampleValues(
  overrides: Record<string, unknown> = {},
  file = "stacks/Pulumi.oci.yaml",
): Record<string, unknown> {
  const doc = parse(readFileSync(path.join(REPO, file), "utf8")) as {
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

/** Omni host settings of the component tests, with the given sign-in provider. */
export function hostSettingsFixture(auth: OmniAuth): OmniHostSettings {
  return {
    version: "v1.12.2",
    accountId: "6f1c2b9e-3d4a-4e5f-8a7b-9c0d1e2f3a4b",
    name: "basphere",
    initialUsers: ["admin@basphere.example"],
    joinTokensMode: "strict",
    auth,
  };
}
