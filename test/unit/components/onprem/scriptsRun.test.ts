/**
 * Runs the generated omnictl scripts with /bin/sh against a fake `omnictl` that records its calls, so the scripts
 * are checked for what they do, not only for what they contain.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { renderLabelMachineScript } from "../../../../components/onprem/machineLabels";
import {
  renderKubeconfigScript,
  renderLabelLbNodesScript,
  renderSyncScript,
} from "../../../../components/onprem/omnictlScripts";
import {
  LABEL_TIER,
  LB_REGISTER_TAINT,
  LB_TAINT_KEY,
  renderClusterTemplate,
  renderMachineClasses,
} from "../../../../components/onprem/clusterTemplate";
import { renderCapvIdentityScript } from "../../../../components/onprem/capvIdentity";

/** A fake omnictl: logs argv, copies `-f` files into the log dir, answers `get machinestatus` for KNOWN_ID only. */
const FAKE_OMNICTL = `#!/bin/sh
echo "$*" >> "$LOG_DIR/calls"
prev=""
for a in "$@"; do
  if [ "$prev" = "-f" ]; then cp "$a" "$LOG_DIR/file-$(echo "$*" | tr ' /' '__' | cut -c1-40)-$(basename "$a")"; fi
  prev="$a"
done
case "$*" in
  *"get machinestatus $KNOWN_ID"*) exit 0 ;;
  *"get machinestatus"*) exit 1 ;;
  *kubeconfig*) for last; do :; done; printf 'apiVersion: v1\\nkind: Config\\n' > "$last" ;;
esac
exit 0
`;

/**
 * A fake kubectl: logs argv, copies stdin of `apply -f -` and `--from-env-file` files, answers `get nodes` with
 * $LB_NODES lines and `get crd` successfully once $CRD_AFTER calls have been made.
 */
const FAKE_KUBECTL = `#!/bin/sh
echo "$*" >> "$LOG_DIR/kcalls"
case "$*" in
  *"get nodes"*) i=0; while [ "$i" -lt "\${LB_NODES:-0}" ]; do echo "node/lb-$i"; i=$((i+1)); done ;;
  *"get crd"*) n=$(grep -c "get crd" "$LOG_DIR/kcalls"); [ "$n" -ge "\${CRD_AFTER:-1}" ] || exit 1 ;;
  *"apply -f -"*) cat >> "$LOG_DIR/applied" ;;
  *"--from-env-file="*) for a in "$@"; do case "$a" in --from-env-file=*) cp "\${a#--from-env-file=}" "$LOG_DIR/envfile" ;; esac; done; echo "kind: Secret" ;;
esac
exit 0
`;

describe("onprem: generated scripts run", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "basphere-onprem-"));
    writeFileSync(path.join(dir, "omnictl"), FAKE_OMNICTL);
    chmodSync(path.join(dir, "omnictl"), 0o755);
    writeFileSync(path.join(dir, "kubectl"), FAKE_KUBECTL);
    chmodSync(path.join(dir, "kubectl"), 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = (script: string, env: Record<string, string> = {}) =>
    execFileSync("/bin/sh", ["-c", script], {
      env: { PATH: `${dir}:/usr/bin:/bin`, LOG_DIR: dir, ...env },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });

  it("label script finds the machine under its byte-swapped id and applies the labels to that id", () => {
    const out = run(
      renderLabelMachineScript({
        biosUuid: "422413c3-57c8-96d1-c481-c58dbb837d2d",
        labels: { "basphere.io/tier": "lb" },
      }),
      {
        KNOWN_ID: "c3132442-c857-d196-c481-c58dbb837d2d",
      },
    );
    assert.equal(out.trim(), "c3132442-c857-d196-c481-c58dbb837d2d");
    const calls = readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n");
    assert.equal(calls.at(-1)!.startsWith("apply -f "), true);
    const applied = readFileSync(
      path.join(
        dir,
        execFileSync("ls", [dir], { encoding: "utf8" })
          .split("\n")
          .find((f) => f.startsWith("file-apply"))!,
      ),
      "utf8",
    );
    const doc = parseAllDocuments(applied)[0].toJS();
    assert.equal(doc.metadata.id, "c3132442-c857-d196-c481-c58dbb837d2d");
    assert.deepEqual(doc.metadata.labels, { "basphere.io/tier": "lb" });
  });

  it("label script gives up with a clear message when the machine never registers", () => {
    const script = renderLabelMachineScript({
      biosUuid: "422413c3-57c8-96d1-c481-c58dbb837d2d",
      labels: { a: "b" },
      timeoutSeconds: 10,
    }).replace("sleep 10", "sleep 0; deadline=0");
    assert.throws(
      () => run(script, { KNOWN_ID: "none" }),
      (e: any) => /did not register with Omni/.test(String(e.stderr)),
    );
  });

  it("sync script applies the classes, validates, syncs and waits, in that order, with the rendered files", () => {
    const template = renderClusterTemplate({
      name: "mgmt",
      kubernetesVersion: "v1.34.2",
      talosVersion: "v1.11.5",
      controlPlaneCount: 3,
      lbCount: 6,
      workerCount: 3,
    });
    const classes = renderMachineClasses("mgmt");
    run(renderSyncScript({ cluster: "mgmt", template, machineClasses: classes }));
    const calls = readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n");
    assert.deepEqual(
      calls.map((c) => c.replace(/\/tmp\/\S+\//g, "")),
      [
        "apply -f machineclasses.yaml",
        "cluster template validate -f cluster.yaml",
        "cluster template sync -f cluster.yaml",
        "cluster template status -f cluster.yaml -w 30m",
      ],
    );
    const files = execFileSync("ls", [dir], { encoding: "utf8" }).split("\n");
    const synced = readFileSync(
      path.join(
        dir,
        files.find((f) => f.startsWith("file-cluster_template_sync"))!,
      ),
      "utf8",
    );
    assert.equal(synced.trimEnd(), template.trimEnd());
  });

  it("kubeconfig script prints only the kubeconfig on stdout", () => {
    const out = run(renderKubeconfigScript({ cluster: "mgmt" }));
    assert.equal(out, "apiVersion: v1\nkind: Config\n");
  });

  it("scripts fail fast with exit 127 when omnictl is missing", () => {
    assert.throws(
      () =>
        execFileSync("/bin/sh", ["-c", renderKubeconfigScript({ cluster: "mgmt" })], {
          env: { PATH: "/nonexistent" },
          stdio: "pipe",
        }),
      (e: any) => e.status === 127 && /omnictl is not on PATH/.test(String(e.stderr)),
    );
  });

  it("LB script labels and taints the LB nodes with admin credentials, and fails when no LB node joined", () => {
    const script = renderLabelLbNodesScript(LABEL_TIER, LB_TAINT_KEY, LB_REGISTER_TAINT);
    run(script, { KUBECONFIG_CONTENT: "kc", LB_NODES: "6" });
    const calls = readFileSync(path.join(dir, "kcalls"), "utf8")
      .trim()
      .split("\n")
      .map((c) => c.replace(/--kubeconfig \S+ /, ""));
    assert.deepEqual(calls, [
      "get nodes -l basphere.io/tier=lb -o name",
      "label nodes -l basphere.io/tier=lb node-role.kubernetes.io/lb= --overwrite",
      "taint nodes -l basphere.io/tier=lb node-role.kubernetes.io/lb=true:NoSchedule --overwrite",
    ]);
    assert.throws(
      () => run(script, { KUBECONFIG_CONTENT: "kc", LB_NODES: "0" }),
      (e: any) => /no node carries basphere.io\/tier=lb/.test(String(e.stderr)),
    );
  });

  it("CAPV identity script waits for the CRD, keeps the password off the command line and applies the identity", () => {
    const script = renderCapvIdentityScript({
      name: "tenant-clusters",
      namespace: "vsphere-infrastructure-system",
    });
    run(script.replace("sleep 10", "sleep 0"), {
      KUBECONFIG_CONTENT: "kc",
      CAPV_USERNAME: "capv@vsphere.local",
      CAPV_PASSWORD: "s3cret pw",
      CRD_AFTER: "3",
    });
    const calls = readFileSync(path.join(dir, "kcalls"), "utf8").trim().split("\n");
    assert.equal(calls.filter((c) => c.startsWith("get crd")).length, 3, "polls until the CRD exists");
    assert.ok(calls.some((c) => c.startsWith("wait --for condition=established")));
    assert.ok(!calls.some((c) => c.includes("s3cret")), "password must not be in argv");
    assert.equal(
      readFileSync(path.join(dir, "envfile"), "utf8"),
      "username=capv@vsphere.local\npassword=s3cret pw\n",
    );
    assert.ok(
      calls.some((c) =>
        c.startsWith("-n vsphere-infrastructure-system create secret generic tenant-clusters-credentials"),
      ),
    );
    const docs = parseAllDocuments(readFileSync(path.join(dir, "applied"), "utf8")).map((d) => d.toJS());
    const identity = docs.find((d) => d?.kind === "VSphereClusterIdentity");
    assert.deepEqual(identity, {
      apiVersion: "infrastructure.cluster.x-k8s.io/v1beta2",
      kind: "VSphereClusterIdentity",
      metadata: { name: "tenant-clusters" },
      spec: {
        secretName: "tenant-clusters-credentials",
        allowedNamespaces: { selector: { matchLabels: {} } },
      },
    });
    assert.throws(() => renderCapvIdentityScript({ name: "Bad_Name", namespace: "x" }), /DNS label/);
  });
});
