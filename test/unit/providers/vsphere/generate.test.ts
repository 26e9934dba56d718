/**
 * The generator of the vSphere bindings: the committed files are exactly what it produces from the committed
 * schema, and its pieces (type rendering, nested secret paths) and the schema checker behave as documented.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  OUT_DIR,
  Schema,
  generate,
  generateRaw,
  loadSchema,
  moduleName,
  nestedSecretPaths,
  repoRoot,
  typeName,
} from "../../../../providers/vsphere/generate";
import {
  checkInvokeArgs,
  checkInvokeResult,
  checkResourceInputs,
} from "../../../../providers/vsphere/schemaCheck";
import {
  secretFields,
  PROVIDER_VERSION,
  resourceOptsDefaults,
} from "../../../../providers/vsphere/utilities";
import { resolve } from "../../../harness";

const root = repoRoot();
const schema = loadSchema(root);
const VM = "vsphere:index/virtualMachine:VirtualMachine";

describe("providers/vsphere generator", () => {
  it("committed bindings are in sync with reference/vsphere-provider-schema.json", async function () {
    this.timeout(60_000);
    const files = await generate(schema, root);
    const stale: string[] = [];
    for (const [file, text] of files) {
      const target = path.join(root, OUT_DIR, file);
      if (!fs.existsSync(target) || fs.readFileSync(target, "utf8") !== text) stale.push(file);
    }
    assert.deepEqual(
      stale,
      [],
      "run `npx tsc -p . && node dist/providers/vsphere/generate.js` and commit the result",
    );
  });

  it("produces one module per resource and function, the types and the index", () => {
    const files = [...generateRaw(schema).keys()].sort();
    const expected = [
      ...Object.keys(schema.resources).map((t) => `${moduleName(t)}.ts`),
      ...Object.keys(schema.functions).map((t) => `${moduleName(t)}.ts`),
      "index.ts",
      "types/index.ts",
      "types/input.ts",
      "types/output.ts",
    ].sort();
    assert.deepEqual(files, expected);
    assert.ok(files.includes("virtualMachine.ts") && files.includes("getDatacenter.ts"));
  });

  it("names types as the SDK does", () => {
    assert.equal(typeName(VM), "VirtualMachine");
    assert.equal(typeName("vsphere:index/getNetworkFilter:getNetworkFilter"), "GetNetworkFilter");
    assert.equal(moduleName("vsphere:index/getDatacenter:getDatacenter"), "getDatacenter");
  });

  it("renders required inputs as required Args fields and the rest as optional, with Input wrappers", () => {
    const vm = generateRaw(schema).get("virtualMachine.ts")!;
    assert.match(vm, /\n\s*resourcePoolId: pulumi\.Input<string>;/);
    assert.match(vm, /\n\s*numCpus\?: pulumi\.Input<number>;/);
    assert.match(
      vm,
      /\n\s*networkInterfaces\?: pulumi\.Input<pulumi\.Input<inputs\.VirtualMachineNetworkInterface>\[\]>;/,
    );
    assert.match(vm, /\n\s*extraConfig\?: pulumi\.Input<\{\[key: string\]: pulumi\.Input<string>\}>;/);
    // Outputs are `declare`d so that class-field semantics cannot overwrite what the Resource constructor set.
    assert.match(vm, /declare public readonly uuid: pulumi\.Output<string>;/);
    assert.match(
      vm,
      /declare public readonly clone: pulumi\.Output<outputs\.VirtualMachineClone \| undefined>;/,
    );
    assert.match(vm, /resourceInputs\["defaultIpAddress"\] = undefined \/\*out\*\/;/);
    assert.match(vm, /throw new Error\("Missing required property 'resourcePoolId'"\);/);
  });

  it("finds the nested secret fields of the VM clone type", () => {
    const paths = nestedSecretPaths(schema, schema.resources[VM].inputProperties!.clone);
    assert.deepEqual(paths.map((p) => p.join(".")).sort(), [
      "customize.linuxOptions.scriptText",
      "customize.windowsOptions.adminPassword",
      "customize.windowsOptions.domainAdminPassword",
      "customize.windowsOptions.productKey",
      "customize.windowsSysprepText",
    ]);
    assert.deepEqual(nestedSecretPaths(schema, schema.resources[VM].inputProperties!.disks), []);
  });

  it("adds additionalSecretOutputs and pulumi.secret for a top-level secret property", () => {
    const s: Schema = JSON.parse(JSON.stringify(schema));
    s.resources["vsphere:index/tag:Tag"].inputProperties!.name.secret = true;
    s.resources["vsphere:index/tag:Tag"].properties.name.secret = true;
    const tag = generateRaw(s).get("tag.ts")!;
    assert.match(tag, /resourceInputs\["name"\] = args\?\.name \? pulumi\.secret\(args\.name\) : undefined;/);
    assert.match(tag, /additionalSecretOutputs: \["name"\]/);
  });

  it("rejects a schema property that collides with a CustomResource member", () => {
    const s: Schema = JSON.parse(JSON.stringify(schema));
    s.resources["vsphere:index/tag:Tag"].inputProperties!.urn = { type: "string" };
    assert.throws(() => generateRaw(s), /Tag\.urn collides/);
  });
});

describe("providers/vsphere utilities", () => {
  it("pins plugin version 4.17.0 through the `version` resource option", () => {
    assert.equal(PROVIDER_VERSION, "4.17.0");
    assert.deepEqual(resourceOptsDefaults(), { version: "4.17.0" });
  });

  it("secretFields wraps only the listed nested fields, through arrays, and keeps absent fields absent", async () => {
    const value = {
      customize: {
        linuxOptions: { hostName: "a", scriptText: "x" },
        networkInterfaces: [{ ipv4Address: "10.0.0.1" }],
      },
      templateUuid: "u",
    };
    const out: any = secretFields(value, [
      ["customize", "linuxOptions", "scriptText"],
      ["customize", "windowsSysprepText"],
    ]);
    assert.ok(pulumi.Output.isInstance(out.customize.linuxOptions.scriptText));
    assert.equal(await pulumi.isSecret(out.customize.linuxOptions.scriptText), true);
    assert.equal(await resolve(out.customize.linuxOptions.scriptText), "x");
    assert.equal(out.customize.linuxOptions.hostName, "a");
    assert.equal("windowsSysprepText" in out.customize, false);
    assert.equal(value.customize.linuxOptions.scriptText, "x", "the caller's object is not mutated");

    const list: any = secretFields([{ a: { s: "1" } }, { a: {} }], [["a", "s"]]);
    assert.equal(await pulumi.isSecret(list[0].a.s), true);
    assert.deepEqual(list[1], { a: {} });
    assert.equal(secretFields(undefined, [["a"]]), undefined);
  });
});

describe("providers/vsphere schemaCheck", () => {
  it("reports unknown and mistyped properties with their paths, nested types included", () => {
    const problems = checkResourceInputs(schema, VM, {
      numCpus: 2,
      memory: "4096",
      cpus: 2,
      networkInterfaces: [{ networkId: "n" }, { network: "n" }],
      clone: { templateUuid: "u", customize: { linuxOptions: { hostname: "x" } } },
      extraConfig: { "guestinfo.a": 1 },
    });
    assert.deepEqual(problems.map((p) => p.path).sort(), [
      "clone.customize.linuxOptions.hostname",
      "cpus",
      'extraConfig["guestinfo.a"]',
      "memory",
      "networkInterfaces[1].network",
    ]);
  });

  it("reports missing required properties only when asked, at every level", () => {
    const inputs = {
      numCpus: 2,
      networkInterfaces: [{ networkId: "n" }, { adapterType: "vmxnet3" }],
      clone: { customize: { linuxOptions: { hostName: "x" } } },
    };
    assert.deepEqual(checkResourceInputs(schema, VM, inputs), [], "names and types alone are fine");
    const problems = checkResourceInputs(schema, VM, inputs, { required: true });
    assert.deepEqual(problems.map((p) => p.path).sort(), [
      "clone.customize.linuxOptions.domain",
      "clone.templateUuid",
      "networkInterfaces[1].networkId",
      "resourcePoolId",
    ]);
    assert.ok(problems.every((p) => p.message === "is required but missing"));
    assert.deepEqual(
      checkInvokeArgs(schema, "vsphere:index/getHost:getHost", { name: "esx01" }, { required: true }).map(
        (p) => p.path,
      ),
      ["datacenterId"],
    );
  });

  it("takes values the caller calls unknown as present and unchecked", () => {
    const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const isUnknown = (v: unknown) => v === UNKNOWN;
    const problems = checkResourceInputs(
      schema,
      VM,
      { resourcePoolId: UNKNOWN, numCpus: UNKNOWN, clone: UNKNOWN, memory: "1024" },
      { required: true, isUnknown },
    );
    assert.deepEqual(
      problems.map((p) => p.path),
      ["memory"],
    );
  });

  it("reports missing required fields of an invoke result", () => {
    const problems = checkInvokeResult(schema, "vsphere:index/getDatacenter:getDatacenter", {
      id: "datacenter-3",
    });
    assert.deepEqual(
      problems.map((p) => p.path),
      ["virtualMachines"],
    );
  });
});
