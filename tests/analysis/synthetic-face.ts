/**
 * A minimal synthetic face: only the mesh points the measures use, placed in a face-centred 3D frame
 * (X towards the subject's left = image right when frontal, Y up, Z towards the camera), then turned by
 * a known head pose and projected the way MediaPipe reports landmarks (image y down, z away from camera).
 */
import type { Vec3 } from "../../src/analysis/geometry";

export interface FaceShape {
  /** Half the lid opening; the EAR of both eyes is lidHalfGap / 15. */
  lidHalfGap?: number;
  /** Inner-lip gap; the mouth aspect ratio is mouthGap / 50. */
  mouthGap?: number;
  /** Iris shift along X (face frame), in pixels. */
  irisShift?: number;
}

export interface Pose {
  yaw?: number;
  pitch?: number;
  roll?: number;
}

export function syntheticFace(shape: FaceShape = {}, pose: Pose = {}): Vec3[] {
  const h = shape.lidHalfGap ?? 4.5;
  const gap = shape.mouthGap ?? 2;
  const iris = shape.irisShift ?? 0;
  const points: Record<number, [number, number, number]> = {
    // subject's right eye (image left): outer 33, inner 133
    33: [-45, 30, 0], 133: [-15, 30, 0], 160: [-35, 30 + h, 0], 158: [-25, 30 + h, 0], 153: [-25, 30 - h, 0], 144: [-35, 30 - h, 0], 159: [-30, 30 + h, 0], 145: [-30, 30 - h, 0],
    // subject's left eye (image right): inner 362, outer 263
    362: [15, 30, 0], 263: [45, 30, 0], 385: [25, 30 + h, 0], 387: [35, 30 + h, 0], 380: [25, 30 - h, 0], 373: [35, 30 - h, 0], 386: [30, 30 + h, 0], 374: [30, 30 - h, 0],
    468: [-30 + iris, 30, 1], 473: [30 + iris, 30, 1],
    10: [0, 80, 5], 152: [0, -70, 5],
    13: [0, -35, 5], 14: [0, -35 - gap, 5], 78: [-25, -36, 0], 308: [25, -36, 0],
  };
  const rad = Math.PI / 180;
  const [yaw, pitch, roll] = [(pose.yaw ?? 0) * rad, (pose.pitch ?? 0) * rad, (pose.roll ?? 0) * rad];
  const landmarks: Vec3[] = Array.from({ length: 478 }, () => ({ x: 320, y: 240, z: 0 }));
  for (const [index, [x0, y0, z0]] of Object.entries(points)) {
    // yaw about Y (towards +X = the subject's left), then pitch about X (towards +Y = up)...
    let x = x0 * Math.cos(yaw) + z0 * Math.sin(yaw);
    let z = -x0 * Math.sin(yaw) + z0 * Math.cos(yaw);
    let y = y0 * Math.cos(pitch) + z * Math.sin(pitch);
    z = -y0 * Math.sin(pitch) + z * Math.cos(pitch);
    // ...then roll in the image plane, positive tilting towards the subject's left shoulder (+X goes down).
    const xr = x * Math.cos(-roll) - y * Math.sin(-roll);
    const yr = x * Math.sin(-roll) + y * Math.cos(-roll);
    x = xr;
    y = yr;
    landmarks[Number(index)] = { x: 320 + x, y: 240 - y, z: -z };
  }
  return landmarks;
}
