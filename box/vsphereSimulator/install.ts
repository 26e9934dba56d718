/**
 * Installs the vSphere provider simulator as the plugin `pulumi-resource-vsphere` in a folder the engine searches
 * (the box puts it on the engine's PATH): a small shell script that runs the project's Node (>= 22) on the
 * compiled dist/box/vsphereSimulator/main.js with the state file in `BASPHERE_VSPHERE_SIM_STATE`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { findProjectRoot } from "../../automation/engine/environment";
import { CREDENTIALS_ENV } from "./providerConfig";
import { STATE_ENV } from "./store";

/** The plugin's file name (what the engine looks for). */
export const PLUGIN_NAME = "pulumi-resource-vsphere";

/** Optional defaults the plugin gets (what the real provider would read from `VSPHERE_*`). */
export interface InstallOptions {
  /** The vCenter the provider config defaults to (exported as `VSPHERE_SERVER`). */
  server?: string;
  /**
   * A JSON file `{username, password}` (mode 0600, e.g. the box's vcsim credentials): the default `user` and
   * `password` of the provider config. The script names the file; the password never appears in it.
   */
  credentialsFile?: string;
}

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The Node that runs the plugin: this process's when it is >= 22, else the project's node_modules/.bin/node. */
export function pluginNode(root: string = findProjectRoot()): string {
  const major = Number(process.versions.node.split(".")[0]);
  if (major >= 22) return path.resolve(process.execPath);
  const bundled = path.join(root, "node_modules", ".bin", "node");
  if (!fs.existsSync(bundled))
    throw new Error(
      `vsphere-simulator: Node ${process.versions.node} is too old and ${bundled} is missing (npm ci)`,
    );
  return bundled;
}

/**
 * Writes `<pluginDir>/pulumi-resource-vsphere` (mode 0755) running the simulator on `statePath`; returns its path.
 * Fails when the project is not built (dist/box/vsphereSimulator/main.js missing).
 */
export function installVsphereSimulator(
  pluginDir: string,
  statePath: string,
  opts: InstallOptions = {},
): string {
  const root = findProjectRoot();
  const main = path.join(root, "dist", "box", "vsphereSimulator", "main.js");
  if (!fs.existsSync(main)) throw new Error(`vsphere-simulator: ${main} is missing: run npm run build first`);
  const lines = [
    "#!/bin/sh",
    "# vSphere provider simulator, installed as pulumi-resource-vsphere: NOT the real vSphere provider.",
    "# See box/vsphereSimulator/README.md. Written by box/vsphereSimulator/install.ts.",
    `${STATE_ENV}=${quote(path.resolve(statePath))}`,
    `export ${STATE_ENV}`,
  ];
  if (opts.server)
    lines.push(`VSPHERE_SERVER=\${VSPHERE_SERVER:-${quote(opts.server)}}`, "export VSPHERE_SERVER");
  if (opts.credentialsFile)
    lines.push(
      `${CREDENTIALS_ENV}=${quote(path.resolve(opts.credentialsFile))}`,
      `export ${CREDENTIALS_ENV}`,
    );
  lines.push(`exec ${quote(pluginNode(root))} ${quote(main)} "$@"`, "");
  fs.mkdirSync(pluginDir, { recursive: true });
  const target = path.join(pluginDir, PLUGIN_NAME);
  const tmp = `${target}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, lines.join("\n"), { mode: 0o755 });
  fs.chmodSync(tmp, 0o755);
  fs.renameSync(tmp, target);
  return target;
}

/** The simulator's state (VMs, port groups, folders, groups, rules…), for tests and `basphere box status`. */
export { readSimulatorState, type SimulatorState } from "./status";
