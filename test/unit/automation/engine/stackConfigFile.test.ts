/**
 * How stack config reaches the engine: written into the stack's settings file (`Pulumi.<stack>.yaml`), never on a
 * command line (a tenant spec there failed with E2BIG), keeping what the CLI keeps in that file.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { writeStackConfigFile } from "../../../../automation/engine/engine";
import { tempDir } from "../../../../support/serviceApp";

describe("stack config file (engine)", () => {
  let dir: string;
  beforeEach(() => (dir = tempDir("basphere-stackcfg-")));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("sets plain values as strings, keeping the salt, secure values and comments; any size", () => {
    const file = path.join(dir, "Pulumi.tenant-acme.yaml");
    fs.writeFileSync(
      file,
      "# operator's note\nencryptionsalt: v1:abc:def\nconfig:\n  basphere:kind: tenant\n" +
        "  basphere:token:\n    secure: v1:Zm9v:YmFy\n",
    );
    const spec = JSON.stringify({ name: "acme", blob: "x".repeat(1024 * 1024), quote: "a'b\"c: d\n#e" });
    writeStackConfigFile(file, { "basphere:tenant": spec, "basphere:kind": "tenant" });
    const text = fs.readFileSync(file, "utf8");
    assert.match(text, /^# operator's note$/m);
    const doc = YAML.parse(text);
    assert.equal(doc.encryptionsalt, "v1:abc:def");
    assert.deepEqual(doc.config["basphere:token"], { secure: "v1:Zm9v:YmFy" });
    assert.equal(doc.config["basphere:kind"], "tenant");
    assert.equal(doc.config["basphere:tenant"], spec, "the JSON string comes back unchanged");
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.endsWith(".tmp")),
      [],
      "no temporary file left",
    );
  });

  it("creates the file (and a null `config:`) when there is none; refuses bad keys and non-map files", () => {
    const file = path.join(dir, "Pulumi.dev.yaml");
    writeStackConfigFile(file, { "a:b": "1" });
    assert.deepEqual(YAML.parse(fs.readFileSync(file, "utf8")), { config: { "a:b": "1" } });
    fs.writeFileSync(file, "encryptionsalt: s\nconfig:\n");
    writeStackConfigFile(file, { "a:b": "2" });
    assert.deepEqual(YAML.parse(fs.readFileSync(file, "utf8")), {
      encryptionsalt: "s",
      config: { "a:b": "2" },
    });
    assert.throws(() => writeStackConfigFile(file, { "no-namespace": "x" }), /must look like/);
    fs.writeFileSync(file, "- a\n- b\n");
    assert.throws(() => writeStackConfigFile(file, { "a:b": "x" }), /not a YAML map/);
    fs.writeFileSync(file, "config: [1]\n");
    assert.throws(() => writeStackConfigFile(file, { "a:b": "x" }), /"config" is not a map/);
    fs.writeFileSync(file, "config: {a: [\n");
    assert.throws(() => writeStackConfigFile(file, { "a:b": "x" }), /Pulumi\.dev\.yaml/);
  });
});
