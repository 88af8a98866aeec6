/** Small 3D vector helpers for landmark math (points in image pixels, z in the same scale). */
export interface Vec3 {
  x: number;
  y: number;
  z: number;
}

export const sub = (a: Vec3, b: Vec3): Vec3 => ({ x: a.x - b.x, y: a.y - b.y, z: a.z - b.z });
export const dot = (a: Vec3, b: Vec3): number => a.x * b.x + a.y * b.y + a.z * b.z;
export const scale = (a: Vec3, k: number): Vec3 => ({ x: a.x * k, y: a.y * k, z: a.z * k });
export const length = (a: Vec3): number => Math.hypot(a.x, a.y, a.z);
export const distance = (a: Vec3, b: Vec3): number => length(sub(a, b));
export const normalize = (a: Vec3): Vec3 => scale(a, 1 / (length(a) || 1));
export const cross = (a: Vec3, b: Vec3): Vec3 => ({
  x: a.y * b.z - a.z * b.y,
  y: a.z * b.x - a.x * b.z,
  z: a.x * b.y - a.y * b.x,
});

/** Where p falls along the segment a->b: 0 at a, 1 at b (projection, so off-line points still work). */
export function positionAlong(p: Vec3, a: Vec3, b: Vec3): number {
  const ab = sub(b, a);
  return dot(sub(p, a), ab) / (dot(ab, ab) || 1);
}

export const RAD_TO_DEG = 180 / Math.PI;
