/**
 * How loaded the workers are, as one number from 0 (room to spare) to 1 (at the limit), for load-aware pacing
 * (session/pacing.ts loadPacedMs): the answers ask calm sessions for later frames as it rises, before the pool
 * has to refuse any.
 *
 * Two signs of load, the larger counts:
 *   - utilisation: the share of the workers' time spent on frames over the last `windowMs`, from the busy time
 *     of the frames finished in it; 0 up to `from`, rising to 1 at `to`. Below `from` the pool has room, and
 *     a slower pace would cost the sessions detail for nothing;
 *   - the wait: the expected wait behind every frame queued now (expected-wait.ts; new sessions' first frames,
 *     which may wait longer, included) over the pool's bound, the point where it starts refusing ordinary
 *     frames. A burst (a class starting at once) shows here before it shows in a window.
 * Pressure rises at once and falls by at most `releasePerSecond`: the clients answer a change of pace only
 * with their next frame (seconds later), so a pace that dropped back the moment the queue emptied would bring
 * the same load straight back.
 *
 * Past 1, overload: the pool refused frames (they would have waited past the bound, or did): slowing calm
 * sessions to the ceiling was not enough. Overload is the share of frames refused over the last
 * `overloadWindowMs` (taken of at least `overloadMinFrames`: on a server that was idle one refusal among a
 * handful of frames is not an overload), over `overloadFullShare` (1 at that share and above), added to a
 * pressure held at 1; it rises at once and falls by at most `overloadReleasePerSecond`, and meanwhile calm
 * sessions are slowed past the ordinary ceiling towards the overload one (pacing.ts). Slowed clients bring the
 * refusals to an end, so the release is slow: a fast one would bring the load, and the refusals, back within a
 * minute. A refusal or two in a burst is a small overload, soon over.
 */
export interface LoadPressureOptions {
  workers: number;
  /** Utilisation at which pressure starts rising from 0. */
  from: number;
  /** Utilisation at which pressure is 1. */
  to: number;
  windowMs: number;
  /** The expected wait at which pressure is 1: the pool's bound (VIGIL_MAX_QUEUE_WAIT_MS). */
  maxWaitMs: number;
  releasePerSecond: number;
  /** The window over which the share of frames refused is taken. */
  overloadWindowMs: number;
  /** The share of frames refused at which overload is full (the value 2). */
  overloadFullShare: number;
  /** The fewest frames the share is taken of (refused / this, when fewer were answered and refused). */
  overloadMinFrames: number;
  /** How fast overload (the value past 1) falls back. */
  overloadReleasePerSecond: number;
}

/**
 * Full pressure at 70% busy: frames cost unevenly (a full-range detection as much as three tracked crops), so on
 * two workers a few detections arriving together already queue the frames behind them past 150 ms at that load.
 * Full overload at 3% refused: a refused client is asked to wait as long as the slowest calm session
 * (session/pacing.ts overloadRetryAfterMs), so a refused frame costs its session what slowing does and more; where
 * only the full overload ceiling holds the load, the share refused settles near this share. Taken of at least 150
 * frames: on a quiet server one refusal is a fifth of a full overload.
 */
export const DEFAULT_LOAD_PRESSURE: Omit<LoadPressureOptions, "workers" | "maxWaitMs"> = {
  from: 0.4,
  to: 0.7,
  windowMs: 3000,
  releasePerSecond: 0.1,
  overloadWindowMs: 10_000,
  overloadFullShare: 0.03,
  overloadMinFrames: 150,
  overloadReleasePerSecond: 0.02,
};

export class LoadPressure {
  /**
   * The frames finished over the longer of the two windows, with when and their busy time (oldest first); those
   * from `busyFrom` on are in the utilisation window, their busy time summed in `busyInWindowMs`.
   */
  private finished: Array<{ at: number; busyMs: number }> = [];
  private busyFrom = 0;
  private busyInWindowMs = 0;
  private last = { at: 0, value: 0 };
  /** When frames were refused, over the overload window (oldest first). */
  private refusedAt: number[] = [];
  private overload = { at: 0, value: 0 };

  constructor(
    private readonly options: LoadPressureOptions,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A worker finished a frame after `busyMs` of work. */
  observe(busyMs: number): void {
    if (!(busyMs >= 0)) return;
    this.finished.push({ at: this.now(), busyMs });
    this.busyInWindowMs += busyMs;
  }

  /** The pool refused a frame for want of a worker (shed: overloaded or past its deadline). */
  refused(): void {
    this.refusedAt.push(this.now());
  }

  /**
   * The share of frames refused over the overload window, of the frames answered and refused there (taken of at
   * least overloadMinFrames).
   */
  refusedShare(): number {
    this.prune();
    const since = this.now() - this.options.overloadWindowMs;
    const answered = this.finished.length - firstAfter(this.finished, since, (f) => f.at);
    const refused = this.refusedAt.length - firstAfter(this.refusedAt, since, (at) => at);
    return refused ? refused / Math.max(answered + refused, this.options.overloadMinFrames) : 0;
  }

  /** The workers' busy share over the window (a frame counts when it finishes). */
  utilisation(): number {
    this.prune();
    const since = this.now() - this.options.windowMs;
    while (this.busyFrom < this.finished.length && this.finished[this.busyFrom].at <= since) {
      this.busyInWindowMs -= this.finished[this.busyFrom].busyMs;
      this.busyFrom++;
    }
    return this.busyInWindowMs / (this.options.windowMs * this.options.workers);
  }

  /** Forgets what has left both windows. */
  private prune(): void {
    const since = this.now() - Math.max(this.options.windowMs, this.options.overloadWindowMs);
    const old = Math.min(
      firstAfter(this.finished, since, (f) => f.at),
      this.busyFrom,
    );
    if (old > 0) {
      this.finished = this.finished.slice(old);
      this.busyFrom -= old;
    }
    const refusedOld = firstAfter(this.refusedAt, since, (at) => at);
    if (refusedOld > 0) this.refusedAt = this.refusedAt.slice(refusedOld);
  }

  /**
   * The pressure now, given the expected wait behind every frame queued now: 0 to 1, and up to 2 in overload
   * (frames refused lately).
   */
  value(waitMs: number): number {
    const { from, to, maxWaitMs, releasePerSecond, overloadFullShare, overloadReleasePerSecond } = this.options;
    const byUse = (this.utilisation() - from) / (to - from);
    const byWait = maxWaitMs > 0 ? waitMs / maxWaitMs : 0;
    const raw = clamp01(Math.max(byUse, byWait));
    const at = this.now();
    const previous = this.overload;
    const overloadReleased = previous.value - (overloadReleasePerSecond * (at - previous.at)) / 1000;
    this.overload = { at, value: Math.max(clamp01(this.refusedShare() / overloadFullShare), overloadReleased, 0) };
    // In overload the pressure holds at 1, and falls from there once overload is over.
    const overloadEndedAt = previous.at + (previous.value * 1000) / overloadReleasePerSecond;
    const releasedFor = at - Math.max(this.last.at, Math.min(at, overloadEndedAt));
    const released = this.last.value - (releasePerSecond * releasedFor) / 1000;
    this.last = { at, value: this.overload.value > 0 ? 1 : Math.max(raw, released, 0) };
    return this.last.value + this.overload.value;
  }
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/** How many items of a list ordered by time are at or before `since` (the list is pruned, so they are few). */
function firstAfter<T>(items: readonly T[], since: number, at: (item: T) => number): number {
  let index = 0;
  while (index < items.length && at(items[index]) <= since) index++;
  return index;
}
