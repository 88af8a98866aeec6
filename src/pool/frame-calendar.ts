/**
 * The frames the server has asked for, by when they are due: every answer to a session books the next frame it
 * asks for, so the server knows the load that clients following `next` will bring over the coming seconds, and
 * can ask a session that may be slowed for a moment the workers still have room for, instead of a moment at
 * random (load-aware pacing, session/frame-plan.ts) that many others happened to draw too.
 *
 * Time is cut into bins of `binMs`, and a frame is booked as the worker time it is expected to take (a session's
 * next frame: the recent mean frame; a new session's first frame, retried: what first frames cost). A bin has room
 * for `share` of the worker time the server can give in it: the workers' count, or fewer where the cores are the
 * limit (the process's CPU time per ms of worker time, measured: on 2 cores the server's own thread shares them
 * with the 2 workers), times the bin. The rest is left for frames nobody booked (new sessions' first frames,
 * clients that do not follow `next`) and for frames that cost more than expected. Within a bin, the frames booked
 * are given successive moments, so that a full bin's frames do not all arrive at once. Refused first frames of new
 * sessions are given their retry times from the same calendar (worker-pool.ts).
 */
import { ExpectedWait } from "./expected-wait";

export interface FrameCalendarOptions {
  workers: number;
  /** The cores the process may use (os.availableParallelism). */
  cores: number;
  binMs: number;
  /** The share of the server's worker time in a bin that bookings may fill. */
  share: number;
}

/** Quarter-second bins, filled to 85% of the worker time. */
export const DEFAULT_FRAME_CALENDAR: Omit<FrameCalendarOptions, "workers" | "cores"> = { binMs: 250, share: 0.85 };

/** The process's CPU time so far, all threads, in ms. */
const processCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * How long the process's CPU time per ms of worker time is measured over, at the least: long enough that the
 * arrival of a class (a second of hundreds of requests, most refused, few frames finished) does not stand for it.
 */
const CPU_SAMPLE_MS = 5000;

export class FrameCalendar {
  /** Worker time booked, in ms, by bin (the bin's start over binMs). */
  private readonly booked = new Map<number, number>();
  /** The worker time of a frame, weighed over about the last hundred frames (a bin's room should not jump). */
  private readonly frameCost = new ExpectedWait(0.01);
  /** The process's CPU time per ms of worker time, weighed over about the last three samples (CPU_SAMPLE_MS each). */
  private readonly cpuPerWorkerMs = new ExpectedWait(0.3);
  private cpuSample: { at: number; cpuMs: number; workerMs: number } | null = null;
  private oldestBin = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly options: FrameCalendarOptions,
    /** The calendar's clock, in ms. */
    readonly now: () => number = () => performance.now(),
    private readonly cpuMs: () => number = processCpuMs,
  ) {}

  /** A worker finished a frame after `busyMs` of work. */
  observe(busyMs: number): void {
    if (!(busyMs >= 0)) return;
    this.frameCost.observe(busyMs);
    const at = this.now();
    if (!this.cpuSample) {
      this.cpuSample = { at, cpuMs: this.cpuMs(), workerMs: 0 };
      return;
    }
    this.cpuSample.workerMs += busyMs;
    if (at - this.cpuSample.at < CPU_SAMPLE_MS || this.cpuSample.workerMs <= 0) return;
    const cpuMs = this.cpuMs();
    this.cpuPerWorkerMs.observe((cpuMs - this.cpuSample.cpuMs) / this.cpuSample.workerMs);
    this.cpuSample = { at, cpuMs, workerMs: 0 };
  }

  /** The recent mean time a frame keeps a worker busy; null before the first frame. */
  get frameMs(): number | null {
    return this.frameCost.frameMs;
  }

  /** The worker time, in ms, a bin has room for. */
  get roomMs(): number {
    const { workers, cores, binMs, share } = this.options;
    const perWorkerMs = this.cpuPerWorkerMs.frameMs;
    const servers = perWorkerMs ? Math.min(workers, cores / perWorkerMs) : Math.min(workers, cores);
    return binMs * share * servers;
  }

  /**
   * When, from `from` to `latest` (ms on the calendar's clock, the past read as now), a frame taking `costMs` of
   * worker time (the mean frame's when unset) should come: in the earliest bin with room for it; when none has, in
   * the least booked bin (the latest of equals: a calendar full up to a session's slowest pace slows it most).
   * Within the bin, after the frames already booked there. Books nothing (book does).
   */
  slotFor(from: number, latest: number, costMs = this.frameMs ?? 0): number {
    const { binMs } = this.options;
    const start = Math.max(from, this.now());
    const end = Math.max(start, latest);
    const room = this.roomMs;
    let least = { bin: Math.floor(start / binMs), booked: Number.POSITIVE_INFINITY };
    for (let bin = Math.floor(start / binMs); bin * binMs <= end; bin++) {
      const booked = this.booked.get(bin) ?? 0;
      if (booked + costMs <= room) return this.momentIn(bin, booked / room, start);
      if (booked <= least.booked) least = { bin, booked };
    }
    return Math.min(end, this.momentIn(least.bin, (least.booked % room) / room, start));
  }

  /** Books a frame taking `costMs` of worker time (the mean frame's when unset) at `at` (the past read as now). */
  book(at: number, costMs = this.frameMs ?? 0): void {
    this.bookOver(at, at, costMs);
  }

  /**
   * Whether the bins from `from` to `to` have room for a frame taking `costMs` of worker time that may come at any
   * moment between (its time spread evenly over them).
   */
  hasRoomOver(from: number, to: number, costMs = this.frameMs ?? 0): boolean {
    const { first, last } = this.binsOver(from, to);
    const share = costMs / (last - first + 1);
    const room = this.roomMs;
    for (let bin = first; bin <= last; bin++) if ((this.booked.get(bin) ?? 0) + share > room) return false;
    return true;
  }

  /** Books a frame taking `costMs` of worker time that may come at any moment from `from` to `to`. */
  bookOver(from: number, to: number, costMs = this.frameMs ?? 0): void {
    const { first, last } = this.binsOver(from, to);
    const share = costMs / (last - first + 1);
    for (let bin = first; bin <= last; bin++) this.booked.set(bin, (this.booked.get(bin) ?? 0) + share);
    this.forgetBefore(Math.floor(this.now() / this.options.binMs));
  }

  /** Worker time booked, in ms, in the bin that holds `at`. */
  bookedAt(at: number): number {
    return this.booked.get(Math.floor(at / this.options.binMs)) ?? 0;
  }

  /** The moment `share` of the way through `bin`, not before `start`. */
  private momentIn(bin: number, share: number, start: number): number {
    return Math.max(start, Math.round((bin + share) * this.options.binMs));
  }

  /** The first and last bins from `from` to `to` (the past read as now): at least one. */
  private binsOver(from: number, to: number): { first: number; last: number } {
    const now = this.now();
    const first = Math.floor(Math.max(from, now) / this.options.binMs);
    return { first, last: Math.max(first, Math.floor(Math.max(to, now) / this.options.binMs)) };
  }

  /** Drops the bins before `bin` (past: their frames have come or will not). */
  private forgetBefore(bin: number): void {
    if (bin <= this.oldestBin) return;
    for (const key of this.booked.keys()) if (key < bin) this.booked.delete(key);
    this.oldestBin = bin;
  }
}
