import { describe, expect, test } from "bun:test";
import type { Vec3 } from "../../src/analysis/geometry";
import { fitRotation, topEigenvector4, type Matrix3 } from "../../src/analysis/rigid-fit";

const apply = (r: Matrix3, p: Vec3): Vec3 => ({
  x: r[0][0] * p.x + r[0][1] * p.y + r[0][2] * p.z,
  y: r[1][0] * p.x + r[1][1] * p.y + r[1][2] * p.z,
  z: r[2][0] * p.x + r[2][1] * p.y + r[2][2] * p.z,
});

/** Rotation by `angle` about a unit axis (Rodrigues). */
function axisAngle(axis: Vec3, angle: number): Matrix3 {
  const n = Math.hypot(axis.x, axis.y, axis.z);
  const [x, y, z] = [axis.x / n, axis.y / n, axis.z / n];
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const t = 1 - c;
  return [
    [t * x * x + c, t * x * y - s * z, t * x * z + s * y],
    [t * x * y + s * z, t * y * y + c, t * y * z - s * x],
    [t * x * z - s * y, t * y * z + s * x, t * z * z + c],
  ];
}

const cloud: Vec3[] = [
  { x: 1, y: 0, z: 0 },
  { x: 0, y: 2, z: 0 },
  { x: 0, y: 0, z: 3 },
  { x: -1, y: -1, z: 0.5 },
  { x: 2, y: -0.5, z: -1 },
];

describe("weighted Procrustes rotation (Horn 1987)", () => {
  for (const [axis, degrees] of [
    [{ x: 0, y: 0, z: 1 }, 180],
    [{ x: 1, y: 1, z: 0 }, 179.9],
    [{ x: 0.3, y: -2, z: 0.7 }, 73],
    [{ x: 1, y: 0, z: 0 }, 0],
  ] as const) {
    test(`recovers ${degrees}° about (${axis.x}, ${axis.y}, ${axis.z}) under scale and translation`, () => {
      const truth = axisAngle(axis, (degrees * Math.PI) / 180);
      const pairs = cloud.map((p) => {
        const r = apply(truth, p);
        return { reference: p, observed: { x: 37 * r.x + 300, y: 37 * r.y - 20, z: 37 * r.z + 5 }, weight: 1 };
      });
      const fitted = fitRotation(pairs);
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(fitted[i][j]).toBeCloseTo(truth[i][j], 9);
    });
  }

  test("a point with zero weight has no say, however far off it is", () => {
    const truth = axisAngle({ x: 0, y: 1, z: 0 }, 0.5);
    const pairs = cloud.map((p) => ({ reference: p, observed: apply(truth, p), weight: 1 }));
    pairs.push({ reference: { x: 0, y: 0, z: 0 }, observed: { x: 50, y: -80, z: 9 }, weight: 0 });
    const fitted = fitRotation(pairs);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(fitted[i][j]).toBeCloseTo(truth[i][j], 9);
  });

  test("no weight at all is an error, not a silent identity", () => {
    expect(() => fitRotation([])).toThrow(/positive total weight/);
  });

  test("the 4x4 eigen solver returns the eigenvector of the largest eigenvalue", () => {
    const m = [
      [2, 1, 0, 0.5],
      [1, 3, 0.2, 0],
      [0, 0.2, -1, 0.3],
      [0.5, 0, 0.3, 4],
    ];
    const e = topEigenvector4(m);
    const me = m.map((row) => row.reduce((s, a, k) => s + a * e[k], 0));
    const lambda = me.reduce((s, a, k) => s + a * e[k], 0);
    for (const [k, value] of me.entries()) expect(value).toBeCloseTo(lambda * e[k], 9);
    expect(lambda).toBeGreaterThan(4); // the largest: above the largest diagonal entry
    expect(Math.hypot(...e)).toBeCloseTo(1, 12);
  });
});
