/**
 * Head orientation from the 3D face mesh, without a camera model. The face's own axes are built from
 * landmarks: x from the subject's right outer eye corner to their left one; y from chin to forehead, made
 * orthogonal to x; z = x cross y, the direction the face points (towards the camera when frontal).
 *
 * Angles (degrees) are intrinsic, as a head moves: roll is the tilt in the image plane, and yaw and pitch
 * are read after undoing it, so a student lying on their side who turns their head is seen turning, not
 * looking up. With the rotation taken as roll(yaw(pitch)):
 *   yaw   > 0 when the subject turns to their left (nose towards the image's right when upright),
 *   pitch > 0 when they look up,
 *   roll  > 0 when the head tilts towards their left shoulder.
 */
import { cross, dot, normalize, RAD_TO_DEG, scale, sub, type Vec3 } from "./geometry";
import { HEAD } from "./landmark-indices";

export interface HeadPose {
  yaw: number;
  pitch: number;
  roll: number;
}

/** Image coordinates (x right, y down, z away from the camera) to a right-handed camera frame (y up, z towards the viewer). */
const toCameraFrame = (v: Vec3): Vec3 => ({ x: v.x, y: -v.y, z: -v.z });

export function headPose(landmarks: readonly Vec3[]): HeadPose {
  const { rightEyeOuter, leftEyeOuter, forehead, chin } = HEAD;
  const xAxis = normalize(toCameraFrame(sub(landmarks[leftEyeOuter], landmarks[rightEyeOuter])));
  const up = toCameraFrame(sub(landmarks[forehead], landmarks[chin]));
  const yAxis = normalize(sub(up, scale(xAxis, dot(up, xAxis))));
  const facing = cross(xAxis, yAxis);
  // Roll: how far the face's up axis leans from the image's vertical.
  const roll = Math.atan2(yAxis.x, yAxis.y);
  // Undo the roll (turn the facing direction back about the viewing axis), then read yaw and pitch.
  const cos = Math.cos(roll);
  const sin = Math.sin(roll);
  const fx = facing.x * cos - facing.y * sin;
  const fy = facing.x * sin + facing.y * cos;
  const fz = facing.z;
  return {
    yaw: Math.atan2(fx, Math.hypot(fy, fz)) * RAD_TO_DEG,
    pitch: Math.atan2(fy, fz) * RAD_TO_DEG,
    roll: roll * RAD_TO_DEG,
  };
}
