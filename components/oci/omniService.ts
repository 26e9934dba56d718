/**
 * The Kubernetes Service that exposes Omni on OKE: an OCI Network Load Balancer (the classic load balancer cannot
 * carry UDP, and WireGuard is UDP) on the reserved public IP, guarded by the Omni network security group.
 */
import { OMNI_PORTS } from "./constants";

/**
 * Annotations of the Omni LoadBalancer Service for the OCI cloud controller manager. For an NLB the CCM reads only
 * the `oci-network-load-balancer.oraclecloud.com/*` keys (oracle/oci-cloud-controller-manager
 * `getNetworkSecurityGroupIds`); `oci.oraclecloud.com/oci-network-security-groups` is the classic load balancer's
 * and would leave the NLB without the Omni group, so nothing would pass the subnet's locked security list.
 * The reserved public IP goes in `spec.loadBalancerIP`.
 */
export function omniServiceAnnotations(nsgId: string): Record<string, string> {
  return {
    "oci.oraclecloud.com/load-balancer-type": "nlb",
    "oci-network-load-balancer.oraclecloud.com/oci-network-security-groups": nsgId,
    // Rules come from our NSG; the CCM must not open node security lists on its own.
    "oci-network-load-balancer.oraclecloud.com/security-list-management-mode": "None",
    // externalTrafficPolicy Cluster: the node may forward to the pod elsewhere, so the source cannot be kept.
    "oci-network-load-balancer.oraclecloud.com/is-preserve-source": "false",
  };
}

/** Service ports: exactly Omni's public ports. */
export function omniServicePorts(): {
  name: string;
  port: number;
  targetPort: number;
  protocol: "TCP" | "UDP";
}[] {
  return [
    { name: "api", port: OMNI_PORTS.api, targetPort: OMNI_PORTS.api, protocol: "TCP" },
    { name: "machine-api", port: OMNI_PORTS.machineApi, targetPort: OMNI_PORTS.machineApi, protocol: "TCP" },
    {
      name: "k8s-proxy",
      port: OMNI_PORTS.kubernetesProxy,
      targetPort: OMNI_PORTS.kubernetesProxy,
      protocol: "TCP",
    },
    { name: "wireguard", port: OMNI_PORTS.wireguard, targetPort: OMNI_PORTS.wireguard, protocol: "UDP" },
  ];
}
