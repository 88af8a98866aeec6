/** The session store the configuration asks for: Redis when VIGIL_REDIS_URL is set, else this process's memory. */
import type { ServerConfig } from "../config";
import { MemorySessionStore } from "./memory-session-store";
import { RedisSessionStore } from "./redis-session-store";
import type { SessionStore } from "./session-store";

export function openSessionStore(config: Pick<ServerConfig, "redisUrl" | "redisTimeoutMs" | "sessionIdleTtlMs" | "maxSessions">): SessionStore {
  if (config.redisUrl) return new RedisSessionStore({ url: config.redisUrl, idleTtlMs: config.sessionIdleTtlMs, timeoutMs: config.redisTimeoutMs });
  return new MemorySessionStore({ maxSessions: config.maxSessions, idleTtlMs: config.sessionIdleTtlMs }).startSweeping();
}
