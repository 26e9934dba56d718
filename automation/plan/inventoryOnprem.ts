/**
 * Mock outputs for what the `onprem` stack creates besides vSphere resources: local commands (omnictl) and
 * Kubernetes resources (Helm releases, custom resources). Registered into the shared registry (handlers.ts), loaded by
 * inventory.ts.
 */
import { registerState } from "./handlers";

/** A kubeconfig as `omnictl kubeconfig --service-account` prints it (contents made up, shape real). */
function mockKubeconfig(cluster: string, user: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `  - name: omni-${cluster}`,
    "    cluster:",
    `      server: https://omni.basphere.example:8100/`,
    "contexts:",
    `  - name: omni-${cluster}-${user}`,
    "    context:",
    `      cluster: omni-${cluster}`,
    `      namespace: default`,
    `      user: omni-${cluster}-${user}`,
    `current-context: omni-${cluster}-${user}`,
    "users:",
    `  - name: omni-${cluster}-${user}`,
    "    user:",
    "      token: mock-service-account-token",
    "",
  ].join("\n");
}

// Local commands: stdout as the real command would print it, for the commands Basphere runs.
registerState("command:local:Command", (name, inputs) => {
  const create = String(inputs.create ?? "");
  let stdout = "";
  const kc = /omnictl(?: [^\n]*?)? kubeconfig -c (\S+) --service-account --user (\S+)/.exec(create);
  if (kc) stdout = mockKubeconfig(kc[1], kc[2]);
  else if (/omnictl(?: [^\n]*?)? apply -f "\$f"/.test(create)) stdout = "mock-machine-id\n";
  return { id: `${name}-cmd`, state: { stdout, stderr: "" } };
});

// Helm releases: a deployed status, as the provider reports it after install.
registerState("kubernetes:helm.sh/v3:Release", (name, inputs) => ({
  id: `${inputs.namespace ?? "default"}/${inputs.name ?? name}`,
  state: {
    status: {
      name: inputs.name ?? name,
      namespace: inputs.namespace ?? "default",
      chart: inputs.chart,
      version: inputs.version,
      revision: 1,
      status: "deployed",
      appVersion: "",
    },
    revision: 1,
  },
}));
