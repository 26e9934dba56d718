/**
 * Input validation for every resource kind (zod). Defaults live in fields.ts (what is sent when an argument
 * is omitted); here only shape and value checks. Errors name `<Kind>.<argument>`.
 */
import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { ipv4String } from "../../model/net/ipv4";
import { OpnsenseInputError } from "./errors";

const ipv4 = ipv4String();
const cidr4 = z
  .string()
  .refine((s) => ipaddr.IPv4.isValidCIDRFourPartDecimal(s), "must be an IPv4 CIDR like 10.20.0.0/24");
const ipv4OrCidr = z
  .string()
  .refine(
    (s) => ipaddr.IPv4.isValidFourPartDecimal(s) || ipaddr.IPv4.isValidCIDRFourPartDecimal(s),
    "must be an IPv4 address or CIDR",
  );
const cidrAny = z.string().refine((s) => ipaddr.isValidCIDR(s), "must be a CIDR (address/prefix)");
const ifname = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, "must be an interface identifier such as wan, lan or opt1");
/** A port number as PortField lists its options: 1-65535, written without leading zeros. */
const portNumber = (s: string) => /^[1-9][0-9]{0,4}$/.test(s) && Number(s) <= 65535;
/** PortField with ranges (filter, DNat destination): a port, a range low-high (low < high), or a name/alias. */
const port = z
  .string()
  .regex(
    /^([0-9]{1,5}(-[0-9]{1,5})?|[A-Za-z_][A-Za-z0-9_]*)$/,
    "must be a port, a range a-b, or a port alias",
  )
  .refine((s) => {
    if (!/^[0-9]/.test(s)) return true;
    const [lo, hi] = s.split("-");
    return portNumber(lo) && (hi === undefined || (portNumber(hi) && Number(lo) < Number(hi)));
  }, "ports are 1-65535 without leading zeros, and a range a-b needs a < b");
/** DNat `local-port`: PortField without ranges — one port number, a service name or a port alias. */
const singlePort = z
  .string()
  .regex(/^([0-9]{1,5}|[A-Za-z_][A-Za-z0-9_]*)$/, "must be one port number or a port alias (no range)")
  .refine((s) => !/^[0-9]+$/.test(s) || portNumber(s), "must be 1-65535 (without leading zeros)");
const wgKey = z
  .string()
  .refine(
    (s) => /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/.test(s),
    "must be a base64 WireGuard key (32 bytes)",
  );
const description = z.string().max(255).optional();

const poolRange = z
  .string()
  .regex(/^\d+\.\d+\.\d+\.\d+-\d+\.\d+\.\d+\.\d+$/, "must be a range a.b.c.d-e.f.g.h");

export const SCHEMAS = {
  VirtualIp: z.strictObject({
    interface: ifname.optional(),
    address: ipv4OrCidr,
    description,
    mode: z.enum(["ipalias", "proxyarp"]).optional(),
  }),
  OneToOneNat: z.strictObject({
    interface: ifname.optional(),
    external: ipv4OrCidr,
    internal: ipv4OrCidr,
    destination: z.string().min(1).optional(),
    natReflection: z.enum(["enable", "disable", ""]).optional(),
    description,
    enabled: z.boolean().optional(),
  }),
  PortForward: z.strictObject({
    interface: ifname.optional(),
    protocol: z.enum(["tcp", "udp", "tcp/udp"]),
    destination: z.string().min(1),
    destinationPort: port,
    target: ipv4,
    targetPort: singlePort,
    pass: z.enum(["", "pass", "rule"]).optional(),
    natReflection: z.enum(["", "purenat", "disable"]).optional(),
    description,
    enabled: z.boolean().optional(),
  }),
  SourceNatRule: z.strictObject({
    interface: ifname.optional(),
    sourceNet: z.string().min(1),
    destinationNet: z.string().min(1).optional(),
    target: z
      .string()
      .min(1)
      .refine((s) => s !== "any", "can not be any (the API rejects it)")
      .optional(),
    description,
    enabled: z.boolean().optional(),
    /** Outbound NAT mode to ensure (26.7 renders MVC rules only in hybrid/advanced). Default "hybrid"; "unchanged" leaves it. */
    outboundMode: z.enum(["hybrid", "advanced", "unchanged"]).optional(),
  }),
  FirewallRule: z.strictObject({
    action: z.enum(["pass", "block", "reject"]),
    interface: z
      .string()
      .regex(
        /^[a-z][a-z0-9_]*(,[a-z][a-z0-9_]*)*$/,
        "must be interface identifiers separated by commas (lan,opt1)",
      ),
    direction: z.enum(["in", "out", "any"]).optional(),
    ipProtocol: z.enum(["inet", "inet6", "inet46"]).optional(),
    protocol: z.string().min(1).optional(),
    sourceNet: z.string().min(1).optional(),
    sourcePort: port.optional(),
    destinationNet: z.string().min(1).optional(),
    destinationPort: port.optional(),
    description: z.string().min(1).max(255),
    sequence: z.number().int().min(1).max(999999).optional(),
    log: z.boolean().optional(),
    enabled: z.boolean().optional(),
  }),
  Alias: z.strictObject({
    name: z
      .string()
      .regex(
        /^[A-Za-z_][A-Za-z0-9_]{0,30}$/,
        "must start with a letter or _ and hold at most 31 letters, digits or _",
      ),
    type: z.enum(["host", "network", "port"]),
    content: z
      .array(
        z
          .string()
          .min(1)
          .regex(/^[^\s,]+$/, "entries must not contain spaces or commas"),
      )
      .min(1),
    description,
  }),
  WireguardServer: z.strictObject({
    name: z.string().regex(/^[0-9a-zA-Z._-]{1,64}$/, "must be 1-64 of [0-9a-zA-Z._-]"),
    port: z.number().int().min(1).max(65535),
    tunnelAddress: z.array(cidrAny).min(1),
    mtu: z.number().int().min(1).max(9300).optional(),
    dns: z.array(z.string().refine((s) => ipaddr.isValid(s), "must be an IP address")).optional(),
    privateKey: wgKey.optional(),
  }),
  WireguardPeer: z.strictObject({
    name: z.string().regex(/^[0-9a-zA-Z._-]{1,64}$/, "must be 1-64 of [0-9a-zA-Z._-]"),
    publicKey: wgKey,
    tunnelAddress: z.array(cidrAny).min(1),
    serverUuid: z.string().uuid(),
    keepalive: z.number().int().min(1).max(65535).optional(),
    presharedKey: wgKey.optional(),
  }),
  DhcpSubnet: z
    .object({
      interface: ifname,
      subnet: cidr4,
      pools: z.array(poolRange).min(1),
      routers: z.array(ipv4).optional(),
      dnsServers: z.array(ipv4).optional(),
      domainName: z
        .string()
        .regex(/^[A-Za-z0-9.-]+$/, "must be a domain name")
        .optional(),
      description,
    })
    .superRefine((a, ctx) => {
      let net: [ipaddr.IPv4, number];
      try {
        net = ipaddr.IPv4.parseCIDR(a.subnet);
      } catch {
        return;
      }
      a.pools.forEach((p, i) => {
        for (const end of p.split("-")) {
          if (!ipaddr.IPv4.isValidFourPartDecimal(end) || !ipaddr.IPv4.parse(end).match(net)) {
            ctx.addIssue({ code: "custom", path: ["pools", i], message: `${p} is not inside ${a.subnet}` });
            return;
          }
        }
      });
    }),
  ApiKeyRotation: z.strictObject({
    username: z
      .string()
      .regex(/^[A-Za-z0-9._@-]{1,64}$/, "must be a user name")
      .optional(),
  }),
} as const;

export type Kind = keyof typeof SCHEMAS;

/** Validates the resource arguments (connection and internal keys excluded); throws naming `<Kind>.<arg>`. */
export function parseArgs(kind: Kind, inputs: Record<string, unknown>): Record<string, any> {
  const args: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inputs)) {
    if (k === "connection" || k === "resourceKey" || k.startsWith("__") || k === "uuid" || v === undefined)
      continue;
    args[k] = v;
  }
  const schema = SCHEMAS[kind] as z.ZodType<Record<string, any>>;
  const r = schema.safeParse(args);
  if (!r.success) {
    const issues = r.error.issues.map((i) => {
      const field = [kind, ...i.path.map(String)].join(".");
      return { field, message: `${field}: ${i.message}` };
    });
    throw new OpnsenseInputError(issues.map((i) => i.message).join("; "), issues[0].field);
  }
  return r.data;
}
