/**
 * Who may use the API, and how much. Middleware from Hono and hono-rate-limiter where they exist:
 *   - API keys as `Authorization: Bearer <key>` (hono/bearer-auth). Only the keys' sha256 is configured, and
 *     the comparison runs in constant time, so neither the config nor the timing gives a key away. Key-less
 *     mode exists only when configured explicitly (VIGIL_AUTH=none, for local use).
 *   - CORS for an allow-list of origins, `chrome-extension://<id>` included (hono/cors), with preflights.
 *   - Secure headers on every answer (hono/secure-headers).
 *   - A per-key frame rate (hono-rate-limiter): 429 with Retry-After.
 *   - A per-client cap on requests in flight: 429, so one client cannot hold every worker and the queue.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { getConnInfo } from "hono/bun";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import { rateLimiter } from "hono-rate-limiter";

export interface AccessConfig {
  auth: "keys" | "none";
  apiKeyHashes: string[];
  corsOrigins: string[];
  rateLimitPerSecond: number;
  maxInFlightPerClient: number;
}

export const hashApiKey = (key: string) => createHash("sha256").update(key).digest("hex");

const jsonError = (code: string, message: string) => ({ error: { code, message } });

/** The caller's identity for limits: its key's hash when keys are on, else its address. */
export function clientKey(c: Context): string {
  const authorization = c.req.header("authorization");
  if (authorization?.toLowerCase().startsWith("bearer ")) return "key:" + hashApiKey(authorization.slice(7).trim()).slice(0, 16);
  try {
    return "ip:" + (getConnInfo(c).remote.address ?? "unknown");
  } catch {
    return "ip:unknown";
  }
}

export function apiKeys(config: AccessConfig): MiddlewareHandler {
  if (config.auth === "none") return async (_c, next) => next();
  const hashes = config.apiKeyHashes.map((h) => Buffer.from(h, "hex"));
  return bearerAuth({
    verifyToken: (token) => {
      const presented = createHash("sha256").update(token).digest();
      // Compare with every configured hash (no early exit), each in constant time.
      let match = false;
      for (const hash of hashes) match = timingSafeEqual(presented, hash) || match;
      return match;
    },
    noAuthenticationHeader: { message: jsonError("unauthorized", "send the API key as Authorization: Bearer <key>") },
    invalidAuthenticationHeader: { message: jsonError("unauthorized", "the Authorization header is not a Bearer token") },
    invalidToken: { message: jsonError("unauthorized", "the API key is not valid") },
  });
}

export function corsPolicy(config: AccessConfig): MiddlewareHandler {
  const allowed = new Set(config.corsOrigins);
  return cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: ["GET", "POST", "DELETE", "OPTIONS"],
    allowHeaders: ["Authorization", "Content-Type", "X-Session-Id", "X-Capture-Time", "X-Frame-Crop"],
    exposeHeaders: ["Retry-After", "X-Vigil-Instance", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"],
    maxAge: 600,
  });
}

export function securityHeaders(): MiddlewareHandler {
  // The /docs page runs its own bundled script and one inline initialiser; everything else is JSON.
  return secureHeaders({
    contentSecurityPolicy: { defaultSrc: ["'self'"], scriptSrc: ["'self'", "'unsafe-inline'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", "data:"] },
    crossOriginResourcePolicy: "same-site",
  });
}

export function frameRateLimit(config: AccessConfig): MiddlewareHandler {
  return rateLimiter({
    windowMs: 1000,
    limit: config.rateLimitPerSecond,
    standardHeaders: "draft-6",
    keyGenerator: clientKey,
    handler: (c) => {
      c.header("Retry-After", "1");
      return c.json(jsonError("rate_limited", `more than ${config.rateLimitPerSecond} frames a second for this key`), 429);
    },
  });
}

export function inFlightLimit(config: AccessConfig): MiddlewareHandler {
  const inFlight = new Map<string, number>();
  return async (c, next) => {
    const key = clientKey(c);
    const current = inFlight.get(key) ?? 0;
    if (current >= config.maxInFlightPerClient) {
      c.header("Retry-After", "1");
      return c.json(jsonError("too_many_concurrent", `more than ${config.maxInFlightPerClient} requests in flight from this client`), 429);
    }
    inFlight.set(key, current + 1);
    try {
      await next();
    } finally {
      const left = (inFlight.get(key) ?? 1) - 1;
      if (left <= 0) inFlight.delete(key);
      else inFlight.set(key, left);
    }
  };
}
