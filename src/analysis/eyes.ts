/**
 * Eye openness from the eye aspect ratio (EAR): Soukupová & Čech, "Real-Time Eye Blink Detection using
 * Facial Landmarks" (CVWW 2016): EAR = (|p2-p6| + |p3-p5|) / (2 |p1-p4|), lid gap over eye width, so it does
 * not depend on face size, position or roll. Distances are taken in 3D (the mesh's z is in pixel scale): a
 * turned head then keeps its EAR (measured unchanged at 30° yaw on the canonical face), where 2D distances
 * would shrink the width by cos(yaw) and read a turned head as wider-eyed.
 *
 * EAR of a normally open eye differs between people (0.26 and 0.33 on the two fixture portraits), so
 * openness is a calibrated linear map of it, and `closed` is a threshold on openness (thresholds.ts).
 */
import { distance, type Vec3 } from "./geometry";

export interface EyeThresholds {
  /** EAR at which openness is 0 (a shut eye). */
  earShut: number;
  /** EAR at which openness is 1 (an eye open as in a neutral, attentive face). */
  earOpen: number;
  /** Openness under which the eye counts as closed. 0.2 = at least 80% closed, the PERCLOS P80 criterion. */
  closedBelow: number;
}

export interface EyeState {
  /** 0 = shut, 1 = normally open; clamped (wide-open eyes read 1). */
  openness: number;
  ear: number;
  closed: boolean;
  /** Probability (0..1) that the eye is closed by what its pixels show (eye-appearance.ts); null without pixels. */
  looksClosed?: number | null;
}

/** Six landmark indices in Soukupová & Čech's order: p1 and p4 the corners, p2/p3 upper lid over p6/p5. */
export type EarPoints = readonly [number, number, number, number, number, number];

export function eyeAspectRatio(landmarks: readonly Vec3[], points: EarPoints): number {
  const [p1, p2, p3, p4, p5, p6] = points.map((i) => landmarks[i]);
  const width = distance(p1, p4);
  if (width === 0) return 0;
  return (distance(p2, p6) + distance(p3, p5)) / (2 * width);
}

export function eyeState(ear: number, t: EyeThresholds): EyeState {
  const openness = Math.min(1, Math.max(0, (ear - t.earShut) / (t.earOpen - t.earShut)));
  return { openness, ear, closed: openness < t.closedBelow };
}
