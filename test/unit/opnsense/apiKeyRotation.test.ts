import * as assert from "node:assert/strict";
import { OpnsenseClient } from "../../../providers/opnsense/client";
import { connectionOf, provider, rejection, useFastClients, withEmulator } from "./helpers";

describe("ApiKeyRotation", () => {
  before(useFastClients);

  it("creates a key of its own, proves it works, deletes the template key; read finds it; delete keeps it", async () =>
    withEmulator(async (emu) => {
      const p = provider("ApiKeyRotation");
      const template = connectionOf(emu);
      const r = await p.create({ connection: template, resourceKey: "t/rot" });
      assert.notEqual(r.outs.apiKey, template.apiKey);
      assert.equal(emu.state.apiKeys.has(template.apiKey), false, "template key deleted");
      assert.equal(emu.state.apiKeys.get(r.outs.apiKey)?.username, "root");
      assert.equal(r.outs.rotatedConnection.apiSecret, r.outs.apiSecret);
      assert.equal(await new OpnsenseClient(r.outs.rotatedConnection).health(), "OK");
      assert.ok(
        !r.id.includes(r.outs.apiKey) &&
          !JSON.stringify(r.id).includes(Buffer.from(r.outs.apiKey).toString("base64")),
        "id holds no secret",
      );
      assert.equal((await p.read(r.id, r.outs)).id, r.id);
      assert.equal(
        (await p.diff(r.id, r.outs, { connection: template, resourceKey: "t/rot" })).changes,
        false,
      );
      assert.deepEqual(
        (await p.diff(r.id, r.outs, { connection: template, resourceKey: "t/rot", username: "ops" }))
          .replaces,
        ["username"],
      );
      await p.delete(r.id, r.outs);
      assert.ok(emu.state.apiKeys.has(r.outs.apiKey), "the router keeps its own key");
      emu.state.apiKeys.delete(r.outs.apiKey);
      emu.state.apiKeys.set("other", { secret: "x", username: "root" });
      assert.deepEqual(await p.read(r.id, r.outs), {}, "a revoked key reads as gone");
    }));

  it("when deleting the template key fails, the new key is removed again and the template still works", async () =>
    withEmulator(async (emu) => {
      emu.failNext("/api/auth/user/del_api_key", "user-exception", 1);
      const e = await rejection(
        provider("ApiKeyRotation").create({ connection: connectionOf(emu), resourceKey: "t/rot" }),
      );
      assert.match(
        e.message,
        /rotating failed .*the new key was removed again, the template key still works/,
      );
      assert.deepEqual([...emu.state.apiKeys.keys()], [emu.apiKey]);
      assert.ok(!e.message.includes(emu.apiKey) && !e.message.includes(emu.apiSecret));
    }));

  it("a missing user is a clear error", async () =>
    withEmulator(async (emu) => {
      const e = await rejection(
        provider("ApiKeyRotation").create({
          connection: connectionOf(emu),
          resourceKey: "t/rot",
          username: "ops",
        }),
      );
      assert.match(e.message, /does user "ops" exist/);
    }));
});
