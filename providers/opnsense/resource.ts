/** Base class of the dynamic resources: secret connection, stable resource key, `uuid` output. */
import * as pulumi from "@pulumi/pulumi";
import { SPECS } from "./fields";
import { providerFor } from "./provider";
import { OpnsenseConnection } from "./types";

/** Arguments every OPNsense resource takes. */
export interface OpnsenseResourceArgs {
  /** How to reach the router's API (stored as a secret). */
  connection: pulumi.Input<OpnsenseConnection>;
}

export abstract class OpnsenseResource extends pulumi.dynamic.Resource {
  /** The record's uuid on the router (deterministic per stack and resource name). */
  declare public readonly uuid: pulumi.Output<string>;

  protected constructor(
    kind: string,
    name: string,
    args: OpnsenseResourceArgs & Record<string, unknown>,
    opts: pulumi.CustomResourceOptions | undefined,
    outputs: Record<string, undefined> = {},
    /** Further secret outputs (kinds that are not records, e.g. ApiKeyRotation). */
    secretOutputs: string[] = [],
  ) {
    const props: Record<string, unknown> = {
      ...outputs,
      ...args,
      connection: pulumi.secret(args.connection),
      resourceKey: `${pulumi.getProject()}/${pulumi.getStack()}/${name}`,
      uuid: undefined,
    };
    // The kind's secret arguments (fields.ts `secretArgs`) are secret inputs and secret outputs.
    const secretArgs = SPECS[kind]?.secretArgs ?? [];
    for (const a of secretArgs) if (args[a] !== undefined) props[a] = pulumi.secret(args[a]);
    super(
      providerFor(kind),
      name,
      props,
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["connection", ...secretArgs, ...secretOutputs] }),
      "opnsense",
      kind,
    );
  }
}
