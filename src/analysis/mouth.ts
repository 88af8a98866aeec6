/**
 * Mouth opening as the mouth aspect ratio (MAR) of the inner lips: the gap between the inner-lip midpoints
 * (13, 14) over the width between the mouth corners (78, 308), in 3D like EAR so it holds under head turns.
 * MAR with EAR is the usual pairing in driver-drowsiness work; yawning is MAR over a threshold (e.g. the
 * detectors evaluated on YawDD: Abtahi et al., "YawDD: a yawning detection dataset", MMSys 2014).
 * A yawn is an event over time (the session layer counts sustained openings); this is one frame's opinion.
 */
import { distance, type Vec3 } from "./geometry";
import { MOUTH } from "./landmark-indices";

export interface Mouth {
  /** The mouth aspect ratio (named `opening` in the API). */
  opening: number;
  yawn: boolean;
}

export function mouthAspectRatio(landmarks: readonly Vec3[]): number {
  const width = distance(landmarks[MOUTH.leftCorner], landmarks[MOUTH.rightCorner]);
  return width === 0 ? 0 : distance(landmarks[MOUTH.upperInner], landmarks[MOUTH.lowerInner]) / width;
}

export function mouth(landmarks: readonly Vec3[], yawnAbove: number): Mouth {
  const opening = mouthAspectRatio(landmarks);
  return { opening, yawn: opening > yawnAbove };
}
