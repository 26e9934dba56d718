/**
 * The outputs every Omni host gives, whatever the mode (`vm`, `k8s`, or the {@link OmniHost} that picks one), and
 * the abstract component they share so the three publish them the same way.
 */
import * as pulumi from "@pulumi/pulumi";

/** What an Omni host publishes. Both modes give exactly these. */
export interface OmniHostOutputs {
  /** Instance OCID (`vm`) or OKE cluster OCID (`k8s`). */
  hostId: pulumi.Output<string>;
  /** Omni UI / API URL, `https://<host>/`. */
  omniUrl: pulumi.Output<string>;
  /** SideroLink machine API URL, `https://<host>:8090/`. */
  machineApiUrl: pulumi.Output<string>;
  /** Kubernetes proxy URL, `https://<host>:8100/`. */
  kubernetesProxyUrl: pulumi.Output<string>;
  /** WireGuard endpoint `<reserved IP>:50180` (always an IP). */
  wireguardEndpoint: pulumi.Output<string>;
}

/** The URL / endpoint outputs of an endpoints Output (as `hostEndpoints` gives it). */
export function endpointOutputs(
  e: pulumi.Output<{
    omniUrl: string;
    machineApiUrl: string;
    kubernetesProxyUrl: string;
    wireguardEndpoint: string;
  }>,
): Omit<OmniHostOutputs, "hostId"> {
  return {
    omniUrl: e.omniUrl,
    machineApiUrl: e.machineApiUrl,
    kubernetesProxyUrl: e.kubernetesProxyUrl,
    wireguardEndpoint: e.wireguardEndpoint,
  };
}

/** An Omni host component: subclasses build their resources, then call {@link publish} once. */
export abstract class OmniHostComponent extends pulumi.ComponentResource implements OmniHostOutputs {
  declare readonly hostId: pulumi.Output<string>;
  declare readonly omniUrl: pulumi.Output<string>;
  declare readonly machineApiUrl: pulumi.Output<string>;
  declare readonly kubernetesProxyUrl: pulumi.Output<string>;
  declare readonly wireguardEndpoint: pulumi.Output<string>;

  /** Sets exactly the {@link OmniHostOutputs} keys of `from` (another host, or plain values) and registers them. */
  protected publish(from: OmniHostOutputs): void {
    const outputs: OmniHostOutputs = {
      hostId: from.hostId,
      omniUrl: from.omniUrl,
      machineApiUrl: from.machineApiUrl,
      kubernetesProxyUrl: from.kubernetesProxyUrl,
      wireguardEndpoint: from.wireguardEndpoint,
    };
    Object.assign(this, outputs);
    this.registerOutputs(outputs);
  }
}
