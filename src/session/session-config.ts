/**
 * Definitions and thresholds of the session states (docs/sessions.md has the sources). Set them with
 * VIGIL_SESSION_RULES='{"asleepAfterMs":8000}' or --session-rules; unspecified ones keep their defaults.
 */
import { z } from "zod";

export const sessionRulesSchema = z
  .object({
    perclosWindowMs: z.number().int().min(5_000).default(60_000).describe("PERCLOS window: one minute, as in Wierwille et al. (1994) and Dinges & Grace (1998)."),
    drowsyPerclos: z.number().min(0).max(1).default(0.15).describe("PERCLOS (P80) at or above which the user is drowsy: 0.15 is the alertness criterion used by Dinges & Grace (1998)."),
    perclosMinFaceMs: z.number().int().min(0).default(20_000).describe("Face time needed in the window before PERCLOS is judged."),
    asleepAfterMs: z.number().int().min(500).default(6_000).describe("Eyes closed continuously this long: asleep. Microsleeps last up to ~15 s; at one frame a second, 6 frames in a row."),
    blinkMaxMs: z.number().int().min(1).default(1_500).describe("A closed run shorter than this (one frame at 1 fps) counts as a blink, not a closure."),
    awayAfterMs: z.number().int().min(0).default(5_000).describe("No person for this long: away."),
    notAloneAfterMs: z.number().int().min(0).default(3_000).describe("Two or more faces for this long: not alone."),
    distractedAfterMs: z.number().int().min(0).default(5_000).describe("Looking away continuously this long: distracted."),
    yawnWindowMs: z.number().int().min(10_000).default(300_000).describe("Yawns are counted over the last five minutes."),
    drowsyYawns: z.number().int().min(1).default(3).describe("This many yawns in the yawn window also mean drowsy (yawning frequency rises with sleepiness)."),
    maxFrameGapMs: z.number().int().min(100).default(2_500).describe("A frame stands for the time until the next one, but never longer than this (a gap is not evidence)."),
  })
  .prefault({});

export type SessionRules = z.infer<typeof sessionRulesSchema>;
export const DEFAULT_SESSION_RULES: SessionRules = sessionRulesSchema.parse({});
