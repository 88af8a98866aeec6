/**
 * A synthetic 478-landmark face built on MediaPipe's canonical face model (canonical-mesh.ts): the 468 mesh
 * vertices, plus irises (468-472 in the subject's right eye, 473-477 in the left, as the engine tests
 * establish on real photos), with controllable lids, jaw and irises; then turned by a known head pose and
 * projected the way the engine reports landmarks: image pixels, y down, z in pixel scale away from the camera.
 */
import type { Vec3 } from "../../src/analysis/geometry";
import { canonicalModel } from "./canonical-mesh";

/** Upper-lid points and the lower-lid point under each (same X on the canonical model). */
const RIGHT_LID_PAIRS = [
  [246, 7],
  [161, 163],
  [160, 144],
  [159, 145],
  [158, 153],
  [157, 154],
  [173, 155],
] as const;
const LEFT_LID_PAIRS = [
  [466, 249],
  [388, 390],
  [387, 373],
  [386, 374],
  [385, 380],
  [384, 381],
  [398, 382],
] as const;

/** Iris radius in the model's centimetres: the human iris is ~11.7 mm across. */
const IRIS_RADIUS = 0.585;

export interface FaceShape {
  /** 0 = lids as in the canonical face, 1 = upper lids lying on the lower ones. Per eye or both. */
  lidClosure?: number;
  rightLidClosure?: number;
  leftLidClosure?: number;
  /** Jaw opening in degrees, rotating everything below the upper lip about a hinge by the ear. */
  jawOpen?: number;
  /** Iris shift along the model's X (towards the subject's left), as a fraction of the eye's width. */
  irisShift?: number;
}

export interface Pose {
  yaw?: number;
  pitch?: number;
  roll?: number;
  /** Pixels per model centimetre (default 20: a face ~300 px wide). */
  scale?: number;
  center?: { x: number; y: number };
  /** Standard deviation of pixel noise added to every coordinate (seeded, reproducible). */
  noise?: number;
  seed?: number;
}

const rad = Math.PI / 180;

/** The face in the model frame, before posing. */
export function shapedFace(shape: FaceShape = {}): Vec3[] {
  const points = canonicalModel().vertices.map((v) => ({ ...v }));
  const close = (pairs: readonly (readonly [number, number])[], amount: number) => {
    for (const [upper, lower] of pairs) {
      const u = points[upper];
      const l = points[lower];
      points[upper] = { x: u.x + (l.x - u.x) * amount, y: u.y + (l.y - u.y) * amount, z: u.z + (l.z - u.z) * amount };
    }
  };
  close(RIGHT_LID_PAIRS, shape.rightLidClosure ?? shape.lidClosure ?? 0);
  close(LEFT_LID_PAIRS, shape.leftLidClosure ?? shape.lidClosure ?? 0);

  const jaw = (shape.jawOpen ?? 0) * rad;
  if (jaw !== 0) {
    // Hinge near the temporomandibular joint; the lower lip and below follow the jaw, the mouth corners half.
    const hinge = { y: 0.5, z: -2 };
    for (const p of points) {
      const follow = Math.min(1, Math.max(0, (-4.0 - p.y) / 0.6));
      if (follow === 0) continue;
      const a = jaw * follow;
      const dy = p.y - hinge.y;
      const dz = p.z - hinge.z;
      p.y = hinge.y + dy * Math.cos(a) - dz * Math.sin(a);
      p.z = hinge.z + dy * Math.sin(a) + dz * Math.cos(a);
    }
  }

  const iris = (outer: number, inner: number, upper: number, lower: number) => {
    const [o, i, u, l] = [points[outer], points[inner], points[upper], points[lower]];
    const shift = (shape.irisShift ?? 0) * Math.abs(i.x - o.x);
    // Centred between the corners and between the (canonical, open) lids, slightly in front of the lids.
    const canonical = canonicalModel().vertices;
    const c = {
      x: (o.x + i.x) / 2 + shift,
      y: (canonical[upper].y + canonical[lower].y) / 2,
      z: Math.max(u.z, l.z) + 0.1,
    };
    return [
      c,
      { x: c.x + IRIS_RADIUS, y: c.y, z: c.z },
      { x: c.x, y: c.y + IRIS_RADIUS, z: c.z },
      { x: c.x - IRIS_RADIUS, y: c.y, z: c.z },
      { x: c.x, y: c.y - IRIS_RADIUS, z: c.z },
    ];
  };
  points.push(...iris(33, 133, 159, 145), ...iris(263, 362, 386, 374));
  return points;
}

/** R = Rz(-roll) · Rx(-pitch) · Ry(yaw), applied to a model-frame point: the convention head-pose.ts reads. */
export function rotate(p: Vec3, pose: Pose): Vec3 {
  const [yaw, pitch, roll] = [(pose.yaw ?? 0) * rad, (pose.pitch ?? 0) * rad, (pose.roll ?? 0) * rad];
  // yaw about Y: +X (the subject's left) goes away from the camera, the nose towards +X.
  let x = p.x * Math.cos(yaw) + p.z * Math.sin(yaw);
  let z = -p.x * Math.sin(yaw) + p.z * Math.cos(yaw);
  // pitch about X: the nose goes up.
  const y = p.y * Math.cos(pitch) + z * Math.sin(pitch);
  z = -p.y * Math.sin(pitch) + z * Math.cos(pitch);
  // roll in the image plane: the subject's left side (+X) goes down, the head tilts to their left shoulder.
  const xr = x * Math.cos(roll) + y * Math.sin(roll);
  const yr = -x * Math.sin(roll) + y * Math.cos(roll);
  x = xr;
  return { x, y: yr, z };
}

/** Deterministic Gaussian noise (mulberry32 + Box-Muller) so a noisy test fails or passes the same way every run. */
function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

export function syntheticFace(shape: FaceShape = {}, pose: Pose = {}): Vec3[] {
  const scale = pose.scale ?? 20;
  const center = pose.center ?? { x: 320, y: 240 };
  const sigma = pose.noise ?? 0;
  const noise = gaussian(pose.seed ?? 1);
  return shapedFace(shape).map((p) => {
    const r = rotate(p, pose);
    const n = () => (sigma ? sigma * noise() : 0);
    return { x: center.x + r.x * scale + n(), y: center.y - r.y * scale + n(), z: -r.z * scale + n() };
  });
}
