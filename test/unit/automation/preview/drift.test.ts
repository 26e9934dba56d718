/**
 * driftFromEvents on the shapes a real `pulumi preview --refresh` emits (recorded on the box): a dynamic-provider
 * resource (OPNsense rule) with no detailed diff, whose live outputs are compared with the program's inputs; a
 * Kubernetes object with the provider's detailed diff; refresh/read/same steps and the stack ignored; a resource
 * gone from the live system planned as create. And the CLI's rendering of a drift record.
 */
import assert from "node:assert/strict";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { driftFromEvents } from "../../../../automation/preview/drift";
import { formatDrift } from "../../../../automation/cli/tenants";

const URN = "urn:pulumi:tenant-drift::basphere::basphere:tenant:Tenant$";
const pre = (op: string, type: string, name: string, extra: Record<string, unknown> = {}): EngineEvent =>
  ({
    sequence: 0,
    timestamp: 0,
    resourcePreEvent: { metadata: { op, urn: `${URN}${type}::${name}`, type, provider: "", ...extra } },
  }) as unknown as EngineEvent;

describe("drift from a preview --refresh", () => {
  const RULE = "pulumi-nodejs:dynamic/opnsense:FirewallRule";
  const MD = "kubernetes:cluster.x-k8s.io/v1beta2:MachineDeployment";
  const events = [
    pre("refresh", RULE, "tenant-drift-router-out-lan2"),
    pre("same", "pulumi:pulumi:Stack", "basphere-tenant-drift"),
    pre("update", RULE, "tenant-drift-router-out-lan2", {
      old: {
        inputs: { description: "tenant lan2 out", action: "pass", __provider: "code" },
        outputs: { description: "edited by hand", action: "pass", uuid: "u1", __provider: "code" },
      },
      new: { inputs: { description: "tenant lan2 out", action: "pass", __provider: "code2" } },
      detailedDiff: {},
    }),
    pre("update", MD, "tenant-drift-cluster-dev-machine-deployment", {
      old: { inputs: { spec: { replicas: 3 } }, outputs: { spec: { replicas: 3 } } },
      new: { inputs: { spec: { replicas: 1 } } },
      detailedDiff: { "spec.replicas": { diffKind: "update", inputDiff: false } },
    }),
    pre("update", MD, "tenant-drift-cluster-dev-machine-deployment"), // resOutputs-like repeat: once only
    pre("read", "kubernetes:core/v1:Secret", "tenant-drift-cluster-dev-kubeconfig"),
    pre("create", "pulumi-nodejs:dynamic/opnsense:VirtualIp", "tenant-drift-fip-web-vip"),
    pre("update", "pulumi:providers:kubernetes", "tenant-drift-mgmt", { diffs: ["kubeconfig"] }),
  ];

  it("lists each drifted resource once with the property paths that differ, in the engine's order", () => {
    assert.deepEqual(
      driftFromEvents(events).map((r) => [r.op, r.name, r.properties]),
      [
        ["update", "tenant-drift-router-out-lan2", ["description"]],
        ["update", "tenant-drift-cluster-dev-machine-deployment", ["spec.replicas"]],
        ["create", "tenant-drift-fip-web-vip", []],
      ],
    );
  });

  it("names no values", () => {
    const text = JSON.stringify(driftFromEvents(events));
    assert.ok(!text.includes("edited by hand") && !text.includes("tenant lan2 out"));
  });

  it("a provider without a detailed diff: only leaves the program sets count, not computed outputs", () => {
    const VM = "vsphere:index/virtualMachine:VirtualMachine";
    const vm = pre("update", VM, "tenant-drift-vm-db", {
      old: {
        outputs: {
          memory: 8192,
          numCpus: 2,
          disks: [{ label: "disk0", size: 40, uuid: "6000C29a" }],
          clone: { templateUuid: "t1", timeout: 30 },
          moid: "vm-42",
        },
      },
      new: {
        inputs: {
          memory: 4096,
          numCpus: 2,
          disks: [{ label: "disk0", size: 40 }],
          clone: { templateUuid: "t1" },
        },
      },
    });
    assert.deepEqual(
      driftFromEvents([vm]).map((r) => r.properties),
      [["memory"]],
    );
    const gone = pre("update", VM, "tenant-drift-vm-web", {
      old: { outputs: { memory: 4096, disks: [] } },
      new: { inputs: { memory: 4096, disks: [{ label: "disk0", size: 40 }] } },
    });
    assert.deepEqual(driftFromEvents([gone])[0].properties, ["disks[0]"]);
  });

  it("a clean preview has no drift", () => {
    assert.deepEqual(driftFromEvents([pre("refresh", RULE, "a"), pre("same", RULE, "a")]), []);
  });

  it("the CLI shows status, the check and each resource with its properties", () => {
    const text = formatDrift({
      tenant: "acme",
      status: "drifted",
      policy: "detect",
      check: {
        state: "drifted",
        checkedAt: "2026-12-03T12:00:00.000Z",
        operationId: "op1",
        resources: driftFromEvents(events).slice(0, 2),
      },
      nextCheckAt: "2026-12-03T12:10:00.000Z",
      lastReconcile: null,
    });
    assert.match(text, /^acme: drifted \(policy detect\)$/m);
    assert.match(text, /last check 2026-12-03T12:00:00.000Z \(op1\): drifted/);
    assert.match(
      text,
      /update {2}tenant-drift-router-out-lan2 {2}description {2}\(pulumi-nodejs:dynamic\/opnsense:FirewallRule\)/,
    );
    assert.match(text, /tenant-drift-cluster-dev-machine-deployment {2}spec\.replicas/);
  });
});
