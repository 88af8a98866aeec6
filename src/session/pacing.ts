/**
 * Adaptive pacing: how long after this frame's capture the next frame is worth sending (the answer's
 * `next.nextFrameAfterMs`). A pure function of what the session already holds (its state, measures and
 * latest observation), so nothing more is stored for it.
 *
 *   - dense (`denseMs`, 500 ms) while the eyes are closed, closing (openness under `droopBelow`) or a yawn is
 *     under way, while the eyes have been closed for a while (perclos at half the drowsy level or more), and
 *     while the user is drowsy: these are the moments whose timing the drowsy and asleep rules measure;
 *   - sparse (`sparseMs`, 2 s) while a state is steady: focused for `steadyAfterMs` with both eyes well open
 *     (`wellOpenAbove`), looking at the screen, and nothing else building up; or away (an empty desk) for
 *     `steadyAfterMs`;
 *   - one second otherwise, the rate the session rules were written for (a streak that is building up, such
 *     as looking away or no person, is timed at that rate).
 *
 * Why drowsy and asleep are not entered later than at a fixed 1 frame/s: the eyes droop before they stay
 * shut (drowsiness is a slow closing of the lids: Wierwille et al. 1994), and drooping already switches to
 * dense frames, so the closure that starts the asleep count is seen within 500 ms instead of 1 s.
 * tests/session/pacing.test.ts simulates it. The one case paced frames see later is eyes that snap shut from
 * wide open during a steady sparse stretch: up to `sparseMs - 1000` ms later (1 s with the defaults).
 * The sparse interval is kept under the session's `maxFrameGapMs` so that streaks stay unbroken.
 */
import type { SessionRules } from "./session-config";
import type { Observation, SessionSummary } from "./session-history";

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
  denseMs: 500,
  normalMs: 1000,
  sparseMs: 2000,
  steadyAfterMs: 10_000,
  wellOpenAbove: 0.7,
  droopBelow: 0.55,
};

export interface PacingInput {
  /** The session's summary after this frame. */
  summary: Pick<SessionSummary, "state" | "since" | "measures">;
  /** This frame's observation (the newest one). */
  latest: Observation;
}

export function nextFrameAfterMs({ summary, latest }: PacingInput, rules: SessionRules, options: PacingOptions = DEFAULT_PACING): number {
  const m = summary.measures;
  const face = latest.faces > 0 && !latest.unusable;
  const closing = face && (latest.eyesClosed || (latest.openness !== null && latest.openness < options.droopBelow) || latest.yawn);
  const perclosRising = m.perclos !== null && m.perclos >= rules.drowsyPerclos / 2;
  if (closing || m.eyesClosedMs > 0 || perclosRising || summary.state === "drowsy") return options.denseMs;

  const steadyFor = latest.at - Date.parse(summary.since);
  const sparse = Math.min(options.sparseMs, Math.floor(rules.maxFrameGapMs * 0.8));
  const building = m.lookingAwayMs > 0 || latest.faces >= 2 || (latest.faces === 0 && summary.state !== "away");
  if (!building && steadyFor >= options.steadyAfterMs) {
    if (summary.state === "away") return sparse;
    if (summary.state === "focused" && face && latest.openness !== null && latest.openness >= options.wellOpenAbove) return sparse;
  }
  return options.normalMs;
}
