/**
 * The box's `onprem` stack: config for the stack kind `box` (stacks/box.ts) from the running box, and the `up` that
 * makes its outputs (model/contracts.ts `OnpremOutputs`) what every tenant stack in the same backend reads. The
 * inventory names are those of the example onprem stack (stacks/Pulumi.onprem.yaml), which the vSphere provider
 * simulator's inventory (box/inventory.ts) holds.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import type { ConfigInput, Engine } from "../automation/engine";
import type { BoxState, RouterTemplate } from "./box";

/** The stack the tenant stacks read (their `basphere:onpremStack` default). */
export const BOX_ONPREM_STACK = "onprem";

/** The box onprem stack's config values (full keys; secrets marked). */
export function boxOnpremConfig(state: BoxState, projectRoot: string): ConfigInput {
  const example = YAML.parse(fs.readFileSync(path.join(projectRoot, "stacks", "Pulumi.onprem.yaml"), "utf8"))
    .config as Record<string, any>;
  const template = JSON.parse(fs.readFileSync(state.routers.templateFile, "utf8")) as RouterTemplate;
  const creds = JSON.parse(fs.readFileSync(state.vcenter.credentialsFile, "utf8")) as {
    username: string;
    password: string;
  };
  const e = (k: string) => example[`basphere:${k}`];
  const json = (v: unknown) => JSON.stringify(v);
  return {
    "basphere:kind": "box",
    "basphere:vcenter": json({ server: state.vcenter.server, thumbprint: state.vcenter.thumbprint }),
    "basphere:datacenter": e("datacenter"),
    "basphere:computeCluster": e("computeCluster"),
    "basphere:datastore": e("datastore"),
    "basphere:distributedSwitch": e("distributedSwitch"),
    "basphere:wan": json(e("wan")),
    "basphere:folder": e("folder"),
    "basphere:omniEndpoint": e("omni").endpoint,
    "basphere:managementKubeconfig": {
      value: fs.readFileSync(state.kubernetes.kubeconfig, "utf8"),
      secret: true,
    },
    "basphere:routerTemplate": {
      value: json({
        name: e("routerTemplate").name,
        apiKey: template.apiKey,
        apiSecret: template.apiSecret,
        fingerprint: state.routers.fingerprint,
      }),
      secret: true,
    },
    "basphere:tenantClusters": {
      value: json({
        identity: e("tenantClusters").identity ?? "",
        cpiUsername: creds.username,
        // The tenant clusters' vSphere CPI account is vcsim's one account.
        cpiPassword: creds.password,
      }),
      secret: true,
    },
  };
}

/** Writes the config and runs `up` of the box's onprem stack; returns the engine's change counts. */
export async function upBoxOnpremStack(
  engine: Engine,
  state: BoxState,
  projectRoot: string,
): Promise<Record<string, number>> {
  const stack = await engine.stack(BOX_ONPREM_STACK);
  await stack.setConfig(boxOnpremConfig(state, projectRoot));
  const result = await stack.up();
  return result.resourceChanges as Record<string, number>;
}

/**
 * The engine of the service on this data folder (same backend, project folder and passphrase as `basphere serve`),
 * with the box's plugin folder on its PATH.
 */
export async function openBoxEngine(
  dataDir: string,
  projectRoot: string,
  state: BoxState,
  /**
   * Another program than `projectRoot`'s (a built checkout), with the folder its project file goes into (its stack
   * settings files live there): what `basphere preview-pr` uses to run a base and a head program on one backend.
   */
  program?: { dir: string; projectParent: string },
): Promise<Engine> {
  const { engineEnvironment, Engine } = await import("../automation/engine");
  const { resolvePassphrase } = await import("../automation/service/dataDir");
  const { writeServiceProject } = await import("../automation/service/realEngine");
  const passphrase = resolvePassphrase(dataDir, process.env);
  const environment = engineEnvironment({
    projectRoot,
    dataDir,
    pluginPath: [state.vsphere.pluginDir],
    ...(passphrase.kind === "env"
      ? { passphrase: process.env.PULUMI_CONFIG_PASSPHRASE }
      : { passphraseFile: passphrase.file }),
  });
  if (passphrase.kind !== "env") delete environment.env.PULUMI_CONFIG_PASSPHRASE;
  const workDir = program
    ? writeServiceProject(program.projectParent, program.dir)
    : writeServiceProject(dataDir, projectRoot);
  return Engine.open({ environment, workDir });
}
