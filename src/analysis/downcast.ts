/**
 * Looking down is not eyes closed.
 *
 * A student reading or writing lowers the head and the eyes. Lowered eyes narrow the opening the camera
 * sees: the upper lid follows the iris down (it rests on the cornea), and seen from a camera above the line
 * of sight the opening is foreshortened too. So EAR alone reads a downcast gaze as a closing eye (the issue
 * measured openness 0.00 on a person looking at something below the camera).
 *
 * What still tells them apart from landmarks alone:
 *  - the head's pitch: reading or writing lowers the head well past where a person facing a screen holds it
 *    (frontal portraits read -3° to -9°; the evaluation's looking-down photos with the head lowered -20° to
 *    -31°; its closed-eye photos, people sitting or standing, never below -17°);
 *  - an eye that is looking at something has its pupil uncovered: the opening left between the lids is at
 *    least about a pupil wide, and a pupil (3-4 mm in indoor light) is about a third of an iris (11-12 mm).
 *    The iris ring the landmark model returns keeps its size when the lids close, so the lid gap over the
 *    iris diameter is a scale-free measure of it. Measured on bench/data/eyes: shut eyes median 0.14 (90%
 *    under 0.36), open eyes median 0.71 (90% over 0.54); the looking-down faces with the head lowered 0.37
 *    (messi5, small and turned), 0.56 and 0.88 (mean of the two eyes).
 *
 * So a face looks down when its head is pitched down past `downPitch` and the mean gap over iris of its two
 * eyes is at least `downMinGapOverIris`; such a face's eyes are never called closed. A gaze lowered by the
 * eyes alone, with the head level, is not caught: on the landmarks it is the same shape as a closing eye
 * (docs/thresholds.md, with the measurements).
 */
import type { EyeShape } from "./eye-shape";
import type { HeadPose } from "./head-pose";

export interface DowncastThresholds {
  /** Head pitch (degrees, > 0) past which a lowered head counts as looking down: pitch <= -downPitch. */
  downPitch: number;
  /** Smallest mean lid gap over iris diameter of the two eyes for an eye that can still see. */
  downMinGapOverIris: number;
}

/** Mean lid gap over iris diameter of the eyes that could be measured (null when neither could). */
export function meanGapOverIris(shapes: readonly (EyeShape | null)[]): number | null {
  const values = shapes
    .filter((s): s is EyeShape => s !== null && Number.isFinite(s.gapOverIris))
    .map((s) => s.gapOverIris);
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

export function isLookingDown(pose: HeadPose, shapes: readonly (EyeShape | null)[], t: DowncastThresholds): boolean {
  if (!(pose.pitch <= -t.downPitch)) return false;
  const gap = meanGapOverIris(shapes);
  return gap !== null && gap >= t.downMinGapOverIris;
}
