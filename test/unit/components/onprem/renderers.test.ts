import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import {
  joinDocuments,
  renderGuestMetadata,
  renderJoinConfig,
  sideroLinkApiUrl,
  toBase64,
} from "../../../../components/onprem/joinConfig";
import {
  candidateMachineIds,
  renderLabelMachineScript,
  swapUuidByteOrder,
  validateLabels,
} from "../../../../components/onprem/machineLabels";
import { DEFAULT_SIZES, planNodes } from "../../../../components/onprem/tiers";
import {
  renderDeleteScript,
  renderKubeconfigScript,
  renderSyncScript,
  sha256,
} from "../../../../components/onprem/omnictlScripts";

import { HOSTS } from "./fixtures";

const docs = (text: string) => parseAllDocuments(text).map((d) => d.toJS());

describe("onprem renderers: Omni join config", () => {
  it("renders the three join documents with the token in the SideroLink URL", () => {
    const text = renderJoinConfig({
      machineApiUrl: "grpc://omni.basphere.example:8090",
      joinToken: "tok-123",
    });
    const [sl, es, kl] = docs(text);
    assert.deepEqual(sl, {
      apiVersion: "v1alpha1",
      kind: "SideroLinkConfig",
      apiUrl: "grpc://omni.basphere.example:8090?jointoken=tok-123",
    });
    assert.deepEqual(es, {
      apiVersion: "v1alpha1",
      kind: "EventSinkConfig",
      endpoint: "[fdae:41e4:649b:9303::1]:8091",
    });
    assert.deepEqual(kl, {
      apiVersion: "v1alpha1",
      kind: "KmsgLogConfig",
      name: "omni-kmsg",
      url: "tcp://[fdae:41e4:649b:9303::1]:8092",
    });
    // What Talos reads from guestinfo decodes back to the same text.
    assert.equal(Buffer.from(toBase64(text), "base64").toString("utf8"), text);
  });

  it("honours custom overlay ports and the gRPC tunnel flag, and escapes the token", () => {
    const d = joinDocuments({
      machineApiUrl: "https://omni.x:8090/",
      joinToken: "a b&c",
      eventSinkPort: 8090,
      logServerPort: 9000,
      useGrpcTunnel: false,
    });
    const url = new URL(d[0].apiUrl as string);
    assert.equal(url.searchParams.get("jointoken"), "a b&c");
    assert.equal(url.searchParams.get("grpc_tunnel"), "false");
    assert.equal(d[1].endpoint, "[fdae:41e4:649b:9303::1]:8090");
    assert.equal(d[2].url, "tcp://[fdae:41e4:649b:9303::1]:9000");
  });

  it("rejects a bad machine API URL, an empty token and bad ports with the field name", () => {
    assert.throws(() => sideroLinkApiUrl("omni:8090", "t"), /machineApiUrl/);
    assert.throws(() => sideroLinkApiUrl("ftp://omni:8090", "t"), /machineApiUrl must use grpc/);
    assert.throws(() => sideroLinkApiUrl("grpc://omni:8090", ""), /joinToken/);
    assert.throws(
      () => joinDocuments({ machineApiUrl: "grpc://o:1", joinToken: "t", eventSinkPort: 70000 }),
      /eventSinkPort/,
    );
  });

  it("renders guest metadata with the hostname and rejects non-DNS names", () => {
    const [m] = docs(renderGuestMetadata("mgmt-cp-1"));
    assert.equal(m["local-hostname"], "mgmt-cp-1");
    assert.throws(() => renderGuestMetadata("Bad_Name"), /hostname/);
  });
});

describe("onprem renderers: machine ids and labels", () => {
  it("byte-swaps the first three UUID groups (the vSphere → Talos example) and is its own inverse", () => {
    assert.equal(
      swapUuidByteOrder("422413c3-57c8-96d1-c481-c58dbb837d2d"),
      "c3132442-c857-d196-c481-c58dbb837d2d",
    );
    assert.equal(
      swapUuidByteOrder(swapUuidByteOrder("422413c3-57c8-96d1-c481-c58dbb837d2d")),
      "422413c3-57c8-96d1-c481-c58dbb837d2d",
    );
    assert.deepEqual(candidateMachineIds("422413C3-57C8-96D1-C481-C58DBB837D2D"), [
      "422413c3-57c8-96d1-c481-c58dbb837d2d",
      "c3132442-c857-d196-c481-c58dbb837d2d",
    ]);
    assert.throws(() => swapUuidByteOrder("vm-123"), /not a UUID/);
  });

  it("label script looks for both ids and applies a MachineLabels resource", () => {
    const s = renderLabelMachineScript({
      biosUuid: "422413c3-57c8-96d1-c481-c58dbb837d2d",
      labels: { "basphere.io/tier": "lb" },
    });
    assert.match(
      s,
      /for id in 422413c3-57c8-96d1-c481-c58dbb837d2d c3132442-c857-d196-c481-c58dbb837d2d; do/,
    );
    assert.match(s, /type: MachineLabels\.omni\.sidero\.dev/);
    assert.match(s, /basphere\.io\/tier: lb/);
    assert.match(s, /omnictl apply -f "\$f"/);
    assert.throws(() => validateLabels({ "bad key!": "x" }), /invalid label key/);
    assert.throws(() => validateLabels({ ok: "$(rm -rf /)" }), /invalid value/);
  });
});

describe("onprem renderers: tier planning", () => {
  const hosts = HOSTS;
  const base = {
    prefix: "mgmt",
    hosts,
    controlPlane: DEFAULT_SIZES.controlplane,
    lb: DEFAULT_SIZES.lb,
    workers: DEFAULT_SIZES.worker,
  };

  it("plans 3 control-plane, one LB per host and the workers with the architecture's sizes", () => {
    const nodes = planNodes(base);
    const cp = nodes.filter((n) => n.tier === "controlplane");
    const lb = nodes.filter((n) => n.tier === "lb");
    assert.equal(cp.length, 3);
    assert.ok(cp.every((n) => n.cpus === 4 && n.memoryMb === 8192));
    assert.deepEqual(
      lb.map((n) => n.host),
      hosts,
    );
    assert.deepEqual(
      lb.map((n) => n.name),
      ["mgmt-lb-esx01", "mgmt-lb-esx02", "mgmt-lb-esx03", "mgmt-lb-esx04", "mgmt-lb-esx05", "mgmt-lb-esx06"],
    );
    assert.ok(lb.every((n) => n.cpus === 2 && n.memoryMb === 4096));
    assert.equal(nodes.filter((n) => n.tier === "worker").length, 3);
  });

  it("rejects no hosts, duplicate hosts and an even control-plane count", () => {
    assert.throws(() => planNodes({ ...base, hosts: [] }), /hosts is empty/);
    assert.throws(() => planNodes({ ...base, hosts: ["a.x", "a.x"] }), /hosts lists a\.x twice/);
    assert.throws(
      () => planNodes({ ...base, controlPlane: { ...DEFAULT_SIZES.controlplane, count: 2 } }),
      /controlPlane\.count must be odd/,
    );
    assert.throws(() => planNodes({ ...base, lb: { ...DEFAULT_SIZES.lb, memoryMb: 512 } }), /lb\.memoryMb/);
  });
});

describe("onprem renderers: omnictl scripts", () => {
  const a = { cluster: "mgmt", template: "kind: Cluster\n", machineClasses: "metadata: {}\n" };

  it("sync validates, syncs and waits; delete removes the template's cluster", () => {
    const s = renderSyncScript(a);
    const order = [
      "omnictl apply -f",
      "cluster template validate",
      "cluster template sync",
      "cluster template status",
    ].map((x) => s.indexOf(x));
    assert.ok(
      order.every((i) => i > 0),
      s,
    );
    assert.deepEqual(
      [...order].sort((x, y) => x - y),
      order,
    );
    assert.match(s, /command -v omnictl/);
    const d = renderDeleteScript({ ...a, machineClassIds: ["mgmt-lb"] });
    assert.match(d, /omnictl cluster template delete -f "\$dir\/cluster.yaml"/);
    assert.match(d, /omnictl delete machineclasses mgmt-lb/);
  });

  it("passes omnictl flags, never embeds credentials, and refuses content with the heredoc marker", () => {
    const s = renderSyncScript({ ...a, omnictlFlags: ["--insecure-skip-tls-verify"] });
    assert.match(s, /omnictl --insecure-skip-tls-verify cluster template sync/);
    assert.doesNotMatch(s, /OMNI_SERVICE_ACCOUNT_KEY/);
    assert.throws(() => renderSyncScript({ ...a, template: "x\nBASPHERE_EOF\n" }), /BASPHERE_EOF/);
    assert.match(
      renderKubeconfigScript({ cluster: "mgmt" }),
      /omnictl kubeconfig -c mgmt --service-account --user basphere-automation/,
    );
    assert.equal(sha256("a"), "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb");
  });
});
