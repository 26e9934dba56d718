import assert from "node:assert/strict";
import { percentile, round } from "../../../support/stats";

describe("support/stats (benchmark helpers)", () => {
  it("percentile: nearest rank of a sorted list; NaN when empty", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(xs, 50), 50);
    assert.equal(percentile(xs, 99), 99);
    assert.equal(percentile(xs, 100), 100);
    assert.equal(percentile([7], 99), 7);
    assert.equal(percentile([1, 2, 3], 0), 1);
    assert.ok(Number.isNaN(percentile([], 50)));
  });
  it("round: to the given decimals", () => {
    assert.equal(round(1.23456), 1.23);
    assert.equal(round(1.25, 1), 1.3);
    assert.equal(round(2, 3), 2);
  });
});
