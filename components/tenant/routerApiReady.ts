import * as pulumi from "@pulumi/pulumi";
import type { OpnsenseConnection } from "../../providers/opnsense";
import { routerApiReadyProvider } from "./dynamicProviders";

/** Arguments of {@link RouterApiReady}. */
export interface RouterApiReadyArgs {
  /** The router's bootstrap connection (the golden template's key); stored as a secret. */
  connection: pulumi.Input<OpnsenseConnection>;
  /** Identity of the router VM: a new VM (new id) waits again. */
  vmId: pulumi.Input<string>;
  /** How long to wait for the API, ms. Default 600000 (first boot of a clone takes minutes). */
  timeoutMs?: pulumi.Input<number>;
}

/**
 * Waits, once per router VM, until the router's API answers. A dynamic resource rather than an `apply`: it runs
 * only when the VM is created or replaced, so later `up`s (after the template key was rotated away) do not try
 * the old key again. Type `pulumi-nodejs:dynamic/basphere:RouterApiReady`.
 */
export class RouterApiReady extends pulumi.dynamic.Resource {
  declare public readonly status: pulumi.Output<string>;

  constructor(name: string, args: RouterApiReadyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      routerApiReadyProvider,
      name,
      {
        connection: pulumi.secret(args.connection),
        vmId: args.vmId,
        timeoutMs: args.timeoutMs ?? 600_000,
        status: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["connection"] }),
      "basphere",
      "RouterApiReady",
    );
  }
}
