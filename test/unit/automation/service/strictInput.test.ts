/**
 * The cases of "the service refuses what it cannot do" (issue 22), each as it was seen: query numbers that were
 * 500s or read loosely, sizes without limits, unknown fields dropped, coerced names, other charsets, the
 * framework's own error bodies, repeated credentials, tokens in paths. Every refusal is a 4xx with the API's error
 * body naming the field, and leaves nothing behind. Raw HTTP (a socket) where the request cannot be built otherwise.
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import { Writable } from "node:stream";
import { createLogger } from "../../../../automation/service/logger";
import { ERROR_CODES } from "../../../../automation/service/schemas";
import { ADMIN, TestService, maxSpec, smallSpec, startService } from "../../../../support/serviceApp";

interface Answer {
  status: number;
  headers: string;
  body: any;
  text: string;
}

/** Sends raw bytes to the server and reads the answer until the connection closes (or `ms` pass). */
function raw(port: number, request: string | Buffer, ms = 5000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, "127.0.0.1", () => socket.write(request));
    const timer = setTimeout(() => socket.destroy(), ms);
    socket.on("data", (d) => {
      chunks.push(d);
      // A complete answer with Content-Length: stop reading (keep-alive would hold the socket open).
      const text = Buffer.concat(chunks).toString("latin1");
      const head = text.indexOf("\r\n\r\n");
      const len = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, head));
      if (head >= 0 && len && text.length >= head + 4 + Number(len[1])) socket.end();
    });
    socket.on("error", (e) => ((e as NodeJS.ErrnoException).code === "ECONNRESET" ? undefined : reject(e)));
    socket.on("close", () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("utf8");
      const head = text.indexOf("\r\n\r\n");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const bodyText = head >= 0 ? text.slice(head + 4) : "";
      let body: any;
      try {
        body = JSON.parse(bodyText);
      } catch {
        body = undefined;
      }
      resolve({ status, headers: head >= 0 ? text.slice(0, head) : text, body, text: bodyText });
    });
  });
}

/** The API's error body: statusCode = status, a known code, a message, `field` when `field` is given. */
function assertError(
  r: { status: number; body: any; text?: string },
  status: number,
  field?: string | RegExp,
) {
  const what = `${r.status} ${r.text ?? JSON.stringify(r.body)}`.slice(0, 600);
  assert.equal(r.status, status, what);
  assert.ok(r.body && typeof r.body === "object", what);
  assert.equal(r.body.statusCode, status, what);
  assert.ok((ERROR_CODES as readonly string[]).includes(r.body.code), what);
  assert.ok(typeof r.body.message === "string" && r.body.message.length > 0, what);
  assert.deepEqual(
    Object.keys(r.body).filter((k) => !["statusCode", "code", "message", "field", "issues"].includes(k)),
    [],
    what,
  );
  if (field instanceof RegExp) assert.match(String(r.body.field), field, what);
  else if (field !== undefined) assert.equal(r.body.field, field, what);
  if (r.body.field !== undefined) assert.equal(r.body.issues?.[0]?.field, r.body.field, what);
}

describe("service refuses what it cannot do (issue 22)", function () {
  this.timeout(60000);
  const lines: string[] = [];
  let t: TestService;
  let port: number;
  let acme: { token: string; op: string };
  let baseline: string;

  const state = async () =>
    JSON.stringify({ counts: await t.svc.store.counts(), stacks: [...t.driver.stacks.keys()].sort() });

  before(async () => {
    const sink = new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) });
    t = await startService({ delayMs: 5, logger: createLogger(sink, "debug") });
    const c = await t.req("POST", "/v1/tenants", { body: { name: "acme", spec: smallSpec() } });
    acme = { token: c.body.token, op: c.body.operation.id };
    await t.waitOp(acme.op);
    port = Number(new URL(await t.svc.listen(0)).port);
    baseline = await state();
  });
  afterEach(async () => assert.equal(await state(), baseline, "nothing was created or changed"));
  after(async () => t?.close());

  describe("query numbers", () => {
    const routes = () => [
      { url: "/v1/operations", token: ADMIN },
      { url: "/v1/tenants/acme/operations", token: acme.token },
      { url: `/v1/operations/${acme.op}/events`, token: acme.token },
    ];
    const bad = [
      "Infinity",
      "-Infinity",
      "1e400",
      "0x10",
      "%20",
      "",
      "1.5",
      "-1",
      "+5",
      "1e2",
      "%2B5",
      "five",
    ];

    it("limit: only decimal digits within the bounds; never a 500", async () => {
      for (const { url, token } of routes()) {
        for (const v of [...bad, "0", "9999999999999999999999", "1001"]) {
          const r = await t.req("GET", `${url}?limit=${v}`, { token });
          assertError(r, 400, "querystring.limit");
          assert.match(r.body.message, /decimal integer from 1 to (500|1000)|must be <=|must be >=/, r.text);
        }
        assert.equal((await t.req("GET", `${url}?limit=0010`, { token })).status, 200, url);
        assertError(await t.req("GET", `${url}?limit=1&limit=2`, { token }), 400, "querystring.limit");
      }
    });

    it("after: only decimal digits from 0 to 2^53-1", async () => {
      for (const path of [`/v1/operations/${acme.op}/events`, `/v1/operations/${acme.op}/events/stream`]) {
        for (const v of ["1e400", "9999999999999999999999", "%20", "-1", "0x1", "9007199254740992"]) {
          const r = await t.req("GET", `${path}?after=${v}`, { token: acme.token });
          assertError(r, 400, "querystring.after");
        }
      }
      const ok = await t.req("GET", `/v1/operations/${acme.op}/events?after=9007199254740991`);
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.body.items, []);
    });

    it("booleans are true or false; unknown parameters are named, with a close one suggested", async () => {
      for (const v of ["1", "yes", "TRUE", ""]) {
        assertError(
          await t.req("GET", `/v1/tenants/acme?showSecrets=${v}`, { token: acme.token }),
          400,
          "querystring.showSecrets",
        );
      }
      const r = await t.req("GET", "/v1/operations?limt=5");
      assertError(r, 400, "querystring.limt");
      assert.match(r.body.message, /did you mean "limit"/);
      assertError(await t.req("GET", "/v1/health?verbose=1", { token: null }), 400, "querystring.verbose");
      assertError(await t.req("GET", "/v1/tenants?x=1"), 400, "querystring.x");
    });
  });

  describe("sizes", () => {
    it("a spec at every limit is accepted; its stack config stays far below the engine's limits", async () => {
      const r = await t.req("POST", "/v1/tenants/acme/preview", { body: { spec: maxSpec("acme") } });
      assert.equal(r.status, 202, r.text.slice(0, 500));
      const op = await t.waitOp(r.body.operation.id);
      assert.equal(op.status, "succeeded", op.error);
      const config = t.driver.of("preview").at(-1)!.config!;
      // The language host hands the program its whole config in one environment variable (PULUMI_CONFIG), which
      // Linux caps at 128 KiB; the spec reaches the engine through the stack's settings file, not a command line.
      const envValue = JSON.stringify({
        "basphere:config:tenant": JSON.stringify(config["basphere:tenant"]),
        "basphere:config:allocations": JSON.stringify(config["basphere:allocations"]),
      });
      assert.ok(envValue.length < 110 * 1024, `PULUMI_CONFIG would be ${envValue.length} bytes`);
      // A preview is an operation: it is the one thing this test created.
      baseline = await state();
    });

    it("one over any limit is a 400 naming the field and the limit", async () => {
      const cases: [string, (s: any) => void, string, RegExp][] = [
        [
          "ports",
          (s) => (s.floatingIps[1].ports = Array(10000).fill({ port: 22 })),
          "body.spec.floatingIps[1].ports",
          /at most 32/,
        ],
        [
          "ports+1",
          (s) => s.floatingIps[1].ports.push({ port: 22 }),
          "body.spec.floatingIps[1].ports",
          /at most 32/,
        ],
        [
          "ssh keys",
          (s) => (s.cluster.sshAuthorizedKeys = Array(10000).fill("k")),
          "body.spec.cluster.sshAuthorizedKeys",
          /at most 16/,
        ],
        [
          "ssh key length",
          (s) => (s.cluster.sshAuthorizedKeys[0] += "B"),
          "body.spec.cluster.sshAuthorizedKeys[0]",
          /at most 2048/,
        ],
        ["reach", (s) => (s.vpn.reach = Array(10000).fill("lan1")), "body.spec.vpn.reach", /at most 3/],
        ["reach twice", (s) => (s.vpn.reach = ["lan1", "lan1"]), "body.spec.vpn.reach[1]", /listed twice/],
        ["vms", (s) => s.vms.push({ name: "one-more" }), "body.spec.vms", /at most 40/],
        [
          "floating IPs",
          (s) => s.floatingIps.push({ name: "x", target: "10.0.1.50" }),
          "body.spec.floatingIps",
          /at most 16/,
        ],
        ["peers", (s) => s.vpn.peers.push({ name: "one-more" }), "body.spec.vpn.peers", /at most 100/],
        ["vm name", (s) => (s.vms[0].name += "a"), "body.spec.vms[0].name", /at most 40/],
        ["template", (s) => (s.vms[3].template += "a"), "body.spec.vms[3].template", /at most 80/],
        ["domain", (s) => (s.network.domainName += "a"), "body.spec.network.domainName", /at most 253/],
        ["cpus", (s) => (s.cluster.workers.cpus = 65), "body.spec.cluster.workers.cpus", /<=64/],
      ];
      for (const [what, change, field, limit] of cases) {
        const spec = maxSpec("acme");
        change(spec);
        const r = await t.req("PUT", "/v1/tenants/acme/spec", { body: { spec } });
        assertError(r, 400, field);
        assert.match(r.body.message, limit, `${what}: ${r.body.message.slice(0, 300)}`);
        assert.ok(r.body.issues.length <= 20 && r.text.length < 8192, `${what}: a short answer`);
      }
    });
  });

  describe("unknown fields and coercion", () => {
    it("unknown fields anywhere in the spec are named, with the field probably meant", async () => {
      const cases: [Record<string, unknown>, string, RegExp][] = [
        [{ foo: 1 }, "body.spec.foo", /not a known field/],
        [{ constructor: { x: 1 } }, "body.spec.constructor", /not a known field/],
        [{ vms: [{ name: "web", foo: 1 }] }, "body.spec.vms[0].foo", /not a known field/],
        [
          { vms: [{ name: "web", memoryMib: 4096 }] },
          "body.spec.vms[0].memoryMib",
          /did you mean "memoryMiB"/,
        ],
        [{ network: { bogus: true } }, "body.spec.network.bogus", /not a known field/],
        [{ network: { lan1cidr: "10.0.1.0/24" } }, "body.spec.network.lan1cidr", /did you mean "lan1Cidr"/],
        [
          { floatingIps: [{ name: "w", target: "10.0.1.50", ports: [{ port: 22, proto: "udp" }] }] },
          "body.spec.floatingIps[0].ports[0].proto",
          /did you mean "protocol"/,
        ],
        [{ vpn: { peer: [] } }, "body.spec.vpn.peer", /did you mean "peers"/],
      ];
      for (const [spec, field, message] of cases) {
        for (const [method, url] of [
          ["POST", "/v1/tenants"],
          ["PUT", "/v1/tenants/acme/spec"],
          ["POST", "/v1/tenants/acme/preview"],
        ]) {
          const body = method === "POST" && url === "/v1/tenants" ? { name: "newone", spec } : { spec };
          const r = await t.req(method, url, { body });
          assertError(r, 400, field);
          assert.match(r.body.message, message);
        }
      }
      const top = await t.req("POST", "/v1/tenants", { body: { name: "newone", spce: {} } });
      assertError(top, 400);
      assert.ok(
        top.body.issues.some((i: any) => i.field === "body.spce" && /did you mean "spec"/.test(i.message)),
      );
    });

    it("nothing is coerced: a name must be a string, numbers must be numbers", async () => {
      for (const name of [true, ["x"], 1, null, { a: 1 }]) {
        assertError(await t.req("POST", "/v1/tenants", { body: { name, spec: {} } }), 400, "body.name");
      }
      assertError(
        await t.req("POST", "/v1/tenants", {
          body: { name: "newone", spec: { vms: [{ name: "a", cpus: "2" }] } },
        }),
        400,
        "body.spec.vms[0].cpus",
      );
      assertError(
        await t.req("POST", "/v1/tenants", { body: { name: "newone", spec: [] } }),
        400,
        "body.spec",
      );
      assert.equal(await t.svc.store.getTenant("true"), undefined);
      assert.equal(await t.svc.store.getTenant("x"), undefined);
    });

    it("a body only in UTF-8: another charset is 415, bytes that are not UTF-8 are a 400", async () => {
      const json = JSON.stringify({ name: "newone", spec: {} });
      for (const charset of ["latin1", "utf-16", "UTF-16LE", "iso-8859-1", '"utf-32"']) {
        const r = await t.req("POST", "/v1/tenants", {
          body: json,
          headers: { "content-type": `application/json; charset=${charset}` },
        });
        assertError(r, 415, "headers.content-type");
      }
      for (const ok of ["utf-8", "UTF-8", '"utf-8"', "utf8"]) {
        const r = await t.req("POST", "/v1/tenants/acme/preview", {
          body: "{}",
          headers: { "content-type": `application/json; charset=${ok}` },
        });
        assert.equal(r.status, 202, `${ok}: ${r.text}`);
        await t.waitOp(r.body.operation.id);
      }
      baseline = await state();
      const utf16 = Buffer.from(json, "utf16le");
      const r16 = await raw(
        port,
        Buffer.concat([
          Buffer.from(
            `POST /v1/tenants HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN}\r\n` +
              `Content-Type: application/json\r\nContent-Length: ${utf16.length}\r\nConnection: close\r\n\r\n`,
          ),
          utf16,
        ]),
      );
      assertError(r16, 400, "body");
      const latin = Buffer.from('{"name":"caf\xe9","spec":{}}', "latin1");
      const rl = await raw(
        port,
        Buffer.concat([
          Buffer.from(
            `POST /v1/tenants HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN}\r\n` +
              `Content-Type: application/json\r\nContent-Length: ${latin.length}\r\nConnection: close\r\n\r\n`,
          ),
          latin,
        ]),
      );
      assertError(rl, 400, "body");
      assert.match(rl.body.message, /not valid UTF-8/);
    });

    it("routes that take no body refuse one", async () => {
      for (const url of [
        "/v1/tenants/acme/refresh",
        "/v1/tenants/acme/token",
        `/v1/operations/${acme.op}/cancel`,
      ])
        assertError(await t.req("POST", url, { body: { x: 1 } }), 400, "body");
      assertError(await t.req("DELETE", "/v1/tenants/acme", { body: { force: true } }), 400, "body");
    });
  });

  describe("one error shape for everything", () => {
    const get = (path: string, extra = "") =>
      `GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN}\r\n${extra}Connection: close\r\n\r\n`;

    it("headers too large: 431", async () => {
      assertError(await raw(port, get("/v1/tenants", `X-Big: ${"a".repeat(20000)}\r\n`)), 431, "headers");
    });

    it("malformed requests: control bytes, Content-Length with Transfer-Encoding, a bad chunk size", async () => {
      assertError(await raw(port, get("/v1/tenants", "X-Nul: a\u0000b\r\n")), 400, "headers");
      assertError(await raw(port, get("/v1/tenants", "X-Ctl: a\u0001b\r\n")), 400, "headers");
      assertError(await raw(port, get("/v1/tenants", "X\u0002Y: 1\r\n")), 400, "headers");
      assertError(
        await raw(
          port,
          `POST /v1/tenants HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN}\r\nContent-Type: application/json\r\n` +
            `Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
        ),
        400,
        "headers.transfer-encoding",
      );
      assertError(
        await raw(
          port,
          `POST /v1/tenants/acme/preview HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN}\r\n` +
            `Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
        ),
        400,
        "body",
      );
      assertError(await raw(port, "GARBAGE\r\n\r\n"), 400);
    });

    it("a bad URL, an over-long path parameter, an unknown route, a too large body", async () => {
      const badUrl = await raw(port, get("/v1/tenants/%ff"));
      assertError(badUrl, 400, "path");
      assert.equal(badUrl.body.code, "bad_url");
      assertError(await raw(port, get(`/v1/tenants/${"a".repeat(201)}`)), 414, "path");
      assertError(await t.req("GET", `/v1/tenants/${"a".repeat(200)}`), 400, "params.name");
      assertError(await t.req("GET", "/v1/nope"), 404, "path");
      assertError(await t.req("PATCH", "/v1/tenants/acme"), 404, "path");
      const big = { name: "big", spec: { vms: [{ name: "a", template: "x".repeat(300 * 1024) }] } };
      assertError(await t.req("POST", "/v1/tenants", { body: big }), 413, "body");
      assertError(
        await t.req("POST", "/v1/tenants", {
          body: '{"name":',
          headers: { "content-type": "application/json" },
        }),
        400,
        "body",
      );
    });

    it("a conflict names where the input was: a path parameter is params.*", async () => {
      const r = await t.req("POST", `/v1/operations/${acme.op}/cancel`);
      assertError(r, 409, "params.id");
      const dup = await t.req("POST", "/v1/tenants", { body: { name: "acme", spec: {} } });
      assertError(dup, 409, "body.name");
    });
  });

  describe("credentials", () => {
    it("two Authorization headers are refused, whatever their order or values", async () => {
      for (const [a, b] of [
        [ADMIN, "garbage"],
        ["garbage", ADMIN],
        [ADMIN, ADMIN],
      ]) {
        const r = await raw(
          port,
          `GET /v1/tenants HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${a}\r\nauthorization: Bearer ${b}\r\nConnection: close\r\n\r\n`,
        );
        assertError(r, 400, "headers.authorization");
        assert.equal(r.body.code, "ambiguous_credentials");
        assert.ok(!r.text.includes(ADMIN));
      }
      assertError(
        await t.req("GET", "/v1/tenants", {
          headers: { authorization: [`Bearer ${ADMIN}`, "Bearer x"] as any },
          token: null,
        }),
        400,
        "headers.authorization",
      );
    });

    it("an Authorization header that is not `Bearer <one token>` is a 401 naming it", async () => {
      for (const h of [
        `Bearer ${ADMIN} ${ADMIN}`,
        `Bearer ${ADMIN},Bearer x`,
        `Basic ${ADMIN}`,
        "Bearer",
        "Bearer  ",
      ]) {
        const r = await t.req("GET", "/v1/tenants", { headers: { authorization: h }, token: null });
        assertError(r, 401, "headers.authorization");
        assert.ok(!r.text.includes(ADMIN));
      }
    });

    it("a token in the path is refused and never echoed or logged", async () => {
      for (const path of [
        `/v1/nope/${ADMIN}`,
        `/v1/tenants/${ADMIN}`,
        `/v1/nope/${ADMIN.replace(".", "%2E")}`,
        `/v1/x/${acme.token}`,
      ]) {
        const r = await t.req("GET", path, { token: null });
        assertError(r, 400, "path");
        assert.equal(r.body.code, "token_in_url");
        assert.ok(!r.text.includes(ADMIN.slice(5)) && !r.text.includes(acme.token.slice(10)), r.text);
      }
      const log = lines.join("");
      assert.ok(log.includes("/v1/nope/bspa.[redacted]"), "the path is logged, redacted");
      assert.ok(!log.includes(ADMIN.slice(5)), "the admin token is not in the log");
      assert.ok(!log.includes(acme.token.slice(10)), "the tenant token is not in the log");
    });

    it("Last-Event-ID is decimal digits too", async () => {
      for (const v of ["0x10", "1e400", "-1", "abc", "9999999999999999999"])
        assertError(
          await t.req("GET", `/v1/operations/${acme.op}/events/stream`, { headers: { "last-event-id": v } }),
          400,
          "headers.last-event-id",
        );
    });

    it("token-shaped input echoed in an error message is redacted", async () => {
      const r = await t.req("POST", "/v1/tenants", {
        body: {
          name: "newone",
          spec: { vms: [{ name: "web" }], floatingIps: [{ name: "w", target: ADMIN }] },
        },
      });
      assertError(r, 400, "body.spec.floatingIps[0].target");
      assert.ok(!r.text.includes(ADMIN.slice(5)), r.text);
      const u = await t.req("POST", "/v1/tenants", { body: { name: "newone", spec: { [ADMIN]: 1 } } });
      assertError(u, 400, "body.spec.bspa.[redacted]");
      assert.ok(!u.text.includes(ADMIN.slice(5)), u.text);
    });
  });

  // Last: mocha runs a suite's own tests before its nested suites.
  describe("the log", () => {
    it("after all of it, the log holds no token, no secret and no internal error", () => {
      const log = lines.join("");
      assert.ok(lines.length > 50, `the requests were logged (${lines.length} lines)`);
      for (const secret of [ADMIN, ADMIN.slice(5), acme.token, acme.token.split(".")[2]])
        assert.ok(!log.includes(secret), "a token is in the log");
      assert.deepEqual(log.match(/bsp[at]\.(?!\[redacted\])[^"\s]{8,}/g) ?? [], []);
      assert.deepEqual(
        lines.filter((l) => JSON.parse(l).level >= 50),
        [],
        "no request failed inside the service (malformed requests included)",
      );
      assert.ok(log.includes("refused a malformed request"), "the HTTP parser's refusals are logged");
    });
  });
});
