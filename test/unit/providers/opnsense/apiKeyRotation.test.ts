import * as assert from "node:assert/strict";
import { OpnsenseClient } from "../../../../providers/opnsense/client";
import { clientFactory } from "../../../../providers/opnsense/engine";
import { OpnsenseConnectionError, OpnsenseHttpError } from "../../../../providers/opnsense/errors";
import { Emulator } from "../../../../providers/opnsense/emulator";
import { connectionOf, fastClient, provider, rejection, useFastClients, withEmulator } from "./helpers";

/** The status the router answers a request made with the emulator's template key (the golden template's). */
async function templateStatus(emu: Emulator): Promise<number> {
  try {
    await fastClient(emu, {}, { retries: 0 }).health();
    return 200;
  } catch (e) {
    if (e instanceof OpnsenseHttpError) return e.status;
    throw e;
  }
}

describe("ApiKeyRotation", () => {
  before(useFastClients);

  it("creates a key of its own, proves it works, deletes the template key; read finds it; delete keeps it", async () =>
    withEmulator(async (emu) => {
      const p = provider("ApiKeyRotation");
      const template = connectionOf(emu);
      assert.equal(await templateStatus(emu), 200);
      const r = await p.create({ connection: template, resourceKey: "t/rot" });
      assert.notEqual(r.outs.apiKey, template.apiKey);
      assert.equal(emu.state.apiKeys.has(template.apiKey), false, "template key deleted");
      // The rotation proved it itself: its last requests are the template key refused, then the new key accepted.
      assert.deepEqual(
        emu.requests.slice(-2).map((q) => [q.path, q.status]),
        [
          ["/api/core/system/status", 401],
          ["/api/core/system/status", 200],
        ],
      );
      const del = emu.requests.find((q) => q.path.startsWith("/api/auth/user/del_api_key/"))!;
      assert.ok(!del.path.includes("%"), "the key id is sent as it is");
      assert.equal(await templateStatus(emu), 401, "the template key is refused");
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

  it("a del_api_key that deletes nothing fails the rotation, whatever it answers; the template key still works", async () =>
    withEmulator(async (emu) => {
      // What OPNsense answers for an id it cannot look up (an encoded one): "not found", and nothing deleted.
      for (const answer of [{ result: "not found" }, { result: "deleted" }]) {
        emu.failNext("/api/auth/user/del_api_key", "answer", 1, { body: answer });
        const e = await rejection(
          provider("ApiKeyRotation").create({ connection: connectionOf(emu), resourceKey: "t/rot" }),
        );
        assert.match(
          e.message,
          new RegExp(
            `del_api_key answered "${answer.result}", yet the template key still authenticates .*the new key was removed again, the template key still works`,
          ),
        );
        assert.deepEqual([...emu.state.apiKeys.keys()], [emu.apiKey], "only the template key is left");
        assert.equal(await templateStatus(emu), 200);
      }
    }));

  it("a lost del_api_key answer is resent ('not found'), and the proof shows the rotation done", async () =>
    withEmulator(async (emu) => {
      emu.failNext("/api/auth/user/del_api_key", "lost", 1);
      const r = await provider("ApiKeyRotation").create({
        connection: connectionOf(emu),
        resourceKey: "t/rot",
      });
      assert.deepEqual([...emu.state.apiKeys.keys()], [r.outs.apiKey]);
      assert.equal(await templateStatus(emu), 401);
      assert.deepEqual(
        emu.requests.filter((q) => q.path.startsWith("/api/auth/user/del_api_key/")).map((q) => q.status),
        [-1, 200],
      );
    }));

  it("when the router cannot be reached to prove the deletion, the rotation fails and says the state is unknown", async () =>
    withEmulator(async (emu) => {
      // The router goes away right after it processed del_api_key: every later health check finds no one.
      const saved = clientFactory.make;
      clientFactory.make = (c, secrets) => {
        const client = saved(c, secrets);
        const health = client.health.bind(client);
        client.health = async () => {
          if (!emu.state.apiKeys.has(emu.apiKey))
            throw new OpnsenseConnectionError(
              "connect ECONNREFUSED",
              "/api/core/system/status",
              "ECONNREFUSED",
            );
          return health();
        };
        return client;
      };
      try {
        const e = await rejection(
          provider("ApiKeyRotation").create({ connection: connectionOf(emu), resourceKey: "t/rot" }),
        );
        assert.match(
          e.message,
          /could not prove that the template key is refused \(del_api_key answered "deleted"; then: connect ECONNREFUSED\)/,
        );
        assert.match(e.message, /state of the router's API keys is unknown/);
        assert.ok(!e.message.includes(emu.apiKey) && !e.message.includes(emu.apiSecret));
      } finally {
        clientFactory.make = saved;
      }
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
