import * as assert from "node:assert/strict";
import { CASES, inputsOf } from "./cases";
import {
  WG_KEY_A,
  connectionOf,
  logLines,
  provider,
  rejection,
  useFastClients,
  withEmulator,
} from "./helpers";
import { wireguardPublicKey } from "../../../../providers/opnsense/keys";
import { SPECS } from "../../../../providers/opnsense/fields";

describe("opnsense dynamic resources against the emulator", () => {
  before(useFastClients);

  for (const c of CASES) {
    describe(c.kind, () => {
      it("create → read → diff → update → delete, each followed by its apply", async () =>
        withEmulator(async (emu) => {
          const p = provider(c.kind);
          const inputs = await inputsOf(c, emu, `basphere/test/${c.kind}`);
          assert.deepEqual((await p.check({}, inputs)).failures, undefined);

          emu.state.applied.length = 0;
          const created = await p.create(inputs);
          const rec = emu.state.collections[c.collection][created.id];
          assert.ok(rec, "record stored under the returned uuid");
          for (const [k, v] of Object.entries(c.stored)) assert.equal(rec[k], v, `stored ${k}`);
          assert.equal(created.outs.uuid, created.id);
          assert.ok(emu.state.applied.includes(c.apply), `apply ${c.apply} called`);
          assert.equal(emu.state.pending.size, 0, `nothing left unapplied: ${[...emu.state.pending]}`);

          // read: what the router has, decoded back to arguments; no drift on an unchanged record.
          const read = await p.read(created.id, created.outs);
          assert.equal(read.id, created.id);
          // What the engine can carry (a protobuf Struct): no undefined anywhere, or every refresh fails.
          const undefinedAt = (v: unknown, at: string): string[] =>
            v === undefined
              ? [at]
              : v !== null && typeof v === "object"
                ? Object.entries(v).flatMap(([k, x]) => undefinedAt(x, `${at}.${k}`))
                : [];
          assert.deepEqual(undefinedAt(read.props, "props"), [], "read returns no undefined values");
          const noDrift = await p.diff(created.id, read.props, inputs);
          assert.equal(noDrift.changes, false, `no changes after read: ${JSON.stringify(noDrift)}`);

          // diff shows exactly the changed argument; no replacement.
          const news = { ...inputs, ...c.update };
          const d = (await p.diff(created.id, created.outs, news)) as {
            changes: boolean;
            replaces: string[];
            changedArgs: string[];
          };
          assert.equal(d.changes, true);
          assert.deepEqual(d.changedArgs, Object.keys(c.update));
          assert.deepEqual(d.replaces, []);

          emu.state.applied.length = 0;
          const updated = await p.update(created.id, created.outs, news);
          const rec2 = emu.state.collections[c.collection][created.id];
          for (const [k, v] of Object.entries(c.storedAfterUpdate)) assert.equal(rec2[k], v, `updated ${k}`);
          assert.ok(emu.state.applied.includes(c.apply));
          assert.equal(
            Object.keys(emu.state.collections[c.collection]).length,
            1,
            "update did not add a record",
          );
          assert.equal((await p.diff(created.id, updated.outs!, news)).changes, false);

          emu.state.applied.length = 0;
          await p.delete(created.id, updated.outs!);
          assert.equal(emu.state.collections[c.collection][created.id], undefined);
          assert.ok(emu.state.applied.includes(c.apply));
          assert.deepEqual(
            await p.read(created.id, updated.outs!),
            {},
            "read of a deleted record reports it gone",
          );
          // deleting again is harmless
          await p.delete(created.id, updated.outs!);
        }));

      it("a re-run after a crash between save and apply adopts the record instead of duplicating it", async () =>
        withEmulator(async (emu) => {
          const p = provider(c.kind);
          const inputs = await inputsOf(c, emu, `basphere/test/crash-${c.kind}`);
          const spec = SPECS[c.kind];
          const before = Object.keys(emu.state.collections[c.collection]).length;
          // First run: saved, then the apply step never succeeds and the cleanup cannot run either (as if the process died).
          const firstApplyStep =
            c.kind === "DhcpSubnet"
              ? "/api/kea/dhcpv4/set"
              : c.kind.startsWith("Wireguard")
                ? "/api/wireguard/general/set"
                : c.apply;
          emu.failNext(firstApplyStep, "reset", 10);
          emu.failNext(`${spec.base}/del_${spec.item}`, "reset", 10);
          const err = await rejection(p.create(inputs));
          assert.match(err.message, /left in the configuration, not applied/);
          assert.equal(Object.keys(emu.state.collections[c.collection]).length, before + 1);
          assert.ok(emu.state.pending.size > 0, "saved but not applied");
          emu.clearFailures();
          // Second run: same resource, finds its own record by the deterministic uuid and converges.
          const again = await p.create(inputs);
          assert.equal(Object.keys(emu.state.collections[c.collection]).length, before + 1, "no duplicate");
          assert.ok(emu.state.collections[c.collection][again.id]);
          assert.equal(emu.state.pending.size, 0, "applied");
        }));
    });
  }

  it("a failed apply on create removes the saved record and says so", async () =>
    withEmulator(async (emu) => {
      const p = provider("OneToOneNat");
      emu.failNext("/api/firewall/one_to_one/apply", "user-exception");
      const err = await rejection(
        p.create({
          connection: connectionOf(emu),
          resourceKey: "k/1",
          external: "192.168.200.51",
          internal: "10.20.0.11",
        }),
      );
      assert.match(
        err.message,
        /applying failed .*Item in use.*the saved record was removed again, nothing is left behind/,
      );
      assert.deepEqual(emu.state.collections.onetoone, {});
    }));

  it("a failed apply whose cleanup also fails reports the record left behind, by uuid", async () =>
    withEmulator(async (emu) => {
      const p = provider("Alias");
      emu.failNext("/api/firewall/alias/reconfigure", "user-exception");
      emu.failNext("/api/firewall/alias/del_item", "user-exception");
      const err = await rejection(
        p.create({
          connection: connectionOf(emu),
          resourceKey: "k/2",
          name: "a1",
          type: "host",
          content: ["10.0.0.1"],
        }),
      );
      const [uuid] = Object.keys(emu.state.collections.alias);
      assert.ok(uuid);
      assert.match(err.message, new RegExp(`record ${uuid} is left in the configuration, not applied`));
    }));

  it("BINAT prefix mismatch: the router's validation comes back naming the argument and the API field", async () =>
    withEmulator(async (emu) => {
      const p = provider("OneToOneNat");
      const err = await rejection(
        p.create({
          connection: connectionOf(emu),
          resourceKey: "k/3",
          external: "192.168.200.52",
          internal: "10.20.0.0/24",
        }),
      );
      assert.match(
        err.message,
        /OneToOneNat\.external \(rule\.external\): External subnet should match internal subnet/,
      );
      assert.deepEqual(emu.state.collections.onetoone, {}, "nothing saved");
    }));

  it("bad arguments fail before any request, naming the argument", async () =>
    withEmulator(async (emu) => {
      const n = emu.requests.length;
      const p = provider("DhcpSubnet");
      const bad = {
        connection: connectionOf(emu),
        resourceKey: "k/4",
        interface: "lan",
        subnet: "10.20.0.0/24",
        pools: ["10.30.0.1-10.30.0.9"],
      };
      assert.match(
        (await rejection(p.create(bad))).message,
        /DhcpSubnet\.pools\.0: 10\.30\.0\.1-10\.30\.0\.9 is not inside 10\.20\.0\.0\/24/,
      );
      const chk = await p.check({}, bad);
      assert.deepEqual(
        chk.failures?.map((f) => f.property),
        ["pools"],
      );
      const fw = await p.check(
        {},
        {
          ...bad,
          pools: ["10.20.0.5-10.20.0.9"],
          connection: { ...connectionOf(emu), url: "http://10.1.1.1" },
        },
      );
      assert.match(fw.failures![0].reason, /connection\.url: plain http is only allowed for loopback/);
      assert.equal(emu.requests.length, n);
    }));

  it("check passes inputs with unknown values (preview) through", async () => {
    const r = await provider("Alias").check(
      {},
      { connection: "04da6b54-80e4-46f7-96ec-b56ff0331ba9", name: "x y" },
    );
    assert.equal(r.failures, undefined);
  });

  it("a different router URL means replacement (delete first); a rotated key is not a change", async () => {
    const p = provider("Alias");
    const conn = { url: "https://10.0.0.1", apiKey: "a", apiSecret: "b" };
    const args = { name: "x", type: "host", content: ["10.0.0.1"] };
    const olds = { connection: conn, resourceKey: "k", ...args, uuid: "u" };
    assert.equal(
      (
        await p.diff("u", olds, {
          connection: { ...conn, apiKey: "c", apiSecret: "d" },
          resourceKey: "k",
          ...args,
        })
      ).changes,
      false,
    );
    const d = await p.diff("u", olds, {
      connection: { ...conn, url: "https://10.0.0.2" },
      resourceKey: "k",
      ...args,
    });
    assert.deepEqual(d.replaces, ["connection"]);
    assert.equal(d.deleteBeforeReplace, true);
  });

  it("WireguardServer: generates a key pair when none is given, keeps it on update, private key only in secret outputs", async () =>
    withEmulator(async (emu) => {
      const p = provider("WireguardServer");
      const inputs = {
        connection: connectionOf(emu),
        resourceKey: "k/wg",
        name: "wg1",
        port: 51820,
        tunnelAddress: ["10.99.0.1/24"],
      };
      const c = await p.create(inputs);
      assert.match(c.outs.privateKey, /^[A-Za-z0-9+/]{43}=$/);
      assert.equal(c.outs.publicKey, wireguardPublicKey(c.outs.privateKey));
      assert.equal(emu.state.collections.wgServer[c.id].pubkey, c.outs.publicKey);
      assert.equal(emu.state.settings.wireguard.enabled, "1", "global switch on");
      assert.equal(
        (await p.diff(c.id, c.outs, inputs)).changes,
        false,
        "omitted private key is not a change",
      );
      const u = await p.update(c.id, c.outs, { ...inputs, mtu: 1400 });
      assert.equal(u.outs!.privateKey, c.outs.privateKey);
      const withKey = await p.diff(c.id, c.outs, { ...inputs, privateKey: WG_KEY_A });
      assert.deepEqual((withKey as unknown as { changedArgs: string[] }).changedArgs, ["privateKey"]);
      assert.equal(wireguardPublicKey(WG_KEY_A), "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=");
    }));

  it("WireguardPeer links to its server through `servers` and deleting it unlinks it", async () =>
    withEmulator(async (emu) => {
      const conn = connectionOf(emu);
      const s = await provider("WireguardServer").create({
        connection: conn,
        resourceKey: "k/s",
        name: "wg0",
        port: 51820,
        tunnelAddress: ["10.99.0.1/24"],
      });
      const peer = await provider("WireguardPeer").create({
        connection: conn,
        resourceKey: "k/p",
        name: "p1",
        publicKey: "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=",
        tunnelAddress: ["10.99.0.2/32"],
        serverUuid: s.id,
        presharedKey: WG_KEY_A,
      });
      assert.equal(emu.state.collections.wgServer[s.id].peers, peer.id);
      const r = await provider("WireguardPeer").read(peer.id, peer.outs);
      assert.equal(r.props!.serverUuid, s.id);
      await provider("WireguardPeer").delete(peer.id, peer.outs);
      assert.equal(emu.state.collections.wgServer[s.id].peers, "");
    }));

  it("DhcpSubnet enables Kea on its interface, keeping interfaces already there, with dhcpv4/set before reconfigure", async () =>
    withEmulator(async (emu) => {
      emu.state.settings.kea["general.interfaces"] = "opt1";
      const p = provider("DhcpSubnet");
      await p.create({
        connection: connectionOf(emu),
        resourceKey: "k/d",
        interface: "lan",
        subnet: "10.20.0.0/24",
        pools: ["10.20.0.100-10.20.0.200"],
      });
      assert.equal(emu.state.settings.kea["general.enabled"], "1");
      assert.equal(emu.state.settings.kea["general.interfaces"], "opt1,lan");
      const order = emu.requests
        .map((r) => r.path)
        .filter((x) => /kea\/(dhcpv4\/set|service\/reconfigure)$/.test(x));
      assert.deepEqual(order, ["/api/kea/dhcpv4/set", "/api/kea/service/reconfigure"]);
      const rec = Object.values(emu.state.collections.keaSubnet)[0];
      assert.equal(rec.option_data_autocollect, "1", "no explicit options: autocollect stays on");
    }));

  it("SourceNatRule switches automatic outbound NAT to hybrid (26.7 ignores MVC rules otherwise), but leaves advanced", async () =>
    withEmulator(async (emu) => {
      const p = provider("SourceNatRule");
      await p.create({ connection: connectionOf(emu), resourceKey: "k/n1", sourceNet: "10.20.0.0/24" });
      assert.equal(emu.state.settings.firewall["general.snat_mode"], "hybrid");
      emu.state.settings.firewall["general.snat_mode"] = "advanced";
      await p.create({ connection: connectionOf(emu), resourceKey: "k/n2", sourceNet: "10.21.0.0/24" });
      assert.equal(emu.state.settings.firewall["general.snat_mode"], "advanced");
    }));

  it("secrets never appear in errors or client logs", async () =>
    withEmulator(async (emu) => {
      logLines.length = 0;
      const conn = connectionOf(emu);
      const p = provider("WireguardServer");
      emu.failNext("/api/wireguard/server/set_server", "validation", 1, { "server.privkey": "bad key" });
      const e1 = await rejection(
        p.create({
          connection: conn,
          resourceKey: "k/s1",
          name: "wg0",
          port: 51820,
          tunnelAddress: ["10.99.0.1/24"],
          privateKey: WG_KEY_A,
        }),
      );
      emu.failNext("/api/wireguard/service/reconfigure", "500", 10);
      const e2 = await rejection(
        p.create({
          connection: conn,
          resourceKey: "k/s2",
          name: "wg0",
          port: 51820,
          tunnelAddress: ["10.99.0.1/24"],
          privateKey: WG_KEY_A,
        }),
      );
      const bad = { ...conn, apiSecret: "wrong-secret-value" };
      const e3 = await rejection(
        p.create({
          connection: bad,
          resourceKey: "k/s3",
          name: "wg0",
          port: 51820,
          tunnelAddress: ["10.99.0.1/24"],
          privateKey: WG_KEY_A,
        }),
      );
      assert.match(e1.message, /WireguardServer\.privateKey \(server\.privkey\): bad key/);
      assert.match(e3.message, /HTTP 401/);
      const text = [e1.message, e1.stack, e2.message, e3.message, ...logLines].join("\n");
      for (const secret of [
        conn.apiKey,
        conn.apiSecret,
        WG_KEY_A,
        "wrong-secret-value",
        Buffer.from(`${conn.apiKey}:${conn.apiSecret}`).toString("base64"),
      ]) {
        assert.ok(!text.includes(secret), "a secret leaked into an error or the log");
      }
      assert.ok(logLines.length > 3, "the log hook was used");
    }));
});
