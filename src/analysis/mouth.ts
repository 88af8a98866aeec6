/**
 * Mouth opening as the mouth aspect ratio (MAR) of the inner lips: lip gap over mouth width, the measure
 * used for yawning detection alongside EAR in driver-drowsiness work (e.g. Abtahi et al., "YawDD: a
 * yawning detection dataset", MMSys 2014, and the MAR/EAR detectors evaluated on it).
 */
import { distance, type Vec3 } from "./geometry";
import { MOUTH } from "./landmark-indices";

export interface Mouth {
  opening: number;
  yawn: boolean;
}

export function mouth(landmarks: readonly Vec3[], yawnAbove: number): Mouth {
  const width = distance(landmarks[MOUTH.leftCorner], landmarks[MOUTH.rightCorner]);
  const opening = width === 0 ? 0 : distance(landmarks[MOUTH.upperInner], landmarks[MOUTH.lowerInner]) / width;
  return { opening, yawn: opening > yawnAbove };
}
