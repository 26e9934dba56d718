/** The emulator's mutable state. */
import { Rec } from "./model";

export interface ApiKeyEntry {
  secret: string;
  username: string;
}

export interface EmulatorState {
  /** Records by collection (`vip`, `onetoone`, `dnat`, `snat`, `filter`, `alias`, `wgServer`, `wgClient`, `keaSubnet`) and uuid. */
  collections: Record<string, Record<string, Rec>>;
  /** Settings sections: `wireguard.general`, `kea.general`, `firewall.general` (dotted field → value). */
  settings: { wireguard: Rec; kea: Rec; firewall: Rec };
  /** API keys by key. */
  apiKeys: Map<string, ApiKeyEntry>;
  /** Users that exist. */
  users: Set<string>;
  /** Subsystems with saved but unapplied changes: vip, firewall, alias, wireguard, kea. */
  pending: Set<string>;
  /** Apply/reconfigure paths in the order they were called. */
  applied: string[];
  /**
   * Plugin-registered interfaces (config.xml `<interfaces>` entries with internal_dynamic), identifier →
   * description. `wireguard` (the WireGuard group) appears when `wireguard/service/reconfigure` runs with
   * WireGuard enabled (wireguard_interfaces() in plugins.inc.d/wireguard.inc) and goes when it is disabled.
   */
  dynamicInterfaces: Record<string, string>;
}

export function newState(): EmulatorState {
  return {
    collections: {
      vip: {},
      onetoone: {},
      dnat: {},
      snat: {},
      filter: {},
      alias: {},
      wgServer: {},
      wgClient: {},
      keaSubnet: {},
    },
    settings: {
      wireguard: { enabled: "0" },
      kea: {
        "general.enabled": "0",
        "general.interfaces": "",
        "general.valid_lifetime": "4000",
        "general.fwrules": "1",
        "general.dhcp_socket_type": "raw",
      },
      firewall: { "general.snat_mode": "automatic" },
    },
    apiKeys: new Map(),
    users: new Set(["root"]),
    pending: new Set(),
    applied: [],
    dynamicInterfaces: {},
  };
}
