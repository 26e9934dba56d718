/**
 * Child process of the crash-recovery test: starts the service on a data folder with a slow fake engine, creates
 * tenants, and reports once operations are running. The parent then kills it with SIGKILL (no cleanup at all).
 */
import { createService } from "../../../../automation/service/wiring";
import { FakeDriver } from "../../../../support/fakeDriver";

const ADMIN = "bspa.test-admin-token-0123456789abcdefghijkl";

if (require.main === module) {
  process.once("message", async (msg: { dir: string; tenants: string[] }) => {
    const driver = new FakeDriver({ delayMs: 600000 });
    const svc = await createService({
      dataDir: msg.dir,
      adminToken: ADMIN,
      driver,
      pollIntervalMs: 20,
      env: {},
    });
    const ops: string[] = [];
    const tokens: Record<string, string> = {};
    for (const name of msg.tenants) {
      const r = await svc.app.inject({
        method: "POST",
        url: "/v1/tenants",
        headers: { authorization: `Bearer ${ADMIN}` },
        payload: { name, spec: { floatingIps: [] } },
      });
      const body = r.json();
      ops.push(body.operation.id);
      tokens[name] = body.token;
    }
    while (driver.running < Math.min(2, msg.tenants.length)) await new Promise((r) => setTimeout(r, 10));
    process.send!({ ops, tokens, running: driver.of().map((c) => c.stack) });
  });
}
