/**
 * A session's recent frames and what they mean over time: eyes judged against the person's own baseline,
 * PERCLOS, closures, streaks, yawns, and the state.
 *
 * Frames arrive about once a second and may come late, twice, or out of order. Each observation is filed by
 * its capture time; a duplicate time is ignored, and so, with bounds (session-config.ts HistoryBounds), is a
 * frame closer in capture time to a kept one than the rate limit allows; the present is always the latest
 * capture time seen, so a late frame can fill in the past (it counts towards PERCLOS) but never rewrites the
 * current state's start.
 * Everything is recomputed from the history on each frame: with a few minutes of frames at 1 fps that is
 * cheap, and it keeps the rules a pure function of the evidence (the fields below are plain data, so a
 * history can be stored and restored as it is).
 *
 * Time at one frame a second: a blink lasts 100-400 ms, so at 1 fps most blinks fall between two frames and
 * the few that are caught look like any short closure. What 1 fps can measure is closed frames, closures
 * (runs of closed frames that provably lasted longer than a blink) and their length, and PERCLOS. Blinks are
 * counted only when frames come at least every `blinkMaxFrameIntervalMs` (10 frames a second by default).
 */
import { eyesClosed, personalBaseline, showsBaselineEyes, type EyeBaseline, type EyeBasis } from "./eye-baseline";
import type { EyeEars, Observation } from "./observation";
import { historyWindowMs, type HistoryBounds, type SessionRules } from "./session-config";

export type SessionStateName = "focused" | "drowsy" | "asleep" | "away" | "distracted" | "not_alone" | "unknown";

export interface SessionEyes {
  /** How the latest frame's eyes were judged: against this person's baseline, or the absolute threshold. */
  basis: EyeBasis;
  /** The person's open-eye EAR per eye; null until enough frames are in. */
  baselineEar: EyeEars | null;
  /** Under these EARs an eye counts as closed in this session; null until the baseline exists. */
  closedBelowEar: EyeEars | null;
  /** Frames kept that show the person's eyes (a face, usable, facing the screen, not looking down). */
  baselineFrames: number;
  /** The latest frame's eyes are closed, as judged on `basis`. */
  closed: boolean;
  /** The latest frame's eyes are lowered (reading): never closed, counted as focused. */
  lookingDown: boolean;
}

export interface SessionMeasures {
  perclos: number | null;
  closedFrames: number;
  closures: number;
  longestClosureMs: number;
  blinks: number | null;
  blinkRatePerMinute: number | null;
  eyesClosedMs: number;
  noPersonMs: number;
  lookingAwayMs: number;
  readingMs: number;
  yawns: number;
}

export interface SessionSummary {
  state: SessionStateName;
  /** When the current state began (capture time, ISO 8601). */
  since: string;
  measures: SessionMeasures;
  eyes: SessionEyes;
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

/** A run of consecutive closed frames, by index into the observations. */
interface ClosedRun {
  first: number;
  last: number;
  /** An open frame followed it (it is over). */
  ended: boolean;
}

/** The observations as judged now: the baseline, and which frames had their eyes closed against it. */
interface Judged {
  baseline: EyeBaseline | null;
  closed: boolean[];
}

export class SessionHistory {
  private observations: Observation[] = [];
  private currentState: SessionStateName = "unknown";
  private stateSince = 0;
  private framesSeen = 0;
  private firstAt = 0;

  /** Without bounds only the window limits the history (the rules alone, for studies and tests). */
  constructor(
    private readonly rules: SessionRules,
    private readonly bounds?: HistoryBounds,
  ) {}

  /** The history as plain data (JSON.stringify calls this). The list is a copy: the snapshot stays as taken. */
  toJSON(): SessionHistorySnapshot {
    return {
      observations: this.observations.slice(),
      state: this.currentState,
      stateSince: this.stateSince,
      frames: this.framesSeen,
      firstAt: this.firstAt,
    };
  }

  /** A history that goes on from a snapshot (toJSON's, possibly through JSON text) under the given rules. */
  static fromJSON(snapshot: SessionHistorySnapshot, rules: SessionRules, bounds?: HistoryBounds): SessionHistory {
    const history = new SessionHistory(rules, bounds);
    history.observations = snapshot.observations.slice();
    history.currentState = snapshot.state;
    history.stateSince = snapshot.stateSince;
    history.framesSeen = snapshot.frames;
    history.firstAt = snapshot.firstAt;
    return history;
  }

  /**
   * Files a frame; returns false for one that changes nothing: a duplicate (same capture time), or with
   * bounds a frame closer than `minFrameIntervalMs` to a kept one.
   */
  observe(observation: Observation): boolean {
    const list = this.observations;
    let index = list.length;
    while (index > 0 && list[index - 1].at > observation.at) index--;
    const gap = Math.max(1, this.bounds?.minFrameIntervalMs ?? 1);
    if (index > 0 && observation.at - list[index - 1].at < gap) return false;
    if (index < list.length && list[index].at - observation.at < gap) return false;
    list.splice(index, 0, observation);
    this.framesSeen++;
    if (this.framesSeen === 1 || observation.at < this.firstAt) this.firstAt = observation.at;
    this.forgetBefore(this.now - historyWindowMs(this.rules));
    const excess = this.bounds ? list.length - this.bounds.maxFrames : 0;
    if (excess > 0) list.splice(0, excess);
    const judged = this.judgeEyes();
    const state = this.judge(judged);
    if (state !== this.currentState) {
      this.currentState = state;
      this.stateSince = this.stateStart(state, judged);
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
    const judged = this.judgeEyes();
    const latest = this.lastObservation;
    const { baseline } = judged;
    // notAloneMs is the not_alone state's evidence only; the answer does not carry it.
    const { notAloneMs, ...measures } = this.measures(judged);
    return {
      state: this.currentState,
      since: new Date(this.stateSince || this.now).toISOString(),
      measures,
      eyes: {
        basis: baseline && latest?.ear ? "personal" : "absolute",
        baselineEar: baseline?.ear ?? null,
        closedBelowEar: baseline?.closedBelowEar ?? null,
        baselineFrames: baseline?.frames ?? this.observations.filter(showsBaselineEyes).length,
        closed: judged.closed.at(-1) ?? false,
        lookingDown: latest ? latest.faces > 0 && latest.lookingDown : false,
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

  private judgeEyes(): Judged {
    const baseline = personalBaseline(this.observations, this.rules);
    return { baseline, closed: this.observations.map((o) => eyesClosed(o, baseline, this.rules)) };
  }

  /** How long an observation stands for: until the next one, capped; the latest stands for nothing yet. */
  private duration(i: number): number {
    const next = this.observations[i + 1];
    return next ? Math.min(next.at - this.observations[i].at, this.rules.maxFrameGapMs) : 0;
  }

  /** Frame i follows frame i-1 closely enough for the two to be one run (a gap is not evidence). */
  private follows(i: number): boolean {
    return i > 0 && this.observations[i].at - this.observations[i - 1].at <= this.rules.maxFrameGapMs;
  }

  /** The run of consecutive frames, ending at the latest, for which `test` holds (null if the latest fails). */
  private currentRun(test: (o: Observation, i: number) => boolean): Run | null {
    const list = this.observations;
    const lastIndex = list.length - 1;
    if (lastIndex < 0 || !test(list[lastIndex], lastIndex)) return null;
    let i = lastIndex;
    while (this.follows(i) && test(list[i - 1], i - 1)) i--;
    return { start: list[i].at, end: list[lastIndex].at };
  }

  private runMs(test: (o: Observation, i: number) => boolean): number {
    const run = this.currentRun(test);
    return run ? run.end - run.start : 0;
  }

  /** Every run of consecutive closed frames. */
  private closedRuns(closed: readonly boolean[]): ClosedRun[] {
    const runs: ClosedRun[] = [];
    let first = -1;
    for (let i = 0; i <= closed.length; i++) {
      const continues = i < closed.length && closed[i] && (first === -1 || this.follows(i));
      if (continues && first === -1) first = i;
      if (continues) continue;
      if (first !== -1) runs.push({ first, last: i - 1, ended: i < closed.length && this.follows(i) });
      first = i < closed.length && closed[i] ? i : -1;
    }
    return runs;
  }

  /**
   * A closure: at least two consecutive closed frames whose capture times are at least `blinkMaxMs` apart,
   * so the eyes were provably closed longer than any blink (at 1 fps: any two closed frames in a row).
   * Single closed frames at 1 fps may be a blink caught mid-way or a short closure: they are counted
   * (`closedFrames`) but, like blinks in Dinges & Grace's PERCLOS ("slow eyelid closures, not blinks"), not
   * in PERCLOS.
   */
  private isClosure(run: ClosedRun): boolean {
    const list = this.observations;
    return run.last > run.first && list[run.last].at - list[run.first].at >= this.rules.blinkMaxMs;
  }

  /** The median time between frames in the window, or null with fewer than two frames. */
  private medianFrameIntervalMs(from: number): number | null {
    const intervals: number[] = [];
    for (let i = 1; i < this.observations.length; i++)
      if (this.observations[i - 1].at >= from) intervals.push(this.observations[i].at - this.observations[i - 1].at);
    if (!intervals.length) return null;
    const sorted = Float64Array.from(intervals).sort();
    return sorted[Math.floor(sorted.length / 2)];
  }

  private measures({ closed }: Judged): SessionMeasures & { notAloneMs: number } {
    const { perclosWindowMs, yawnWindowMs, blinkMaxMs, blinkMaxFrameIntervalMs } = this.rules;
    const list = this.observations;
    const now = this.now;
    const windowStart = now - perclosWindowMs;
    const runs = this.closedRuns(closed);
    const inClosure = new Array<boolean>(list.length).fill(false);
    let closures = 0;
    let longestClosureMs = 0;
    let shortRuns = 0;
    for (const run of runs) {
      if (list[run.last].at < windowStart) continue;
      if (this.isClosure(run)) {
        for (let k = run.first; k <= run.last; k++) inClosure[k] = true;
        closures++;
        longestClosureMs = Math.max(longestClosureMs, list[run.last].at - list[run.first].at);
      } else if (run.ended && list[run.first].at >= windowStart) shortRuns++;
    }

    let faceMs = 0;
    let closedMs = 0;
    let closedFrames = 0;
    let yawns = 0;
    let previousYawn = false;
    for (let i = 0; i < list.length; i++) {
      const o = list[i];
      const inWindow = o.at >= windowStart;
      if (inWindow && closed[i]) closedFrames++;
      if (inWindow && o.faces > 0 && !o.unusable) {
        const d = this.duration(i);
        faceMs += d;
        if (inClosure[i]) closedMs += d;
      }
      // A yawn lasts several seconds: count episodes (runs of yawning frames), not frames.
      if (o.at >= now - yawnWindowMs && o.yawn && !previousYawn) yawns++;
      previousYawn = o.yawn;
    }

    // Blinks only when frames come fast enough that a blink cannot fall between two of them, over at least
    // ten seconds of frames; then the short closed runs that ended are blinks.
    const windowMs = Math.min(perclosWindowMs, now - (list[0]?.at ?? now));
    const interval = this.medianFrameIntervalMs(windowStart);
    const blinksMeasurable =
      interval !== null && interval <= blinkMaxFrameIntervalMs && windowMs >= 10_000 && blinkMaxMs > 0;
    return {
      perclos: faceMs >= this.rules.perclosMinFaceMs ? closedMs / faceMs : null,
      closedFrames,
      closures,
      longestClosureMs,
      blinks: blinksMeasurable ? shortRuns : null,
      blinkRatePerMinute: blinksMeasurable ? (shortRuns * 60_000) / windowMs : null,
      eyesClosedMs: this.runMs((_, i) => closed[i]),
      noPersonMs: this.runMs((o) => o.faces === 0),
      lookingAwayMs: this.runMs(isLookingAway),
      readingMs: this.runMs((o) => o.faces > 0 && o.lookingDown),
      notAloneMs: this.runMs((o) => o.faces >= 2),
      yawns,
    };
  }

  /** The state the evidence supports now, most urgent first. */
  private judge(judged: Judged): SessionStateName {
    const latest = this.lastObservation;
    if (!latest) return "unknown";
    const r = this.rules;
    const m = this.measures(judged);
    if (m.noPersonMs >= r.awayAfterMs) return "away";
    if (latest.faces === 0) return this.currentState === "away" ? "away" : "unknown";
    if (m.notAloneMs >= r.notAloneAfterMs) return "not_alone";
    if (latest.unusable) return "unknown";
    // Reading (eyes lowered to a desk or a book) is focused work: it never leads to drowsy or asleep.
    if (latest.lookingDown) return "focused";
    if (m.eyesClosedMs >= r.asleepAfterMs) return "asleep";
    if ((m.perclos !== null && m.perclos >= r.drowsyPerclos) || m.yawns >= r.drowsyYawns) return "drowsy";
    if (m.lookingAwayMs >= r.distractedAfterMs) return "distracted";
    return "focused";
  }

  /** When the evidence for a state began: the start of the run that made it true, else now. */
  private stateStart(state: SessionStateName, { closed }: Judged): number {
    const run =
      state === "away"
        ? this.currentRun((o) => o.faces === 0)
        : state === "asleep"
          ? this.currentRun((_, i) => closed[i])
          : state === "distracted"
            ? this.currentRun(isLookingAway)
            : state === "not_alone"
              ? this.currentRun((o) => o.faces >= 2)
              : null;
    return run?.start ?? this.now;
  }
}

/** A face looking away from the screen, except with the eyes lowered to a desk or a book (reading is work). */
function isLookingAway(o: Observation): boolean {
  return o.faces > 0 && o.lookingAway && !o.lookingDown;
}
