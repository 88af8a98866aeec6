/** The session store the configuration asks for: Redis when VIGIL_REDIS_URL is set, else this process's memory. */
import type { ServerConfig } from "../config";
import { MemorySessionStore } from "./memory-session-store";
import { RedisSessionStore } from "./redis-session-store";
import type { SessionStore } from "./session-store";

export interface OpenStoreOptions {
  /** The owner of a session's key (memory: each owner's share of VIGIL_MAX_SESSIONS). */
  ownerOf?: (key: string) => string;
  /** A stored record this version cannot read, treated as absent (Redis): for a metric. */
  onUnreadable?: () => void;
}

export function openSessionStore(
  config: Pick<ServerConfig, "redisUrl" | "redisTimeoutMs" | "sessionIdleTtlMs" | "maxSessions">,
  log: (line: string) => void,
  { ownerOf, onUnreadable }: OpenStoreOptions = {},
): SessionStore {
  if (config.redisUrl) {
    let told = false;
    return new RedisSessionStore({
      url: config.redisUrl,
      idleTtlMs: config.sessionIdleTtlMs,
      timeoutMs: config.redisTimeoutMs,
      onUnreadable(_key, reason) {
        onUnreadable?.();
        // Once per process: a rolling upgrade meets many, and the metric counts them all. The key (a principal)
        // is not logged.
        if (!told) {
          log(
            `a stored session this version cannot read was treated as absent (${reason}); ` +
              "counted in vigil_session_records_unreadable_total",
          );
        }
        told = true;
      },
      // The URL may hold a password: never logged.
      onHealthChange: (health) =>
        log(
          health.available
            ? "session store (Redis) available"
            : `session store (Redis) unavailable: ${health.reason}; frames are answered without their session`,
        ),
    });
  }
  const { maxSessions, sessionIdleTtlMs: idleTtlMs } = config;
  return new MemorySessionStore({ maxSessions, idleTtlMs, ownerOf }).startSweeping();
}
