/**
 * Sessions in Redis, shared by every instance and process pointed at the same Redis: any of them can serve a
 * session's next frame. Through Bun's built-in client (chosen by measurement: bench/results/session-store.md).
 *
 * A session is a hash `{ v: version, r: record JSON }` that expires after the idle TTL (PEXPIRE on every
 * update). An update is optimistic: read the record and its version, apply the change here, then store it
 * with a small Lua script that writes only if the version is still the one read (compare-and-set), else
 * read again and re-apply. Why not the alternatives: WATCH/MULTI binds the check to a connection, so it
 * would need a connection per concurrent frame instead of one pipelined connection; a lock would hold the
 * session for a round trip more and leave a stale lock behind a crashed instance. Frames of one session
 * rarely collide (one a second), so a retry is rare and cheap; the change is a pure function of the record.
 * A frame's first attempt starts from the record and version its load read: one HMGET and one EVALSHA a frame.
 * A record this version cannot read (another version's during a rolling upgrade, or damaged) is no session:
 * it is reported (onUnreadable) and the next frame replaces it.
 *
 * Every command has a short timeout. When Redis is down or slow the command fails at once (no offline queue)
 * or at the timeout with SessionStoreUnavailable, and the client reconnects in the background by itself.
 */
import { RedisClient } from "bun";
import { createHash } from "node:crypto";
import { parseSessionRecord, type SessionRecord } from "./session-record";
import {
  SessionStoreUnavailable,
  type SessionChange,
  type SessionStore,
  type SessionStoreHealth,
  type UpdateBasis,
} from "./session-store";

/**
 * KEYS[1]: the session; ARGV: expected version ("" for none), new version, record JSON, TTL in ms. A key of
 * another type than a hash (not written by this store) counts as no session and is replaced.
 */
export const CAS_SCRIPT = `local t = redis.call('TYPE', KEYS[1]).ok
if t ~= 'hash' and t ~= 'none' then
  if ARGV[1] ~= '' then return 0 end
  redis.call('DEL', KEYS[1])
end
local v = redis.call('HGET', KEYS[1], 'v')
if (v or '') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'r', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`;
const CAS_SHA = createHash("sha1").update(CAS_SCRIPT).digest("hex");

export interface RedisSessionStoreOptions {
  /** redis://[user:password@]host:port/db (rediss:// for TLS). */
  url: string;
  idleTtlMs: number;
  /** Longest wait for one command; past it the session is answered as unavailable. */
  timeoutMs: number;
  keyPrefix?: string;
  /** Compare-and-set attempts before giving up on a session that keeps changing underneath. */
  maxAttempts?: number;
  /** Least time between two reconnection attempts while Redis is unreachable. */
  reconnectEveryMs?: number;
  /**
   * Told of a stored record this version cannot read (another version's, damaged, a key of another type):
   * the session is treated as absent, and the next frame replaces it.
   */
  onUnreadable?(key: string, reason: string): void;
  /** Told when the store becomes unavailable (with why) and available again: for the log. */
  onHealthChange?(health: SessionStoreHealth): void;
}

export class RedisSessionStore implements SessionStore {
  private readonly client: RedisClient;
  private readonly prefix: string;
  private downReason: string | undefined = "connecting";
  private connecting: Promise<void> | undefined;
  private lastConnectAttempt = 0;
  /** The version each record returned by `get` was stored under (for update's basis). */
  private readonly versions = new WeakMap<SessionRecord, string>();

  constructor(private readonly options: RedisSessionStoreOptions) {
    this.prefix = options.keyPrefix ?? "vigil:session:";
    // No offline queue: while disconnected a command fails at once instead of waiting for the timeout.
    this.client = new RedisClient(options.url, {
      enableOfflineQueue: false,
      connectionTimeout: Math.max(options.timeoutMs, 1000),
      autoReconnect: true,
    });
    this.client.onclose = (error) => {
      this.down = `connection lost: ${error?.message ?? "closed"}`;
    };
    this.reconnect();
  }

  /** Resolves once connected (or rejects after the connection timeout); the store works without awaiting it. */
  async ready(): Promise<void> {
    await this.connecting;
    if (this.down) throw new SessionStoreUnavailable(this.down);
  }

  async get(key: string): Promise<SessionRecord | undefined> {
    const { version, record } = await this.load(key);
    if (record) this.versions.set(record, version ?? "");
    return record;
  }

  async update<T>(key: string, change: SessionChange<T>, basis?: UpdateBasis): Promise<T> {
    const attempts = this.options.maxAttempts ?? 10;
    // One read and one compare-and-set per frame: the first attempt starts from what the frame loaded.
    let known = basis && (basis.record === undefined || this.versions.has(basis.record)) ? basis.record : null;
    for (let attempt = 0; attempt < attempts; attempt++) {
      // Frames that collided read again at random moments, so that they do not collide again.
      if (attempt > 0) await Bun.sleep(Math.random() * 2 * attempt);
      const { version, record: current } =
        known === null ? await this.load(key) : { version: known && this.versions.get(known), record: known };
      known = null;
      const { record, result } = change(current);
      const next = String(Number(version ?? 0) + 1);
      const args = [
        "1",
        this.prefix + key,
        version ?? "",
        next,
        JSON.stringify(record),
        String(this.options.idleTtlMs),
      ];
      if (await this.compareAndSet(args)) return result;
    }
    throw new SessionStoreUnavailable(`session ${key} kept changing during ${attempts} attempts`);
  }

  async delete(key: string): Promise<boolean> {
    return (await this.command("DEL", [this.prefix + key])) === 1;
  }

  health(): SessionStoreHealth {
    // Readiness probes and metrics ask for this: also a chance to reconnect while no frame comes.
    if (!this.client.connected) this.reconnect();
    return this.down ? { store: "redis", available: false, reason: this.down } : { store: "redis", available: true };
  }

  private get down(): string | undefined {
    return this.downReason;
  }

  /** Records why the store is unavailable (undefined: available), telling onHealthChange about a change. */
  private set down(reason: string | undefined) {
    const changed = (reason === undefined) !== (this.downReason === undefined);
    this.downReason = reason;
    if (changed)
      this.options.onHealthChange?.(
        reason === undefined ? { store: "redis", available: true } : { store: "redis", available: false, reason },
      );
  }

  size(): undefined {
    return undefined;
  }

  async close(): Promise<void> {
    this.client.onclose = null;
    this.client.close();
  }

  /** The stored record and its version; a record this version cannot read is reported and counts as none. */
  private async load(key: string): Promise<{ version: string | null; record: SessionRecord | undefined }> {
    let version: string | null;
    let json: string | null;
    try {
      [version, json] = (await this.command("HMGET", [this.prefix + key, "v", "r"])) as [string | null, string | null];
    } catch (error) {
      if (!String((error as Error).message).startsWith("WRONGTYPE")) throw error;
      this.options.onUnreadable?.(key, "a key of another type than a hash");
      return { version: null, record: undefined };
    }
    if (json === null) return { version, record: undefined };
    const parsed = parseSessionRecord(json);
    if ("record" in parsed) return { version, record: parsed.record };
    this.options.onUnreadable?.(key, parsed.unreadable);
    return { version, record: undefined };
  }

  private async compareAndSet(args: string[]): Promise<boolean> {
    try {
      return (await this.command("EVALSHA", [CAS_SHA, ...args])) === 1;
    } catch (error) {
      // A Redis that restarted has forgotten the script: send it whole (EVAL caches it again).
      if (!String((error as Error).message).startsWith("NOSCRIPT")) throw error;
      return (await this.command("EVAL", [CAS_SCRIPT, ...args])) === 1;
    }
  }

  /** One command within the timeout; a connection failure or timeout becomes SessionStoreUnavailable. */
  private async command(name: string, args: string[]): Promise<unknown> {
    if (!this.client.connected) {
      this.down ??= "not connected";
      this.reconnect();
      throw new SessionStoreUnavailable(this.down);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new SessionStoreUnavailable(`no answer within ${this.options.timeoutMs} ms`)),
        this.options.timeoutMs,
      );
    });
    try {
      const reply = await Promise.race([this.client.send(name, args), timeout]);
      this.down = undefined;
      return reply;
    } catch (error) {
      if (error instanceof SessionStoreUnavailable) {
        this.down = error.reason;
        throw error;
      }
      // A reply error from Redis (NOSCRIPT, WRONGTYPE...) is the caller's to handle; a broken connection is not.
      if ((error as { code?: string }).code === "ERR_REDIS_SERVER_ERROR") throw error;
      this.down = (error as Error).message;
      throw new SessionStoreUnavailable(this.down);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Connects in the background, at most once per `reconnectEveryMs`. Bun's client reconnects by itself a
   * number of times, then gives up; this starts it again whenever a frame finds it disconnected.
   */
  private reconnect(): void {
    const now = Date.now();
    if (this.connecting || now - this.lastConnectAttempt < (this.options.reconnectEveryMs ?? 1000)) return;
    this.lastConnectAttempt = now;
    this.connecting = this.client
      .connect()
      .then(
        () => {
          this.down = undefined;
        },
        (error: Error) => {
          this.down = `cannot connect: ${error.message}`;
        },
      )
      .finally(() => {
        this.connecting = undefined;
      });
  }
}
