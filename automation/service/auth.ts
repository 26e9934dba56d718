/**
 * Tokens and who may do what. Two kinds of bearer token:
 * - the admin token `bspa.<secret>` (environment `BASPHERE_ADMIN_TOKEN`, or the file `<data>/admin-token`);
 * - a tenant token `bspt.<tenant>.<secret>`, issued when the tenant is created (or rotated), shown once, stored as
 *   its SHA-256 (the secret is 256 random bits, so a fast hash is enough — no password stretching needed).
 * Every comparison is of two SHA-256 digests with `timingSafeEqual`.
 *
 * A tenant token is bound to one incarnation of its tenant: its hash lives on that incarnation's row (deleting the
 * tenant deletes it; a tenant created again under the name gets a new token), and the principal it resolves to
 * carries the incarnation's id ({@link Principal}), which is what operations are checked against — never the name,
 * which a later incarnation shares.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** The admin, or a tenant token: the tenant's name and the id of the incarnation the token was issued to. */
export type Principal = { kind: "admin" } | { kind: "tenant"; tenant: string; tenantId: string };

/** `admin` or `tenant:<name>`: how a principal is recorded in `requestedBy`. */
export function principalId(p: Principal): string {
  return p.kind === "admin" ? "admin" : `tenant:${p.tenant}`;
}

const secret = (): string => randomBytes(32).toString("base64url");

export function newAdminToken(): string {
  return `bspa.${secret()}`;
}

export function newTenantToken(tenant: string): string {
  return `bspt.${tenant}.${secret()}`;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Constant-time comparison of a presented token with a stored SHA-256 hex digest. */
export function tokenMatches(presented: string, storedHash: string): boolean {
  const a = createHash("sha256").update(presented, "utf8").digest();
  const b = Buffer.from(storedHash, "hex");
  return b.length === a.length && timingSafeEqual(a, b);
}

/** The tenant a token claims to be for (not yet verified), or undefined when it is not a tenant token. */
export function claimedTenant(token: string): string | undefined {
  const m = /^bspt\.([a-z0-9-]{1,20})\.[A-Za-z0-9_-]{43}$/.exec(token);
  return m?.[1];
}

/** The bearer token of an Authorization header value, or undefined. */
export function bearer(header: string | string[] | undefined): string | undefined {
  if (typeof header !== "string") return undefined;
  const m = /^Bearer\s+(\S{1,512})\s*$/i.exec(header);
  return m?.[1];
}

/**
 * Resolves a token to a principal: admin when it matches the admin hash, a tenant when it is that tenant's
 * current token. `credential` looks up the current incarnation of a tenant: its id and the stored hash of its token.
 */
export async function authenticate(
  token: string | undefined,
  adminHash: string,
  credential: (tenant: string) => Promise<{ id: string; tokenHash: string } | undefined>,
): Promise<Principal | undefined> {
  if (!token) return undefined;
  if (tokenMatches(token, adminHash)) return { kind: "admin" };
  const tenant = claimedTenant(token);
  if (!tenant) return undefined;
  const stored = await credential(tenant);
  // Compare against a dummy digest when the tenant does not exist, so both paths cost the same.
  const ok = tokenMatches(token, stored?.tokenHash ?? "0".repeat(64));
  return ok && stored ? { kind: "tenant", tenant, tenantId: stored.id } : undefined;
}

/**
 * Whether the principal may act on something of the tenant incarnation `owner` (admin: any; a tenant token: its
 * own incarnation only — same id, not merely the same name).
 */
export function mayAccess(p: Principal, owner: { name: string; id: string }): boolean {
  return p.kind === "admin" || (p.tenant === owner.name && p.tenantId === owner.id);
}
