/**
 * Adaptive pacing: how long after this frame's capture the next frame is worth sending (the answer's
 * `next.nextFrameAfterMs`). Pure functions of what the session holds (its state, measures and latest
 * observation) and one number kept on the session record (calmSince).
 *
 *   - sparse (`sparseMs`, 2 s) while a state is steady: focused, with every frame of the last
 *     `steadyAfterMs` (10 s) calm (one face, both eyes well open, looking at the screen; calmSince) and no
 *     yawn in the yawn window; or away (an empty desk) for `steadyAfterMs`;
 *   - dense (`denseMs`) while the eyes are closed or closing (openness under `droopBelow`), a yawn is under
 *     way, PERCLOS is at half the drowsy level or more, or the user is drowsy;
 *   - `normalMs` (1 s, the rate the session rules were written for) otherwise, e.g. while a streak such as
 *     looking away or no person is building up.
 *
 * Dense is 1 s, not faster. Measured again once the session rules counted closures (two or more closed frames
 * in a row) rather than blinks, with the same simulations (tests/session/pacing.test.ts, 40 runs each) and
 * a dense pace of 500 ms: drowsy by PERCLOS came 5 s earlier on average, but asleep came up to 12.5 s later in
 * the worst run, a yawn's drowsy 0.5 s later, and the client sent 106% of a 1 frame/s client's frames. So
 * 1 s stays: with every interval a whole number of seconds, the paced client's frames are a subset of a
 * 1 frame/s client's, the same ones wherever something is happening.
 *
 * Against a fixed 1 frame/s (tests/session/pacing.test.ts): the eyes droop before they stay shut (drowsiness
 * is a slow closing of the lids: Wierwille et al. 1994), and drooping or any caught closure ends sparse frames,
 * so asleep, and drowsy by yawning, are entered at the same time. Drowsy by PERCLOS can come later (about 2 s on
 * average in the simulations): closures that begin in a sparse stretch, before a frame caught one, are
 * missing. Eyes that snap shut from wide open during a sparse stretch are seen up to `sparseMs - normalMs`
 * (1 s) later. The sparse interval is kept under the session's `maxFrameGapMs` so that streaks stay unbroken.
 *
 * Under load (loadPacedMs), steady sessions are asked for later frames still, up to a ceiling (`ceilingMs`,
 * VIGIL_LOAD_PACING_MAX_MS, 4 s; an empty desk away for a while up to twice that), as the pool's pressure rises
 * (pool/load-pressure.ts); past half pressure, calm sessions and empty desks not yet steady too, up to the ceiling,
 * and a desk empty since the session began up to the sparse pace (its streak towards away unbroken); every other
 * pace stays as it is, so a session whose eyes close, droop or whose state is building up (a face lost included) is
 * never slowed. In overload (the pool refuses frames even so) the ceiling rises towards `overloadCeilingMs`
 * (VIGIL_LOAD_PACING_OVERLOAD_MAX_MS, 8 s) with the share of frames refused, and falls back as the overload passes.
 * A frame stands for no more than `maxFrameGapMs` even when the next comes later: while focused and calm nothing
 * is lost (no streak is building); while away the state holds (a frame with nobody keeps `away`) though
 * `noPersonMs` restarts. What it costs: eyes that snap shut from wide open during a slowed stretch are seen by the
 * next frame, up to one slowed interval later, and asleep with them (tests/session/pacing.test.ts measures it at
 * each pace); a user back at an empty desk is seen by its next frame, up to twice the ceiling later.
 */
import type { SessionRules } from "./session-config";
import type { Observation } from "./observation";
import type { SessionSummary } from "./session-history";

export interface PacingOptions {
  denseMs: number;
  normalMs: number;
  sparseMs: number;
  /** A steady state lasts this long before frames become sparse. */
  steadyAfterMs: number;
  /** Mean eye openness at or above which the eyes are well open. */
  wellOpenAbove: number;
  /** Mean eye openness under which the eyes are closing: dense frames. */
  droopBelow: number;
}

export const DEFAULT_PACING: PacingOptions = {
  denseMs: 1000,
  normalMs: 1000,
  sparseMs: 2000,
  steadyAfterMs: 10_000,
  wellOpenAbove: 0.8,
  droopBelow: 0.55,
};

export interface PacingInput {
  /** The session's summary after this frame. */
  summary: Pick<SessionSummary, "state" | "since" | "measures">;
  /** This frame's observation (the newest one). */
  latest: Observation;
  /** Since when every frame was calm (see calmSince), including this one; null if this one was not. */
  calmSince: number | null;
  /** No frame of the session so far, this one included, has shown a face (absent: false). */
  emptySinceStart?: boolean;
}

/**
 * The session's pacing memory after a frame (plain data on the session record): the capture time since
 * which every frame showed one face, both eyes well open, looking at the screen, no yawn; null when this
 * frame did not. A single caught blink or slow closure restarts it, so frames stay at 1 s for
 * `steadyAfterMs` after any sign of closing eyes.
 */
export function calmSince(
  previous: number | null,
  latest: Observation,
  options: PacingOptions = DEFAULT_PACING,
): number | null {
  const calm =
    latest.faces === 1 &&
    !latest.unusable &&
    !latest.eyesClosed &&
    !latest.lookingAway &&
    !latest.yawn &&
    latest.openness !== null &&
    latest.openness >= options.wellOpenAbove;
  return calm ? (previous ?? latest.at) : null;
}

export function nextFrameAfterMs(
  input: PacingInput,
  rules: SessionRules,
  options: PacingOptions = DEFAULT_PACING,
): number {
  return paceOf(input, rules, options).ms;
}

/**
 * Which pace applies: dense (something is closing), sparse (a steady state: focused and calm), absent (sparse: away,
 * an empty desk, for a while), settling (normal, but calm, not yet for long: focused, this frame calm, and no closed
 * frame, closure or yawn in the session's window; or away, with nobody in this frame either), vacant (normal: an
 * empty desk since the session began, not yet away), or normal (anything else, e.g. a streak building up).
 */
export type PaceKind = "dense" | "normal" | "settling" | "vacant" | "sparse" | "absent";

/** A pace and its kind. */
export interface Pace {
  ms: number;
  kind: PaceKind;
  /** For a vacant pace: the slowest load may make it after the session's first answer (loadPacedMs). */
  slowestMs?: number;
}

export function paceOf(
  { summary, latest, calmSince, emptySinceStart = false }: PacingInput,
  rules: SessionRules,
  options: PacingOptions = DEFAULT_PACING,
): Pace {
  const m = summary.measures;
  const face = latest.faces > 0 && !latest.unusable;
  const closing =
    face && (latest.eyesClosed || (latest.openness !== null && latest.openness < options.droopBelow) || latest.yawn);
  const perclosRising = m.perclos !== null && m.perclos >= rules.drowsyPerclos / 2;
  if (closing || m.eyesClosedMs > 0 || perclosRising || summary.state === "drowsy") {
    return { ms: options.denseMs, kind: "dense" };
  }

  const sparse = { ms: sparseMs(rules, options), kind: "sparse" as const };
  const normal = { ms: options.normalMs, kind: "normal" as const };
  if (m.yawns > 0) return normal;
  if (summary.state === "focused" && calmSince !== null && latest.at - calmSince >= options.steadyAfterMs)
    return sparse;
  if (summary.state === "away" && latest.faces === 0 && latest.at - Date.parse(summary.since) >= options.steadyAfterMs)
    return { ...sparse, kind: "absent" };
  if (summary.state === "focused" && calmSince !== null && m.closedFrames === 0 && m.closures === 0) {
    return { ...normal, kind: "settling" };
  }
  if (summary.state === "away" && latest.faces === 0) return { ...normal, kind: "settling" };
  // Nobody yet: the streak that makes the state `away` is building, kept unbroken (frames within the frame gap).
  if (emptySinceStart && latest.faces === 0) return { ...normal, kind: "vacant", slowestMs: sparse.ms };
  return normal;
}

/** The sparse pace under the session rules: kept under their frame gap, so that streaks stay unbroken. */
export function sparseMs(rules: SessionRules, options: PacingOptions = DEFAULT_PACING): number {
  return Math.min(options.sparseMs, Math.floor(rules.maxFrameGapMs * 0.8));
}

export interface LoadPacingOptions {
  /** The slowest pace load may ask of a session (VIGIL_LOAD_PACING_MAX_MS). */
  ceilingMs: number;
  /**
   * The slowest pace in overload, once the pool has refused frames with calm sessions at `ceilingMs`
   * (VIGIL_LOAD_PACING_OVERLOAD_MAX_MS). Past the 6 s a yawn lasts, so a calm session's yawn can fall between two
   * frames; a lower one leaves more frames refused, which costs more (docs/sessions.md).
   */
  overloadCeilingMs: number;
  /**
   * An empty desk for a while (absent) is slowed up to this many times the ceiling of the moment: it has nothing to
   * miss but the user's return, which its next frame sees.
   */
  emptyDeskCeilingFactor: number;
}

export const DEFAULT_LOAD_PACING: LoadPacingOptions = {
  ceilingMs: 4000,
  overloadCeilingMs: 8000,
  emptyDeskCeilingFactor: 2,
};

/** What load-aware pacing knows of a frame: the pool's pressure, and whether the session is new. */
export interface LoadInput {
  /** pool/load-pressure.ts: 0 (room to spare) to 1 (at the limit), up to 2 in overload (frames refused lately). */
  pressure: number;
  /** This is the session's first frame. */
  fresh: boolean;
  /**
   * A number in [0, 1) drawn for this frame (detection-policy.ts jitterDraw): where in its spread it falls (1: the
   * top of the spread, as slowestLoadPacedMs asks).
   */
  draw: number;
}

/**
 * The pace under load, from the pace the session's own state asks (`pace`):
 *   - a steady session (sparse): from the sparse pace at no pressure to `ceilingMs` at full pressure, each frame
 *     slowed by a random half to one and a half of that (within the ceiling). Sessions answered in the same
 *     second get the same pressure; with the same slowing, a falling pressure would bring the later ones'
 *     next frames closer to the earlier ones' at every frame, until they came in step, detections included;
 *   - an empty desk for a while (absent): as a steady session, up to `emptyDeskCeilingFactor` times the ceiling;
 *   - a new session's first answer (normal or settling): spread at random over up to `pressure` of the way from
 *     the normal pace to the ceiling, so that sessions that arrive together (a class at nine) send their next
 *     frames apart;
 *   - a settling session (calm, not yet for long; no sign of closing eyes in its window): second, from half
 *     pressure on, from the normal pace to the ceiling at full pressure (a class that just started is most of
 *     the load while it settles), spread as a steady one;
 *   - a vacant one (an empty desk since the session began): as a settling one, but no slower than its own
 *     slowest pace (`Pace.slowestMs`, the sparse pace), so that its streak towards `away` stays unbroken;
 *   - anything else (dense, normal): unchanged.
 * In overload (pressure past 1) the ceiling itself rises, from `ceilingMs` at 1 to `overloadCeilingMs` at 2.
 * Never slower than that ceiling (an empty desk: its multiple), nor faster than the pace asked.
 */
export function loadPacedMs(pace: Pace, load: LoadInput, options: LoadPacingOptions = DEFAULT_LOAD_PACING): number {
  const pressure = Math.min(1, Math.max(0, load.pressure));
  const ceiling = Math.max(
    options.ceilingMs + overloadShare(load.pressure) * Math.max(0, options.overloadCeilingMs - options.ceilingMs),
    pace.ms,
  );
  const slowedUpTo = (limit: number, share: number) => Math.round(Math.min(limit, pace.ms + share * (limit - pace.ms)));
  const slowed = (share: number) => slowedUpTo(ceiling, share);
  const spread = 0.5 + load.draw;
  if (pace.kind === "sparse") return slowed(spread * pressure);
  if (pace.kind === "absent") return slowedUpTo(ceiling * options.emptyDeskCeilingFactor, spread * pressure);
  if (pace.kind === "dense") return pace.ms;
  if (load.fresh) return slowed(load.draw * pressure);
  const settlingShare = spread * Math.max(0, (pressure - 0.5) / 0.5);
  if (pace.kind === "settling") return slowed(settlingShare);
  if (pace.kind === "vacant") return Math.max(pace.ms, Math.min(slowed(settlingShare), pace.slowestMs ?? ceiling));
  return pace.ms;
}

/**
 * The slowest load may make a pace when the frames already asked for fill the workers' time up to it
 * (pool/frame-calendar.ts): loadPacedMs in full overload at the top of its random spread, so the same rules say
 * which paces may be slowed and how far (a session in transition or building a streak keeps its pace).
 */
export function slowestLoadPacedMs(
  pace: Pace,
  fresh: boolean,
  options: LoadPacingOptions = DEFAULT_LOAD_PACING,
): number {
  return loadPacedMs(pace, { pressure: 2, fresh, draw: 1 }, options);
}

/**
 * The factor by which load slows a steady session now (its pace at the middle of its spread): 1 at no pressure,
 * ceiling / sparse at full, overload ceiling / sparse in full overload.
 */
export function paceMultiplier(
  pressure: number,
  rules: SessionRules,
  options: LoadPacingOptions = DEFAULT_LOAD_PACING,
  pacing: PacingOptions = DEFAULT_PACING,
): number {
  const sparse = sparseMs(rules, pacing);
  return loadPacedMs({ ms: sparse, kind: "sparse" }, { pressure, fresh: false, draw: 0.5 }, options) / sparse;
}

/**
 * The shortest Retry-After of a frame the pool refuses in overload: the overload share (pressure past 1, up to 1)
 * of the overload ceiling. In full overload a refused client waits as long as the slowest calm session is asked
 * to (plus the client's random part), not the 1 s of a short queue, which would bring it back sooner than the
 * sessions that were answered; a refusal or two in a burst keep the expected wait's Retry-After.
 */
export function overloadRetryAfterMs(pressure: number, options: LoadPacingOptions = DEFAULT_LOAD_PACING): number {
  return overloadShare(pressure) * options.overloadCeilingMs;
}

/** How full the overload is: the pressure past 1, from 0 to 1. */
const overloadShare = (pressure: number) => Math.min(1, Math.max(0, pressure - 1));
