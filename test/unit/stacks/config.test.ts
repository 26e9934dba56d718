import assert from "node:assert/strict";
import { z } from "zod";
import { ConfigError, configKey, parseConfig, stackKind } from "../../../stacks/config";

describe("stack config validation", () => {
  it("reads basphere:kind and names the key when it is missing or unknown", () => {
    assert.equal(stackKind({ kind: "tenant" }), "tenant");
    assert.throws(
      () => stackKind({}),
      (e: any) => e instanceof ConfigError && /basphere:kind is missing/.test(e.message),
    );
    assert.throws(
      () => stackKind({ kind: "aws" }),
      (e: any) =>
        e instanceof ConfigError &&
        /basphere:kind has unknown value "aws": expected one of oci, onprem, tenant/.test(e.message),
    );
  });

  it("formats zod paths as config keys", () => {
    assert.equal(configKey(["cluster", "workers", 0, "name"]), "basphere:cluster.workers[0].name");
    assert.equal(configKey([]), "basphere config");
  });

  it("reports every invalid key with its problem", () => {
    const schema = z.object({ compartment: z.string(), replicas: z.number().int().min(1) });
    assert.throws(
      () => parseConfig(schema, { replicas: "three" }),
      (e: any) =>
        e instanceof ConfigError &&
        e.issues.length === 2 &&
        /basphere:compartment: /.test(e.message) &&
        /basphere:replicas: /.test(e.message),
    );
    assert.deepEqual(parseConfig(schema, { compartment: "c", replicas: 3 }), {
      compartment: "c",
      replicas: 3,
    });
  });
});
