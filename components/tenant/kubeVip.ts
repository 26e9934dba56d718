/**
 * kube-vip for a kubeadm control plane on CAPV: the static pod manifest and the pre-kubeadm script that lets the
 * first control-plane node use `super-admin.conf` during `kubeadm init` (Kubernetes >= 1.29, where `admin.conf`
 * has no rights until the cluster is bootstrapped). Pure renderers.
 */
import { stringify } from "yaml";

/** kube-vip image; pin it, and regenerate the manifest when raising it. */
export const KUBE_VIP_IMAGE = "ghcr.io/kube-vip/kube-vip:v0.9.2";
/** Where kubeadm picks up static pods. */
export const KUBE_VIP_MANIFEST_PATH = "/etc/kubernetes/manifests/kube-vip.yaml";
/** The script that swaps in super-admin.conf on the init node. */
export const KUBE_VIP_PREPARE_PATH = "/etc/pre-kubeadm-commands/50-kube-vip-prepare.sh";

export interface KubeVipOptions {
  /** The VIP on the control-plane LAN (ARP mode). */
  address: string;
  /** API server port; default 6443. */
  port?: number;
  /** Interface to announce on; default: kube-vip picks the interface of the default route. */
  interface?: string;
  /** Image; default {@link KUBE_VIP_IMAGE}. */
  image?: string;
}

/** The kube-vip static pod (ARP, control-plane VIP with leader election). */
export function renderKubeVipManifest(o: KubeVipOptions): string {
  const env: { name: string; value: string }[] = [
    { name: "vip_arp", value: "true" },
    { name: "port", value: String(o.port ?? 6443) },
    ...(o.interface ? [{ name: "vip_interface", value: o.interface }] : []),
    { name: "vip_cidr", value: "32" },
    { name: "cp_enable", value: "true" },
    { name: "cp_namespace", value: "kube-system" },
    { name: "svc_enable", value: "false" },
    { name: "vip_leaderelection", value: "true" },
    { name: "vip_leasename", value: "plndr-cp-lock" },
    { name: "vip_leaseduration", value: "15" },
    { name: "vip_renewdeadline", value: "10" },
    { name: "vip_retryperiod", value: "2" },
    { name: "address", value: o.address },
  ];
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "kube-vip", namespace: "kube-system" },
    spec: {
      containers: [
        {
          name: "kube-vip",
          image: o.image ?? KUBE_VIP_IMAGE,
          imagePullPolicy: "IfNotPresent",
          args: ["manager"],
          env,
          securityContext: { capabilities: { add: ["NET_ADMIN", "NET_RAW"] } },
          volumeMounts: [{ name: "kubeconfig", mountPath: "/etc/kubernetes/admin.conf" }],
        },
      ],
      hostAliases: [{ ip: "127.0.0.1", hostnames: ["kubernetes"] }],
      hostNetwork: true,
      volumes: [
        { name: "kubeconfig", hostPath: { path: "/etc/kubernetes/admin.conf", type: "FileOrCreate" } },
      ],
    },
  };
  return stringify(pod);
}

/**
 * Shell script run before kubeadm: on the node that runs `kubeadm init` with Kubernetes >= 1.29 it points the
 * kube-vip pod at super-admin.conf (kube-vip needs API rights before admin.conf gets them).
 */
export function renderKubeVipPrepareScript(): string {
  return [
    "#!/bin/bash",
    "# kube-vip needs API rights while kubeadm init runs; since Kubernetes 1.29 only super-admin.conf has them then.",
    "set -euo pipefail",
    'minor="$(kubeadm version -o short | cut -d. -f2)"',
    'if [[ "$minor" -lt 29 ]]; then exit 0; fi',
    "if [[ -f /run/kubeadm/kubeadm.yaml ]] && grep -q 'kind: InitConfiguration' /run/kubeadm/kubeadm.yaml; then",
    `  sed -i 's#path: /etc/kubernetes/admin.conf#path: /etc/kubernetes/super-admin.conf#' ${KUBE_VIP_MANIFEST_PATH}`,
    "fi",
    "",
  ].join("\n");
}
