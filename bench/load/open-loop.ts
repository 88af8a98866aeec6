/**
 * Open-loop users, as the scenario says: each user posts a frame at its own phase + k seconds, whatever happened
 * to its previous frame. autocannon's rate limiter fires all connections at the same tick, which turns N users
 * into bursts of N simultaneous frames; real users' cameras are not in step. Latencies are exact (every request
 * is recorded), measured from the moment the frame was due, so a generator that falls behind shows up as
 * latency instead of hiding it (no coordinated omission). A user's first frame (its session's first, a
 * connection opening) is warm-up: sent, answered and counted for errors, but left out of the latency
 * percentiles.
 *
 * Users are a fleet that lives across steps (`OpenLoopFleet.step`): a load bench's next step keeps the users it
 * had, still sending at their pace, with their crops, their phase and their sessions, and adds new ones, as a
 * real server's users stay while others arrive. A fleet restarted for every step made every user's client start
 * again with a full frame, after a gap long enough for every session to lose its tracking: all of them ran the
 * detector in the same second and again, together, when their re-detection fell due (7-10 s later), a burst that
 * capped the paced scenario at about half the server's CPU (run 7, bench/results/load-2026-11-27-00-38.md: 250 paced
 * users shed 31 frames at 114% of 200%; with the users kept, run 8 held 300). With `settleSeconds`, a
 * step first runs that long uncounted, and `onMeasuring` is called when its counted seconds begin.
 *
 * Modes (what each user sends; users at their desk post the person photo, one in five the empty desk):
 *   - "full": the whole 640x480 frame once a second (the original scenario);
 *   - "crop": once a second, but the face crop the previous answer asked for (next.crop), cut from the same
 *     photo with that geometry and sent with X-Frame-Crop, as the extension does; a full frame when the
 *     server asks for one, after an error, or while the previous answer has not come back; a 503 (shed) keeps
 *     the crop asked for before, as capture.js does;
 *   - "paced": the extension's own behaviour (clients/extension/lib/capture.js): crops as above, and each frame
 *     captured next.nextFrameAfterMs after the previous one (one frame in flight per user; if an answer comes
 *     back later than that, the next frame goes at once); after a 503 the last `next` stands and nothing is
 *     sent for Retry-After and up to half as much again at random. The rate is the server's to choose, so
 *     offeredRps is what was sent a second.
 */
import type { RgbaFrame } from "../../src/engine/types";
import type { AnalysisBody } from "../../src/server/schemas";
import type { CropRequest, NextFrame as PlannedFrame } from "../../src/session/frame-plan";
import { DEFAULT_PACING } from "../../src/session/pacing";
import { cutFaceCrop } from "../lib/face-crop";
import type { LoadResult } from "./generator";

export type LoadMode = "full" | "crop" | "paced";

/**
 * A user's phase, as a fraction of the period its frames are spread over: the golden-ratio sequence, which
 * spreads the first N users evenly for every N, so the phases of the users a step adds fall between those of
 * the users already there instead of on top of them.
 */
const phaseOf = (user: number) => (user * 0.6180339887498949) % 1;

/** Fixed-rate users send once a second; paced users' first frames are spread over the longest pace a calm user is asked for (pacing.ts sparseMs). */
const periodMs = (mode: LoadMode) => (mode === "paced" ? DEFAULT_PACING.sparseMs : 1000);

/** What stays the same for a fleet's whole life. */
export interface OpenLoopUsers {
  url: string;
  sessions: boolean;
  mode?: LoadMode;
  /**
   * With a bin width (ms), each step's result also has a timeline of the counted frames, by when they were due:
   * frames, 503s, other errors, frames that ran the detector, the longest queue wait and the longest latency of
   * each bin. Answers are then parsed in every mode (their timings say whether the detector ran).
   */
  timelineBinMs?: number;
  frames: { person: Uint8Array<ArrayBuffer>; empty: Uint8Array<ArrayBuffer> };
  /** The person photo decoded (RGBA), to cut crops from; needed by "crop" and "paced". */
  personPixels?: RgbaFrame;
}

/** One step: this many users (those already running carry on), counted for `seconds` after `settleSeconds`. */
export interface OpenLoopStep {
  users: number;
  seconds: number;
  /** Seconds run before the counted ones, uncounted. */
  settleSeconds?: number;
  /**
   * The users this step adds send their first frames within this many ms of its start (default: spread over
   * the mode's period, 1 s, or 2 s for paced users): 1000 for a class whose first frames all come in one second.
   */
  arrivalWindowMs?: number;
  /** Called when the counted seconds begin (after the settling ones). */
  onMeasuring?: () => void;
}

export type OpenLoopScenario = OpenLoopUsers & OpenLoopStep;

/** One bin of the timeline (see OpenLoopUsers.timelineBinMs); `atMs` from the start of the counted seconds. */
export interface TimelineBin {
  atMs: number;
  frames: number;
  shed: number;
  /** Those 503s by their error code (overloaded, deadline_exceeded, not_ready, ...). */
  shedCodes: Record<string, number>;
  /** Of those 503s, the ones to users who had no frame answered yet (a new session's first frame, or its retry). */
  shedBeforeFirstAnswer: number;
  /** Of the frames, those of users away from their desk (the empty desk), and of the 503s, theirs. */
  awayFrames: number;
  awayShed: number;
  errors: number;
  detections: number;
  maxQueueMs: number;
  maxLatencyMs: number;
  /**
   * Of the answered frames, the longest the server took from the handler's start to the answer (timings.totalMs),
   * and the longest a worker took to decode and analyse one (decode, inference, analysis): a latency far above the
   * first was spent before the handler (the connection, the body, the server's own thread); a server time far above
   * the queue wait and the worker's, on the server's thread around the worker.
   */
  maxServerMs: number;
  maxWorkerMs: number;
  /** The longest a frame of the bin left the generator after it was due (the generator's own lag). */
  maxSendLagMs: number;
  /** Frames of the bin that were their user's first answered with a session state. */
  firstAnswers: number;
  /** The delays the answers asked for the next frame (next.nextFrameAfterMs): answers and their sum, by user kind. */
  asked: Record<"atDesk" | "away", { answers: number; totalMs: number }>;
}

/**
 * The users a step added (modes crop and paced, which read the answers): how long after the step began every
 * one of them had a frame answered with its session's state, and a state other than "unknown"; null when some
 * had none by the end of the step.
 */
export interface NewUsersResult {
  users: number;
  secondsToState: number | null;
  secondsToKnownState: number | null;
  /** Added users with no answered frame by the end of the step. */
  withoutState: number;
}

export type OpenLoopResult = LoadResult & {
  timeline?: TimelineBin[];
  newUsers?: NewUsersResult;
  /** Paced users: the share of yawn-long spans with a frame answered (see yawnCoverage). */
  yawnCoverage?: number | null;
};

/** An answer's `next`, as the server plans it (frame-plan.ts); read defensively, every field may be missing. */
type NextFrame = Partial<PlannedFrame>;

interface Answer {
  next?: NextFrame;
  session?: { available?: boolean; state?: string };
  timings?: Partial<AnalysisBody["timings"]>;
}

/** The counts of one step's counted seconds: frames due in [from, to). */
class Tally {
  readonly latencies: number[] = [];
  sent = 0;
  ok = 0;
  shed = 0;
  errors = 0;
  cropFrames = 0;
  bytesSent = 0;
  readonly timeline = new Map<number, TimelineBin>();
  /** Counted frames not answered yet: the step ends when they are. */
  readonly pending = new Set<Promise<unknown>>();
  /** When each user at their desk had a frame answered (its due time), in order of sending. */
  readonly answeredAt = new Map<number, number[]>();

  constructor(
    readonly from: number,
    readonly to: number,
    private readonly binMs?: number,
  ) {}

  covers(dueAt: number): boolean {
    return dueAt >= this.from && dueAt < this.to;
  }

  bin(dueAt: number): TimelineBin | null {
    if (!this.binMs) return null;
    const index = Math.floor((dueAt - this.from) / this.binMs);
    let bin = this.timeline.get(index);
    if (!bin) {
      bin = {
        atMs: index * this.binMs,
        frames: 0,
        shed: 0,
        shedBeforeFirstAnswer: 0,
        shedCodes: {},
        awayFrames: 0,
        awayShed: 0,
        errors: 0,
        detections: 0,
        maxQueueMs: 0,
        maxLatencyMs: 0,
        maxServerMs: 0,
        maxWorkerMs: 0,
        maxSendLagMs: 0,
        firstAnswers: 0,
        asked: { atDesk: { answers: 0, totalMs: 0 }, away: { answers: 0, totalMs: 0 } },
      };
      this.timeline.set(index, bin);
    }
    return bin;
  }
}

export class OpenLoopFleet {
  private readonly mode: LoadMode;
  private readonly prefix: string;
  /**
   * The fleet's clock: milliseconds since it was made. Every due time and window edge is a whole number of them,
   * so that a frame due on a window's edge is on one side of it: with fractional times, four additions of 1000
   * could land a hair before the edge that one addition of 4000 made, and count a fifth frame in four seconds.
   * `wallAtZero` turns them into capture times (wall-clock milliseconds).
   */
  private readonly zero = performance.now();
  private readonly wallAtZero = Date.now();
  private running = 0;
  private readonly loops: Promise<void>[] = [];
  private stopped = false;
  /** The sleeping users' timers, so that stop() can wake them. */
  private readonly sleepers = new Map<number, { timer: ReturnType<typeof setTimeout>; wake: () => void }>();
  private tally: Tally | null = null;
  /** When each user's next frame is due (for a paced user waiting for an answer: the frame in flight's due time). */
  private readonly nextDue: number[] = [];
  /** Each user's crop for its next frame, cut as soon as the answer asked for it (off the frame's clock). */
  private readonly nextCrop: Array<Promise<{ jpeg: Uint8Array<ArrayBuffer>; header: string }> | null> = [];
  /** Each user's last `next`, kept through a 503 as capture.js keeps it. */
  private readonly lastNext: Array<NextFrame | null> = [];
  /** When (the fleet's clock) each user first had an answer with its session's state, and a known state. */
  private readonly stateAt: Array<number | undefined> = [];
  private readonly knownStateAt: Array<number | undefined> = [];
  // The photo does not move, so the server keeps asking for nearly the same crop. The geometry is snapped to
  // a 1 px / 0.005 rad grid (and the header says the snapped geometry, which is what was cut), so each crop
  // is cut and encoded once: the generator shares the server's cores, and a browser would do this work on
  // the user's machine, not the server's.
  private readonly crops = new Map<string, Promise<{ jpeg: Uint8Array<ArrayBuffer>; header: string }>>();

  constructor(private readonly options: OpenLoopUsers) {
    this.mode = options.mode ?? "full";
    if (this.mode !== "full" && (!options.sessions || !options.personPixels))
      throw new Error(`mode ${this.mode} needs sessions and the decoded person frame`);
    // Session ids are `<prefix>-<user index>`: every fleet's users are new sessions.
    this.prefix = `bench-${crypto.randomUUID()}`;
  }

  /**
   * Runs `users` users (starting the ones not running yet; the fleet never shrinks) and counts the frames due in
   * the `seconds` after `settleSeconds`; resolves when every counted frame has its answer. The users keep
   * sending after it resolves, until the next step or stop().
   */
  async step(step: OpenLoopStep): Promise<OpenLoopResult> {
    if (this.stopped) throw new Error("this fleet was stopped");
    const start = Math.ceil(this.now()) + 100;
    const measureFrom = start + (step.settleSeconds ?? 0) * 1000;
    const tally = new Tally(measureFrom, measureFrom + step.seconds * 1000, this.options.timelineBinMs);
    this.tally = tally;
    if (step.onMeasuring) setTimeout(step.onMeasuring, measureFrom - this.now());
    const firstAdded = this.running;
    const windowMs = step.arrivalWindowMs ?? periodMs(this.mode);
    while (this.running < step.users) this.loops.push(this.user(this.running++, start, windowMs));
    await this.sleep(-1, tally.to);
    // Timers fire a little late: the step ends once every frame due before its end has gone and been answered.
    while (tally.pending.size || this.nextDue.some((due) => due < tally.to)) await Bun.sleep(5);
    const added = step.users - firstAdded;
    return {
      ...this.result(tally, step),
      ...(added > 0 && this.mode !== "full" ? { newUsers: this.newUsers(firstAdded, step.users, start) } : {}),
    };
  }

  /** What became of users [from, to), who joined at `start`. */
  private newUsers(from: number, to: number, start: number): NewUsersResult {
    const latest = (times: Array<number | undefined>) => {
      const added = times.slice(from, to);
      return added.length === to - from && added.every((t) => t !== undefined)
        ? Number(((Math.max(...(added as number[])) - start) / 1000).toFixed(2))
        : null;
    };
    let withoutState = 0;
    for (let i = from; i < to; i++) if (this.stateAt[i] === undefined) withoutState++;
    return {
      users: to - from,
      secondsToState: latest(this.stateAt),
      secondsToKnownState: latest(this.knownStateAt),
      withoutState,
    };
  }

  /** Stops every user (sleeping ones at once) and resolves when their frames in flight are answered. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const { timer, wake } of this.sleepers.values()) {
      clearTimeout(timer);
      wake();
    }
    await Promise.all(this.loops);
  }

  /** One user's client, from its first frame (`joinedAt` plus its phase of `windowMs`) until the fleet stops. */
  private async user(index: number, joinedAt: number, windowMs: number): Promise<void> {
    this.lastNext[index] = null;
    this.nextCrop[index] = null;
    let dueAt = joinedAt + Math.round(phaseOf(index) * windowMs);
    const inFlight = new Set<Promise<unknown>>();
    for (let first = true; ; first = false) {
      this.nextDue[index] = dueAt;
      await this.sleep(index, dueAt);
      if (this.stopped) break;
      const sent = this.send(index, first, dueAt);
      if (this.mode === "paced") {
        // The extension's loop: capture, post, wait for the answer, capture again when it says. Until the answer
        // the user's next frame is due no earlier than this one: a frame in flight that was due after the step's
        // end holds nothing up (under overload some user always has one in flight).
        this.nextDue[index] = dueAt;
        const { next, pauseMs } = await sent;
        const afterMs = Math.min(10_000, Math.max(250, next?.nextFrameAfterMs ?? 1000));
        dueAt = Math.max(dueAt + Math.round(afterMs), Math.ceil(this.now() + pauseMs));
      } else {
        // Open loop: the next frame is due a second later whatever happens to this one.
        inFlight.add(sent);
        void sent.finally(() => inFlight.delete(sent));
        dueAt += 1000;
      }
    }
    this.nextDue[index] = Infinity;
    await Promise.all(inFlight);
  }

  /** The fleet's clock (see `zero`), fractional. */
  private now(): number {
    return performance.now() - this.zero;
  }

  /** Waits until the fleet's clock reaches `until`, or the fleet stops. */
  private sleep(index: number, until: number): Promise<void> | void {
    const ms = until - this.now();
    if (ms <= 1 || this.stopped) return;
    return new Promise((resolve) => {
      const wake = () => {
        this.sleepers.delete(index);
        resolve();
      };
      this.sleepers.set(index, { timer: setTimeout(wake, ms), wake });
    });
  }

  private cropFor(asked: CropRequest) {
    const snapped = {
      ...asked,
      centerX: Math.round(asked.centerX),
      centerY: Math.round(asked.centerY),
      size: Math.round(asked.size),
      rotation: Math.round(asked.rotation / 0.005) * 0.005,
    };
    const key = JSON.stringify(snapped);
    let crop = this.crops.get(key);
    if (!crop) {
      if (this.crops.size > 1000) this.crops.clear();
      crop = cutFaceCrop(this.options.personPixels!, snapped);
      this.crops.set(key, crop);
    }
    return crop;
  }

  /**
   * Sends user's frame due at `dueAt`; resolves with the `next` that stands after the answer (null without
   * one) and, after a 503, how long capture.js would pause before its next frame. Counted only when due inside
   * the current step's counted seconds.
   */
  private send(user: number, firstFrame: boolean, dueAt: number): Promise<{ next: NextFrame | null; pauseMs: number }> {
    const tally = this.tally?.covers(dueAt) ? this.tally : null;
    const sending = this.exchange(user, firstFrame, dueAt, tally);
    if (tally) {
      tally.pending.add(sending);
      void sending.finally(() => tally.pending.delete(sending));
    }
    return sending;
  }

  private async exchange(
    user: number,
    firstFrame: boolean,
    dueAt: number,
    tally: Tally | null,
  ): Promise<{ next: NextFrame | null; pauseMs: number }> {
    const { options, mode } = this;
    const atDesk = isAtDesk(user);
    let body = atDesk ? options.frames.person : options.frames.empty;
    const headers: Record<string, string> = { "content-type": "image/jpeg" };
    if (options.sessions) {
      headers["x-session-id"] = `${this.prefix}-${user}`;
      headers["x-capture-time"] = String(this.wallAtZero + dueAt);
    }
    const cropToSend = this.nextCrop[user];
    this.nextCrop[user] = null;
    if (cropToSend) {
      const crop = await cropToSend;
      body = crop.jpeg;
      headers["x-frame-crop"] = crop.header;
      if (tally) tally.cropFrames++;
    }
    if (tally) {
      tally.sent++;
      tally.bytesSent += body.byteLength;
    }
    let next: NextFrame | null = null;
    let pauseMs = 0;
    let answer: Answer | null = null;
    let status = 0;
    let shedCode = "";
    const sendLagMs = this.now() - dueAt;
    try {
      const response = await fetch(`${options.url}/v1/analyze`, { method: "POST", body, headers });
      status = response.status;
      // The full-frame users never look at the answer (the original clients); others read `next`.
      if (status === 200 && (mode !== "full" || options.timelineBinMs)) answer = (await response.json()) as Answer;
      else if (status === 503 && tally?.bin(dueAt)) shedCode = await errorCodeOf(response);
      else await response.arrayBuffer();
      // "Not now" (503, 429) leaves the plan standing, and its Retry-After is waited out with up to half again (capture.js).
      const notNow = status === 503 || status === 429;
      if (mode !== "full") next = answer?.next ?? (notNow ? this.lastNext[user] : null);
      if (status !== 200) pauseMs = Number(response.headers.get("retry-after") ?? 0) * 1000 * (1 + Math.random() / 2);
      if (tally) {
        if (status === 200 && atDesk) {
          const answered = tally.answeredAt.get(user) ?? [];
          answered.push(dueAt);
          tally.answeredAt.set(user, answered);
        }
        if (status === 200) tally.ok++;
        else if (status === 503) tally.shed++;
        else tally.errors++;
      }
    } catch {
      if (tally) tally.errors++;
    }
    const latencyMs = this.now() - dueAt;
    if (tally && !firstFrame) tally.latencies.push(latencyMs);
    const bin = tally?.bin(dueAt);
    if (bin) {
      bin.frames++;
      if (!atDesk) bin.awayFrames++;
      if (status === 503) {
        bin.shed++;
        bin.shedCodes[shedCode] = (bin.shedCodes[shedCode] ?? 0) + 1;
        if (!atDesk) bin.awayShed++;
        if (this.stateAt[user] === undefined) bin.shedBeforeFirstAnswer++;
      } else if (status !== 200) bin.errors++;
      if ((answer?.timings?.stages?.detect ?? 0) > 0) bin.detections++;
      bin.maxQueueMs = Math.max(bin.maxQueueMs, Math.round(answer?.timings?.queueMs ?? 0));
      bin.maxLatencyMs = Math.max(bin.maxLatencyMs, Math.round(latencyMs));
      const { totalMs = 0, decodeMs = 0, inferenceMs = 0, analysisMs = 0 } = answer?.timings ?? {};
      bin.maxServerMs = Math.max(bin.maxServerMs, Math.round(totalMs));
      bin.maxWorkerMs = Math.max(bin.maxWorkerMs, Math.round(decodeMs + inferenceMs + analysisMs));
      bin.maxSendLagMs = Math.max(bin.maxSendLagMs, Math.round(sendLagMs));
      if (answer?.session?.available && this.stateAt[user] === undefined) bin.firstAnswers++;
      const asked = answer?.next?.nextFrameAfterMs;
      if (asked !== undefined) {
        const kind = bin.asked[atDesk ? "atDesk" : "away"];
        kind.answers++;
        kind.totalMs += asked;
      }
    }
    this.lastNext[user] = next;
    if (answer?.session?.available) {
      this.stateAt[user] ??= this.now();
      if (answer.session.state && answer.session.state !== "unknown") this.knownStateAt[user] ??= this.now();
    }
    if (atDesk && next?.frame === "crop" && next.crop) this.nextCrop[user] = this.cropFor(next.crop);
    return { next, pauseMs };
  }

  private result(t: Tally, step: OpenLoopStep): OpenLoopResult {
    const latencies = Float64Array.from(t.latencies).sort();
    const pct = (p: number) =>
      Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0);
    return {
      tool: "open-loop",
      mode: this.mode,
      offeredRps: this.mode === "paced" ? Number((t.sent / step.seconds).toFixed(1)) : step.users,
      sent: t.sent,
      ok: t.ok,
      shed: t.shed,
      errors: t.errors,
      cropFrames: t.cropFrames,
      meanBytesPerFrame: t.sent ? Math.round(t.bytesSent / t.sent) : 0,
      throughputRps: t.ok / step.seconds,
      latencyMs: { p50: pct(50), p90: pct(90), p99: pct(99), max: Math.round(latencies.at(-1) ?? 0) },
      ...(this.mode === "paced" ? { yawnCoverage: yawnCoverage(t, this.running) } : {}),
      ...(this.options.timelineBinMs ? { timeline: [...t.timeline.values()].sort((a, b) => a.atMs - b.atMs) } : {}),
    };
  }
}

/** The error code of a JSON error answer (`error.code`), or "unreadable". */
async function errorCodeOf(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { code?: string } };
    return body.error?.code ?? "unreadable";
  } catch {
    return "unreadable";
  }
}

/** One user in five has left the desk (empty frames); the others sit in front of their camera. */
const isAtDesk = (user: number) => user % 5 !== 4;

/** How long a yawn lasts (Provine 1986; docs/sessions.md): a session should have a frame answered in every such span. */
export const YAWN_MS = 6000;

/**
 * The share of the counted seconds' yawn-long spans, over every user at their desk, in which the user had a frame
 * answered: the chance that a yawn at a random moment is seen by at least one frame. A span starting at s holds an
 * answered frame due at t when s is in (t - YAWN_MS, t]; spans start from the counted seconds' beginning up to
 * YAWN_MS before their end. Refused frames (503) count as not answered, so it weighs slowed frames and refused ones
 * alike.
 */
function yawnCoverage(t: Tally, users: number): number | null {
  const spanEnd = t.to - YAWN_MS;
  if (spanEnd <= t.from) return null;
  let covered = 0;
  let atDesk = 0;
  for (let user = 0; user < users; user++) {
    if (!isAtDesk(user)) continue;
    atDesk++;
    let reach = t.from;
    for (const at of [...(t.answeredAt.get(user) ?? [])].sort((a, b) => a - b)) {
      const from = Math.max(reach, at - YAWN_MS, t.from);
      const to = Math.min(at, spanEnd);
      if (to > from) covered += to - from;
      reach = Math.max(reach, to);
    }
  }
  return atDesk ? Number((covered / (atDesk * (spanEnd - t.from))).toFixed(4)) : null;
}

/** One step of new users, then the fleet stops: the load of a single run (timeline.ts, the overload in run-load.ts). */
export async function openLoop(scenario: OpenLoopScenario): Promise<OpenLoopResult> {
  const fleet = new OpenLoopFleet(scenario);
  try {
    return await fleet.step(scenario);
  } finally {
    await fleet.stop();
  }
}
