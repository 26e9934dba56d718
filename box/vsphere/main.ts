/**
 * Entry point of the vSphere provider simulator plugin (`pulumi-resource-vsphere` on the box's plugin PATH, written by
 * install.ts). Its state file comes from BASPHERE_VSPHERE_SIM_STATE.
 */
import * as pulumiProvider from "@pulumi/pulumi/provider";
import { VsphereSimulator } from "./provider";
import { SimStore } from "./store";

const statePath = process.env.BASPHERE_VSPHERE_SIM_STATE;
if (!statePath) {
  process.stderr.write(
    "vsphere-simulator: BASPHERE_VSPHERE_SIM_STATE is not set (the box's install.ts sets it)\n",
  );
  process.exit(1);
}
const sim = new VsphereSimulator(new SimStore(statePath), (line) => process.stderr.write(line + "\n"));
pulumiProvider.main(sim, process.argv.slice(2)).catch((e) => {
  process.stderr.write(`vsphere-simulator: ${e?.stack ?? e}\n`);
  process.exit(1);
});
