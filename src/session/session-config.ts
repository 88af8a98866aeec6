/**
 * Definitions and thresholds of the session states (docs/sessions.md has the sources). Set them with
 * VIGIL_SESSION_RULES='{"asleepAfterMs":8000}' or --session-rules; unspecified ones keep their defaults.
 */
import { z } from "zod";

export const sessionRulesSchema = z
  .object({
    perclosWindowMs: z
      .number()
      .int()
      .min(5_000)
      .default(60_000)
      .describe("PERCLOS window: one minute, as in Wierwille et al. (1994) and Dinges & Grace (1998)."),
    drowsyPerclos: z
      .number()
      .min(0)
      .max(1)
      .default(0.15)
      .describe(
        "PERCLOS (P80) at or above which the user is drowsy: 0.15 is the alertness criterion used by Dinges & Grace " +
          "(1998).",
      ),
    perclosMinFaceMs: z
      .number()
      .int()
      .min(0)
      .default(20_000)
      .describe("Face time needed in the window before PERCLOS is judged."),
    asleepAfterMs: z
      .number()
      .int()
      .min(500)
      .default(6_000)
      .describe(
        "Eyes closed continuously this long: asleep. Microsleeps last up to ~15 s; at one frame a second, 6 frames " +
          "in a row.",
      ),
    blinkMaxMs: z
      .number()
      .int()
      .min(1)
      .default(400)
      .describe(
        "The longest blink: eyelid blinks last 100-400 ms (Caffier et al. 2003). Closed frames at least this far " +
          "apart are a closure, not a blink (at 1 fps: two closed frames in a row).",
      ),
    blinkMaxFrameIntervalMs: z
      .number()
      .int()
      .min(1)
      .default(100)
      .describe(
        "Blinks are counted only when frames come at least this often (median interval): at 10 frames a second no " +
          "blink of 100 ms or more falls between two frames. Slower, blinks are null.",
      ),
    baselinePercentile: z
      .number()
      .min(0.5)
      .max(1)
      .default(0.9)
      .describe(
        "The personal baseline is this quantile of each eye's EAR over the frames kept: the eye as open as it " +
          "usually gets; blinks and closures sit in the low tail.",
      ),
    baselineMinFrames: z
      .number()
      .int()
      .min(1)
      .default(30)
      .describe(
        "Frames showing the person's eyes (face, usable, facing the screen, not looking down) before the personal " +
          "baseline replaces the absolute threshold: 30 s at 1 fps.",
      ),
    baselineMinEar: z
      .number()
      .min(0)
      .max(1)
      .default(0.2)
      .describe(
        "Floor of the personal baseline: the narrowest open eyes of the evaluation set measure about 0.2 " +
          "(bench/results/session-eyes.md); a session with heavy lids from its start cannot set a lower one.",
      ),
    baselineMaxEar: z
      .number()
      .min(0)
      .max(1)
      .default(0.42)
      .describe(
        "Ceiling of the personal baseline: the widest open eyes of bench/data/eyes measure about 0.4 " +
          "(docs/thresholds.md).",
      ),
    shutEar: z
      .number()
      .min(0)
      .max(1)
      .default(0.12)
      .describe(
        "EAR a shut eye still reads in the face mesh (its lid points stay apart): 90% of the 54 shut eyes of the " +
          "evaluation set read 0.12 or less, median 0.09 (bench/results/session-eyes.md).",
      ),
    closedBelow: z
      .number()
      .min(0)
      .max(1)
      .default(0.2)
      .describe(
        "In a session an eye is closed when at least 80% closed between the person's own open EAR (the baseline) and " +
          "shutEar: EAR < shutEar + 0.2 (baseline - shutEar). PERCLOS P80 (Wierwille et al. 1994; Dinges & Grace " +
          "1998).",
      ),
    looksOpenBelow: z
      .number()
      .min(0)
      .max(1)
      .default(0.01)
      .describe(
        "An eye whose pixels give a probability of closed under this (face.eyes.*.looksClosed) shows an iris: " +
          "lids low over it are a lowered gaze, not a closure, against the personal baseline too. The per-frame " +
          "rule's eyes.appearanceOpenBelow (docs/thresholds.md).",
      ),
    looksClosedAbove: z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe(
        "A frame the per-frame rule calls closed stays closed against the personal baseline when both eyes' " +
          "pixels give a probability of closed over this: shut eyes whose mesh lids stay apart (behind glasses, " +
          "a drooping head) read over the baseline's threshold by their lids alone. The per-frame rule's " +
          "eyes.appearanceClosedAboveHeadDown (docs/thresholds.md).",
      ),
    awayAfterMs: z.number().int().min(0).default(5_000).describe("No person for this long: away."),
    notAloneAfterMs: z.number().int().min(0).default(3_000).describe("Two or more faces for this long: not alone."),
    distractedAfterMs: z
      .number()
      .int()
      .min(0)
      .default(5_000)
      .describe("Looking away continuously this long: distracted."),
    yawnWindowMs: z
      .number()
      .int()
      .min(10_000)
      .default(300_000)
      .describe("Yawns are counted over the last five minutes."),
    drowsyYawns: z
      .number()
      .int()
      .min(1)
      .default(3)
      .describe("This many yawns in the yawn window also mean drowsy (yawning frequency rises with sleepiness)."),
    maxFrameGapMs: z
      .number()
      .int()
      .min(100)
      .default(2_500)
      .describe("A frame stands for the time until the next one, but never longer than this (a gap is not evidence)."),
  })
  .refine((r) => r.baselineMaxEar >= r.baselineMinEar, { message: "baselineMaxEar must be at least baselineMinEar" })
  .refine((r) => r.baselineMinEar > r.shutEar, { message: "baselineMinEar must be greater than shutEar" })
  .prefault({});

export type SessionRules = z.infer<typeof sessionRulesSchema>;
export const DEFAULT_SESSION_RULES: SessionRules = sessionRulesSchema.parse({});

/** How far back a session's history reaches from its newest frame: the longer of the PERCLOS and yawn windows. */
export const historyWindowMs = (rules: SessionRules): number => Math.max(rules.yawnWindowMs, rules.perclosWindowMs);

/**
 * What bounds a session's history besides its window: frames closer in capture time than the per-session rate
 * limit allows are not filed, and it holds at most the window times that rate (1,200 frames with the defaults).
 * Capture times are the client's: without this, frames stamped a millisecond apart would all be kept.
 */
export interface HistoryBounds {
  minFrameIntervalMs: number;
  maxFrames: number;
}

export function historyBounds(rules: SessionRules, framesPerSecond: number): HistoryBounds {
  return {
    minFrameIntervalMs: Math.floor(1000 / framesPerSecond),
    maxFrames: Math.ceil((historyWindowMs(rules) / 1000) * framesPerSecond),
  };
}
