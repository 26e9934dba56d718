/**
 * Several clusters per tenant (model/tenant/spec.ts `clusters`, addressPlan.ts, addressPins.ts): names, namespaces,
 * endpoints, LAN capacity, the single `cluster` as a one-element list, and endpoint VIPs and IPAM ranges that never
 * move.
 */
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { planTenantAddresses } from "../../../../model/tenant/addressPlan";
import { pinAddresses } from "../../../../model/tenant/addressPins";
import { TenantSpec, TenantSpecInput, tenantClusters, tenantSpecSchema } from "../../../../model/tenant/spec";

const devProd = (): TenantSpecInput => ({
  name: "acme",
  clusters: [
    {
      name: "dev",
      bootstrap: "talos",
      network: "lan1",
      controlPlane: { replicas: 1 },
      workers: { replicas: 1 },
    },
    {
      name: "prod",
      network: "lan2",
      addressing: "ipam",
      controlPlane: { replicas: 3 },
      workers: { replicas: 3 },
    },
  ],
  floatingIps: [
    { name: "dev-api", target: "cluster:dev" },
    { name: "prod-api", target: "cluster:prod" },
  ],
});

/** The issues of a spec as `path: message` lines. */
function issues(input: unknown): string[] {
  const r = tenantSpecSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

const parse = (input: TenantSpecInput): TenantSpec => tenantSpecSchema.parse(input);

describe("tenant clusters: several per tenant", () => {
  it("a Dev (Talos, 1 control plane) and a Prod (kubeadm, 3, IPAM) cluster on different LANs", () => {
    const spec = parse(devProd());
    const clusters = tenantClusters(spec);
    assert.deepEqual(
      clusters.map((c) => [c.spec.name, c.namespace, c.legacy, c.spec.bootstrap]),
      [
        ["dev", "tenant-acme-dev", false, "talos"],
        ["prod", "tenant-acme-prod", false, "kubeadm"],
      ],
    );
    const plan = planTenantAddresses(spec);
    assert.deepEqual(plan.clusters.get("dev"), { lan: "lan1", kubeVip: "10.0.1.10", ipamRange: undefined });
    assert.deepEqual(plan.clusters.get("prod"), {
      lan: "lan2",
      kubeVip: "10.0.2.10",
      ipamRange: { first: "10.0.2.100", last: "10.0.2.124" },
    });
    assert.deepEqual(plan.targets.get("prod-api"), {
      address: "10.0.2.10",
      kind: "cluster:prod",
      lan: "lan2",
    });
  });

  it("the single cluster is a one-element list named like the tenant, in tenant-<tenant>, with the whole IPAM range", () => {
    const spec = parse({
      name: "acme",
      cluster: { addressing: "ipam" },
      floatingIps: [{ name: "api", target: "cluster" }],
    });
    const [c] = tenantClusters(spec);
    assert.deepEqual(
      [c.spec.name, c.namespace, c.legacy, c.path],
      ["acme", "tenant-acme", true, ["cluster"]],
    );
    assert.deepEqual(planTenantAddresses(spec).clusters.get("acme"), {
      lan: "lan1",
      kubeVip: "10.0.1.10",
      ipamRange: { first: "10.0.1.100", last: "10.0.1.199" },
    });
    assert.equal(
      planTenantAddresses(spec).targets.get("api")!.kind,
      "cluster",
      "the endpoint's kind as before",
    );
  });

  const refused: [string, (s: any) => void, RegExp][] = [
    [
      "both shapes",
      (s) => (s.cluster = {}),
      /^clusters: give either cluster \(a single one\) or clusters, not both$/m,
    ],
    [
      "a duplicate name",
      (s) => (s.clusters[1].name = "dev"),
      /^clusters\.1\.name: duplicate cluster name "dev"$/m,
    ],
    [
      "the bare cluster target with two clusters",
      (s) => (s.floatingIps[0].target = "cluster"),
      /^floatingIps\.0\.target: targets "cluster" but the tenant has 2 clusters: name one, e\.g\. "cluster:dev"$/m,
    ],
    [
      "a target naming no cluster",
      (s) => (s.floatingIps[0].target = "cluster:qa"),
      /^floatingIps\.0\.target: targets cluster "qa", which is no cluster of this tenant$/m,
    ],
    [
      "a cluster without an endpoint floating IP",
      (s) => s.floatingIps.pop(),
      /^clusters\.1: a cluster needs a floating IP for its API endpoint: add one to floatingIps with target "cluster:prod"$/m,
    ],
    [
      "two floating IPs for one cluster",
      (s) => s.floatingIps.push({ name: "again", target: "cluster:dev" }),
      /^floatingIps\.2\.target: cluster "dev" already has a floating IP$/m,
    ],
    [
      "another tenant's namespace",
      (s) => (s.clusters[0].namespace = "tenant-other"),
      /^clusters\.0\.namespace: must be "tenant-acme-dev" or "tenant-acme"$/m,
    ],
    [
      "a VIP outside the LAN's endpoint range",
      (s) => (s.clusters[0].vip = "10.0.1.20"),
      /^clusters\.0\.vip: must be in the endpoint range of lan1 \(10\.0\.1\.10-10\.0\.1\.19\)$/m,
    ],
    [
      "an IPAM range outside the LAN's IPAM range",
      (s) => (s.clusters[1].ipamRange = "10.0.2.190-10.0.2.220"),
      /^clusters\.1\.ipamRange: must be inside the IPAM range of lan2 \(10\.0\.2\.100-10\.0\.2\.199\)$/m,
    ],
    [
      "an IPAM range too small for the nodes",
      (s) => (s.clusters[1].ipamRange = "10.0.2.100-10.0.2.105"),
      /^clusters\.1\.ipamRange: holds 6 addresses but the cluster needs 8 \(control plane \+ workers \+ 2 for rollouts\)$/m,
    ],
    [
      "more IPAM nodes than a block holds",
      (s) => (s.clusters[1].workers.replicas = 21),
      /^clusters\.1\.workers\.replicas: the cluster needs 26 node addresses .* an IPAM block holds 25: give ipamRange a larger range$/m,
    ],
    [
      "DHCP clusters that outgrow the LAN's DHCP pool (LAN capacity)",
      (s) => {
        s.clusters[1] = {
          name: "prod",
          network: "lan1",
          controlPlane: { replicas: 3 },
          workers: { replicas: 45 },
        };
      },
      /^clusters\.1\.workers\.replicas: the DHCP clusters on lan1 need 54 leases \(nodes \+ 2 for rollouts each\) but its DHCP pool holds 51/m,
    ],
    [
      "overlapping IPAM ranges",
      (s) => {
        s.clusters[0] = {
          name: "dev",
          network: "lan2",
          addressing: "ipam",
          ipamRange: "10.0.2.100-10.0.2.130",
        };
        s.clusters[1].ipamRange = "10.0.2.120-10.0.2.150";
      },
      /^clusters\.1\.ipamRange: overlaps the IPAM range of cluster "dev" \(10\.0\.2\.100-10\.0\.2\.130\)$/m,
    ],
    [
      "more than 4 clusters",
      (s) => (s.clusters = Array(5).fill(s.clusters[0])),
      /^clusters: must have at most 4 clusters$/m,
    ],
    [
      "a Talos cluster with IPAM",
      (s) => (s.clusters[0].addressing = "ipam"),
      /^clusters\.0\.addressing: ipam is not available with bootstrap talos/m,
    ],
  ];
  for (const [what, mutate, expected] of refused) {
    it(`refuses ${what}, naming the field`, () => {
      const s = structuredClone(devProd()) as any;
      mutate(s);
      assert.match(issues(s).join("\n"), expected);
    });
  }

  it("the spec as given is valid (the cases above fail for their own reason)", () => {
    assert.deepEqual(issues(devProd()), []);
  });
});

describe("tenant clusters: endpoint VIPs and IPAM ranges never move", () => {
  const pin = (next: TenantSpec, ...history: TenantSpec[]) => {
    const r = pinAddresses(next, history);
    assert.deepEqual(r.issues, []);
    return r.spec;
  };
  const where = (s: TenantSpec) =>
    Object.fromEntries(
      (s.clusters ?? []).map((c) => [c.name, [c.vip, c.ipamRange].filter(Boolean).join(" ")]),
    );

  it("a cluster inserted at the head on the same LAN moves no other; the service writes vip and ipamRange", () => {
    const v1 = pin(parse(devProd()));
    assert.deepEqual(where(v1), { dev: "10.0.1.10", prod: "10.0.2.10 10.0.2.100-10.0.2.124" });
    const s = devProd();
    s.clusters!.unshift({ name: "qa", network: "lan2", addressing: "ipam" });
    s.floatingIps!.push({ name: "qa-api", target: "cluster:qa" });
    const v2 = pin(parse(s), v1);
    assert.deepEqual(where(v2), {
      qa: "10.0.2.11 10.0.2.125-10.0.2.149",
      dev: "10.0.1.10",
      prod: "10.0.2.10 10.0.2.100-10.0.2.124",
    });
  });

  it("a tenant's single cluster becomes a one-element list that keeps its namespace, VIP and whole IPAM range", () => {
    const old = parse({
      name: "acme",
      cluster: { addressing: "ipam" },
      floatingIps: [{ name: "api", target: "cluster" }],
    });
    const next = pin(old, old);
    assert.equal(next.cluster, undefined);
    assert.deepEqual(
      next.clusters!.map((c) => [c.name, c.namespace, c.vip, c.ipamRange]),
      [["acme", "tenant-acme", "10.0.1.10", "10.0.1.100-10.0.1.199"]],
    );
    assert.deepEqual(tenantClusters(next)[0].legacy, true, "same resource names and namespace as before");
    // A second IPAM cluster on that LAN finds no room: a clear problem naming the field and who holds the range.
    const more = structuredClone(next) as any;
    more.clusters.push({
      ...more.clusters[0],
      name: "dev",
      namespace: undefined,
      vip: undefined,
      ipamRange: undefined,
    });
    more.floatingIps.push({ name: "dev-api", target: "cluster:dev" });
    const r = pinAddresses(tenantSpecSchema.parse(more), [next]);
    assert.deepEqual(
      r.issues.map((i) => i.path),
      [["clusters", 1, "ipamRange"]],
    );
    assert.match(
      r.issues[0].message,
      /held: "acme" 10\.0\.1\.100-10\.0\.1\.199; give one a smaller ipamRange/,
    );
  });

  it("property: inserts, removals and reorders of clusters never move a kept cluster's VIP or range", () => {
    type C = { name: string; network: "lan1" | "lan2" };
    const step = fc.oneof(
      fc.record({ op: fc.constant("insert" as const), at: fc.nat(), lan: fc.constantFrom("lan1", "lan2") }),
      fc.record({ op: fc.constant("remove" as const), at: fc.nat() }),
      fc.record({ op: fc.constant("reverse" as const) }),
      fc.record({ op: fc.constant("apply" as const) }),
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 25 }), (steps) => {
        let list: C[] = [];
        let history: TenantSpec[] = [];
        let serial = 0;
        for (const s of steps) {
          if (s.op === "insert" && list.length < 4) {
            const at = s.at % (list.length + 1);
            list = [
              ...list.slice(0, at),
              { name: `c${serial++}`, network: s.lan as C["network"] },
              ...list.slice(at),
            ];
          } else if (s.op === "remove" && list.length) list = list.filter((_, i) => i !== s.at % list.length);
          else if (s.op === "reverse") list = [...list].reverse();
          else if (s.op === "apply") {
            history = history.slice(0, 1);
            continue;
          }
          const spec = parse({
            name: "acme",
            clusters: list.map((c) => ({ ...c, addressing: "ipam" as const, workers: { replicas: 1 } })),
            floatingIps: list.map((c) => ({ name: `${c.name}-api`, target: `cluster:${c.name}` })),
          });
          const r = pinAddresses(spec, history);
          // Four IPAM blocks per LAN: only ranges held by removed clusters not yet released can run out.
          if (r.issues.length) {
            assert.ok(
              r.issues.every((i) => /removed since the last successful up/.test(i.message)),
              JSON.stringify(r.issues),
            );
            continue;
          }
          const before = history[0];
          for (const c of r.spec.clusters ?? []) {
            const old = before?.clusters?.find((o) => o.name === c.name);
            if (old) assert.deepEqual([c.vip, c.ipamRange], [old.vip, old.ipamRange], `${c.name} moved`);
          }
          history = [r.spec, ...history];
        }
      }),
      { numRuns: 200 },
    );
  });
});
