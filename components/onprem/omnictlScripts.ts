/**
 * Shell scripts run by `command.local.Command` to drive Omni with omnictl: sync (and validate) the cluster
 * template, delete it, fetch a service-account kubeconfig. Pure renderers; credentials come from the
 * OMNI_ENDPOINT / OMNI_SERVICE_ACCOUNT_KEY environment, never from the script text.
 *
 * Commands and flags as documented in siderolabs/docs (omni/reference/cli.mdx, cluster-templates.mdx,
 * create-a-kubeconfig-for-a-service-account): `cluster template validate|sync|status -f` (`status -w <duration>`
 * waits), `cluster template delete -f … --destroy-disconnected-machines`, `kubeconfig --service-account
 * --cluster/-c <c> --user <u> <path>`, `apply -f`, `delete <type> <id>…`. `--force` and `--merge=false` on
 * `kubeconfig` (overwrite the temp file rather than merge into it) were not found in the stored docs: unverified.
 */
import { createHash } from "node:crypto";

/** Heredoc delimiter used for embedded files; content must not contain it as a line. */
const EOF_MARK = "BASPHERE_EOF";

/** SHA-256 (hex) of a text; used as the trigger that re-runs the sync when the template changes. */
export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function heredoc(path: string, content: string): string {
  if (content.split("\n").includes(EOF_MARK))
    throw new Error(`embedded file ${path} contains the line ${EOF_MARK}`);
  return [`cat > "${path}" <<'${EOF_MARK}'`, content.trimEnd(), EOF_MARK].join("\n");
}

function omnictl(flags: string[] | undefined): string {
  return flags?.length ? `omnictl ${flags.join(" ")}` : "omnictl";
}

const REQUIRE_OMNICTL =
  'command -v omnictl >/dev/null 2>&1 || { echo "omnictl is not on PATH: install it (https://omni.siderolabs.com) to sync the management cluster" >&2; exit 127; }';

/** Script head: strict mode, omnictl present, a temp dir `$dir` removed on exit. */
function withTempDir(): string[] {
  return ["set -eu", REQUIRE_OMNICTL, "dir=$(mktemp -d); trap 'rm -rf \"$dir\"' EXIT"];
}

/** Options shared by the scripts. */
export interface OmnictlScriptArgs {
  /** Omni cluster name. */
  cluster: string;
  /** Extra global omnictl flags, e.g. `--insecure-skip-tls-verify`. */
  omnictlFlags?: string[];
}

/** Input of {@link renderSyncScript}. */
export interface SyncScriptArgs extends OmnictlScriptArgs {
  /** The cluster template (multi-document YAML). */
  template: string;
  /** Machine classes (multi-document YAML) applied before the template. */
  machineClasses: string;
  /** How long to wait for the cluster to become ready (Go duration). Default 30m; "0" reports once. */
  waitFor?: string;
}

/**
 * Writes machine classes and template to a temp dir, applies the classes, validates the template with omnictl,
 * syncs it and waits until the cluster is ready.
 */
export function renderSyncScript(a: SyncScriptArgs): string {
  const o = omnictl(a.omnictlFlags);
  return [
    ...withTempDir(),
    heredoc("$dir/machineclasses.yaml", a.machineClasses),
    heredoc("$dir/cluster.yaml", a.template),
    `${o} apply -f "$dir/machineclasses.yaml"`,
    `${o} cluster template validate -f "$dir/cluster.yaml"`,
    `${o} cluster template sync -f "$dir/cluster.yaml"`,
    `${o} cluster template status -f "$dir/cluster.yaml" -w ${a.waitFor ?? "30m"}`,
    "",
  ].join("\n");
}

/** Deletes what the template created, then the machine classes. */
export function renderDeleteScript(a: SyncScriptArgs & { machineClassIds: string[] }): string {
  const o = omnictl(a.omnictlFlags);
  return [
    ...withTempDir(),
    heredoc("$dir/cluster.yaml", a.template),
    `${o} cluster template delete -f "$dir/cluster.yaml" --destroy-disconnected-machines`,
    `${o} delete machineclasses ${a.machineClassIds.join(" ")} || true`,
    "",
  ].join("\n");
}

/** Prints a service-account kubeconfig of the cluster on stdout (only the kubeconfig). */
export function renderKubeconfigScript(a: OmnictlScriptArgs & { user?: string }): string {
  const o = omnictl(a.omnictlFlags);
  const user = a.user ?? "basphere-automation";
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(user))
    throw new Error(`user ${JSON.stringify(user)} must be a DNS label`);
  return [
    "set -eu",
    REQUIRE_OMNICTL,
    "f=$(mktemp); trap 'rm -f \"$f\"' EXIT",
    `${o} kubeconfig -c ${a.cluster} --service-account --user ${user} --force --merge=false "$f" >&2`,
    'cat "$f"',
    "",
  ].join("\n");
}

/**
 * With cluster-admin credentials, gives the LB nodes the conventional role label and their taint. Kubelets may not
 * set node-role.kubernetes.io/* labels, and Talos cannot re-apply taints on workers after registration
 * (NodeRestriction), so this step makes both hold for every LB node, also one that registered before the taint
 * was configured. `taint --overwrite` and `label --overwrite` are idempotent. Fails if no LB node is found.
 */
export function renderLabelLbNodesScript(
  tierLabel: string,
  roleLabel: string,
  taint: { key: string; value: string; effect: string },
): string {
  const sel = `-l ${tierLabel}=lb`;
  return [
    "set -eu",
    'command -v kubectl >/dev/null 2>&1 || { echo "kubectl is not on PATH: needed to label and taint the LB nodes" >&2; exit 127; }',
    "f=$(mktemp); trap 'rm -f \"$f\"' EXIT",
    'printf "%s" "$KUBECONFIG_CONTENT" > "$f"',
    `n=$(kubectl --kubeconfig "$f" get nodes ${sel} -o name | wc -l)`,
    `if [ "$n" -eq 0 ]; then echo "no node carries ${tierLabel}=lb: the LB tier did not join" >&2; exit 1; fi`,
    `kubectl --kubeconfig "$f" label nodes ${sel} ${roleLabel}= --overwrite`,
    `kubectl --kubeconfig "$f" taint nodes ${sel} ${taint.key}=${taint.value}:${taint.effect} --overwrite`,
    "",
  ].join("\n");
}
