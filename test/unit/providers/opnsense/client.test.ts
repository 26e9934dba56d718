import * as assert from "node:assert/strict";
import { OpnsenseClient, apiPath, waitForApi } from "../../../../providers/opnsense/client";
import {
  OpnsenseConnectionError,
  OpnsenseHttpError,
  OpnsenseInputError,
  OpnsenseTlsError,
  OpnsenseValidationError,
} from "../../../../providers/opnsense/errors";
import { startEmulator } from "../../../../providers/opnsense/emulator";
import { selfSigned } from "../../../../providers/opnsense/emulator/certs";
import { fingerprintOfPem } from "../../../../providers/opnsense/tls";
import { attempts, connectionOf, fastClient as fast, rejection, withEmulator } from "./helpers";

describe("OpnsenseClient", () => {
  it("authenticates with basic auth and reads the health check", async () =>
    withEmulator(async (emu) => {
      assert.equal(await fast(emu).health(), "OK");
      const e = await rejection(fast(emu, { apiSecret: "nope" }).health());
      assert.ok(e instanceof OpnsenseHttpError && e.status === 401);
      assert.match(e.message, /GET \/api\/core\/system\/status: HTTP 401: authentication failed/);
      assert.equal(attempts(emu, "/api/core/system/status"), 2, "401 is not retried");
    }));

  it("sends {} for body-less POSTs (a JSON content type with an empty body is a 400 on OPNsense)", async () =>
    withEmulator(async (emu) => {
      await fast(emu).apply("/api/firewall/filter/apply");
      const req = emu.requests.find((r) => r.path === "/api/firewall/filter/apply")!;
      assert.deepEqual(req.body, {});
      // The emulator does answer 400 to the empty body, as OPNsense does.
      const res = await fetch(`${emu.url}/api/firewall/filter/apply`, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`${emu.apiKey}:${emu.apiSecret}`).toString("base64")}`,
          "content-type": "application/json",
        },
      });
      assert.equal(res.status, 400);
      assert.deepEqual(await res.json(), { status: 400, message: "Invalid JSON syntax" });
    }));

  it("retries 5xx and connection resets with backoff, then succeeds", async () =>
    withEmulator(async (emu) => {
      emu.failNext("/api/core/system/status", "500", 2);
      emu.failNext("/api/firewall/alias/reconfigure", "reset", 1);
      emu.failNext("/api/firewall/d_nat/apply", "503", 3);
      const c = fast(emu);
      assert.equal(await c.health(), "OK");
      await c.apply("/api/firewall/alias/reconfigure");
      await c.apply("/api/firewall/d_nat/apply");
      assert.equal(attempts(emu, "/api/core/system/status"), 3);
      assert.equal(attempts(emu, "/api/firewall/alias/reconfigure"), 2);
      assert.equal(attempts(emu, "/api/firewall/d_nat/apply"), 4);
    }));

  it("gives up after the configured retries and says so", async () =>
    withEmulator(async (emu) => {
      emu.failNext("/api/core/system/status", "500", 10);
      const e = await rejection(fast(emu, {}, { retries: 2 }).health());
      assert.match(
        e.message,
        /HTTP 500: Unexpected error, check log for details \(gave up after 3 attempts\)/,
      );
      assert.equal(attempts(emu, "/api/core/system/status"), 3);
    }));

  it("does not retry 4xx, validation failures or OPNsense UserExceptions", async () =>
    withEmulator(async (emu) => {
      const c = fast(emu);
      emu.failNext("/api/firewall/filter/apply", "user-exception");
      const ue = await rejection(c.apply("/api/firewall/filter/apply"));
      assert.match(ue.message, /HTTP 500: Item in use \[Error\]/);
      assert.equal(attempts(emu, "/api/firewall/filter/apply"), 1);
      const nf = await rejection(c.get("/api/firewall/dnat/search_rule"));
      assert.ok(nf instanceof OpnsenseHttpError && nf.status === 404);
      const uuid = "0f0e0d0c-0b0a-4908-8706-050403020100";
      const v = await rejection(
        c.setRecord("/api/firewall/one_to_one", "rule", "rule", uuid, {
          external: "192.168.200.50",
          source_net: "10.0.0.0/24",
        }),
      );
      assert.ok(v instanceof OpnsenseValidationError);
      // Filter.php reports the BINAT prefix mismatch on `external`.
      assert.deepEqual(Object.keys(v.validations), ["rule.external"]);
      assert.match(
        v.message,
        /validation failed: rule\.external: External subnet should match internal subnet/,
      );
      assert.equal(attempts(emu, `/api/firewall/one_to_one/set_rule/${uuid}`), 1);
    }));

  it("times out a request that hangs, then retries it", async () =>
    withEmulator(async (emu) => {
      emu.failNext("/api/core/system/status", "hang", 1);
      const started = Date.now();
      const c = new OpnsenseClient(connectionOf(emu, { timeoutMs: 300 }), { retries: 1, backoffMs: 5 });
      assert.equal(await c.health(), "OK");
      assert.ok(Date.now() - started >= 300);
      emu.failNext("/api/core/system/status", "hang", 5);
      const e = await rejection(
        new OpnsenseClient(connectionOf(emu, { timeoutMs: 200 }), { retries: 0 }).health(),
      );
      assert.ok(e instanceof OpnsenseConnectionError);
      assert.match(e.message, /no answer within 200 ms/);
    }));

  it("does not resend a non-idempotent request after it may have reached the server", async () =>
    withEmulator(async (emu) => {
      emu.failNext("/api/auth/user/add_api_key/root", "reset", 1);
      const e = await rejection(fast(emu).post("/api/auth/user/add_api_key/root", {}, { idempotent: false }));
      assert.match(e.message, /ECONNRESET/);
      assert.equal(attempts(emu, "/api/auth/user/add_api_key/root"), 1);
    }));

  it("refuses camel/odd-case or non-API paths and plain http to non-loopback hosts", async () => {
    const c = new OpnsenseClient({ url: "http://127.0.0.1:1", apiKey: "k", apiSecret: "s" });
    assert.match(
      (await rejection(c.get("/api/firewall/oneToOne/search_rule"))).message,
      /not a snake_case OPNsense API path/,
    );
    assert.throws(
      () => new OpnsenseClient({ url: "http://192.168.1.1", apiKey: "k", apiSecret: "s" }),
      /connection\.url: plain http is only allowed for loopback/,
    );
    assert.throws(
      () => new OpnsenseClient({ url: "https://192.168.1.1", apiKey: "", apiSecret: "s" }),
      /connection\.apiKey/,
    );
  });

  it("sends path parameters as they are (OPNsense never decodes them) and refuses one that would need encoding", async () =>
    withEmulator(async (emu) => {
      const id = Buffer.from("k".repeat(80)).toString("base64");
      assert.ok(id.endsWith("="));
      assert.equal(apiPath("/api/auth/user", "del_api_key", id), `/api/auth/user/del_api_key/${id}`);
      assert.equal(
        apiPath("/api/auth/user", "add_api_key", "ops@example"),
        "/api/auth/user/add_api_key/ops@example",
      );
      for (const [bad, what] of [
        ["a/b", /path parameter 1 holds "\/"/],
        ["a b", /path parameter 1 holds " "/],
        ["50%3D", /path parameter 1 holds "%"/],
        ["", /path parameter 1 is empty/],
      ] as const) {
        const e = (() => {
          try {
            apiPath("/api/auth/user", "del_api_key", bad);
          } catch (x) {
            return x as OpnsenseInputError;
          }
          throw new Error(`${JSON.stringify(bad)} was accepted`);
        })();
        assert.ok(e instanceof OpnsenseInputError);
        assert.match(e.message, what);
        assert.match(e.message, /^\/api\/auth\/user\/del_api_key: /);
        assert.equal(e.field, "/api/auth/user/del_api_key#1");
      }
      // On the wire: the path the emulator (like OPNsense's router) receives is the raw one.
      const c = fast(emu);
      const key = (await c.post(apiPath("/api/auth/user", "add_api_key", "root"), {}, { idempotent: false }))
        .key;
      const raw = Buffer.from(key).toString("base64");
      assert.equal((await c.post(apiPath("/api/auth/user", "del_api_key", raw), {})).result, "deleted");
      assert.equal(emu.requests.at(-1)!.path, `/api/auth/user/del_api_key/${raw}`);
    }));

  it("reports a refused connection as a connection error after retrying", async () => {
    const c = new OpnsenseClient(
      { url: "http://127.0.0.1:1", apiKey: "k", apiSecret: "s" },
      { retries: 1, backoffMs: 1 },
    );
    const e = await rejection(c.health());
    assert.ok(e instanceof OpnsenseConnectionError);
    assert.match(e.message, /ECONNREFUSED.*gave up after 2 attempts/);
  });

  it("waitForApi polls until the API answers and fails fast on a bad key", async () =>
    withEmulator(async (emu) => {
      emu.failNext("/api/core/system/status", "503", 2);
      assert.equal(await waitForApi(connectionOf(emu), { timeoutMs: 5000, intervalMs: 10 }), "OK");
      const t = Date.now();
      await rejection(
        waitForApi(connectionOf(emu, { apiKey: "wrong" }), { timeoutMs: 5000, intervalMs: 10 }),
      );
      assert.ok(Date.now() - t < 1000);
      emu.failNext("/api/core/system/status", "503", 1000);
      assert.match(
        (await rejection(waitForApi(connectionOf(emu), { timeoutMs: 200, intervalMs: 20 }))).message,
        /did not answer in time; last error: .*HTTP 503/,
      );
    }));

  describe("TLS", () => {
    it("accepts the right SHA-256 fingerprint (with or without colons) and rejects a wrong one before sending credentials", async () =>
      withEmulator(
        async (emu) => {
          const fp = emu.fingerprint!;
          const colons = fp.toUpperCase().match(/../g)!.join(":");
          assert.equal(await fast(emu, { caPem: undefined, fingerprint: fp }).health(), "OK");
          assert.equal(await fast(emu, { caPem: undefined, fingerprint: colons }).health(), "OK");
          const n = emu.requests.length;
          const other = fingerprintOfPem(selfSigned("other").certPem);
          const e = await rejection(fast(emu, { caPem: undefined, fingerprint: other }).health());
          assert.ok(e instanceof OpnsenseTlsError);
          assert.match(e.message, /does not match the pinned SHA-256 fingerprint/);
          assert.equal(emu.requests.length, n, "no request reached the server");
        },
        { tls: true },
      ));

    it("accepts the pinned CA PEM and rejects an unknown self-signed certificate (no insecure default)", async () =>
      withEmulator(
        async (emu) => {
          assert.equal(await fast(emu).health(), "OK");
          const e = await rejection(fast(emu, { caPem: undefined }).health());
          assert.ok(e instanceof OpnsenseTlsError, e.message);
          const e2 = await rejection(fast(emu, { caPem: selfSigned("other", "127.0.0.1").certPem }).health());
          assert.ok(e2 instanceof OpnsenseTlsError, e2.message);
        },
        { tls: true },
      ));

    it("trusts OPNsense's own certificate (CN only, no IP SAN) when exactly that certificate is given as caPem", async () => {
      const emu = await startEmulator({ tls: true, ipSan: false });
      try {
        assert.equal(await fast(emu).health(), "OK");
      } finally {
        await emu.close();
      }
    });
  });
});
