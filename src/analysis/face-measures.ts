/**
 * Everything the API says about one face, from its 478 landmarks (image pixels, z in pixel scale): one
 * plain, JSON-ready object per face. The shape is the API's (src/server/schemas.ts, Face).
 */
import { eyeAspectRatio, eyeState, type EyeState } from "./eyes";
import { gaze, isLookingAway, type Gaze } from "./gaze";
import type { Vec3 } from "./geometry";
import { headPose, type HeadPose } from "./head-pose";
import { LEFT_EYE_EAR, RIGHT_EYE_EAR } from "./landmark-indices";
import { mouth, type Mouth } from "./mouth";
import type { Thresholds } from "./thresholds";

export interface FaceMeasures {
  /** The subject's own left and right eye (the left one is on the image's right in an unmirrored frame). */
  eyes: { left: EyeState; right: EyeState };
  headPose: HeadPose;
  gaze: Gaze;
  lookingAway: boolean;
  mouth: Mouth;
}

export function measureFace(landmarks: readonly Vec3[], t: Thresholds): FaceMeasures {
  const left = eyeState(eyeAspectRatio(landmarks, LEFT_EYE_EAR), t.eyes);
  const right = eyeState(eyeAspectRatio(landmarks, RIGHT_EYE_EAR), t.eyes);
  const pose = headPose(landmarks);
  const irises = gaze(landmarks);
  return {
    eyes: { left, right },
    headPose: pose,
    gaze: irises,
    lookingAway: isLookingAway(pose, irises, !left.closed && !right.closed, t.gaze),
    mouth: mouth(landmarks, t.mouth.yawnAbove),
  };
}
