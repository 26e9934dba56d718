/**
 * Provider objects of the tenant's own dynamic resources ({@link RouterApiReady}, {@link WireguardKeyPair}).
 * Each holds nothing but the absolute path of the compiled dynamicOps module, which it loads when the engine runs it.
 */
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";

const OPS_MODULE: string = path.join(__dirname, "dynamicOps");

function makeProvider(modulePath: string, createFn: string): pulumi.dynamic.ResourceProvider {
  return {
    create: async (inputs: any) => require(modulePath)[createFn](inputs),
    // Both resources are create-only: any input change replaces them.
    diff: async (_id: string, olds: any, news: any) => {
      const keys = Object.keys(news).filter(
        (k) => k !== "__provider" && JSON.stringify(olds[k]) !== JSON.stringify(news[k]),
      );
      return { changes: keys.length > 0, replaces: keys, deleteBeforeReplace: false };
    },
    delete: async () => {},
  };
}

/** Provider of RouterApiReady. */
export const routerApiReadyProvider = makeProvider(OPS_MODULE, "createRouterApiReady");
/** Provider of WireguardKeyPair. */
export const wireguardKeyPairProvider = makeProvider(OPS_MODULE, "createWireguardKeyPair");
