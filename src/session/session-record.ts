/**
 * What a session store keeps per session: plain JSON data, stored and loaded whole. Anything added here must
 * stay plain data (numbers, strings, booleans, arrays, objects): the Redis store keeps it as JSON text.
 */
import { z } from "zod";
import type { Roi } from "../engine/types";
import type { FramePlanState } from "./frame-plan";
import type { SessionHistorySnapshot } from "./session-history";

export interface SessionRecord {
  history: SessionHistorySnapshot;
  /** Where the faces were in the newest frame, for tracking in the next one (skips the detector). */
  tracking: { rois: Roi[]; at: number } | null;
  /** When the detector runs next, and how long the user has been calm (frame-plan.ts); null before the first frame. */
  framePlan: FramePlanState | null;
}

/**
 * The shape a stored record must have for this version to go on from it. Loose: fields it does not know stay
 * as they are. A record that fails it (another version's, or damaged) is treated as no session at all.
 */
const roi = z.object({ centerX: z.number(), centerY: z.number(), size: z.number(), rotation: z.number() });
const storedRecord = z.looseObject({
  history: z.looseObject({
    observations: z.array(z.looseObject({ at: z.number(), faces: z.number() })),
    state: z.string(),
    stateSince: z.number(),
    frames: z.number(),
    firstAt: z.number(),
  }),
  tracking: z.looseObject({ rois: z.array(roi), at: z.number() }).nullable(),
  framePlan: z
    .looseObject({
      detection: z.looseObject({ nextDetectAt: z.number(), everyMs: z.number(), faces: z.number() }).nullable(),
      calmSince: z.number().nullable(),
    })
    .nullable(),
});

/** A stored record's JSON text as a record, or why this version cannot go on from it. */
export function parseSessionRecord(json: string): { record: SessionRecord } | { unreadable: string } {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { unreadable: "not JSON" };
  }
  const parsed = storedRecord.safeParse(value);
  if (parsed.success) return { record: parsed.data as unknown as SessionRecord };
  const [issue] = parsed.error.issues;
  return { unreadable: `not a session record (${issue?.path.join(".") || "top level"}: ${issue?.message})` };
}
