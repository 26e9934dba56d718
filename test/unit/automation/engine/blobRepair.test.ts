import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isWholeAttrs, repairStackBlobs } from "../../../../automation/engine/blobRepair";

describe("engine: repair of blobs a kill left half-written", () => {
  let dir: string;
  let stacks: string;
  let locks: string;
  const attrs = JSON.stringify({
    "user.cache_control": "",
    "user.content_type": "application/json",
    md5: "x",
  });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "blob-repair-"));
    stacks = path.join(dir, "stacks", "basphere");
    locks = path.join(dir, "locks", "organization", "basphere", "acme");
    fs.mkdirSync(stacks, { recursive: true });
    fs.mkdirSync(locks, { recursive: true });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (file: string, content: string) => fs.writeFileSync(file, content);
  const names = (d: string) => fs.readdirSync(d).sort();

  it("removes the stack's cut sidecars and unfinished temporary files, and keeps whole ones", () => {
    write(path.join(stacks, "acme.json"), "{}");
    write(path.join(stacks, "acme.json.attrs"), ""); // cut by the kill
    write(path.join(stacks, "acme.json.bak"), "{}");
    write(path.join(stacks, "acme.json.bak.attrs"), attrs.slice(0, 20)); // cut mid-write
    write(path.join(stacks, "acme.json.18a2b3c4d5e6f.tmp"), '{"half'); // never renamed
    write(path.join(locks, "0b1c.json"), "{}");
    write(path.join(locks, "0b1c.json.attrs"), attrs);

    const r = repairStackBlobs(stacks, [locks], "acme");

    assert.deepEqual(
      r.removedAttrs.map((f) => path.basename(f)),
      ["acme.json.attrs", "acme.json.bak.attrs"],
    );
    assert.deepEqual(
      r.removedTemps.map((f) => path.basename(f)),
      ["acme.json.18a2b3c4d5e6f.tmp"],
    );
    assert.deepEqual(names(stacks), ["acme.json", "acme.json.bak"]);
    assert.deepEqual(names(locks), ["0b1c.json", "0b1c.json.attrs"], "a whole sidecar is kept");
  });

  it("leaves other stacks alone, even those whose name starts with this one's", () => {
    write(path.join(stacks, "acme.json"), "{}");
    write(path.join(stacks, "acme-two.json.attrs"), "");
    write(path.join(stacks, "acme2.json.1f.tmp"), "");
    const r = repairStackBlobs(stacks, [], "acme");
    assert.deepEqual(r, { removedAttrs: [], removedTemps: [] });
    assert.deepEqual(names(stacks), ["acme-two.json.attrs", "acme.json", "acme2.json.1f.tmp"]);
  });

  it("a sidecar counts as whole only when it is a JSON object", () => {
    const f = path.join(dir, "x.attrs");
    for (const [content, whole] of [
      [attrs, true],
      ["", false],
      ["[]", false],
      ["null", false],
      ['{"md5":', false],
    ] as const) {
      write(f, content);
      assert.equal(isWholeAttrs(f), whole, content);
    }
    assert.equal(isWholeAttrs(path.join(dir, "missing.attrs")), false);
  });

  it("folders that do not exist are nothing to repair", () => {
    assert.deepEqual(repairStackBlobs(path.join(dir, "nope"), [path.join(dir, "none")], "acme"), {
      removedAttrs: [],
      removedTemps: [],
    });
  });
});
