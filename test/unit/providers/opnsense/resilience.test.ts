/**
 * Retries are only safe for idempotent calls: every mutating call a lifecycle makes is run with its answer
 * lost after the router processed it, and the resource must still converge without duplicates. Timeouts: the
 * connection default, per-call overrides and the longer apply default.
 */
import * as assert from "node:assert/strict";
import { APPLY_TIMEOUT_MS, OpnsenseClient } from "../../../../providers/opnsense/client";
import { OpnsenseConnectionError } from "../../../../providers/opnsense/errors";
import { SPECS } from "../../../../providers/opnsense/fields";
import { CASES, inputsOf } from "./cases";
import {
  attempts,
  connectionOf,
  fastClient as fast,
  provider,
  rejection,
  useFastClients,
  withEmulator,
} from "./helpers";

describe("retries: only idempotent calls are resent", () => {
  before(useFastClients);

  for (const c of CASES) {
    it(`${c.kind}: every POST of create, update and delete survives a lost answer (processed, then reset) without duplicates`, async () =>
      withEmulator(async (emu) => {
        const p = provider(c.kind);
        const inputs = await inputsOf(c, emu, `lost/${c.kind}`);
        // A dry run to learn which POSTs the lifecycle makes.
        const probe = await p.create({ ...inputs, resourceKey: `probe/${c.kind}` });
        const u0 = await p.update(probe.id, probe.outs, {
          ...inputs,
          resourceKey: `probe/${c.kind}`,
          ...c.update,
        });
        await p.delete(probe.id, u0.outs!);
        const before = Object.keys(emu.state.collections[c.collection]).length;
        const posts = new Set(
          emu.requests.filter((r) => r.method === "POST" && !r.path.includes(probe.id)).map((r) => r.path),
        );
        const spec = SPECS[c.kind];
        for (const a of ["set", "del"]) posts.add(`${spec.base}/${a}_${spec.item}`);
        for (const path of posts) emu.failNext(path, "lost", 1);
        const created = await p.create(inputs);
        const updated = await p.update(created.id, created.outs, { ...inputs, ...c.update });
        for (const [k, v] of Object.entries(c.storedAfterUpdate))
          assert.equal(emu.state.collections[c.collection][created.id][k], v);
        assert.equal(Object.keys(emu.state.collections[c.collection]).length, before + 1, "no duplicate");
        for (const path of posts) emu.failNext(path, "lost", 1);
        await p.delete(created.id, updated.outs!);
        assert.equal(Object.keys(emu.state.collections[c.collection]).length, before);
        assert.equal(emu.state.pending.size, 0, "everything applied");
        assert.ok(
          emu.requests.filter((r) => r.status === -1).length >= 3,
          "answers were lost and the calls resent",
        );
      }));
  }

  it("a non-idempotent request is not resent after a 5xx or a lost answer", async () =>
    withEmulator(async (emu) => {
      const c = fast(emu);
      emu.failNext("/api/auth/user/add_api_key/root", "500", 1);
      const e = await rejection(c.post("/api/auth/user/add_api_key/root", {}, { idempotent: false }));
      assert.match(e.message, /HTTP 500/);
      assert.equal(attempts(emu, "/api/auth/user/add_api_key/root"), 1, "500 not retried");
      emu.failNext("/api/auth/user/add_api_key/root", "lost", 1);
      await rejection(c.post("/api/auth/user/add_api_key/root", {}, { idempotent: false }));
      assert.equal(attempts(emu, "/api/auth/user/add_api_key/root"), 2, "lost answer not retried");
      // The same 500 on an idempotent call is retried.
      emu.failNext("/api/firewall/filter/apply", "500", 1);
      await c.apply("/api/firewall/filter/apply");
      assert.equal(attempts(emu, "/api/firewall/filter/apply"), 2);
    }));

  it("ApiKeyRotation: a lost add_api_key answer leaves no stray key (the key the router made anyway is removed)", async () =>
    withEmulator(async (emu) => {
      emu.failNext("/api/auth/user/add_api_key/root", "lost", 1);
      const e = await rejection(
        provider("ApiKeyRotation").create({ connection: connectionOf(emu), resourceKey: "t/rot" }),
      );
      assert.match(
        e.message,
        /adding a key for "root" failed .*the router had created 1 anyway, removed again/,
      );
      assert.deepEqual([...emu.state.apiKeys.keys()], [emu.apiKey], "only the template key is left");
      const ok = await provider("ApiKeyRotation").create({
        connection: connectionOf(emu),
        resourceKey: "t/rot",
      });
      assert.deepEqual([...emu.state.apiKeys.keys()], [ok.outs.apiKey]);
    }));
});

describe("timeouts", () => {
  it("the connection's timeoutMs is the default, a call may override it, apply calls wait at least APPLY_TIMEOUT_MS", async () =>
    withEmulator(async (emu) => {
      const c = new OpnsenseClient(connectionOf(emu, { timeoutMs: 300 }), { retries: 0 });
      emu.failNext("/api/core/system/status", "slow", 1, { delayMs: 700 });
      const e = await rejection(c.health());
      assert.ok(e instanceof OpnsenseConnectionError);
      assert.match(e.message, /no answer within 300 ms/);
      emu.failNext("/api/core/system/status", "slow", 1, { delayMs: 700 });
      assert.equal(
        (await c.get("/api/core/system/status", { timeoutMs: 2000 })).metadata.system.status,
        "OK",
        "per-call override",
      );
      // Apply: 700 ms is fine although the connection's timeout is 300 ms.
      assert.ok(APPLY_TIMEOUT_MS >= 60_000);
      emu.failNext("/api/firewall/filter/apply", "slow", 1, { delayMs: 700 });
      await c.apply("/api/firewall/filter/apply");
      emu.failNext("/api/firewall/filter/apply", "slow", 1, { delayMs: 700 });
      assert.match(
        (await rejection(c.apply("/api/firewall/filter/apply", "status", 200))).message,
        /no answer within 200 ms/,
      );
    }));
});
