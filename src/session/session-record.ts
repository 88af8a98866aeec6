/**
 * What a session store keeps per session: plain JSON data, stored and loaded whole. Anything added here must
 * stay plain data (numbers, strings, booleans, arrays, objects): the Redis store keeps it as JSON text.
 */
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
