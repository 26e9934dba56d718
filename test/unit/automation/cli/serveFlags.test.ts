/**
 * `basphere serve`'s replica flags: every bad value is refused before anything starts, with a message naming the
 * flag (or the variable to set), and the process exits non-zero.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../../../support/engine";
import { tempDir } from "../../../../support/serviceApp";

describe("basphere serve: replica flags", function () {
  this.timeout(60000);
  const dir = tempDir("basphere-serve-flags-");
  after(() => rmSync(dir, { recursive: true, force: true }));
  const serve = (args: string[], env: Record<string, string> = {}) => {
    const clean = { ...process.env, ...env };
    for (const k of [
      "BASPHERE_ADMIN_TOKEN",
      "BASPHERE_ADMIN_TOKEN_FILE",
      "BASPHERE_STORE_URL",
      "BASPHERE_LEASE",
      "PULUMI_CONFIG_PASSPHRASE_FILE",
    ])
      if (!(k in env)) delete clean[k];
    return spawnSync(
      process.execPath,
      [
        join(PROJECT_ROOT, "dist", "automation", "cli", "main.js"),
        "serve",
        "--no-box",
        "--work-dir",
        dir,
        "--data-dir",
        join(dir, "data"),
        "--port",
        "0",
        ...args,
      ],
      { encoding: "utf8", env: clean, timeout: 30000 },
    );
  };
  const cases: [string, string[], Record<string, string>, RegExp][] = [
    ["a lease below 5 s", ["--lease", "1s"], {}, /--lease must be from 5s to 10m, got "1s"/],
    ["a lease that is no duration", ["--lease", "soon"], {}, /--lease must be a duration/],
    [
      "a lease from the environment",
      [],
      { BASPHERE_LEASE: "11m" },
      /--lease must be from 5s to 10m, got "11m"/,
    ],
    ["a replica id with other characters", ["--replica-id", "a b"], {}, /--replica-id must be 1-128 letters/],
    ["a store that is not PostgreSQL", ["--store", "mysql://db/x"], {}, /store: only postgres:\/\//],
    [
      "a shared store without the shared admin token",
      ["--store", "postgresql://basphere@127.0.0.1:1/db"],
      {},
      /every replica needs the same admin token: set BASPHERE_ADMIN_TOKEN/,
    ],
    [
      "a shared store without the shared passphrase",
      ["--store", "postgres://basphere@127.0.0.1:1/db"],
      { BASPHERE_ADMIN_TOKEN: "bspa.flags-admin-token-0123456789abcdefghij", PULUMI_CONFIG_PASSPHRASE: "" },
      /every replica needs the same secrets passphrase: set PULUMI_CONFIG_PASSPHRASE/,
    ],
  ];
  for (const [what, args, env, message] of cases)
    it(`refuses ${what}`, () => {
      const r = serve(args, env);
      assert.notEqual(r.status, 0, r.stderr);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /listening on/);
    });
});
