/**
 * Entry point of the vSphere provider simulator plugin (installed as `pulumi-resource-vsphere` by install.ts):
 * serves {@link VsphereSimulatorProvider} over the engine's provider protocol with `@pulumi/pulumi/provider`,
 * reporting version 4.17.0. The state file comes from `$BASPHERE_VSPHERE_SIM_STATE`; without it the plugin exits
 * with an error saying so. Not the real provider: every line it logs starts with `vsphere-simulator:`.
 */
import * as provider from "@pulumi/pulumi/provider";
import { installConfigHooks } from "./configHooks";
import { PREFIX, stderrLogger } from "./log";
import { VsphereSimulatorProvider } from "./provider";

function start(): void {
  let impl: VsphereSimulatorProvider;
  try {
    impl = new VsphereSimulatorProvider();
  } catch (err) {
    const message = (err as Error).message;
    process.stderr.write(`${message.startsWith(PREFIX) ? message : `${PREFIX} ${message}`}\n`);
    process.exit(1);
  }
  installConfigHooks({
    checkConfig: (news) => impl.checkConfig(news),
    configure: (args) => impl.configure(args),
  });
  stderrLogger(
    `vSphere provider simulator (not the real pulumi-resource-vsphere) ${impl.version}, state ${impl.store.file}`,
  );
  provider.main(impl, process.argv.slice(2)).catch((err: unknown) => {
    stderrLogger(`fatal: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  });
}

start();
