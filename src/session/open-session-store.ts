/** The session store the configuration asks for: Redis when VIGIL_REDIS_URL is set, else this process's memory. */
import type { ServerConfig } from "../config";
import { MemorySessionStore } from "./memory-session-store";
import { RedisSessionStore } from "./redis-session-store";
import type { SessionStore } from "./session-store";

export function openSessionStore(
  config: Pick<ServerConfig, "redisUrl" | "redisTimeoutMs" | "sessionIdleTtlMs" | "maxSessions">,
  log: (line: string) => void,
): SessionStore {
  if (config.redisUrl) {
    return new RedisSessionStore({
      url: config.redisUrl,
      idleTtlMs: config.sessionIdleTtlMs,
      timeoutMs: config.redisTimeoutMs,
      // The URL may hold a password: never logged.
      onHealthChange: (health) =>
        log(
          health.available
            ? "session store (Redis) available"
            : `session store (Redis) unavailable: ${health.reason}; frames are answered without their session`,
        ),
    });
  }
  return new MemorySessionStore({
    maxSessions: config.maxSessions,
    idleTtlMs: config.sessionIdleTtlMs,
  }).startSweeping();
}
