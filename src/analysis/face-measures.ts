/**
 * Everything the API says about one face, from its 478 landmarks (image pixels, z in pixel scale): one
 * plain, JSON-ready object per face. The shape is the API's (src/server/schemas.ts, Face).
 */
import { isLookingDown } from "./downcast";
import { eyeShape } from "./eye-shape";
import { eyeAspectRatio, eyeState, type EyeState } from "./eyes";
import { judgeFarEye } from "./far-eye";
import { gaze, isLookingAway, type Gaze } from "./gaze";
import type { Vec3 } from "./geometry";
import { headPose, type HeadPose } from "./head-pose";
import { LEFT_EYE_CONTOUR, LEFT_EYE_EAR, RIGHT_EYE_CONTOUR, RIGHT_EYE_EAR } from "./landmark-indices";
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
  const pose = headPose(landmarks);
  // A face looking down (reading, writing) has narrowed eyes that are not closing: never called closed.
  const down = isLookingDown(
    pose,
    [eyeShape(landmarks, LEFT_EYE_CONTOUR), eyeShape(landmarks, RIGHT_EYE_CONTOUR)],
    t.gaze,
  );
  const judged = (state: EyeState): EyeState => (down && state.closed ? { ...state, closed: false } : state);
  const seen = judgeFarEye(
    {
      left: eyeState(eyeAspectRatio(landmarks, LEFT_EYE_EAR), t.eyes),
      right: eyeState(eyeAspectRatio(landmarks, RIGHT_EYE_EAR), t.eyes),
    },
    pose.yaw,
    t.eyes,
  );
  const left = judged(seen.left);
  const right = judged(seen.right);
  const irises = gaze(landmarks);
  return {
    eyes: { left, right },
    headPose: pose,
    gaze: { ...irises, down },
    lookingAway: isLookingAway(pose, irises, !left.closed && !right.closed, t.gaze),
    mouth: mouth(landmarks, t.mouth.yawnAbove),
  };
}
