/**
 * Where sessions live between frames. Two implementations: in this process's memory (memory-session-store.ts,
 * the default) and in Redis (redis-session-store.ts), shared by every instance and process that uses the same
 * Redis, so a session's frames may reach any of them.
 *
 * Keys are opaque strings chosen by the caller (a session id, or a principal and a session id): a store never
 * looks inside a key or a record.
 */
import type { SessionRecord } from "./session-record";

/** The change a frame makes to its session: the new record to store, and what to answer from it. */
export type SessionChange<T> = (current: SessionRecord | undefined) => { record: SessionRecord; result: T };

/**
 * What `get` just returned for the key, when the caller read it before updating (a frame loads its session,
 * analyses, then files): a store may try its first compare-and-set on it instead of reading again.
 */
export interface UpdateBasis {
  record: SessionRecord | undefined;
}

export interface SessionStoreHealth {
  store: "memory" | "redis";
  /** False while the store cannot be reached: frames are still analysed, without their session. */
  available: boolean;
  /** Why it is unavailable (absent when available). */
  reason?: string;
}

export interface SessionStore {
  /** The session's record, or undefined when it was never seen, expired, or was forgotten. */
  get(key: string): Promise<SessionRecord | undefined>;
  /**
   * Reads the session, applies `change` and stores the record it returns, as one atomic step: if another
   * instance changed the session meanwhile, `change` runs again on the newer record. So `change` must be a
   * pure function of its argument. The stored session's idle expiry starts again. With `basis`, the first
   * attempt may start from it; if the session changed since, the store reads it again as usual.
   */
  update<T>(key: string, change: SessionChange<T>, basis?: UpdateBasis): Promise<T>;
  /** Forgets the session; false when there was none. */
  delete(key: string): Promise<boolean>;
  health(): SessionStoreHealth;
  /** Sessions held, where the store can count them cheaply (memory); undefined otherwise. */
  size(): number | undefined;
  close(): Promise<void>;
}

/** The store could not be reached in time: the caller answers without the session. */
export class SessionStoreUnavailable extends Error {
  constructor(readonly reason: string) {
    super(`session store unavailable: ${reason}`);
    this.name = "SessionStoreUnavailable";
  }
}
