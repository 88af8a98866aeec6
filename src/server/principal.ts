/**
 * Who is calling: every /v1 request that passed authentication carries a principal on Hono's context
 * (`c.var.principal`), set by the authentication middleware (access.ts, jwt-auth.ts). Sessions belong to
 * their principal, and the per-principal limits count by it.
 *
 *   - API key: `key:<first 16 hex digits of the key's sha256>`. The key itself is never kept or shown.
 *   - JWT: `jwt:<iss>:<sub>`, each part URI-encoded, so that no two (issuer, subject) pairs give the same
 *     principal and the principal holds no `/` (see sessionStoreKey).
 *   - VIGIL_AUTH=none: the fixed principal `local`. Without authentication there is nobody to tell apart:
 *     an address is not an identity (NAT, proxies, a balancer's own address), and sessions keyed by it
 *     would split or vanish when a client's route changes. So with auth=none every caller may use every
 *     session, as before; the limits still count per address (access.ts).
 */
import type { Context } from "hono";

export type AuthScheme = "key" | "jwt" | "none";

export interface Principal {
  /** Stable, printable identity: what owns sessions and what the per-principal limits count. */
  id: string;
  scheme: AuthScheme;
}

/** Hono's typed context variables for the API (c.set("principal", ...), c.var.principal). */
export type AccessEnv = { Variables: { principal: Principal } };

export const LOCAL_PRINCIPAL: Principal = Object.freeze({ id: "local", scheme: "none" });

/** `keyHash` is the key's sha256 in hex; 16 hex digits (64 bits) tell the configured keys apart. */
export const keyPrincipal = (keyHash: string): Principal => ({ id: "key:" + keyHash.slice(0, 16), scheme: "key" });

export const jwtPrincipal = (issuer: string, subject: string): Principal => ({
  id: `jwt:${encodeURIComponent(issuer)}:${encodeURIComponent(subject)}`,
  scheme: "jwt",
});

/** The request's principal; only routes behind the authentication middleware have one. */
export function principalOf(c: Context<AccessEnv>): Principal {
  const principal = c.get("principal");
  if (!principal)
    throw new Error(
      `no principal on ${c.req.method} ${c.req.path}: the route is not behind the authentication middleware`,
    );
  return principal;
}

/** A client's session id under the principal it belongs to. */
export interface SessionRef {
  /** The principal's id. */
  owner: string;
  /** The id the client chose (X-Session-Id). */
  id: string;
}

/**
 * The key a session is stored under: its owner and its id. Another principal sending the same id reaches a
 * different session. Unambiguous: a principal never holds `/`, and a session id never does either
 * (SESSION_ID_PATTERN).
 */
export const sessionStoreKey = (ref: SessionRef): string => `${ref.owner}/${ref.id}`;

/** The principal a session store key belongs to (the inverse of sessionStoreKey's first part). */
export const sessionOwnerOf = (key: string): string => key.slice(0, key.lastIndexOf("/"));
