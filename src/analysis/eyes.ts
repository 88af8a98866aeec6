/**
 * Eye openness from the eye aspect ratio (EAR): Soukupová & Čech, "Real-Time Eye Blink Detection using
 * Facial Landmarks" (CVWW 2016): EAR = (|p2-p6| + |p3-p5|) / (2 |p1-p4|). Distances are taken in 3D (the
 * mesh's z is in pixel scale), which keeps EAR steadier when the head turns than 2D distances do.
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
  openness: number;
  ear: number;
  closed: boolean;
}

export function eyeAspectRatio(landmarks: readonly Vec3[], points: readonly [number, number, number, number, number, number]): number {
  const [p1, p2, p3, p4, p5, p6] = points.map((i) => landmarks[i]);
  const width = distance(p1, p4);
  if (width === 0) return 0;
  return (distance(p2, p6) + distance(p3, p5)) / (2 * width);
}

export function eyeState(ear: number, t: EyeThresholds): EyeState {
  const openness = Math.min(1, Math.max(0, (ear - t.earShut) / (t.earOpen - t.earShut)));
  return { openness, ear, closed: openness < t.closedBelow };
}
