/**
 * How long a frame joining the queue now would wait for a worker, from the recent cost of a frame.
 *
 * The pool refuses a frame whose expected wait is over its bound (worker-pool.ts): a count of queued frames
 * means a different wait for every kind of frame and machine (a face crop costs 8 ms here, a full frame with
 * a full-range detection 30, one frame on the 16-core Xeon 20-38), while the client cares about the wait.
 * The cost is an exponentially weighted mean of the workers' busy time per frame, so it follows the mix of
 * frames within a few dozen of them.
 */
export class ExpectedWait {
  private meanFrameMs: number | null = null;

  /** `smoothing`: the weight of each new frame in the mean (0.05: about the last 20 frames count). */
  constructor(private readonly smoothing = 0.05) {}

  /** A worker finished a frame after `busyMs` of work. */
  observe(busyMs: number): void {
    if (!(busyMs >= 0)) return;
    this.meanFrameMs =
      this.meanFrameMs === null ? busyMs : this.meanFrameMs + this.smoothing * (busyMs - this.meanFrameMs);
  }

  /** The recent mean time a frame keeps a worker busy; null before the first frame. */
  get frameMs(): number | null {
    return this.meanFrameMs;
  }

  /**
   * Expected wait of one more frame behind `queued` waiting ones with `workers` serving: the frames ahead
   * of it, plus on average half a frame for the worker it gets to finish, spread over the workers. Zero
   * before anything is known (the count bound still holds then).
   */
  forNewFrame(queued: number, workers: number): number {
    if (this.meanFrameMs === null || workers < 1) return 0;
    return ((queued + 0.5) * this.meanFrameMs) / workers;
  }
}
