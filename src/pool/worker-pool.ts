/**
 * A fixed pool of worker threads, each holding its own loaded models, fed from one bounded queue.
 *
 * Frames must never queue faster than they are served:
 *   - a frame that would wait longer than `maxQueueWaitMs` for a worker (expected-wait.ts: the frames ahead
 *     of it times the recent cost of a frame), or that finds `maxQueue` frames waiting, is refused at once
 *     ("overloaded");
 *   - every frame has a deadline: one that waited too long is answered "deadline_exceeded" at that moment,
 *     and is never handed to a worker afterwards;
 *   - a worker that crashes, reports itself broken (its runtime ran out of heap), or runs one frame longer
 *     than `jobTimeoutMs` (a hang), is terminated and replaced; only the frame it held fails
 *     ("worker_failed"), the others go on;
 *   - a frame run with `patient` (a new session's first frame, see `patience`) may wait `patience.extraWaitMs`
 *     longer than the others, in its own bounded queue, and is served only when no other frame has waited
 *     longer than it has beyond that allowance: frames of sessions already running go first, and a class that
 *     starts at once waits its turn instead of being refused.
 * Payload bytes are transferred to the worker, not copied.
 */
import { Worker } from "node:worker_threads";
import { ExpectedWait } from "./expected-wait";
import type { FrameCalendar } from "./frame-calendar";
import { PoolError } from "./pool-errors";
import type { JobMessage, WorkerReply } from "./worker-protocol";

export interface WorkerPoolOptions {
  /** The worker thread's entry module. */
  workerUrl: URL | string;
  /** Passed to every worker as `workerData` (its configuration). */
  workerData?: unknown;
  size: number;
  /** Most frames waiting for a worker; one more is refused at once. */
  maxQueue: number;
  /** Most expected wait for a worker, in ms, that a new frame is queued for; over it, refused at once. */
  maxQueueWaitMs?: number;
  /** How long a frame may wait in the queue before it is dropped. */
  queueDeadlineMs: number;
  /** How long one frame may keep a worker busy before the worker is considered hung and replaced. */
  jobTimeoutMs: number;
  /** Pause before starting a replacement for a worker that failed while starting, doubled on each failure. */
  restartBackoffMs?: number;
  /** Frames run with `patient`: how much longer they may wait, and how many may wait (unset: like any frame). */
  patience?: { extraWaitMs: number; maxQueue: number };
  /**
   * The shortest Retry-After of a refused frame, in ms, asked as it is refused (unset: none): its expected wait is
   * the Retry-After otherwise.
   */
  minRetryAfterMs?: () => number;
  /**
   * The frames asked for, by when they are due (frame-calendar.ts): a refused patient frame (a new session's
   * first) is given a retry time with room there, and booked (unset: its expected wait, as any frame).
   */
  calendar?: Pick<FrameCalendar, "now" | "hasRoomOver" | "bookOver" | "frameMs">;
}

export interface RunOptions {
  /** The frame may wait `patience.extraWaitMs` longer, behind the frames that may not (a new session's first). */
  patient?: boolean;
  /**
   * A frame of a session in transition (eyes closing, a yawn, drowsy): it goes ahead of every waiting frame that
   * is not urgent, so it waits only for the running frames and the urgent ones before it; refused all the same (as
   * many urgent frames waiting as the queue holds, or a wait over the bound), it is told to come back after its
   * expected wait, not after the pool's minimum (minRetryAfterMs), which is for sessions with nothing to miss.
   */
  urgent?: boolean;
}

export interface JobOutcome<R> {
  value: R;
  queueMs: number;
  workerMs: number;
}

/** Why a worker was replaced: a failure (its frame, if any, fails with worker_failed) or a recycle. */
const FAILURES = {
  crashed: "crashed",
  broken: "broke (out of memory or a runtime abort)",
  hung: "hung",
  init_failed: "failed",
} as const;
type FailureKind = keyof typeof FAILURES;
export type WorkerRestartKind = FailureKind | "recycled";

/** What the pool reports to metrics; all callbacks optional. */
export interface PoolObserver {
  onShed?(code: "overloaded" | "deadline_exceeded"): void;
  onWorkerRestart?(kind: WorkerRestartKind, reason: string): void;
  onJobFinished?(workerBusyMs: number): void;
}

interface Job<P, R> {
  id: number;
  payload: P;
  transfer: ArrayBuffer[];
  enqueuedAt: number;
  /**
   * When it is served at the latest in order: enqueuedAt, plus the extra wait of a patient frame; an urgent frame
   * 0, before any other.
   */
  dueAt: number;
  patient: boolean;
  urgent: boolean;
  deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  resolve(outcome: JobOutcome<R>): void;
  reject(error: Error): void;
  startedAt?: number;
}

interface Slot<P, R> {
  index: number;
  worker: Worker;
  ready: boolean;
  job: Job<P, R> | null;
  hangTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set when the pool itself ends the worker, so its exit is not treated as a crash. */
  retiring: boolean;
}

/** A client waits a Retry-After and up to half as much again at random (capture.js): at most this many times it. */
const CLIENT_RETRY_SPREAD = 1.5;
/** How many seconds past its earliest a refused first frame's retry may be moved to find room. */
const PATIENT_RETRY_RANGE_S = 30;

/** A failed input inside the worker (e.g. a corrupt image), passed through to the caller as is. */
export class WorkerJobError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "WorkerJobError";
  }
}

export class WorkerPool<P, R> {
  private readonly slots: Slot<P, R>[] = [];
  /** Waiting frames, in order of arrival: the ordinary ones, and the patient ones (RunOptions.patient). */
  private readonly queue: Job<P, R>[] = [];
  private readonly patientQueue: Job<P, R>[] = [];
  private nextJobId = 1;
  private closing = false;
  private consecutiveInitFailures = 0;
  private restarts = 0;
  private recycled = 0;
  private readyWaiters: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];
  private workerInfo: unknown = null;
  private readonly expectedWait = new ExpectedWait();
  /** What a patient frame (a new session's first: a full frame, a full-range detection) costs a worker. */
  private readonly patientFrameCost = new ExpectedWait();

  constructor(
    private readonly options: WorkerPoolOptions,
    private readonly observer: PoolObserver = {},
  ) {
    if (options.size < 1) throw new RangeError("a worker pool needs at least one worker");
    for (let i = 0; i < options.size; i++) this.slots.push(this.spawn(i));
  }

  /** Queues one frame. Rejects with PoolError (503 material) or WorkerJobError (the input's fault). */
  run(
    payload: P,
    transfer: ArrayBuffer[] = [],
    { patient = false, urgent = false }: RunOptions = {},
  ): Promise<JobOutcome<R>> {
    if (this.closing) return Promise.reject(new PoolError("shutting_down", "the server is shutting down"));
    if (!this.slots.some((s) => s.ready))
      return Promise.reject(new PoolError("not_ready", "the analysis workers are still loading their models"));
    const patience = patient && !urgent ? this.options.patience : undefined;
    const lane = patience ? this.patientQueue : this.queue;
    const maxQueue = patience ? patience.maxQueue : this.options.maxQueue;
    const extraWaitMs = patience?.extraWaitMs ?? 0;
    const urgentAhead = urgent ? this.queue.filter((job) => job.urgent).length : 0;
    const waitMs = urgent ? this.waitBehind(urgentAhead) : this.waitForNewFrame(patience !== undefined);
    if ((urgent ? urgentAhead : lane.length) >= maxQueue) {
      this.observer.onShed?.("overloaded");
      return Promise.reject(
        new PoolError(
          "overloaded",
          `all ${this.slots.length} workers are busy and ${lane.length} frames are waiting`,
          this.retryAfterSeconds(waitMs, patience !== undefined, urgent),
        ),
      );
    }
    if (this.options.maxQueueWaitMs !== undefined && waitMs > this.options.maxQueueWaitMs + extraWaitMs) {
      this.observer.onShed?.("overloaded");
      return Promise.reject(
        new PoolError(
          "overloaded",
          `all ${this.slots.length} workers are busy; a frame queued now would wait about ${Math.round(waitMs)} ms`,
          this.retryAfterSeconds(waitMs, patience !== undefined, urgent),
        ),
      );
    }
    return new Promise<JobOutcome<R>>((resolve, reject) => {
      const enqueuedAt = performance.now();
      const job: Job<P, R> = {
        id: this.nextJobId++,
        payload,
        transfer,
        enqueuedAt,
        dueAt: urgent ? 0 : enqueuedAt + extraWaitMs,
        patient: patience !== undefined,
        urgent,
        deadlineTimer: undefined,
        resolve,
        reject,
      };
      job.deadlineTimer = setTimeout(() => this.expire(job, lane), this.options.queueDeadlineMs + extraWaitMs);
      // Urgent frames wait in the ordinary queue, ahead of the others, in their own order of arrival.
      if (urgent) lane.splice(urgentAhead, 0, job);
      else lane.push(job);
      this.dispatch();
    });
  }

  /**
   * Expected wait of a frame queued now (expected-wait.ts): 0 while a worker is free. An ordinary frame waits
   * behind the ordinary frames and the patient ones already past their allowance; a patient one behind all.
   */
  waitForNewFrame(patient = false): number {
    const now = performance.now();
    const patientAhead = patient
      ? this.patientQueue.length
      : this.patientQueue.filter((job) => job.dueAt <= now).length;
    return this.waitBehind(this.queue.length + patientAhead);
  }

  /** Expected wait of a frame queued behind `ahead` waiting frames: 0 while a worker is free. */
  private waitBehind(ahead: number): number {
    return this.slots.some(canTakeJob) ? 0 : this.expectedWait.forNewFrame(ahead, this.readyWorkers);
  }

  /** Workers that have loaded their models. */
  private get readyWorkers(): number {
    return this.slots.filter((s) => s.ready).length;
  }

  /**
   * Retry-After for a frame refused because it would wait `waitMs`: that wait, or the pool's minimum
   * (WorkerPoolOptions.minRetryAfterMs) if longer and the frame is not urgent, in whole seconds, at least 1. A
   * refused patient frame (a new session's first) with a calendar is told instead to come back after the frames
   * waiting now, when the calendar has room for it (the worker time first frames take), and booked there: a class
   * turned away together comes back as fast as the workers have room for it, not all in the same second nor all
   * after the overload's minimum.
   */
  private retryAfterSeconds(waitMs: number, patient = false, urgent = false): number {
    const { calendar } = this.options;
    if (patient && calendar) {
      const now = calendar.now();
      const costMs = this.patientFrameCost.frameMs ?? calendar.frameMs ?? 0;
      // The client waits Retry-After and up to half as much again (capture.js): its frame may come at any moment
      // between, so it is booked over all of that.
      const from = (seconds: number) => now + seconds * 1000;
      const to = (seconds: number) => now + seconds * 1000 * CLIENT_RETRY_SPREAD;
      const earliest = Math.max(1, Math.ceil(waitMs / 1000));
      let seconds = earliest;
      while (seconds < earliest + PATIENT_RETRY_RANGE_S && !calendar.hasRoomOver(from(seconds), to(seconds), costMs))
        seconds++;
      calendar.bookOver(from(seconds), to(seconds), costMs);
      return seconds;
    }
    const ms = urgent ? waitMs : Math.max(waitMs, this.options.minRetryAfterMs?.() ?? 0);
    return Math.max(1, Math.ceil(ms / 1000));
  }

  /** True when every worker has loaded its models. */
  get allReady(): boolean {
    return this.slots.every((s) => s.ready);
  }

  whenAllReady(): Promise<void> {
    if (this.allReady) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** What the first ready worker reported about itself (model versions). */
  get info(): unknown {
    return this.workerInfo;
  }

  stats() {
    return {
      size: this.slots.length,
      ready: this.readyWorkers,
      busy: this.slots.filter((s) => s.job).length,
      queued: this.queue.length + this.patientQueue.length,
      restarts: this.restarts,
      recycled: this.recycled,
    };
  }

  /** Indexes of the workers analysing a frame now (for fault injection). */
  busyWorkers(): number[] {
    return this.slots.filter((s) => s.job).map((s) => s.index);
  }

  /** For fault-injection tests and operators: ends one worker as a crash would. */
  terminateWorker(index: number): Promise<number> {
    return this.slots[index].worker.terminate();
  }

  /** Stops taking frames, lets queued and running frames finish, then ends the workers. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.queue.length || this.patientQueue.length || this.slots.some((s) => s.job))
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await Promise.all(
      this.slots.map((slot) => {
        slot.retiring = true;
        clearTimeout(slot.hangTimer);
        return slot.worker.terminate();
      }),
    );
  }

  private spawn(index: number): Slot<P, R> {
    const worker = new Worker(this.options.workerUrl, { workerData: this.options.workerData });
    const slot: Slot<P, R> = { index, worker, ready: false, job: null, hangTimer: undefined, retiring: false };
    worker.on("message", (reply: WorkerReply<R>) => this.onReply(slot, reply));
    worker.on("error", () => {
      // 'exit' follows and handles the replacement; the error itself carries nothing the client should see.
    });
    worker.on("exit", () => this.onExit(slot));
    return slot;
  }

  private onReply(slot: Slot<P, R>, reply: WorkerReply<R>): void {
    switch (reply.type) {
      case "ready": {
        slot.ready = true;
        this.consecutiveInitFailures = 0;
        this.workerInfo ??= reply.info;
        if (this.allReady) for (const wake of this.readyWaiters.splice(0)) wake();
        this.dispatch();
        return;
      }
      case "fatal": {
        if (slot.job?.id !== reply.id) return;
        this.replace(slot, `worker ${slot.index} broke on a frame: ${reply.message}`, "broken");
        return;
      }
      case "init_failed": {
        this.consecutiveInitFailures++;
        this.replace(slot, `worker ${slot.index} failed to load: ${reply.message}`, "init_failed");
        return;
      }
      case "done": {
        const job = slot.job;
        if (!job || job.id !== reply.id) return;
        clearTimeout(slot.hangTimer);
        slot.job = null;
        const now = performance.now();
        this.observer.onJobFinished?.(reply.busyMs);
        this.expectedWait.observe(reply.busyMs);
        if (job.patient) this.patientFrameCost.observe(reply.busyMs);
        if (reply.ok)
          job.resolve({
            value: reply.value,
            queueMs: (job.startedAt ?? now) - job.enqueuedAt,
            workerMs: now - (job.startedAt ?? now),
          });
        else job.reject(new WorkerJobError(reply.error.code, reply.error.message));
        if (reply.retire) this.recycle(slot);
        this.dispatch();
        return;
      }
    }
  }

  private onExit(slot: Slot<P, R>): void {
    if (slot.retiring || this.closing) return;
    if (!slot.ready) {
      // Died while loading: a broken install or binary. Back off instead of restarting in a tight loop.
      this.consecutiveInitFailures++;
      this.replace(slot, `worker ${slot.index} stopped while loading its models`, "init_failed");
      return;
    }
    this.replace(slot, `worker ${slot.index} stopped unexpectedly`, "crashed");
  }

  /** Fails the slot's frame (if any), ends its worker and starts a fresh one in its place. */
  private replace(slot: Slot<P, R>, reason: string, kind: FailureKind): void {
    if (slot.retiring) return;
    this.observer.onWorkerRestart?.(kind, reason);
    slot.retiring = true;
    slot.ready = false;
    clearTimeout(slot.hangTimer);
    const job = slot.job;
    slot.job = null;
    if (job)
      job.reject(new PoolError("worker_failed", `the worker analysing this frame ${FAILURES[kind]} and was replaced`));
    void slot.worker.terminate();
    this.restarts++;
    const backoff =
      kind === "init_failed"
        ? (this.options.restartBackoffMs ?? 500) * 2 ** Math.min(this.consecutiveInitFailures - 1, 6)
        : 0;
    const start = () => {
      if (this.closing) return;
      this.slots[slot.index] = this.spawn(slot.index);
    };
    if (backoff > 0) setTimeout(start, backoff).unref?.();
    else start();
    this.settleIfIdle();
  }

  /**
   * Replaces a worker that asked to retire (its frame was answered normally). The analysis worker does so
   * when its models' WASM heaps have grown past a limit (an unusually large frame analysed whole): WASM
   * memory never shrinks, so a fresh worker is the only way to give that memory back.
   */
  private recycle(slot: Slot<P, R>): void {
    if (slot.retiring || this.closing) return;
    this.observer.onWorkerRestart?.(
      "recycled",
      `worker ${slot.index} retired: its WASM heaps grew past the recycling limit`,
    );
    slot.retiring = true;
    slot.ready = false;
    this.recycled++;
    void slot.worker.terminate();
    this.slots[slot.index] = this.spawn(slot.index);
  }

  private expire(job: Job<P, R>, lane: Job<P, R>[]): void {
    const position = lane.indexOf(job);
    if (position === -1) return; // already running: the hang timer covers it from here
    lane.splice(position, 1);
    this.observer.onShed?.("deadline_exceeded");
    const waited = Math.round(performance.now() - job.enqueuedAt);
    job.reject(
      new PoolError("deadline_exceeded", `the frame waited ${waited} ms for a worker and is too old to analyse`),
    );
    this.settleIfIdle();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (!canTakeJob(slot)) continue;
      const job = this.nextJob();
      if (!job) break;
      clearTimeout(job.deadlineTimer);
      slot.job = job;
      job.startedAt = performance.now();
      slot.hangTimer = setTimeout(
        () => this.replace(slot, `worker ${slot.index} exceeded ${this.options.jobTimeoutMs} ms on one frame`, "hung"),
        this.options.jobTimeoutMs,
      );
      const message: JobMessage<P> = { type: "job", id: job.id, payload: job.payload };
      slot.worker.postMessage(message, job.transfer);
    }
    this.settleIfIdle();
  }

  /**
   * The waiting frame served next: of the two queues' oldest, the one due first (a patient one once its
   * allowance is spent).
   */
  private nextJob(): Job<P, R> | undefined {
    const [ordinary, patient] = [this.queue[0], this.patientQueue[0]];
    if (patient && (!ordinary || patient.dueAt < ordinary.dueAt)) return this.patientQueue.shift();
    return this.queue.shift();
  }

  private settleIfIdle(): void {
    if (this.queue.length === 0 && this.patientQueue.length === 0 && !this.slots.some((s) => s.job))
      for (const wake of this.idleWaiters.splice(0)) wake();
  }
}

/** A worker that is loaded, idle and not being replaced: dispatch hands it the next frame. */
function canTakeJob(slot: Slot<unknown, unknown>): boolean {
  return slot.ready && !slot.job && !slot.retiring;
}
