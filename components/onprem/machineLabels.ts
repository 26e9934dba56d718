/**
 * Omni machine labels for statically created Talos VMs. Omni's machine classes select machines by label; the
 * labels are an Omni resource (`MachineLabels.omni.sidero.dev`, id = the machine id) that this module renders
 * and a shell script applies with omnictl once the VM has registered. The machine id Omni uses is the SMBIOS
 * UUID Talos reports, which for vSphere VMs may be the BIOS UUID with its first three groups byte-swapped, so
 * the script looks for both forms and labels whichever exists.
 */
import { stringify } from "yaml";

/** Kubernetes-style label key: optional DNS prefix, name of letters/digits/`-_.`. */
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** Label value: empty or letters/digits/`-_.`. */
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Throws when a label key or value is not a valid Kubernetes/Omni label (also keeps them shell-safe). */
export function validateLabels(labels: Record<string, string>, what = "labels"): void {
  for (const [k, v] of Object.entries(labels)) {
    if (!LABEL_KEY.test(k)) throw new Error(`${what}: invalid label key ${JSON.stringify(k)}`);
    if (!LABEL_VALUE.test(v)) throw new Error(`${what}: invalid value ${JSON.stringify(v)} for label ${k}`);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Converts a vSphere BIOS UUID to the byte order Talos may report (first three groups byte-swapped, as SMBIOS
 * stores them little-endian): `422413c3-57c8-96d1-…` → `c3132442-c857-d196-…`. The conversion is its own inverse.
 */
export function swapUuidByteOrder(uuid: string): string {
  const u = uuid.toLowerCase();
  if (!UUID.test(u)) throw new Error(`not a UUID: ${JSON.stringify(uuid)}`);
  const [a, b, c, d, e] = u.split("-");
  const rev = (hex: string) => hex.match(/../g)!.reverse().join("");
  return [rev(a), rev(b), rev(c), d, e].join("-");
}

/** Both machine ids Omni may know a vSphere VM by: the BIOS UUID as vSphere reports it, and byte-swapped. */
export function candidateMachineIds(biosUuid: string): [string, string] {
  const u = biosUuid.toLowerCase();
  return [u, swapUuidByteOrder(u)];
}

/** The `MachineLabels` resource for `omnictl apply`; `machineId` may be a shell variable reference. */
export function renderMachineLabelsResource(machineId: string, labels: Record<string, string>): string {
  validateLabels(labels);
  return stringify(
    {
      metadata: { namespace: "default", type: "MachineLabels.omni.sidero.dev", id: machineId, labels },
      spec: {},
    },
    { lineWidth: 0 },
  );
}

/** Options of {@link renderLabelMachineScript}. */
export interface LabelMachineScriptArgs {
  /** BIOS UUID of the VM (vSphere `uuid`). */
  biosUuid: string;
  /** Labels that select the machine's role. */
  labels: Record<string, string>;
  /** How long to wait for the machine to register with Omni. Default 900 s. */
  timeoutSeconds?: number;
  /** Extra global omnictl flags, e.g. `--insecure-skip-tls-verify`. */
  omnictlFlags?: string[];
}

/**
 * A POSIX shell script (for `command.local.Command`) that waits until Omni knows the machine under one of its two
 * possible ids, then applies its labels. Reads OMNI_ENDPOINT / OMNI_SERVICE_ACCOUNT_KEY from the environment.
 */
export function renderLabelMachineScript(args: LabelMachineScriptArgs): string {
  const [a, b] = candidateMachineIds(args.biosUuid);
  validateLabels(args.labels);
  const timeout = args.timeoutSeconds ?? 900;
  if (!Number.isInteger(timeout) || timeout < 10)
    throw new Error(`timeoutSeconds must be an integer ≥ 10, got ${timeout}`);
  const flags = (args.omnictlFlags ?? []).join(" ");
  const omnictl = flags ? `omnictl ${flags}` : "omnictl";
  const doc = renderMachineLabelsResource("${found}", args.labels);
  return [
    "set -eu",
    'command -v omnictl >/dev/null 2>&1 || { echo "omnictl is not on PATH" >&2; exit 127; }',
    `deadline=$(( $(date +%s) + ${timeout} ))`,
    'found=""',
    'while [ -z "$found" ]; do',
    `  for id in ${a} ${b}; do`,
    `    if ${omnictl} get machinestatus "$id" >/dev/null 2>&1; then found="$id"; break; fi`,
    "  done",
    '  [ -n "$found" ] && break',
    `  if [ "$(date +%s)" -ge "$deadline" ]; then echo "machine ${a} (or ${b}) did not register with Omni within ${timeout}s" >&2; exit 1; fi`,
    "  sleep 10",
    "done",
    "f=$(mktemp); trap 'rm -f \"$f\"' EXIT",
    'cat > "$f" <<BASPHERE_EOF',
    doc.trimEnd(),
    "BASPHERE_EOF",
    `${omnictl} apply -f "$f"`,
    'echo "$found"',
    "",
  ].join("\n");
}
