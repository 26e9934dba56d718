/**
 * The pieces of engineSteps.ts the recorded runs (test/e2e/box/previewPr.test.ts) rely on: property paths into
 * inputs, and values masked when they are secret or secret-named.
 */
import assert from "node:assert/strict";
import { SECRET, shownValue, valueAt } from "../../../../automation/preview/engineSteps";

describe("preview steps: values at provider paths, secrets masked", () => {
  it("reads a provider's property paths (dots, indexes, quoted keys)", () => {
    const inputs = {
      clone: { customize: { networkInterfaces: [{ ipv4Address: "10.0.1.20" }] } },
      metadata: { labels: { "a.b/c": "x" } },
    };
    assert.equal(valueAt(inputs, "clone.customize.networkInterfaces[0].ipv4Address"), "10.0.1.20");
    assert.equal(valueAt(inputs, 'metadata.labels["a.b/c"]'), "x");
    assert.equal(valueAt(inputs, "clone.nothing[3].x"), undefined);
  });

  it("never shows a secret: engine-masked values, SDK secret envelopes, secret-named properties", () => {
    assert.equal(shownValue("apiSecret", "plain-looking"), SECRET);
    assert.equal(shownValue("kubeconfig", "apiVersion: v1"), SECRET);
    assert.equal(shownValue("spec.password", 1), SECRET);
    assert.equal(shownValue("data", { value: SECRET }), SECRET);
    assert.equal(
      shownValue("x", {
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        plaintext: '"s3"',
      }),
      SECRET,
    );
    assert.equal(shownValue("memory", 4096), "4096");
    assert.equal(shownValue("name", undefined), undefined);
    assert.equal(shownValue("long", "x".repeat(200))!.length, 80);
  });
});
