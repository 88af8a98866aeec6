/**
 * Head orientation from the 3D face mesh, without a camera model: the rotation that best turns MediaPipe's
 * canonical face onto the observed landmarks, fitted over the 33 weighted rigid points that MediaPipe's own
 * face geometry pipeline uses (canonical-face.ts), by weighted Procrustes (rigid-fit.ts).
 *
 * Why a fit rather than axes built from a few points (eye corners for x, forehead 10 -> chin 152 for y):
 * the chin drops when the mouth opens, so a chin-based axis reads a yawn as the head pitching back (the
 * tests measure both: an open jaw moves the axes' pitch by ~10°, the fit's by ~1°), and one noisy point
 * moves the axes as much as it moves itself. The fit averages 33 points and ignores lips and lids.
 *
 * The landmarks are weak-perspective (x, y in pixels, z in the same scale), so the fit is scaled
 * orthographic; perspective makes faces far off the image centre read a few degrees turned towards it.
 *
 * Angles in degrees, with the rotation taken as R = Rz(-roll) · Rx(-pitch) · Ry(yaw) from the model frame
 * (X to the subject's left, Y up, Z towards the camera) to the camera frame (x right, y up, z towards the
 * viewer), i.e. intrinsic: roll (tilt in the image plane) first, then pitch and yaw about the head's own
 * axes. A student lying on their side who turns their head is seen turning, not nodding.
 *   yaw   > 0 when the subject turns to their left (nose towards the image's right when upright),
 *   pitch > 0 when they look up,
 *   roll  > 0 when the head tilts towards their left shoulder (clockwise on screen); any roll in (-180, 180].
 */
import { RAD_TO_DEG, type Vec3 } from "./geometry";
import { PROCRUSTES_BASIS } from "./canonical-face";
import { fitRotation, type Matrix3 } from "./rigid-fit";

export interface HeadPose {
  yaw: number;
  pitch: number;
  roll: number;
}

/** Image coordinates (x right, y down, z away from the camera) to the camera frame (y up, z towards the viewer). */
const toCameraFrame = (v: Vec3): Vec3 => ({ x: v.x, y: -v.y, z: -v.z });

/**
 * MediaPipe's basis less its two points on the mandible (136, 365, below the mouth corners): they drop with
 * the jaw, and with them in, a 30° yawn reads as the head pitching ~12° down (measured in the tests). The
 * other 31 points all lie above the mouth.
 */
const JAW_POINTS = new Set([136, 365]);
const RIGID_BASIS = PROCRUSTES_BASIS.filter(([index]) => !JAW_POINTS.has(index));

/** The rotation from the canonical face to the observed one, in the camera frame. */
export function headRotation(landmarks: readonly Vec3[]): Matrix3 {
  return fitRotation(
    RIGID_BASIS.map(([index, weight, x, y, z]) => ({
      reference: { x, y, z },
      observed: toCameraFrame(landmarks[index]),
      weight,
    })),
  );
}

/** Yaw, pitch, roll of R = Rz(-roll) · Rx(-pitch) · Ry(yaw); its bottom row is (-cos p sin y, -sin p, cos p cos y). */
export function eulerFromRotation(r: Matrix3): HeadPose {
  return {
    yaw: Math.atan2(-r[2][0], r[2][2]) * RAD_TO_DEG,
    pitch: Math.asin(Math.max(-1, Math.min(1, -r[2][1]))) * RAD_TO_DEG,
    roll: Math.atan2(r[0][1], r[1][1]) * RAD_TO_DEG,
  };
}

export function headPose(landmarks: readonly Vec3[]): HeadPose {
  return eulerFromRotation(headRotation(landmarks));
}
