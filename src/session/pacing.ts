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
  { summary, latest, calmSince }: PacingInput,
  rules: SessionRules,
  options: PacingOptions = DEFAULT_PACING,
): number {
  const m = summary.measures;
  const face = latest.faces > 0 && !latest.unusable;
  const closing =
    face && (latest.eyesClosed || (latest.openness !== null && latest.openness < options.droopBelow) || latest.yawn);
  const perclosRising = m.perclos !== null && m.perclos >= rules.drowsyPerclos / 2;
  if (closing || m.eyesClosedMs > 0 || perclosRising || summary.state === "drowsy") return options.denseMs;

  const sparse = Math.min(options.sparseMs, Math.floor(rules.maxFrameGapMs * 0.8));
  if (m.yawns > 0) return options.normalMs;
  if (summary.state === "focused" && calmSince !== null && latest.at - calmSince >= options.steadyAfterMs)
    return sparse;
  if (summary.state === "away" && latest.faces === 0 && latest.at - Date.parse(summary.since) >= options.steadyAfterMs)
    return sparse;
  return options.normalMs;
}
