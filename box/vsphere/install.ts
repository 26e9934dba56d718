/**
 * Installs the vSphere provider simulator as the engine finds a plugin: an executable `pulumi-resource-vsphere` in a
 * folder the box puts on the engine's PATH. The script runs the simulator on Node >= 22 (node:sqlite) with its state
 * file, and says in its first line what it is.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { SimObject, SimStore } from "./store";

/** The Node binary the plugin runs on: this process's when it is >= 22, else the project's Node 24. */
function nodeBinary(projectRoot: string): string {
  const major = Number(process.versions.node.split(".")[0]);
  return major >= 22 ? process.execPath : path.join(projectRoot, "node_modules", ".bin", "node");
}

/** Writes `<pluginDir>/pulumi-resource-vsphere`; returns its path. */
export function installVsphereSimulator(pluginDir: string, statePath: string): string {
  const projectRoot = path.resolve(__dirname, "..", "..", "..");
  const main = path.join(projectRoot, "dist", "box", "vsphere", "main.js");
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const file = path.join(pluginDir, "pulumi-resource-vsphere");
  fs.mkdirSync(pluginDir, { recursive: true });
  fs.writeFileSync(
    file,
    [
      "#!/bin/sh",
      "# vSphere provider SIMULATOR of the basphere box (box/vsphere), not the real pulumi-resource-vsphere.",
      `BASPHERE_VSPHERE_SIM_STATE=${q(path.resolve(statePath))} exec ${q(nodeBinary(projectRoot))} ${q(main)} "$@"`,
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  return file;
}

/** What the simulator holds, by kind, for `basphere box status` and the tests. */
export function readVsphereSimulator(statePath: string): {
  virtualMachines: SimObject[];
  portGroups: SimObject[];
  folders: SimObject[];
  other: SimObject[];
} {
  const store = new SimStore(statePath);
  try {
    const all = store.list();
    const of = (t: string) => all.filter((o) => o.type.endsWith(`:${t}`));
    return {
      virtualMachines: of("VirtualMachine"),
      portGroups: of("DistributedPortGroup"),
      folders: of("Folder"),
      other: all.filter((o) => !/:(VirtualMachine|DistributedPortGroup|Folder)$/.test(o.type)),
    };
  } finally {
    store.close();
  }
}
