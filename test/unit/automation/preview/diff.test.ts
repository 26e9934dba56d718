import assert from "node:assert/strict";
import { PlanJson, diffPlans, diffValues, renderMarkdown } from "../../../../automation/preview/diff";

const vm = (name: string, cpus: number, extra: Record<string, unknown> = {}) => ({
  type: "vsphere:index/virtualMachine:VirtualMachine",
  name,
  urn: `urn:pulumi:s::basphere::vsphere:index/virtualMachine:VirtualMachine::${name}`,
  custom: true,
  inputs: {
    name,
    numCpus: cpus,
    networkInterfaces: [{ networkId: "pg-wan" }, { networkId: "lan1" }],
    ...extra,
  },
});

const plan = (resources: PlanJson["resources"], outputs: Record<string, unknown> = {}): PlanJson => ({
  stack: "tenant-acme",
  kind: "tenant",
  resources,
  outputs,
});

describe("preview diffs", () => {
  it("lists leaf paths that changed, including inside arrays", () => {
    assert.deepEqual(
      diffValues({ a: 1, n: [{ id: "x" }, { id: "y" }] }, { a: 1, n: [{ id: "x" }, { id: "z" }], b: true }),
      [
        { path: "b", before: undefined, after: true },
        { path: "n[1].id", before: "y", after: "z" },
      ],
    );
  });

  it("classifies creates, updates, deletes and unchanged resources", () => {
    const d = diffPlans(
      plan([vm("router", 2), vm("old", 1), vm("same", 4)]),
      plan([vm("router", 4), vm("same", 4), vm("new", 2)]),
    );
    assert.deepEqual(
      d.changes.map((c) => [c.op, c.name]),
      [
        ["update", "router"],
        ["create", "new"],
        ["delete", "old"],
      ],
    );
    assert.equal(d.unchanged, 1);
    assert.deepEqual(d.changes[0].changes, [{ path: "numCpus", before: 2, after: 4 }]);
  });

  it("renders Markdown a reviewer can read, never showing secret values", () => {
    const base = plan([vm("router", 2, { token: "[secret]" })], { wanAddress: "192.168.200.10" });
    const head = plan([vm("router", 4, { token: "[secret]", pw: "[secret]" })], {
      wanAddress: "192.168.200.11",
    });
    const md = renderMarkdown(diffPlans(base, head));
    assert.match(md, /### Basphere preview: stack `tenant-acme` \(kind tenant\)/);
    assert.match(md, /\| 0 \| 1 \| 0 \| 0 \|/);
    assert.match(md, /`numCpus`: `2` → `4`/);
    assert.match(md, /`pw`: _\(none\)_ → `\[secret\]`/);
    assert.match(md, /`wanAddress`: `192.168.200.10` → `192.168.200.11`/);
    assert.doesNotMatch(md, /token/);
  });

  it("says so when nothing changes, and treats a missing base as all creates", () => {
    assert.match(renderMarkdown(diffPlans(plan([vm("a", 1)]), plan([vm("a", 1)]))), /No changes\./);
    const d = diffPlans(undefined, plan([vm("a", 1), vm("b", 1)]));
    assert.deepEqual(
      d.changes.map((c) => c.op),
      ["create", "create"],
    );
  });
});
