import assert from "node:assert/strict";
import { SECRET_PLACEHOLDER, StackFileError, parseStackFile } from "../../../../automation/plan/stackFile";

describe("stack config files", () => {
  it("flattens a Pulumi stack file into runtime config, JSON for objects, project namespace by default", () => {
    const sc = parseStackFile(
      "config:\n  basphere:kind: tenant\n  basphere:tenant:\n    name: acme\n    vms: [{name: a}]\n  replicas: 3\n",
      "stacks/Pulumi.tenant-acme.yaml",
    );
    assert.equal(sc.stack, "tenant-acme");
    assert.equal(sc.config["basphere:kind"], "tenant");
    assert.deepEqual(JSON.parse(sc.config["basphere:tenant"]), { name: "acme", vms: [{ name: "a" }] });
    assert.equal(sc.config["basphere:replicas"], "3");
    assert.deepEqual(sc.secretKeys, []);
  });

  it("never decrypts: secure values become a placeholder and their keys are secret", () => {
    const sc = parseStackFile(
      "config:\n  basphere:kind: oci\n  basphere:tlsKey:\n    secure: v1:abc\n  basphere:auth:\n    clientId: x\n    clientSecret:\n      secure: v1:def\n",
    );
    assert.equal(sc.config["basphere:tlsKey"], SECRET_PLACEHOLDER);
    assert.deepEqual(JSON.parse(sc.config["basphere:auth"]), {
      clientId: "x",
      clientSecret: SECRET_PLACEHOLDER,
    });
    assert.deepEqual(sc.secretKeys.sort(), ["basphere:auth", "basphere:tlsKey"]);
  });

  for (const [what, text, expected] of [
    ["invalid YAML", "config:\n  a: [1,\n", /not valid YAML/],
    ["no config key", "foo: 1\n", /missing "config:" key/],
    ["config not a map", "config: [1, 2]\n", /"config" must be a mapping/],
    ["a scalar document", "42\n", /expected a mapping/],
  ] as const) {
    it(`rejects ${what} with a one-line message naming the file`, () => {
      assert.throws(
        () => parseStackFile(text, "bad.yaml"),
        (e: any) =>
          e instanceof StackFileError &&
          expected.test(e.message) &&
          e.message.startsWith("bad.yaml") &&
          !e.message.includes("\n"),
      );
    });
  }
});
