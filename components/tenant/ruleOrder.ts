/**
 * The order of the tenant's filter rules on its router (`FirewallRule.sequence`), decided here and nowhere else.
 *
 * OPNsense evaluates filter rules first-match (`quick`), grouped by priority class (rules on several interfaces,
 * then interface groups such as `wireguard`, then single interfaces: FilterRuleField::getPriority) and, inside a
 * class, by `sequence` (ties by uuid; ours are deterministic). The model requires a sequence
 * (Filter.xml `rules.rule.sequence`, 1–999999), so every tenant rule states one. A rule that must win comes
 * first: the router's own services, then the narrow per-address openings, the broad "LAN out" rules last, and
 * room before all of them for an operator's override. Each sequence is a function of the rule's role and its own
 * inputs only, never of the order rules are created in or of the other rules, so an existing rule keeps its
 * sequence when other rules are added or removed.
 *
 * | sequence          | rules                                                                                  |
 * | ----------------- | -------------------------------------------------------------------------------------- |
 * | 1–9999            | none: free for an operator's rule that must win over the tenant's (a block, say)       |
 * | 10000             | WireGuard in on WAN (the router's own listener)                                        |
 * | 20000             | VPN clients on the `wireguard` group                                                   |
 * | 100000–499999     | floating IP openings on WAN: one slot per rule, from a hash of the rule's name         |
 * | 900100, 900200    | LAN1 out, LAN2 out                                                                     |
 * | above 900200      | rules added on the router without a sequence (OPNsense appends: highest + 100)         |
 *
 * Two floating IP rules may share a slot (a hash); that is harmless: they are pass rules on WAN for different
 * targets and ports, so their relative order changes no verdict, and the tie is broken by their (deterministic)
 * uuids.
 */
import * as crypto from "node:crypto";

export const RULE_SEQUENCE = {
  /** Free for operators (not used by the tenant). */
  operatorFirst: 1,
  operatorLast: 9_999,
  /** WireGuard in on WAN. */
  vpnWanIn: 10_000,
  /** VPN clients on the `wireguard` group. */
  vpnClients: 20_000,
  /** Floating IP openings on WAN. */
  floatingIpFirst: 100_000,
  floatingIpLast: 499_999,
  /** LAN out rules, by LAN. */
  lanOut: { lan1: 900_100, lan2: 900_200 },
} as const;

/**
 * The sequence of a floating IP's WAN rule: a slot in 100000–499999 derived from the rule's resource name (its
 * identity in the stack: the floating IP and the protocol/port it opens), so it never moves while the rule exists.
 */
export function floatingIpRuleSequence(ruleName: string): number {
  if (!ruleName) throw new Error("floatingIpRuleSequence: ruleName must not be empty");
  const span = RULE_SEQUENCE.floatingIpLast - RULE_SEQUENCE.floatingIpFirst + 1;
  const h = crypto.createHash("sha256").update(`basphere/floating-ip-rule/${ruleName}`).digest();
  return RULE_SEQUENCE.floatingIpFirst + (h.readUInt32BE(0) % span);
}

/** The sequence of a LAN's out rule. */
export function lanOutSequence(lan: "lan1" | "lan2"): number {
  const s = RULE_SEQUENCE.lanOut[lan];
  if (s === undefined)
    throw new Error(`lanOutSequence: lan must be lan1 or lan2, got ${JSON.stringify(lan)}`);
  return s;
}
