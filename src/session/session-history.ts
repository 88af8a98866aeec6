/**
 * A session's recent frames and what they mean over time: PERCLOS, blinks, streaks, yawns, and the state.
 *
 * Frames arrive about once a second and may come late, twice, or out of order. Each observation is filed by
 * its capture time; a duplicate time is ignored; the present is always the latest capture time seen, so a
 * late frame can fill in the past (it counts towards PERCLOS) but never rewrites the current state's start.
 * Everything is recomputed from the history on each frame: with about a minute of frames at 1 fps that is
 * cheap, and it keeps the rules a pure function of the evidence.
 */
import type { SessionRules } from "./session-config";

export type SessionStateName = "focused" | "drowsy" | "asleep" | "away" | "distracted" | "not_alone" | "unknown";

/** What one analysed frame says, reduced to what the session rules need. */
export interface Observation {
  /** Capture time, ms since the epoch (the client's when given, else arrival). */
  at: number;
  faces: number;
  /** The main face's eyes are both closed (each at least 80% closed). */
  eyesClosed: boolean;
  /** The main face's mean eye openness, 0..1 (null without a face). */
  openness: number | null;
  lookingAway: boolean;
  yawn: boolean;
  /** The frame is too dark or blurry to judge the eyes. */
  unusable: boolean;
}

export interface SessionSummary {
  state: SessionStateName;
  /** When the current state began (capture time, ISO 8601). */
  since: string;
  measures: {
    perclos: number | null;
    blinks: number;
    blinkRatePerMinute: number | null;
    eyesClosedMs: number;
    noPersonMs: number;
    lookingAwayMs: number;
    yawns: number;
  };
  frames: number;
  /** Capture time of the first frame of the session's history. */
  historyStartedAt: string;
}

/**
 * A history as plain JSON data, for a session store that keeps it outside this process (Redis). It holds
 * exactly the history's fields; the observations are kept as they are, whatever an Observation holds.
 */
export interface SessionHistorySnapshot {
  observations: Observation[];
  state: SessionStateName;
  stateSince: number;
  frames: number;
  firstAt: number;
}

interface Run {
  start: number;
  end: number;
}

export class SessionHistory {
  private observations: Observation[] = [];
  private currentState: SessionStateName = "unknown";
  private stateSince = 0;
  private framesSeen = 0;
  private firstAt = 0;

  constructor(private readonly rules: SessionRules) {}

  /** The history as plain data (JSON.stringify calls this). The list is a copy: the snapshot stays as taken. */
  toJSON(): SessionHistorySnapshot {
    return { observations: this.observations.slice(), state: this.currentState, stateSince: this.stateSince, frames: this.framesSeen, firstAt: this.firstAt };
  }

  /** A history that goes on from a snapshot (toJSON's, possibly through JSON text) under the given rules. */
  static fromJSON(snapshot: SessionHistorySnapshot, rules: SessionRules): SessionHistory {
    const history = new SessionHistory(rules);
    history.observations = snapshot.observations.slice();
    history.currentState = snapshot.state;
    history.stateSince = snapshot.stateSince;
    history.framesSeen = snapshot.frames;
    history.firstAt = snapshot.firstAt;
    return history;
  }

  /** Files a frame; returns false for a duplicate (same capture time) that changes nothing. */
  observe(observation: Observation): boolean {
    const list = this.observations;
    let index = list.length;
    while (index > 0 && list[index - 1].at > observation.at) index--;
    if (index > 0 && list[index - 1].at === observation.at) return false;
    list.splice(index, 0, observation);
    this.framesSeen++;
    if (this.framesSeen === 1 || observation.at < this.firstAt) this.firstAt = observation.at;
    this.forgetBefore(this.now - Math.max(this.rules.yawnWindowMs, this.rules.perclosWindowMs));
    const state = this.judge();
    if (state !== this.currentState) {
      this.currentState = state;
      this.stateSince = this.stateStart(state);
    }
    return true;
  }

  /** The latest capture time seen: the session's present. */
  get now(): number {
    return this.observations.length ? this.observations[this.observations.length - 1].at : 0;
  }

  get lastObservation(): Observation | undefined {
    return this.observations[this.observations.length - 1];
  }

  summary(): SessionSummary {
    const m = this.measures();
    return {
      state: this.currentState,
      since: new Date(this.stateSince || this.now).toISOString(),
      measures: {
        perclos: m.perclos,
        blinks: m.blinks,
        blinkRatePerMinute: m.blinkRatePerMinute,
        eyesClosedMs: m.eyesClosedMs,
        noPersonMs: m.noPersonMs,
        lookingAwayMs: m.lookingAwayMs,
        yawns: m.yawns,
      },
      frames: this.framesSeen,
      historyStartedAt: new Date(this.firstAt).toISOString(),
    };
  }

  private forgetBefore(time: number): void {
    let drop = 0;
    while (drop < this.observations.length - 1 && this.observations[drop].at < time) drop++;
    if (drop) this.observations.splice(0, drop);
  }

  /** How long an observation stands for: until the next one, capped; the latest stands for nothing yet. */
  private duration(i: number): number {
    const next = this.observations[i + 1];
    return next ? Math.min(next.at - this.observations[i].at, this.rules.maxFrameGapMs) : 0;
  }

  /** The run of consecutive frames, ending at the latest, for which `test` holds (null if the latest fails). */
  private currentRun(test: (o: Observation) => boolean): Run | null {
    const list = this.observations;
    if (!list.length || !test(list[list.length - 1])) return null;
    let i = list.length - 1;
    while (i > 0 && test(list[i - 1]) && list[i].at - list[i - 1].at <= this.rules.maxFrameGapMs) i--;
    return { start: list[i].at, end: list[list.length - 1].at };
  }

  private runMs(test: (o: Observation) => boolean): number {
    const run = this.currentRun(test);
    return run ? run.end - run.start : 0;
  }

  /**
   * Closed runs that ended within `blinkMaxMs` are blinks. They are counted as blinks and left out of
   * PERCLOS, which measures slow closures: at one frame a second a captured blink would otherwise count as
   * a whole second closed.
   */
  private blinkFrames(): { blinks: number; isBlink: boolean[] } {
    const list = this.observations;
    const isBlink = new Array<boolean>(list.length).fill(false);
    let blinks = 0;
    let runStart = -1;
    for (let i = 0; i < list.length; i++) {
      const closed = list[i].faces > 0 && list[i].eyesClosed;
      if (closed && runStart === -1) runStart = i;
      if (!closed && runStart !== -1) {
        if (list[i].at - list[runStart].at <= this.rules.blinkMaxMs) {
          blinks++;
          for (let k = runStart; k < i; k++) isBlink[k] = true;
        }
        runStart = -1;
      }
    }
    return { blinks, isBlink };
  }

  private measures() {
    const { perclosWindowMs, yawnWindowMs } = this.rules;
    const now = this.now;
    const { isBlink } = this.blinkFrames();
    let faceMs = 0;
    let closedMs = 0;
    let blinks = 0;
    let yawns = 0;
    let previousYawn = false;
    for (let i = 0; i < this.observations.length; i++) {
      const o = this.observations[i];
      const inWindow = o.at >= now - perclosWindowMs;
      if (inWindow && o.faces > 0 && !o.unusable) {
        const d = this.duration(i);
        faceMs += d;
        if (o.eyesClosed && !isBlink[i]) closedMs += d;
      }
      if (inWindow && isBlink[i] && !isBlink[i - 1]) blinks++;
      // A yawn lasts several seconds: count episodes (runs of yawning frames), not frames.
      if (o.at >= now - yawnWindowMs && o.yawn && !previousYawn) yawns++;
      previousYawn = o.yawn;
    }
    const windowMs = Math.min(perclosWindowMs, now - (this.observations[0]?.at ?? now));
    return {
      perclos: faceMs >= this.rules.perclosMinFaceMs ? closedMs / faceMs : null,
      faceMs,
      blinks,
      blinkRatePerMinute: windowMs >= 10_000 ? (blinks * 60_000) / windowMs : null,
      eyesClosedMs: this.runMs((o) => o.faces > 0 && o.eyesClosed),
      noPersonMs: this.runMs((o) => o.faces === 0),
      lookingAwayMs: this.runMs((o) => o.faces > 0 && o.lookingAway),
      notAloneMs: this.runMs((o) => o.faces >= 2),
      yawns,
    };
  }

  /** The state the evidence supports now, most urgent first. */
  private judge(): SessionStateName {
    const latest = this.lastObservation;
    if (!latest) return "unknown";
    const r = this.rules;
    const m = this.measures();
    if (m.noPersonMs >= r.awayAfterMs) return "away";
    if (latest.faces === 0) return this.currentState === "away" ? "away" : "unknown";
    if (m.notAloneMs >= r.notAloneAfterMs) return "not_alone";
    if (latest.unusable) return "unknown";
    if (m.eyesClosedMs >= r.asleepAfterMs) return "asleep";
    if ((m.perclos !== null && m.perclos >= r.drowsyPerclos) || m.yawns >= r.drowsyYawns) return "drowsy";
    if (m.lookingAwayMs >= r.distractedAfterMs) return "distracted";
    return "focused";
  }

  /** When the evidence for a state began: the start of the run that made it true, else now. */
  private stateStart(state: SessionStateName): number {
    const run =
      state === "away"
        ? this.currentRun((o) => o.faces === 0)
        : state === "asleep"
          ? this.currentRun((o) => o.faces > 0 && o.eyesClosed)
          : state === "distracted"
            ? this.currentRun((o) => o.faces > 0 && o.lookingAway)
            : state === "not_alone"
              ? this.currentRun((o) => o.faces >= 2)
              : null;
    return run?.start ?? this.now;
  }
}
