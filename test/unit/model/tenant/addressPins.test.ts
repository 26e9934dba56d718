/**
 * Addresses that never move (model/tenant/addressPins.ts): examples a user would try, and a property test over
 * random sequences of inserts, removals, reorders and LAN moves.
 */
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { effectiveAddresses, pinAddresses } from "../../../../model/tenant/addressPins";
import { TenantSpec, TenantSpecInput, tenantSpecSchema } from "../../../../model/tenant/spec";

const KEY = "uFx1ZQm4bL2oZr9pyyVqrrYpR3pZ9oWk5h1yV4Vf7kQ=";

function spec(vms: TenantSpecInput["vms"], peers?: { name: string; address?: string }[]): TenantSpec {
  return tenantSpecSchema.parse({
    name: "acme",
    vms,
    ...(peers ? { vpn: { peers: peers.map((p) => ({ ...p })) } } : {}),
  });
}

const vmAddresses = (s: TenantSpec) => Object.fromEntries(s.vms.map((v) => [v.name, v.address]));
const peerAddresses = (s: TenantSpec) =>
  Object.fromEntries((s.vpn?.peers ?? []).map((p) => [p.name, p.address]));

/** Pins `next` against `history` and asserts there is nothing to refuse. */
function pin(next: TenantSpec, ...history: TenantSpec[]): TenantSpec {
  const r = pinAddresses(next, history);
  assert.deepEqual(r.issues, []);
  return r.spec;
}

describe("tenant address pins: addresses never move", () => {
  it("a new tenant's entries get the lowest addresses in spec order, written into the spec", () => {
    const s = pin(spec([{ name: "bastion" }, { name: "ci" }, { name: "db", network: "lan2" }]));
    assert.deepEqual(vmAddresses(s), { bastion: "10.0.1.20", ci: "10.0.1.21", db: "10.0.2.20" });
  });

  it("a VM inserted at the head of vms does not move the others (the issue's example)", () => {
    const v1 = pin(spec([{ name: "bastion" }, { name: "ci" }]));
    // The user sends the spec again as first written (no addresses), with a VM in front.
    const v2 = pin(spec([{ name: "web" }, { name: "bastion" }, { name: "ci" }]), v1);
    assert.deepEqual(vmAddresses(v2), { web: "10.0.1.22", bastion: "10.0.1.20", ci: "10.0.1.21" });
  });

  it("a spec stored before pins existed keeps what the program gave it (spec order)", () => {
    const old = spec([{ name: "bastion" }, { name: "ci" }]); // no addresses: 10.0.1.20, .21 in the running stack
    const next = pin(spec([{ name: "new" }, { name: "bastion" }, { name: "ci" }]), old);
    assert.deepEqual(vmAddresses(next), { new: "10.0.1.22", bastion: "10.0.1.20", ci: "10.0.1.21" });
  });

  it("a removed entry's address is not handed out again until an up without it has succeeded", () => {
    const v1 = pin(spec([{ name: "a" }, { name: "b" }]));
    const v2 = pin(spec([{ name: "b" }]), v1); // a removed, not applied yet
    const v3 = pin(spec([{ name: "b" }, { name: "c" }]), v2, v1); // history: applied v1 .. newest v2
    assert.deepEqual(vmAddresses(v3), { b: "10.0.1.21", c: "10.0.1.22" });
    // Once v2 is applied, the history is v2 alone and a's address is free again.
    assert.deepEqual(vmAddresses(pin(spec([{ name: "b" }, { name: "c" }]), v2)), {
      b: "10.0.1.21",
      c: "10.0.1.20",
    });
  });

  it("an explicit address another entry holds and keeps is refused, naming the field", () => {
    const v1 = pin(spec([{ name: "a" }, { name: "b" }]));
    const taken = pinAddresses(spec([{ name: "a" }, { name: "b" }, { name: "c", address: "10.0.1.20" }]), [
      v1,
    ]);
    assert.deepEqual(taken.issues, [
      {
        path: ["vms", 2, "address"],
        message:
          'static address 10.0.1.20 is held by VM "a", which keeps it; pick another address or give "a" another one',
      },
    ]);
    // Explicitly given: a removed VM's address, or one whose holder is given another, is the user's choice.
    assert.deepEqual(vmAddresses(pin(spec([{ name: "b" }, { name: "c", address: "10.0.1.20" }]), v1)), {
      b: "10.0.1.21",
      c: "10.0.1.20",
    });
    const swapped = pin(
      spec([
        { name: "a", address: "10.0.1.21" },
        { name: "b", address: "10.0.1.20" },
      ]),
      v1,
    );
    assert.deepEqual(vmAddresses(swapped), { a: "10.0.1.21", b: "10.0.1.20" });
  });

  it("a VM moved to the other LAN gets an address there; the rest stay", () => {
    const v1 = pin(spec([{ name: "a" }, { name: "b" }, { name: "c" }]));
    const v2 = pin(spec([{ name: "a" }, { name: "b", network: "lan2" }, { name: "c" }]), v1);
    assert.deepEqual(vmAddresses(v2), { a: "10.0.1.20", b: "10.0.2.20", c: "10.0.1.22" });
  });

  it("peers keep their tunnel address when one is inserted at the head", () => {
    const names = Array.from({ length: 9 }, (_, i) => ({
      name: `p${i}`,
      publicKey: KEY.replace("u", String(i)),
    }));
    const v1 = pin(spec([], names));
    const v2 = pin(spec([], [{ name: "new" }, ...names]), v1);
    for (const p of names) assert.equal(peerAddresses(v2)[p.name], peerAddresses(v1)[p.name], p.name);
    assert.equal(peerAddresses(v2).new, "10.99.0.11");
  });

  it("a full range is a clear problem naming the list, counting what removed entries still hold", () => {
    // A /28 tunnel: the router takes .1, peers .2-.14 (13 addresses).
    const small = (peers: { name: string }[]) =>
      tenantSpecSchema.parse({ name: "acme", vpn: { tunnelCidr: "10.99.0.0/28", peers } });
    const full = Array.from({ length: 13 }, (_, i) => ({ name: `p${i}` }));
    const v1 = pin(small(full));
    const r = pinAddresses(small([...full.slice(1), { name: "extra" }]), [v1]);
    assert.deepEqual(r.issues, [
      {
        path: ["vpn", "peers"],
        message:
          'no free tunnel address left in 10.99.0.2-10.99.0.14 for peer "extra" (1 still held by entries removed since the last successful up)',
      },
    ]);
  });

  it("effective addresses of an unpinned spec are the program's (explicit kept, the rest in order)", () => {
    const e = effectiveAddresses(spec([{ name: "a" }, { name: "b", address: "10.0.1.20" }]));
    assert.deepEqual(
      [...e.vms],
      [
        ["b", { lan: "lan1", address: "10.0.1.20" }],
        ["a", { lan: "lan1", address: "10.0.1.21" }],
      ],
    );
  });

  it("property: inserts, removals, reorders and LAN moves never move an existing entry's address", () => {
    type Vm = { name: string; network: "lan1" | "lan2" };
    const step = fc.oneof(
      fc.record({ op: fc.constant("insert" as const), at: fc.nat(), lan: fc.constantFrom("lan1", "lan2") }),
      fc.record({ op: fc.constant("remove" as const), at: fc.nat() }),
      fc.record({ op: fc.constant("reorder" as const), seed: fc.nat() }),
      fc.record({ op: fc.constant("move" as const), at: fc.nat() }),
      // An up succeeds: the history shrinks to the newest version.
      fc.record({ op: fc.constant("apply" as const) }),
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        let list: Vm[] = [];
        let history: TenantSpec[] = []; // newest first: applied .. latest
        let serial = 0;
        for (const s of steps) {
          const moved = new Set<string>();
          if (s.op === "insert" && list.length < 30) {
            const at = s.at % (list.length + 1);
            list = [
              ...list.slice(0, at),
              { name: `vm${serial++}`, network: s.lan as Vm["network"] },
              ...list.slice(at),
            ];
          } else if (s.op === "remove" && list.length) {
            list = list.filter((_, i) => i !== s.at % list.length);
          } else if (s.op === "reorder") {
            list = [...list].sort(
              (a, b) => ((a.name.length * 31 + s.seed) % 7) - ((b.name.length * 17 + s.seed) % 5),
            );
          } else if (s.op === "move" && list.length) {
            const i = s.at % list.length;
            moved.add(list[i].name);
            list = list.map((v, j) =>
              j === i ? { ...v, network: v.network === "lan1" ? "lan2" : "lan1" } : v,
            );
          } else if (s.op === "apply") {
            history = history.slice(0, 1);
            continue;
          }
          // The user sends names and LANs only, like a first request; the service pins against its history.
          const r = pinAddresses(spec(list), history);
          assert.deepEqual(r.issues, []);
          const now = r.spec;
          const before = history[0];
          if (before) {
            for (const v of now.vms) {
              const old = before.vms.find((o) => o.name === v.name);
              if (old && !moved.has(v.name)) assert.equal(v.address, old.address, `${v.name} moved`);
            }
          }
          // Nothing in the spec or still held by the history shares an address with a new entry.
          const addrs = now.vms.map((v) => v.address);
          assert.equal(new Set(addrs).size, addrs.length, "an address is used twice");
          for (const v of now.vms) {
            const heldBy = history
              .flatMap((h) => h.vms)
              .find((h) => h.address === v.address && h.name !== v.name);
            assert.equal(heldBy, undefined, `${v.name} took ${v.address} still held by ${heldBy?.name}`);
          }
          history = [now, ...history];
        }
      }),
      { numRuns: 200 },
    );
  });
});
