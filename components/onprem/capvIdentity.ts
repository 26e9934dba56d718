/**
 * The VSphereClusterIdentity tenant clusters use (the onprem stack exports its name to every tenant stack). CAPV's
 * CRDs appear only after the cluster-api-operator has installed the vSphere provider, asynchronously after its Helm
 * release, so a POSIX shell script (run by `command.local.Command` with kubectl) waits for the CRD, then applies the
 * credentials Secret and the identity. Pure renderers; credentials come from the environment, never the script.
 *
 * Shape (reference/crds README, CAPV v1.17 `vsphereclusteridentities`): cluster-scoped, `spec.secretName` names a
 * Secret with `username` / `password` in the CAPV controller namespace (the identity then owns and deletes it);
 * `spec.allowedNamespaces.selector: {matchLabels: {}}` allows every namespace (unset allows none).
 */
import { stringify } from "yaml";

/** API version of VSphereClusterIdentity (storage version in CAPV v1.17). */
export const VSPHERE_IDENTITY_API_VERSION = "infrastructure.cluster.x-k8s.io/v1beta2";
/** The CRD the script waits for. */
export const VSPHERE_IDENTITY_CRD = "vsphereclusteridentities.infrastructure.cluster.x-k8s.io";

const DNS_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Input of {@link renderCapvIdentityScript}. */
export interface CapvIdentityScriptArgs {
  /** Identity name (a DNS label). */
  name: string;
  /** CAPV controller namespace, where the Secret must live. */
  namespace: string;
  /** Seconds to wait for the CRD. Default 1200. */
  timeoutSeconds?: number;
}

function check(a: CapvIdentityScriptArgs): void {
  if (!DNS_NAME.test(a.name))
    throw new Error(`tenant cluster identity ${JSON.stringify(a.name)} must be a DNS label`);
  if (!DNS_NAME.test(a.namespace))
    throw new Error(`namespace ${JSON.stringify(a.namespace)} must be a DNS label`);
}

/** The VSphereClusterIdentity object. */
export function renderCapvIdentity(name: string, secretName: string): Record<string, unknown> {
  return {
    apiVersion: VSPHERE_IDENTITY_API_VERSION,
    kind: "VSphereClusterIdentity",
    metadata: { name },
    spec: { secretName, allowedNamespaces: { selector: { matchLabels: {} } } },
  };
}

const KUBECTL_PREAMBLE = [
  "set -eu",
  'command -v kubectl >/dev/null 2>&1 || { echo "kubectl is not on PATH: needed for the CAPV identity" >&2; exit 127; }',
  "d=$(mktemp -d); trap 'rm -rf \"$d\"' EXIT",
  'printf "%s" "$KUBECONFIG_CONTENT" > "$d/kubeconfig"',
  'export KUBECONFIG="$d/kubeconfig"',
];

/**
 * Waits for CAPV's identity CRD, then applies the Secret (from CAPV_USERNAME / CAPV_PASSWORD, written to a 0600
 * env file rather than the command line) and the identity.
 */
export function renderCapvIdentityScript(a: CapvIdentityScriptArgs): string {
  check(a);
  const timeout = a.timeoutSeconds ?? 1200;
  const secret = `${a.name}-credentials`;
  return [
    ...KUBECTL_PREAMBLE,
    `deadline=$(( $(date +%s) + ${timeout} ))`,
    `until kubectl get crd ${VSPHERE_IDENTITY_CRD} >/dev/null 2>&1; do`,
    `  if [ "$(date +%s)" -ge "$deadline" ]; then echo "CAPV did not install ${VSPHERE_IDENTITY_CRD} within ${timeout}s" >&2; exit 1; fi`,
    "  sleep 10",
    "done",
    `kubectl wait --for condition=established --timeout=300s crd/${VSPHERE_IDENTITY_CRD}`,
    "umask 077",
    `printf 'username=%s\\npassword=%s\\n' "$CAPV_USERNAME" "$CAPV_PASSWORD" > "$d/creds"`,
    `kubectl -n ${a.namespace} create secret generic ${secret} --from-env-file="$d/creds" --dry-run=client -o yaml | kubectl apply -f -`,
    "kubectl apply -f - <<'BASPHERE_EOF'",
    stringify(renderCapvIdentity(a.name, secret), { lineWidth: 0 }).trimEnd(),
    "BASPHERE_EOF",
    "",
  ].join("\n");
}

/** Deletes the identity (which deletes the Secret it owns). */
export function renderCapvIdentityDeleteScript(a: CapvIdentityScriptArgs): string {
  check(a);
  return [
    ...KUBECTL_PREAMBLE,
    `kubectl delete vsphereclusteridentities.infrastructure.cluster.x-k8s.io ${a.name} --ignore-not-found`,
    `kubectl -n ${a.namespace} delete secret ${a.name}-credentials --ignore-not-found`,
    "",
  ].join("\n");
}
