/**
 * Head orientation from the 3D face mesh, without a camera model: the face's own axes are built from
 * landmarks (x: the subject's right outer eye corner to their left one; y: chin to forehead, made
 * orthogonal to x; z: x cross y, the direction the face points, towards the camera when frontal).
 * Angles in degrees:
 *   yaw   > 0 when the subject turns to their left (nose towards the image's right),
 *   pitch > 0 when they look up,
 *   roll  > 0 when the head tilts towards their left shoulder (their left eye lower in the image).
 * Image axes: x right, y down; MediaPipe z grows away from the camera.
 */
import { cross, dot, normalize, RAD_TO_DEG, scale, sub, type Vec3 } from "./geometry";
import { HEAD } from "./landmark-indices";

export interface HeadPose {
  yaw: number;
  pitch: number;
  roll: number;
}

export function headPose(landmarks: readonly Vec3[]): HeadPose {
  const { rightEyeOuter, leftEyeOuter, forehead, chin } = HEAD;
  const xAxis = normalize(sub(landmarks[leftEyeOuter], landmarks[rightEyeOuter]));
  // "Up" in image coordinates is -y, so chin -> forehead points up the face.
  const up = sub(landmarks[forehead], landmarks[chin]);
  const yAxis = normalize(sub(up, scale(xAxis, dot(up, xAxis))));
  // Right-handed with x (subject's right -> left, image right when frontal) and y (up the face): the
  // cross product points out of the face, i.e. towards the camera (negative z) when frontal.
  const facing = cross(xAxis, yAxis);
  const yaw = Math.atan2(facing.x, -facing.z) * RAD_TO_DEG;
  const pitch = Math.atan2(-facing.y, Math.hypot(facing.x, facing.z)) * RAD_TO_DEG;
  const roll = Math.atan2(xAxis.y, xAxis.x) * RAD_TO_DEG;
  return { yaw, pitch, roll };
}
