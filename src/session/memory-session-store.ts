/**
 * Sessions in this process's memory, bounded: a session idle longer than `idleTtlMs` is forgotten, and when
 * `maxSessions` are held the least recently updated session of the owner holding the most makes room. So a
 * client inventing session ids evicts its own sessions, not other owners' (with `ownerOf`; without it every
 * key is its own owner and the least recently updated session goes). Every step runs synchronously on the
 * event loop, so an update is atomic within the process; other processes cannot see these sessions.
 */
import type { SessionRecord } from "./session-record";
import type { SessionChange, SessionStore, SessionStoreHealth } from "./session-store";

export interface MemorySessionStoreOptions {
  maxSessions: number;
  idleTtlMs: number;
  /** Who a key belongs to (the server: its principal, principal.ts sessionOwnerOf). */
  ownerOf?: (key: string) => string;
  /** Clock for expiry (ms); injectable for tests. */
  clock?: () => number;
}

interface Held {
  record: SessionRecord;
  lastSeen: number;
}

export class MemorySessionStore implements SessionStore {
  // A Map iterates in insertion order; re-inserting on every update makes it least-recently-used first.
  private readonly sessions = new Map<string, Held>();
  /** Sessions held per owner. */
  private readonly owned = new Map<string, number>();
  private readonly ownerOf: (key: string) => string;
  private readonly clock: () => number;
  private evictions = 0;
  private sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: MemorySessionStoreOptions) {
    this.clock = options.clock ?? Date.now;
    this.ownerOf = options.ownerOf ?? ((key) => key);
  }

  /** Expires idle sessions periodically (they also expire lazily when looked up). */
  startSweeping(everyMs = 30_000): this {
    this.sweeper ??= setInterval(() => this.sweep(), everyMs);
    this.sweeper.unref?.();
    return this;
  }

  async get(key: string): Promise<SessionRecord | undefined> {
    return this.live(key)?.record;
  }

  async update<T>(key: string, change: SessionChange<T>): Promise<T> {
    const { record, result } = change(this.live(key)?.record);
    this.remove(key);
    while (this.sessions.size >= this.options.maxSessions) {
      this.evictOne();
      this.evictions++;
    }
    this.sessions.set(key, { record, lastSeen: this.clock() });
    const owner = this.ownerOf(key);
    this.owned.set(owner, (this.owned.get(owner) ?? 0) + 1);
    return result;
  }

  async delete(key: string): Promise<boolean> {
    return this.remove(key);
  }

  health(): SessionStoreHealth {
    return { store: "memory", available: true };
  }

  size(): number {
    return this.sessions.size;
  }

  /** Sessions forgotten to make room (not by expiry). */
  get evicted(): number {
    return this.evictions;
  }

  sweep(): void {
    const now = this.clock();
    for (const [key, held] of this.sessions) if (now - held.lastSeen > this.options.idleTtlMs) this.remove(key);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  private live(key: string): Held | undefined {
    const held = this.sessions.get(key);
    if (held && this.clock() - held.lastSeen > this.options.idleTtlMs) {
      this.remove(key);
      return undefined;
    }
    return held;
  }

  private remove(key: string): boolean {
    if (!this.sessions.delete(key)) return false;
    const owner = this.ownerOf(key);
    const left = (this.owned.get(owner) ?? 1) - 1;
    if (left > 0) this.owned.set(owner, left);
    else this.owned.delete(owner);
    return true;
  }

  /** Forgets the least recently updated session of the owner holding the most (the oldest overall on a tie). */
  private evictOne(): void {
    let most = 0;
    for (const count of this.owned.values()) most = Math.max(most, count);
    for (const key of this.sessions.keys()) {
      if (this.owned.get(this.ownerOf(key)) === most) {
        this.remove(key);
        return;
      }
    }
  }
}
