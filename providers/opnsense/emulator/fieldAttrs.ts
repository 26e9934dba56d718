/**
 * Field attributes the ground truth JSON does not carry but the real models' XML does (opnsense/core,
 * `src/opnsense/mvc/app/models/OPNsense/...`, read at 26.7): which InterfaceFields accept dynamic (plugin
 * registered) interfaces such as the `wireguard` group, which PortFields allow ranges / well-known names /
 * aliases, and the NetworkField restrictions. Keys are `<model key>|<field>`. Everything else (types, required,
 * options, min/max, multiple) comes from the ground truth itself.
 */

export interface FieldAttrs {
  /** InterfaceField `<AllowDynamic>Y</AllowDynamic>`: plugin interfaces (`wireguard`, `openvpn`...) are options. */
  allowDynamic?: boolean;
  /** PortField `<EnableRanges>Y`. */
  ranges?: boolean;
  /** PortField `<EnableWellKnown>Y` (`https`, `ssh`...). */
  wellKnown?: boolean;
  /** PortField `<EnableAlias>Y` (port aliases). */
  alias?: boolean;
  /** NetworkField `<NetMaskRequired>Y`. */
  netmaskRequired?: boolean;
  /** NetworkField `<NetMaskAllowed>N`. */
  netmaskForbidden?: boolean;
  /** NetworkField `<AddressFamily>`. */
  family?: "ipv4" | "ipv6";
  /** `<ValidationMessage>`: what the field's own validators answer (e.g. an out-of-range sequence). */
  message?: string;
  /** TextField `<Mask>` (a value must match it). */
  mask?: RegExp;
}

const FILTER = "OPNsense\\Firewall\\Filter";
const FW_PORT: FieldAttrs = {
  ranges: true,
  wellKnown: true,
  alias: true,
  message: "Please specify a valid portnumber, name, alias or range.",
};
const DNAT_PORT: FieldAttrs = {
  ranges: true,
  wellKnown: true,
  alias: true,
  message: "Please specify a valid port number, well-known name, alias or range.",
};
/** Server.xml / Client.xml `name`. */
const WG_NAME: FieldAttrs = {
  mask: /^([0-9a-zA-Z._-]){1,64}$/u,
  message:
    "Should be a string between 1 and 64 characters. Allowed characters are alphanumeric characters, dash and underscores.",
};
/** Filter.xml and DNat.xml: every `sequence` (FilterSequenceField / DNatSequenceField), 1-999999. */
const SEQUENCE: FieldAttrs = { message: "Sequence shall be between 1 and 999999." };

export const FIELD_ATTRS: Record<string, FieldAttrs> = {
  // Filter.xml: rules, snatrules, npt and onetoone interfaces all have <AllowDynamic>Y and exclude lo0.
  [`${FILTER}:rules.rule|interface`]: { allowDynamic: true },
  [`${FILTER}:snatrules.rule|interface`]: { allowDynamic: true },
  [`${FILTER}:onetoone.rule|interface`]: { allowDynamic: true },
  [`${FILTER}:npt.rule|interface`]: { allowDynamic: true },
  [`${FILTER}:rules.rule|sequence`]: SEQUENCE,
  [`${FILTER}:snatrules.rule|sequence`]: SEQUENCE,
  [`${FILTER}:onetoone.rule|sequence`]: SEQUENCE,
  [`${FILTER}:npt.rule|sequence`]: SEQUENCE,
  ["OPNsense\\Firewall\\DNat:rule|sequence"]: SEQUENCE,
  [`${FILTER}:rules.rule|source_port`]: FW_PORT,
  [`${FILTER}:rules.rule|destination_port`]: FW_PORT,
  [`${FILTER}:snatrules.rule|source_port`]: FW_PORT,
  [`${FILTER}:snatrules.rule|destination_port`]: FW_PORT,
  [`${FILTER}:snatrules.rule|target_port`]: { ranges: true, wellKnown: true },
  // Wireguard Server.xml / Client.xml: names by Mask; a peer's tunneladdress needs a mask, an instance's does not.
  ["OPNsense\\Wireguard\\Server:servers.server|name"]: WG_NAME,
  ["OPNsense\\Wireguard\\Client:clients.client|name"]: WG_NAME,
  ["OPNsense\\Wireguard\\Client:clients.client|tunneladdress"]: { netmaskRequired: true },
  // DNat.xml: interface <Multiple>Y <AllowDynamic>Y; source/destination port ranges+well-known+alias;
  // local-port <EnableWellKnown>Y <EnableAlias>Y, no ranges (a single port, a service name or a port alias).
  ["OPNsense\\Firewall\\DNat:rule|interface"]: { allowDynamic: true },
  ["OPNsense\\Firewall\\DNat:rule|source.port"]: DNAT_PORT,
  ["OPNsense\\Firewall\\DNat:rule|destination.port"]: DNAT_PORT,
  ["OPNsense\\Firewall\\DNat:rule|local-port"]: {
    alias: true,
    wellKnown: true,
    message: "Please specify a valid port number or alias.",
  },
  // KeaDhcpv4.xml: general.interfaces has no AllowDynamic (only assigned interfaces); subnet needs a mask;
  // router/DNS options are IPv4 addresses without a mask.
  ["OPNsense\\Kea\\KeaDhcpv4:subnets.subnet4|subnet"]: { netmaskRequired: true, family: "ipv4" },
  ["OPNsense\\Kea\\KeaDhcpv4:subnets.subnet4|option_data.routers"]: {
    netmaskForbidden: true,
    family: "ipv4",
  },
  ["OPNsense\\Kea\\KeaDhcpv4:subnets.subnet4|option_data.domain_name_servers"]: {
    netmaskForbidden: true,
    family: "ipv4",
  },
  ["OPNsense\\Kea\\KeaDhcpv4:subnets.subnet4|option_data.ntp_servers"]: {
    netmaskForbidden: true,
    family: "ipv4",
  },
  ["OPNsense\\Kea\\KeaDhcpv4:subnets.subnet4|next_server"]: { netmaskForbidden: true, family: "ipv4" },
};

export function attrsOf(modelKey: string, field: string): FieldAttrs {
  return FIELD_ATTRS[`${modelKey}|${field}`] ?? {};
}
