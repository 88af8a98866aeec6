/**
 * The frames the server has asked for, by when they are due: every answer to a session books the next frame it
 * asks for, so the server knows the load that clients following `next` will bring over the coming seconds, and
 * can ask a session that may be slowed for a moment the workers still have room for, instead of a moment at
 * random (load-aware pacing, session/frame-plan.ts) that many others happened to draw too.
 *
 * Time is cut into bins of `binMs`. A bin has room for `share` of the frames the server can serve in it: the fewer
 * of what the workers can (their count times the bin, over the recent mean time a frame keeps one busy) and what
 * the machine's cores can (their count times the bin, over the process's CPU time per frame answered: where the
 * workers share the cores with the server's own thread, as on 2 cores, the cores are the limit). The rest is left
 * for frames nobody booked (new sessions' first frames, clients that do not follow `next`) and for frames that
 * cost more than the mean. Within
 * a bin, the frames booked are given successive moments, so that a full bin's frames do not all arrive at once.
 * Refused first frames of new sessions are given their retry times from the same calendar (worker-pool.ts).
 */
import { ExpectedWait } from "./expected-wait";

export interface FrameCalendarOptions {
  workers: number;
  /** The cores the process may use (os.availableParallelism). */
  cores: number;
  binMs: number;
  /** The share of the workers' time in a bin that bookings may fill. */
  share: number;
}

/** Quarter-second bins, filled to 85% of the workers' time. */
export const DEFAULT_FRAME_CALENDAR: Omit<FrameCalendarOptions, "workers" | "cores"> = { binMs: 250, share: 0.85 };

/** The process's CPU time so far, all threads, in ms. */
const processCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * How long the process's CPU time per frame is measured over, at the least: long enough that the arrival of a
 * class (a second of hundreds of requests, most refused, few frames finished) does not stand for the cost of a frame.
 */
const CPU_SAMPLE_MS = 5000;

export class FrameCalendar {
  /** Frames booked, by bin (the bin's start over binMs). */
  private readonly booked = new Map<number, number>();
  /** The cost of a frame, weighed over about the last hundred frames (a bin's room should not jump). */
  private readonly frameCost = new ExpectedWait(0.01);
  /** The process's CPU time per frame finished, weighed over about the last three samples (CPU_SAMPLE_MS each). */
  private readonly cpuCost = new ExpectedWait(0.3);
  private cpuSample: { at: number; cpuMs: number; frames: number } | null = null;
  private oldestBin = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly options: FrameCalendarOptions,
    /** The calendar's clock, in ms. */
    readonly now: () => number = () => performance.now(),
    private readonly cpuMs: () => number = processCpuMs,
  ) {}

  /** A worker finished a frame after `busyMs` of work. */
  observe(busyMs: number): void {
    this.frameCost.observe(busyMs);
    const at = this.now();
    if (!this.cpuSample) {
      this.cpuSample = { at, cpuMs: this.cpuMs(), frames: 0 };
      return;
    }
    this.cpuSample.frames++;
    if (at - this.cpuSample.at < CPU_SAMPLE_MS) return;
    const cpuMs = this.cpuMs();
    this.cpuCost.observe((cpuMs - this.cpuSample.cpuMs) / this.cpuSample.frames);
    this.cpuSample = { at, cpuMs, frames: 0 };
  }

  /** How many frames a bin has room for; Infinity until a frame's cost is known. */
  get framesPerBin(): number {
    const { workers, cores, binMs, share } = this.options;
    const frameMs = this.frameCost.frameMs;
    if (!frameMs) return Number.POSITIVE_INFINITY;
    const cpuMs = this.cpuCost.frameMs;
    const perMs = Math.min(workers / frameMs, cpuMs ? cores / cpuMs : Number.POSITIVE_INFINITY);
    return Math.max(1, binMs * share * perMs);
  }

  /** The recent mean time a frame keeps a worker busy; null before the first frame. */
  get frameMs(): number | null {
    return this.frameCost.frameMs;
  }

  /**
   * When, from `from` to `latest` (ms on the calendar's clock, the past read as now), a frame weighing `frames`
   * should come: in the earliest bin with room for it; when none has, in the least booked bin (the latest of
   * equals: a calendar full up to a session's slowest pace slows it most). Within the bin, after the frames
   * already booked there. Books nothing (book does).
   */
  slotFor(from: number, latest: number, frames = 1): number {
    const { binMs } = this.options;
    const start = Math.max(from, this.now());
    const end = Math.max(start, latest);
    const room = this.framesPerBin;
    let least = { bin: Math.floor(start / binMs), booked: Number.POSITIVE_INFINITY };
    for (let bin = Math.floor(start / binMs); bin * binMs <= end; bin++) {
      const booked = this.booked.get(bin) ?? 0;
      if (booked + frames <= room) return this.momentIn(bin, booked, room, start);
      if (booked <= least.booked) least = { bin, booked };
    }
    return Math.min(end, this.momentIn(least.bin, least.booked % room, room, start));
  }

  /** Books a frame weighing `frames` at `at` (the past read as now). */
  book(at: number, frames = 1): void {
    this.bookOver(at, at, frames);
  }

  /**
   * Whether the bins from `from` to `to` have room for a frame weighing `frames` that may come at any moment
   * between (its weight spread evenly over them).
   */
  hasRoomOver(from: number, to: number, frames = 1): boolean {
    const bins = this.binsOver(from, to);
    const share = frames / bins.length;
    const room = this.framesPerBin;
    return bins.every((bin) => (this.booked.get(bin) ?? 0) + share <= room);
  }

  /** Books a frame weighing `frames` that may come at any moment from `from` to `to` (the past read as now). */
  bookOver(from: number, to: number, frames = 1): void {
    const bins = this.binsOver(from, to);
    for (const bin of bins) this.booked.set(bin, (this.booked.get(bin) ?? 0) + frames / bins.length);
    this.forgetBefore(Math.floor(this.now() / this.options.binMs));
  }

  /** Frames booked in the bin that holds `at`. */
  bookedAt(at: number): number {
    return this.booked.get(Math.floor(at / this.options.binMs)) ?? 0;
  }

  /** The moment in `bin` for the frame after `booked` others: the bin's share of the way through it, from `start`. */
  private momentIn(bin: number, booked: number, room: number, start: number): number {
    const share = Number.isFinite(room) ? booked / room : 0;
    return Math.max(start, Math.round(bin * this.options.binMs + share * this.options.binMs));
  }

  /** The bins from `from` to `to` (the past read as now), at least one. */
  private binsOver(from: number, to: number): number[] {
    const now = this.now();
    const first = Math.floor(Math.max(from, now) / this.options.binMs);
    const last = Math.max(first, Math.floor(Math.max(to, now) / this.options.binMs));
    return Array.from({ length: last - first + 1 }, (_, i) => first + i);
  }

  /** Drops the bins before `bin` (past: their frames have come or will not). */
  private forgetBefore(bin: number): void {
    if (bin <= this.oldestBin) return;
    for (const key of this.booked.keys()) if (key < bin) this.booked.delete(key);
    this.oldestBin = bin;
  }
}
