/**
 * The shape of one eye's opening and where its iris sits in it, in the eye's own frame: the x axis runs
 * along the corners, the y axis is perpendicular to it in the image plane and points towards the brow, and
 * every length is a fraction of the eye's width. Undoing the roll this way makes the numbers the same for a
 * tilted or upside-down head, and dividing by the width makes them independent of face size.
 *
 * Used by the looking-down rule (downcast.ts): a lowered gaze and a shut eye both narrow the opening (EAR
 * drops), but they leave different shapes. See docs/thresholds.md for why, and what was measured.
 */
import type { Vec3 } from "./geometry";
import type { EyeContour } from "./landmark-indices";

export interface EyeShape {
  /** Height of the upper lid's margin above the corner line at mid-eye (its highest point). */
  upperLid: number;
  /** Depth of the lower lid's margin below the corner line at mid-eye (its lowest point). */
  lowerLid: number;
  /** The opening at its tallest: the largest height between an upper-lid point and its lower-lid partner. */
  gap: number;
  /** Iris diameter (mean of its horizontal and vertical landmark pairs) over the eye's width. */
  irisDiameter: number;
  /** Height of the iris centre above the corner line. */
  irisCenter: number;
  /**
   * Fraction of the iris's vertical diameter lying between the lids where they are furthest apart (0: covered, 1: all
   * visible).
   */
  irisVisible: number;
  /** gap / irisDiameter: how much of an iris the opening could show. */
  gapOverIris: number;
}

interface Frame2 {
  origin: { x: number; y: number };
  ux: { x: number; y: number };
  uy: { x: number; y: number };
  width: number;
}

/** The eye's frame from its corners, with y turned towards the brow so that "up" is the face's up. */
function eyeFrame(landmarks: readonly Vec3[], eye: EyeContour): Frame2 | null {
  const a = landmarks[eye.corners[0]];
  const b = landmarks[eye.corners[1]];
  const width = Math.hypot(b.x - a.x, b.y - a.y);
  if (width === 0) return null;
  const ux = { x: (b.x - a.x) / width, y: (b.y - a.y) / width };
  let uy = { x: -ux.y, y: ux.x };
  const origin = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
  const brow = landmarks[eye.brow];
  if ((brow.x - origin.x) * uy.x + (brow.y - origin.y) * uy.y < 0) uy = { x: -uy.x, y: -uy.y };
  return { origin, ux, uy, width };
}

const heightIn = (f: Frame2, p: Vec3) => ((p.x - f.origin.x) * f.uy.x + (p.y - f.origin.y) * f.uy.y) / f.width;

export function eyeShape(landmarks: readonly Vec3[], eye: EyeContour): EyeShape | null {
  const f = eyeFrame(landmarks, eye);
  if (!f) return null;
  const upper = eye.upperLid.map((i) => heightIn(f, landmarks[i]));
  const lower = eye.lowerLid.map((i) => heightIn(f, landmarks[i]));
  // The lids' points come in pairs, each upper one above its lower partner: the opening is the tallest pair.
  let widest = 0;
  for (let k = 1; k < upper.length; k++) if (upper[k] - lower[k] > upper[widest] - lower[widest]) widest = k;
  const gap = Math.max(0, upper[widest] - lower[widest]);
  const [r1, r2, r3, r4] = eye.irisRing.map((i) => landmarks[i]);
  const irisDiameter = (Math.hypot(r1.x - r3.x, r1.y - r3.y) + Math.hypot(r2.x - r4.x, r2.y - r4.y)) / 2 / f.width;
  const irisCenter = heightIn(f, landmarks[eye.irisCenter]);
  const top = Math.min(upper[widest], irisCenter + irisDiameter / 2);
  const bottom = Math.max(lower[widest], irisCenter - irisDiameter / 2);
  const irisVisible = irisDiameter > 0 ? Math.max(0, top - bottom) / irisDiameter : 0;
  return {
    upperLid: Math.max(...upper),
    lowerLid: -Math.min(...lower),
    gap,
    irisDiameter,
    irisCenter,
    irisVisible,
    gapOverIris: irisDiameter > 0 ? gap / irisDiameter : 0,
  };
}
