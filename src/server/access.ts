/**
 * Who may use the API, and how much. Middleware from Hono and hono-rate-limiter where they exist:
 *   - Authentication sets the request's principal (principal.ts), in one of three modes (VIGIL_AUTH):
 *     - keys: API keys as `Authorization: Bearer <key>` (bearer.ts). Only the keys' sha256 is
 *       configured, and the comparison runs in constant time, so neither the config nor the timing gives a
 *       key away.
 *     - jwt: bearer JWTs (jwt-auth.ts).
 *     - none: no authentication, only when configured explicitly (local use).
 *   - CORS for an allow-list of origins, `chrome-extension://<id>` included (hono/cors), with preflights.
 *   - Secure headers on every answer (hono/secure-headers).
 *   - A frame rate per session and a higher one per principal (hono-rate-limiter): 429 with Retry-After.
 *   - Caps on requests in flight per session and per principal: 429, so one client cannot hold every worker
 *     and the queue. A frame counts against them once its body is in; while it uploads, against its
 *     principal at its address.
 * Limits count per session because one key may be shared by many users (an extension shipped with one key
 * for a whole school): each user's session gets its own allowance. The per-principal caps, higher, stop a
 * client from multiplying its allowance by inventing session ids.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { getConnInfo } from "hono/bun";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import { rateLimiter } from "hono-rate-limiter";
import { bearerCredential, unauthorized } from "./bearer";
import { jwtAuth, type JwtConfig } from "./jwt-auth";
import { keyPrincipal, LOCAL_PRINCIPAL, principalOf, sessionStoreKey, type AccessEnv } from "./principal";
import { SESSION_ID_PATTERN } from "./schemas";

export interface AccessConfig extends JwtConfig {
  auth: "keys" | "jwt" | "none";
  apiKeyHashes: string[];
  corsOrigins: string[];
  rateLimitPerSecond: number;
  rateLimitPerPrincipalPerSecond: number;
  maxInFlightPerClient: number;
  maxInFlightPerPrincipal: number;
}

export const hashApiKey = (key: string) => createHash("sha256").update(key).digest("hex");

const jsonError = (code: string, message: string) => ({ error: { code, message } });

/** Sets the request's principal, or answers 401 (bearer.ts: the same refusals in every mode). */
export function authenticate(config: AccessConfig): MiddlewareHandler<AccessEnv> {
  if (config.auth === "jwt") return jwtAuth(config);
  if (config.auth === "none") {
    return async (c, next) => {
      c.set("principal", LOCAL_PRINCIPAL);
      await next();
    };
  }
  return apiKeys(config);
}

function apiKeys(config: AccessConfig): MiddlewareHandler<AccessEnv> {
  const hashes = config.apiKeyHashes.map((h) => Buffer.from(h, "hex"));
  return async (c, next) => {
    const presented = createHash("sha256").update(bearerCredential(c, "the API key")).digest();
    // Compare with every configured hash (no early exit), each in constant time.
    let match = false;
    for (const hash of hashes) match = timingSafeEqual(presented, hash) || match;
    if (!match) throw unauthorized("the API key is not valid");
    c.set("principal", keyPrincipal(presented.toString("hex")));
    await next();
  };
}

/**
 * Who the per-principal limits count: the principal, except without authentication, where everyone is the
 * one principal `local` and the caller's address tells clients apart (as it did before principals).
 */
export function limitedPrincipal(c: Context<AccessEnv>): string {
  const principal = principalOf(c);
  return principal.scheme !== "none" ? principal.id : `ip:${clientAddress(c)}`;
}

/**
 * Who the per-session limits count: the principal's session (a valid X-Session-Id), or for requests
 * without one, the principal's session-less traffic as a whole (the `-` session, which no id can name).
 */
export function limitedSession(c: Context<AccessEnv>): string {
  // A frame names its session in X-Session-Id; a session read (GET /v1/sessions/:id) in its path.
  const id = c.req.header("x-session-id") ?? c.req.param("id");
  return sessionStoreKey({
    owner: limitedPrincipal(c),
    id: id !== undefined && SESSION_ID_PATTERN.test(id) ? id : "-",
  });
}

export function corsPolicy(config: AccessConfig): MiddlewareHandler {
  const allowed = new Set(config.corsOrigins);
  return cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: ["GET", "POST", "DELETE", "OPTIONS"],
    allowHeaders: ["Authorization", "Content-Type", "X-Session-Id", "X-Capture-Time", "X-Frame-Crop"],
    exposeHeaders: [
      "Retry-After",
      "X-Vigil-Instance",
      "X-Request-Id",
      "RateLimit-Limit",
      "RateLimit-Remaining",
      "RateLimit-Reset",
    ],
    maxAge: 600,
  });
}

export function securityHeaders(): MiddlewareHandler {
  // The /docs page runs its own bundled script and one inline initialiser; everything else is JSON.
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'", "'unsafe-inline'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", "data:"],
    },
    crossOriginResourcePolicy: "same-site",
  });
}

/**
 * Frames a second: per session, then per principal (a frame refused for its session does not count for its
 * principal). A session read (GET) counts as a frame of its session: the same middleware serves both routes.
 */
export function frameRateLimits(config: AccessConfig): MiddlewareHandler<AccessEnv>[] {
  const limit = (perSecond: number, keyGenerator: (c: Context<AccessEnv>) => string, whose: string) =>
    rateLimiter<AccessEnv>({
      windowMs: 1000,
      limit: perSecond,
      standardHeaders: "draft-6",
      keyGenerator,
      handler: (c) => {
        c.header("Retry-After", "1");
        const what = c.req.method === "GET" ? "frames and session reads" : "frames";
        return c.json(jsonError("rate_limited", `more than ${perSecond} ${what} a second ${whose}`), 429);
      },
    });
  return [
    limit(
      config.rateLimitPerSecond,
      limitedSession,
      "for this session (or, without X-Session-Id, for this caller's frames without a session)",
    ),
    limit(config.rateLimitPerPrincipalPerSecond, limitedPrincipal, "for this caller (all its sessions together)"),
  ];
}

/** The caller's address, as the connection shows it ("unknown" where there is none, as in app.request). */
function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * Reads a frame's body before the in-flight caps count it. While its bytes arrive a request counts only
 * against its principal at its address (at most maxInFlightPerPrincipal uploads at once, then 429), not its
 * session or its principal as a whole: uploads stalled by one holder of a shared key hold no slot of the key's
 * users elsewhere, and a stalled upload is closed after the read timeout. Behind a proxy every client has the
 * proxy's address, and the count is per principal as before (nginx buffers a body before passing it on, so
 * uploads from it take no time). The body is read once; the handler gets it from Hono's cache.
 */
export function receiveUpload(config: AccessConfig): MiddlewareHandler<AccessEnv> {
  const uploading = new Map<string, number>();
  return async (c, next) => {
    // A principal never holds a space (hex digests, URI-encoded JWT parts): the key is unambiguous.
    const key = `${limitedPrincipal(c)} ${clientAddress(c)}`;
    const now = uploading.get(key) ?? 0;
    if (now >= config.maxInFlightPerPrincipal) {
      c.header("Retry-After", "1");
      const limit = config.maxInFlightPerPrincipal;
      const message = `more than ${limit} uploads in progress for this caller from this address`;
      return c.json(jsonError("too_many_concurrent", message), 429);
    }
    uploading.set(key, now + 1);
    try {
      await c.req.arrayBuffer();
    } finally {
      const left = (uploading.get(key) ?? 1) - 1;
      if (left <= 0) uploading.delete(key);
      else uploading.set(key, left);
    }
    await next();
  };
}

/** Requests in flight at once: per session and per principal. */
export function inFlightLimit(config: AccessConfig): MiddlewareHandler<AccessEnv> {
  const inFlight = new Map<string, number>();
  const release = (key: string) => {
    const left = (inFlight.get(key) ?? 1) - 1;
    if (left <= 0) inFlight.delete(key);
    else inFlight.set(key, left);
  };
  return async (c, next) => {
    const session = limitedSession(c);
    const principal = limitedPrincipal(c);
    const refuse = (limit: number, whose: string) => {
      c.header("Retry-After", "1");
      return c.json(jsonError("too_many_concurrent", `more than ${limit} requests in flight ${whose}`), 429);
    };
    if ((inFlight.get(session) ?? 0) >= config.maxInFlightPerClient)
      return refuse(config.maxInFlightPerClient, "for this session");
    if ((inFlight.get(principal) ?? 0) >= config.maxInFlightPerPrincipal)
      return refuse(config.maxInFlightPerPrincipal, "for this caller (all its sessions together)");
    // The two keys never collide: a session key always holds a `/`, a principal never does.
    inFlight.set(session, (inFlight.get(session) ?? 0) + 1);
    inFlight.set(principal, (inFlight.get(principal) ?? 0) + 1);
    try {
      await next();
    } finally {
      release(session);
      release(principal);
    }
  };
}
