/**
 * The tenant stack's platform-wide settings: they come from the onprem stack's outputs (the contract in
 * model/contracts.ts), a tenant stack needs only the three keys the automation service writes, per-stack config
 * overrides win, and secrets stay secret on the way.
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { onpremOutputKeys, onpremSecretOutputKeys } from "../../../model/contracts";
import { RecordedResource, defaultInventory, harness, resolve } from "../../harness";
import { onpremExampleValues } from "../components/onprem/fixtures";
import { exampleValues, loadExample } from "../components/tenant/fixtures";

type Outputs = Record<string, pulumi.Input<unknown>>;
const tenantStack = () => require("../../../stacks/tenant") as typeof import("../../../stacks/tenant");
const onpremStack = () => require("../../../stacks/onprem") as typeof import("../../../stacks/onprem");

async function runTenant(values: Record<string, any>, inventory = defaultInventory()): Promise<Outputs> {
  return harness.run(() => tenantStack().run({ values, secretKeys: new Set() }), inventory);
}

const onpremMock = () => defaultInventory().data.stackOutputs["onprem"];
const rotation = (tenant: string) => harness.get(`tenant-${tenant}-router-api-key`);
const apiReady = (tenant: string) => harness.get(`tenant-${tenant}-router-api-ready`);

/** Every plain (non-secret) input of every resource, as one JSON string. */
function plainInputs(): string {
  return JSON.stringify(
    harness.resources.map((r: RecordedResource) =>
      Object.fromEntries(Object.entries(r.inputs).filter(([k]) => !r.secretInputs.includes(k))),
    ),
  );
}

describe("onprem → tenant contract", function () {
  this.timeout(60_000);

  it("the onprem stack exports exactly the contract keys, secrets as secrets", async () => {
    const out = await harness.run(() =>
      onpremStack().run({ values: onpremExampleValues(), secretKeys: new Set() }),
    );
    assert.deepEqual(Object.keys(out).sort(), [...onpremOutputKeys].sort());
    for (const k of onpremOutputKeys) {
      const secret = await pulumi.isSecret(pulumi.output(out[k]));
      assert.equal(secret, onpremSecretOutputKeys.includes(k), `${k} secret=${secret}`);
    }
  });

  it("the mock inventory's onprem outputs are what the example onprem stack exports (same keys, same values)", async () => {
    const out = await harness.run(() =>
      onpremStack().run({ values: onpremExampleValues(), secretKeys: new Set() }),
    );
    const mock = onpremMock();
    assert.deepEqual(Object.keys(mock).sort(), [...onpremOutputKeys].sort());
    for (const k of onpremOutputKeys) {
      if (k === "managementKubeconfig") continue; // the mock's is a placeholder; Omni makes the real one
      assert.deepEqual(mock[k], await resolve(out[k]), k);
    }
    assert.deepEqual(defaultInventory().data.stackSecretOutputNames?.onprem, [...onpremSecretOutputKeys]);
  });

  it("the tenant stack reads every contract key and nothing else from the onprem StackReference", async () => {
    const proto = pulumi.StackReference.prototype as any;
    const methods = [
      "getOutput",
      "requireOutput",
      "getOutputValue",
      "requireOutputValue",
      "getOutputDetails",
    ];
    const saved = methods.map((m) => proto[m]);
    const asked = new Set<string>();
    methods.forEach((m, i) => {
      proto[m] = function (this: unknown, name: any, ...rest: any[]) {
        asked.add(String(name));
        return saved[i].call(this, name, ...rest);
      };
    });
    try {
      await runTenant(loadExample("full").values);
    } finally {
      methods.forEach((m, i) => (proto[m] = saved[i]));
    }
    assert.deepEqual([...asked].sort(), [...onpremOutputKeys].sort());
  });

  it("a missing onprem output fails the run naming the key", async () => {
    const inv = defaultInventory();
    delete inv.data.stackOutputs["onprem"].tenantCpiPassword;
    await assert.rejects(
      harness.run(
        () => tenantStack().readOnpremOutputs(new pulumi.StackReference("onprem", { name: "onprem" })),
        inv,
      ),
      /Required output 'tenantCpiPassword' does not exist on stack 'onprem'/,
    );
  });

  it("outputs outside the contract are ignored", async () => {
    const inv = defaultInventory();
    inv.data.stackOutputs["onprem"].somethingElse = "not in the contract";
    const read = await harness.run(
      () => tenantStack().readOnpremOutputs(new pulumi.StackReference("onprem", { name: "onprem" })),
      inv,
    );
    assert.equal(await resolve(read.vcenterServer), "vcenter.lab.local");
    assert.ok(!("somethingElse" in read));
  });

  it("secret outputs stay secret even when the reference does not report them as secret", async () => {
    const inv = defaultInventory();
    inv.data.stackSecretOutputNames = {};
    const read = await harness.run(
      () => tenantStack().readOnpremOutputs(new pulumi.StackReference("onprem", { name: "onprem" })),
      inv,
    );
    for (const k of onpremOutputKeys) {
      const secret = await pulumi.isSecret(read[k] as pulumi.Output<unknown>);
      assert.equal(secret, onpremSecretOutputKeys.includes(k), `${k} secret=${secret}`);
    }
  });
});

describe("tenant stack: platform settings from the onprem stack", function () {
  this.timeout(60_000);

  it("the examples hold only what the automation service writes", () => {
    for (const name of ["small", "full"] as const)
      assert.deepEqual(Object.keys(loadExample(name).values).sort(), ["allocations", "kind", "tenant"], name);
  });

  it("plans with only kind, tenant and allocations: router template, API key and fingerprint come from onprem", async () => {
    const v = exampleValues("full");
    const values = { kind: v.kind, tenant: v.tenant, allocations: v.allocations };
    await runTenant(values);
    const mock = onpremMock();
    const inv = defaultInventory().data;
    const vm = harness.get("tenant-full-router-vm", "VirtualMachine");
    assert.equal(
      vm.inputs.clone.templateUuid,
      inv.templates.find((t) => t.name === mock.routerTemplateName)!.uuid,
    );
    const conn = apiReady("full").inputs.connection;
    assert.equal(conn.apiKey, mock.routerTemplateApiKey);
    assert.equal(conn.apiSecret, mock.routerTemplateApiSecret);
    assert.equal(conn.fingerprint, mock.routerTemplateApiFingerprint);
    assert.equal(rotation("full").inputs.connection.apiKey, mock.routerTemplateApiKey);
    const vc = harness.ofType("kubernetes:infrastructure.cluster.x-k8s.io/v1beta2:VSphereCluster")[0].inputs
      .spec;
    assert.deepEqual(vc.identityRef, { kind: "VSphereClusterIdentity", name: mock.tenantClusterIdentity });
  });

  it("the router API credentials reach the router resources only as secrets", async () => {
    await runTenant(loadExample("small").values);
    for (const r of [apiReady("small"), rotation("small")]) {
      assert.ok(r.secretInputs.includes("connection"), `${r.name}: connection is secret`);
    }
    const plain = plainInputs();
    for (const s of ["golden-template-api-key", "golden-template-api-secret"])
      assert.ok(!plain.includes(s), `${s} appears in a plain input`);
  });

  it("per-stack config overrides the onprem outputs (template, API key pair, fingerprint, identity, CPI account)", async () => {
    const inv = defaultInventory();
    const golden = inv.data.templates.find((t) => t.name === "opnsense-26.7-golden")!;
    inv.data.templates.push({
      ...golden,
      name: "opnsense-27.1-golden",
      uuid: "4f1e2d3c-0000-4000-a000-000000000271",
    });
    const v = exampleValues("full");
    Object.assign(v, {
      routerTemplate: "opnsense-27.1-golden",
      routerApiKey: "override-key",
      routerApiSecret: "override-secret",
      routerApiFingerprint: "",
      vsphereIdentity: "",
      cpiUsername: "other-cpi@vsphere.local",
      cpiPassword: "other-cpi-password",
    });
    await runTenant(v, inv);
    const vm = harness.get("tenant-full-router-vm", "VirtualMachine");
    assert.equal(vm.inputs.clone.templateUuid, "4f1e2d3c-0000-4000-a000-000000000271");
    const conn = apiReady("full").inputs.connection;
    assert.equal(conn.apiKey, "override-key");
    assert.equal(conn.apiSecret, "override-secret");
    assert.equal(conn.fingerprint, undefined, '"" switches pinning off: the system CA store');
    assert.ok(apiReady("full").secretInputs.includes("connection"));
    const vc = harness.ofType("VSphereCluster")[0].inputs.spec;
    assert.equal(vc.identityRef, undefined, '"" switches the identity off: CAPV\'s own credentials');
    const creds = harness.get("tenant-full-cluster-cpi-credentials", "kubernetes:core/v1:Secret");
    assert.ok(creds.secretInputs.includes("stringData"));
    const manifest = parse(Object.values(creds.inputs.stringData)[0] as string);
    assert.equal(manifest.stringData["vcenter.lab.local.username"], "other-cpi@vsphere.local");
    assert.equal(manifest.stringData["vcenter.lab.local.password"], "other-cpi-password");
    assert.ok(!plainInputs().includes("override-secret"));
    assert.ok(!plainInputs().includes("other-cpi-password"));
  });

  it("half an override pair or a bad fingerprint is refused, naming the key", async () => {
    const bad = async (patch: Record<string, unknown>, re: RegExp) => {
      const v = { ...exampleValues("small"), ...patch };
      await assert.rejects(runTenant(v), (e: Error) => {
        assert.match(e.message, re);
        return true;
      });
    };
    await bad({ routerApiSecret: "s" }, /basphere:routerApiKey: is required with routerApiSecret/);
    await bad({ cpiPassword: "p" }, /basphere:cpiUsername: is required with cpiPassword/);
    await bad({ routerApiFingerprint: "abc" }, /basphere:routerApiFingerprint/);
  });

  it("the onprem config requires the router template's API key pair and the tenant CPI account, naming the key", () => {
    const { configSchema } = onpremStack();
    const { parseConfig } = require("../../../stacks/config") as typeof import("../../../stacks/config");
    const fails = (mutate: (v: Record<string, any>) => void): string => {
      const v = onpremExampleValues() as Record<string, any>;
      mutate(v);
      try {
        parseConfig(configSchema, v, "onprem stack config");
      } catch (e) {
        return (e as Error).message;
      }
      assert.fail("config was accepted");
    };
    assert.match(
      fails((v) => delete v.routerTemplate),
      /basphere:routerTemplate: required: routerTemplate \{name, apiKey, apiSecret, fingerprint\}/,
    );
    assert.match(
      fails((v) => delete v.routerTemplate.apiSecret),
      /basphere:routerTemplate\.apiSecret: required: the golden template's API secret/,
    );
    assert.match(
      fails((v) => (v.routerTemplate.fingerprint = "5D:1A")),
      /basphere:routerTemplate\.fingerprint: must be a SHA-256 certificate fingerprint/,
    );
    assert.match(
      fails((v) => delete v.tenantClusters.cpiPassword),
      /basphere:tenantClusters\.cpiPassword: required/,
    );
    assert.match(
      fails((v) => (v.tenantClusters.extra = 1)),
      /basphere:tenantClusters/,
    );
    // Name defaults to the golden template; fingerprint and identity are optional.
    const v = onpremExampleValues() as Record<string, any>;
    delete v.routerTemplate.name;
    delete v.routerTemplate.fingerprint;
    delete v.tenantClusters.identity;
    const c = parseConfig(configSchema, v);
    assert.equal(c.routerTemplate.name, "opnsense-26.7-golden");
  });

  it('without fingerprint and identity, onprem exports "" and the tenant trusts the CA store and uses CAPV\'s credentials', async () => {
    const values = onpremExampleValues() as Record<string, any>;
    delete values.routerTemplate.fingerprint;
    delete values.tenantClusters.identity;
    const out = await harness.run(() => onpremStack().run({ values, secretKeys: new Set() }));
    assert.equal(await resolve(out.routerTemplateApiFingerprint), "");
    assert.equal(await resolve(out.tenantClusterIdentity), "");
    const inv = defaultInventory();
    Object.assign(inv.data.stackOutputs["onprem"], {
      routerTemplateApiFingerprint: "",
      tenantClusterIdentity: "",
    });
    await runTenant(loadExample("full").values, inv);
    assert.equal(apiReady("full").inputs.connection.fingerprint, undefined);
    assert.equal(harness.ofType("VSphereCluster")[0].inputs.spec.identityRef, undefined);
  });
});
