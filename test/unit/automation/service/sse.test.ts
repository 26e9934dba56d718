/**
 * The SSE stream over real HTTP: a client that disconnects lets go of its subscription (100 connects and
 * disconnects → the bus is back to its baseline), and a stream ends by itself with `end` when its operation ends.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { ADMIN, TestService, smallSpec, startService } from "../../../../support/serviceApp";

/** Opens the stream, waits for the first bytes, returns the request (destroy it to disconnect). */
function open(url: string): Promise<{ req: http.ClientRequest; first: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { authorization: `Bearer ${ADMIN}` } }, (res) => {
      res.once("data", (b: Buffer) => resolve({ req, first: String(b) }));
      res.on("error", () => undefined);
    });
    req.on("error", (e) => ((e as NodeJS.ErrnoException).code === "ECONNRESET" ? undefined : reject(e)));
  });
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("service SSE streams", function () {
  this.timeout(60000);
  let t: TestService;
  let base: string;
  before(async () => {
    t = await startService({ delayMs: 5 });
    base = await t.svc.listen(0, "127.0.0.1");
  });
  after(async () => {
    t.driver.release();
    await t.close();
  });

  it("100 connects/disconnects on a running operation leave no listener behind", async () => {
    t.driver.hold();
    const c = await t.req("POST", "/v1/tenants", { body: { name: "acme", spec: smallSpec() } });
    const url = `${base}/v1/operations/${c.body.operation.id}/events/stream`;
    await until(() => t.driver.running === 1);
    const baseline = t.svc.bus.listenerCount();
    for (let i = 0; i < 100; i++) {
      const s = await open(url);
      assert.match(s.first, /retry: 2000/);
      if (i % 2 === 0) s.req.destroy();
      else s.req.socket?.destroy();
    }
    await until(() => t.svc.bus.listenerCount() === baseline);
    // Streams left open end by themselves (with `end`) when the operation ends, and let go too.
    const open5 = await Promise.all(
      Array.from(
        { length: 5 },
        () =>
          new Promise<string>((resolve, reject) => {
            http
              .get(url, { headers: { authorization: `Bearer ${ADMIN}` } }, (res) => {
                let text = "";
                res.on("data", (b) => (text += String(b)));
                res.on("end", () => resolve(text));
              })
              .on("error", reject);
          }),
      ).map(async (p, i) => {
        if (i === 4) {
          await until(() => t.svc.bus.listenerCount() >= baseline + 10);
          t.driver.release();
        }
        return p;
      }),
    );
    for (const text of open5) assert.match(text, /event: operation\.succeeded[\s\S]*event: end\ndata: /);
    await until(() => t.svc.bus.listenerCount() === baseline);
  });
});
