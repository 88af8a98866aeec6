/**
 * The sessions this instance serves, in memory and bounded: a session idle longer than `idleTtlMs` is
 * forgotten, and when `maxSessions` are held the least recently used one makes room. Sessions live only in
 * the instance that serves them; the balancer keeps a session on one instance (deploy/nginx, deploy/k8s).
 */
import type { Roi } from "../engine/types";
import type { SessionRules } from "./session-config";
import { SessionHistory } from "./session-history";

export interface Session {
  id: string;
  history: SessionHistory;
  /** Where the faces were in the latest frame, for tracking in the next one (skips the detector). */
  tracking: { rois: Roi[]; at: number } | null;
  /** Capture time of the session's last frame that ran the face detector. */
  detectedAt: number;
  lastSeen: number;
}

export interface SessionStoreOptions {
  maxSessions: number;
  idleTtlMs: number;
  rules: SessionRules;
  /** Clock for expiry (ms); injectable for tests. */
  clock?: () => number;
}

export class SessionStore {
  // A Map iterates in insertion order; re-inserting on every touch makes it least-recently-used first.
  private readonly sessions = new Map<string, Session>();
  private readonly clock: () => number;
  private evictions = 0;
  private sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: SessionStoreOptions) {
    this.clock = options.clock ?? Date.now;
  }

  /** Expires idle sessions periodically (they also expire lazily when looked up). */
  startSweeping(everyMs = 30_000): void {
    this.sweeper ??= setInterval(() => this.sweep(), everyMs);
    this.sweeper.unref?.();
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  /** The session, created when new (`created` tells the caller its history starts now). */
  touch(id: string): { session: Session; created: boolean } {
    const now = this.clock();
    let session = this.get(id);
    const created = !session;
    if (session) this.sessions.delete(id);
    else {
      session = { id, history: new SessionHistory(this.options.rules), tracking: null, detectedAt: 0, lastSeen: now };
      while (this.sessions.size >= this.options.maxSessions) {
        const oldest = this.sessions.keys().next().value as string;
        this.sessions.delete(oldest);
        this.evictions++;
      }
    }
    session.lastSeen = now;
    this.sessions.set(id, session);
    return { session, created };
  }

  get(id: string): Session | undefined {
    const session = this.sessions.get(id);
    if (session && this.clock() - session.lastSeen > this.options.idleTtlMs) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  delete(id: string): boolean {
    return this.sessions.delete(id);
  }

  sweep(): void {
    const now = this.clock();
    for (const [id, session] of this.sessions) if (now - session.lastSeen > this.options.idleTtlMs) this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  get evicted(): number {
    return this.evictions;
  }
}
