/**
 * Per-kind steps around the generic record lifecycle: WireGuard keys and the global switch, Kea's
 * settings (`dhcpv4/set` before `service/reconfigure`, interface list), the outbound NAT mode.
 */
import { OpnsenseClient } from "./client";
import { EXTRA_CALLS, plainValue } from "./fields";
import { generateWireguardKeyPair, wireguardPublicKey } from "./keys";

export interface KindHooks {
  /** Completes the arguments before encoding (computed fields). `olds` are the previous outputs on update. */
  prepare?(args: Record<string, any>, olds?: Record<string, any>): Record<string, any>;
  /** Runs after the record is saved and before the apply call. */
  beforeApply?(client: OpnsenseClient, args: Record<string, any>): Promise<void>;
  /** Argument names the diff ignores when the new value is undefined (computed and kept). */
  keepWhenOmitted?: string[];
  /** Computed outputs (not inputs): never compared in diff. */
  computed?: string[];
}

async function enableWireguard(client: OpnsenseClient): Promise<void> {
  const c = EXTRA_CALLS.wireguardGeneralSet;
  const r = await client.post(c.path, { [c.wrapper]: { enabled: "1" } });
  client.expectSaved(r, c.path);
}

export const HOOKS: Record<string, KindHooks> = {
  WireguardServer: {
    prepare(args, olds) {
      const privateKey: string | undefined = args.privateKey ?? olds?.privateKey;
      if (privateKey) return { ...args, privateKey, publicKey: wireguardPublicKey(privateKey) };
      return { ...args, ...generateWireguardKeyPair() };
    },
    beforeApply: (client) => enableWireguard(client),
    keepWhenOmitted: ["privateKey"],
    computed: ["publicKey"],
  },
  WireguardPeer: {
    beforeApply: (client) => enableWireguard(client),
  },
  FirewallRule: {
    // An omitted sequence is not sent (fields.ts omitWhenUnset): the router appends a new rule (max + 100) and an
    // existing rule keeps its position. One known from before (given earlier, or read by a refresh) is kept.
    keepWhenOmitted: ["sequence"],
  },
  DhcpSubnet: {
    prepare(args) {
      // With explicit router/DNS options, switch autocollect off so they are used as given.
      const explicit = (args.routers?.length ?? 0) > 0 || (args.dnsServers?.length ?? 0) > 0;
      return { ...args, autocollect: !explicit };
    },
    async beforeApply(client, args) {
      const cur = await client.get(EXTRA_CALLS.keaSettingsGet.path);
      const have = plainValue(cur?.dhcpv4?.general?.interfaces)
        .split(",")
        .filter((x) => x !== "");
      const interfaces = have.includes(args.interface) ? have : [...have, args.interface];
      const c = EXTRA_CALLS.keaSettingsSet;
      // The GUI's Apply does dhcpv4/set then service/reconfigure; the set also runs Kea's option autocollect.
      const r = await client.post(c.path, {
        [c.wrapper]: { general: { enabled: "1", interfaces: interfaces.join(",") } },
      });
      client.expectSaved(r, c.path);
    },
    computed: ["autocollect"],
  },
  SourceNatRule: {
    async beforeApply(client, args) {
      const want = args.outboundMode ?? "hybrid";
      // 26.1 renders MVC rules in every mode (reference §9); its source_nat/get|set are whole-model actions.
      if (want === "unchanged" || client.connection.version === "26.1") return;
      const cur = await client.get(EXTRA_CALLS.snatModeGet.path);
      const mode = plainValue(cur?.filter?.general?.snat_mode);
      // 26.7 renders MVC outbound rules only in hybrid/advanced mode; automatic/disabled would ignore the rule.
      if (mode === "hybrid" || mode === "advanced") return;
      const c = EXTRA_CALLS.snatModeSet;
      const r = await client.post(c.path, { [c.wrapper]: { general: { snat_mode: want } } });
      client.expectSaved(r, c.path);
    },
  },
};
