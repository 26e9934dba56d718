/**
 * The engine runs dynamic providers in a separate node process (`pulumi-resource-pulumi-nodejs`) from the
 * serialized closure. Here: serialize like `dynamic.Resource` does, load the text the way that process does
 * (require-from-string + handler()) in a child node process, and let it create a record on the emulator.
 * Also: the resource classes under Pulumi mocks (type token, secrets).
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { harness } from "../../../harness";
import { Alias, WireguardServer } from "../../../../providers/opnsense";
import { providerFor } from "../../../../providers/opnsense/provider";
import { connectionOf, withEmulator } from "./helpers";

const { serializeFunction } = require("@pulumi/pulumi/runtime/closure/serializeClosure");

describe("OPNsense dynamic providers: serialization and resource classes", () => {
  it("the serialized provider holds only the kind and the dispatch path, and works in a fresh node process", async () =>
    withEmulator(async (emu) => {
      const p = providerFor("Alias");
      const sf = await serializeFunction(() => p, { allowSecrets: true });
      assert.ok(sf.text.length < 5000, "small closure");
      assert.match(sf.text, /kind: "Alias"/);
      assert.ok(!sf.text.includes(emu.apiKey));
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opn-ser-"));
      const provFile = path.join(dir, "provider.txt");
      fs.writeFileSync(provFile, sf.text);
      const inputs = {
        connection: connectionOf(emu),
        resourceKey: "ser/a",
        name: "ser_alias",
        type: "network",
        content: ["10.1.0.0/16"],
      };
      const script = `
        const rfs = require(${JSON.stringify(require.resolve("require-from-string", { paths: [require.resolve("@pulumi/pulumi")] }))});
        const prov = rfs(require("fs").readFileSync(${JSON.stringify(provFile)}, "utf8")).handler();
        (async () => {
          const inputs = JSON.parse(process.argv[1]);
          const chk = await prov.check({}, inputs);
          const r = await prov.create(chk.inputs);
          const d = await prov.diff(r.id, r.outs, { ...inputs, content: ["10.2.0.0/16"] });
          process.stdout.write(JSON.stringify({ id: r.id, d }));
        })().catch((e) => { process.stderr.write(String(e.message)); process.exit(1); });`;
      const out = await new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          ["-e", script, JSON.stringify(inputs)],
          { timeout: 20000 },
          (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout)),
        ),
      );
      fs.rmSync(dir, { recursive: true, force: true });
      const res = JSON.parse(out);
      assert.equal(emu.state.collections.alias[res.id].name, "ser_alias");
      assert.deepEqual(res.d.changedArgs, ["content"]);
      assert.equal(emu.state.pending.size, 0);
    }));

  it("resource classes register pulumi-nodejs:dynamic/opnsense:<Kind> with a secret connection and secret key outputs", async () => {
    await harness.run(() => {
      new Alias("hosts", {
        connection: { url: "https://10.0.0.1", apiKey: "k", apiSecret: "s", fingerprint: "ab".repeat(32) },
        name: "hosts",
        type: "host",
        content: ["10.0.0.2"],
      });
      new WireguardServer("wg", {
        connection: pulumi.output({ url: "https://10.0.0.1", apiKey: "k", apiSecret: "s" }),
        name: "wg0",
        port: 51820,
        tunnelAddress: ["10.99.0.1/24"],
        privateKey: "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=",
      });
    });
    const a = harness.get("hosts", "pulumi-nodejs:dynamic/opnsense:Alias");
    assert.ok(a.secretInputs.includes("connection"));
    assert.equal(a.inputs.resourceKey, `${pulumi.getProject()}/${pulumi.getStack()}/hosts`);
    assert.ok(a.options.additionalSecretOutputs.includes("connection"));
    const w = harness.get("wg", "pulumi-nodejs:dynamic/opnsense:WireguardServer");
    assert.ok(w.secretInputs.includes("privateKey"));
    assert.ok(w.options.additionalSecretOutputs.includes("privateKey"));
  });
});
