import assert from "node:assert/strict";
import { parseAllDocuments, stringify } from "yaml";
import {
  LB_TAINT_KEY,
  renderClusterTemplate,
  renderMachineClasses,
  validateClusterTemplate,
} from "../../../../components/onprem/clusterTemplate";

const docs = (text: string) => parseAllDocuments(text).map((d) => d.toJS());
const args = {
  name: "basphere-mgmt",
  kubernetesVersion: "v1.34.2",
  talosVersion: "v1.11.5",
  controlPlaneCount: 3,
  lbCount: 6,
  workerCount: 3,
  mtu: 1450,
};

describe("onprem: Omni cluster template", () => {
  it("renders valid YAML: Cluster, ControlPlane, Workers lb and workers, with pinned versions", () => {
    const text = renderClusterTemplate(args);
    assert.deepEqual(validateClusterTemplate(text), []);
    const d = docs(text);
    assert.deepEqual(
      d.map((x) => [x.kind, x.name]),
      [
        ["Cluster", "basphere-mgmt"],
        ["ControlPlane", undefined],
        ["Workers", "lb"],
        ["Workers", "workers"],
      ],
    );
    assert.equal(d[0].kubernetes.version, "v1.34.2");
    assert.equal(d[0].talos.version, "v1.11.5");
  });

  it("selects machines by machine class (never by UUID) with the tier sizes", () => {
    const d = docs(renderClusterTemplate(args));
    assert.deepEqual(d[1].machineClass, { name: "basphere-mgmt-controlplane", size: 3 });
    assert.deepEqual(d[2].machineClass, { name: "basphere-mgmt-lb", size: 6 });
    assert.deepEqual(d[3].machineClass, { name: "basphere-mgmt-worker", size: 3 });
    assert.ok(d.every((x) => x.machines === undefined));
    const classes = docs(renderMachineClasses("basphere-mgmt"));
    const lb = classes.find((c) => c.metadata.id === "basphere-mgmt-lb");
    assert.equal(lb.metadata.type, "MachineClasses.omni.sidero.dev");
    assert.deepEqual(lb.spec.matchlabels, ["basphere.io/cluster = basphere-mgmt, basphere.io/tier = lb"]);
  });

  it("labels and taints the LB tier, labels the workers, and sets the MTU on the physical NICs", () => {
    const d = docs(renderClusterTemplate(args));
    const lbMachine = d[2].patches[0].inline.machine;
    assert.deepEqual(lbMachine.nodeLabels, { "basphere.io/tier": "lb" });
    // The taint is registered by the kubelet (KubeletConfiguration.registerWithTaints, a core/v1 Taint list).
    assert.deepEqual(lbMachine.kubelet.extraConfig.registerWithTaints, [
      { key: LB_TAINT_KEY, value: "true", effect: "NoSchedule" },
    ]);
    assert.deepEqual(d[3].patches[0].inline.machine.nodeLabels, { "basphere.io/tier": "worker" });
    assert.equal(d[3].patches[0].inline.machine.kubelet, undefined);
  });

  it("never uses machine.nodeTaints on worker machine sets (NodeRestriction refuses it after registration)", () => {
    const d = docs(renderClusterTemplate(args));
    for (const w of d.filter((x) => x.kind === "Workers"))
      for (const p of w.patches ?? []) assert.equal(p.inline?.machine?.nodeTaints, undefined, w.name);
    const net = d[0].patches[0].inline.machine.network;
    assert.deepEqual(net.interfaces, [{ deviceSelector: { physical: true }, dhcp: true, mtu: 1450 }]);
    assert.ok(
      d.flatMap((x) => x.patches ?? []).every((p: any) => typeof p.name === "string" && p.name.length > 0),
    );
  });

  it("adds DNS, NTP and cluster CIDRs when given and omits the workers set when there are none", () => {
    const d = docs(
      renderClusterTemplate({
        ...args,
        workerCount: 0,
        nameservers: ["192.168.200.1"],
        ntpServers: ["pool.ntp.org"],
        podSubnets: ["10.10.0.0/16"],
      }),
    );
    assert.equal(d.length, 3);
    assert.deepEqual(d[0].patches[0].inline.machine.network.nameservers, ["192.168.200.1"]);
    assert.deepEqual(d[0].patches[0].inline.machine.time, { servers: ["pool.ntp.org"] });
    assert.deepEqual(d[0].patches[0].inline.cluster.network, { podSubnets: ["10.10.0.0/16"] });
  });

  it("refuses to render an even control plane or bad versions", () => {
    assert.throws(
      () => renderClusterTemplate({ ...args, controlPlaneCount: 2 }),
      /control plane size must be odd/,
    );
    assert.throws(() => renderClusterTemplate({ ...args, kubernetesVersion: "1.34" }), /kubernetes\.version/);
  });

  it("structural validation reports the errors omnictl would", () => {
    const t = (...ds: object[]) => ds.map((x) => stringify(x)).join("---\n");
    const cluster = {
      kind: "Cluster",
      name: "c",
      kubernetes: { version: "v1.34.2" },
      talos: { version: "v1.11.5" },
    };
    const cp = { kind: "ControlPlane", machineClass: { name: "cp", size: 3 } };
    assert.match(validateClusterTemplate(t(cp)).join(), /exactly one Cluster/);
    assert.match(
      validateClusterTemplate(t(cluster, cluster, cp)).join(),
      /exactly one Cluster document, found 2/,
    );
    assert.match(
      validateClusterTemplate(t(cluster, { ...cp, machines: ["x"] })).join(),
      /mutually exclusive/,
    );
    assert.match(
      validateClusterTemplate(
        t(
          cluster,
          cp,
          { kind: "Workers", name: "w", machineClass: { name: "w", size: 1 } },
          { kind: "Workers", name: "w", machineClass: { name: "w", size: 1 } },
        ),
      ).join(),
      /duplicate Workers name w/,
    );
    assert.match(validateClusterTemplate(t(cluster, { ...cp, kernelArgs: ["a=b"] })).join(), /kernelArgs/);
    assert.match(
      validateClusterTemplate(t(cluster, { ...cp, patches: [{ inline: {} }] })).join(),
      /needs a name/,
    );
    assert.match(validateClusterTemplate(t({ ...cluster, name: "bad name" }, cp)).join(), /name must use/);
    assert.match(
      validateClusterTemplate(t(cluster, cp, { kind: "Machine", name: "u-1" })).join(),
      /not referenced/,
    );
    assert.match(validateClusterTemplate("kind: [unclosed").join(), /document 1/);
  });
});
