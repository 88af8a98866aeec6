/**
 * Sessions in this process's memory, bounded: a session idle longer than `idleTtlMs` is forgotten, and when
 * `maxSessions` are held the least recently updated one makes room. Every step runs synchronously on the
 * event loop, so an update is atomic within the process; other processes cannot see these sessions.
 */
import type { SessionRecord } from "./session-record";
import type { SessionChange, SessionStore, SessionStoreHealth } from "./session-store";

export interface MemorySessionStoreOptions {
  maxSessions: number;
  idleTtlMs: number;
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
  private readonly clock: () => number;
  private evictions = 0;
  private sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: MemorySessionStoreOptions) {
    this.clock = options.clock ?? Date.now;
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
    this.sessions.delete(key);
    while (this.sessions.size >= this.options.maxSessions) {
      this.sessions.delete(this.sessions.keys().next().value as string);
      this.evictions++;
    }
    this.sessions.set(key, { record, lastSeen: this.clock() });
    return result;
  }

  async delete(key: string): Promise<boolean> {
    return this.sessions.delete(key);
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
    for (const [key, held] of this.sessions)
      if (now - held.lastSeen > this.options.idleTtlMs) this.sessions.delete(key);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  private live(key: string): Held | undefined {
    const held = this.sessions.get(key);
    if (held && this.clock() - held.lastSeen > this.options.idleTtlMs) {
      this.sessions.delete(key);
      return undefined;
    }
    return held;
  }
}
