/**
 * Provider objects of the tenant's own dynamic resources ({@link RouterApiReady}, {@link WireguardKeyPair}).
 * Each holds nothing but the absolute path of the compiled dynamicOps module, which it loads when the engine runs it.
 */
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";

const OPS_MODULE: string = path.join(__dirname, "dynamicOps");

/**
 * A create-only provider: a change of one of `identityKeys` replaces the resource (it runs again); a change of
 * any other input is recorded without running anything.
 */
function makeProvider(
  modulePath: string,
  createFn: string,
  identityKeys: string[],
): pulumi.dynamic.ResourceProvider {
  return {
    create: async (inputs: any) => require(modulePath)[createFn](inputs),
    diff: async (_id: string, olds: any, news: any) => {
      const replaces = identityKeys.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
      return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
    },
    delete: async () => {},
  };
}

/**
 * Provider of RouterApiReady: it waits again only for a new router VM. A changed bootstrap connection (the template
 * key changed on the onprem side, or an operator override) must not re-run it: the router's template key was rotated
 * away long ago, so waiting with it would fail.
 */
export const routerApiReadyProvider = makeProvider(OPS_MODULE, "createRouterApiReady", ["vmId"]);
/** Provider of WireguardKeyPair: a new pair only for a new peer name. */
export const wireguardKeyPairProvider = makeProvider(OPS_MODULE, "createWireguardKeyPair", ["name"]);
