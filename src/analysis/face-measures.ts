/**
 * Everything the API says about one face, from its 478 landmarks (image pixels, z in pixel scale): one
 * plain, JSON-ready object per face. The shape is the API's (src/server/schemas.ts, Face).
 */
import { isLookingDown } from "./downcast";
import { type EyeAppearance, withPartner } from "./eye-appearance";
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

/**
 * `appearance`: each eye's probability of being closed by its pixels (eye-appearance.ts), where the frame's
 * pixels were at hand; without it the lids decide alone, as they do for an eye that could not be sampled.
 *
 * With it, an eye is closed only when its pixels agree (withAppearance), and the face looks down also when
 * both lids are low over eyes that show an iris (a gaze lowered with the head level, reading).
 */
export function measureFace(
  landmarks: readonly Vec3[],
  t: Thresholds,
  appearance?: EyeAppearance | null,
): FaceMeasures {
  const pose = headPose(landmarks);
  const byLids = {
    left: eyeState(eyeAspectRatio(landmarks, LEFT_EYE_EAR), t.eyes),
    right: eyeState(eyeAspectRatio(landmarks, RIGHT_EYE_EAR), t.eyes),
  };
  const look = { left: appearance?.left ?? null, right: appearance?.right ?? null };
  const bothShow = (test: (p: number) => boolean) =>
    look.left !== null && look.right !== null && test(look.left) && test(look.right);
  const lidsLowOverIrises =
    byLids.left.closed && byLids.right.closed && bothShow((p) => p < t.eyes.appearanceOpenBelow);
  // A face looking down (reading, writing) has narrowed eyes that are not closing: never called closed.
  const down =
    lidsLowOverIrises ||
    isLookingDown(pose, [eyeShape(landmarks, LEFT_EYE_CONTOUR), eyeShape(landmarks, RIGHT_EYE_CONTOUR)], t.gaze);
  const judged = (state: EyeState): EyeState => (down && state.closed ? { ...state, closed: false } : state);
  const seen = judgeFarEye(
    {
      left: withAppearance(byLids.left, look.left, t, pose.pitch, look.right),
      right: withAppearance(byLids.right, look.right, t, pose.pitch, look.left),
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

/**
 * The lids' answer checked against the eye's pixels (thresholds.ts, appearance*): lids low over an eye that
 * shows an iris is open; lids not quite met (EAR under appearanceMaxEar) over an eye that shows only lid is
 * closed, on less of the pixels' word when the head is pitched down (`pitch`, degrees, negative down) past
 * appearanceHeadDownPitch. The pixels' word is the eye's probability weighed with the other eye's (`partner`,
 * eye-appearance.ts withPartner). Adds `looksClosed` (the eye's own probability) where the eye could be
 * sampled; without it the state is unchanged.
 */
export function withAppearance(
  state: EyeState,
  pClosed: number | null,
  t: Thresholds,
  pitch = 0,
  partner: number | null = null,
): EyeState {
  if (pClosed === null) return state;
  const judged = withPartner(pClosed, partner, t.eyes.appearancePartnerWeight);
  return { ...state, closed: closedByAppearance(state, judged, t.eyes, pitch), looksClosed: pClosed };
}

/** The thresholds withAppearance reads. */
export type AppearanceThresholds = Pick<
  Thresholds["eyes"],
  | "appearanceOpenBelow"
  | "appearanceClosedAbove"
  | "appearanceMaxEar"
  | "appearanceHeadDownPitch"
  | "appearanceClosedAboveHeadDown"
>;

/**
 * withAppearance's decision: whether an eye the lids call `closed` (at `ear`) is closed, given its pixels' word
 * (`pClosed`, already weighed with the other eye's).
 */
export function closedByAppearance(
  lids: Pick<EyeState, "closed" | "ear">,
  pClosed: number,
  t: AppearanceThresholds,
  pitch: number,
): boolean {
  const closedAbove = pitch <= -t.appearanceHeadDownPitch ? t.appearanceClosedAboveHeadDown : t.appearanceClosedAbove;
  return lids.closed ? pClosed >= t.appearanceOpenBelow : lids.ear < t.appearanceMaxEar && pClosed > closedAbove;
}
