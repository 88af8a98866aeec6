/**
 * The rotation that best turns a reference shape onto observed points (weighted orthogonal Procrustes,
 * i.e. the Kabsch problem), solved with Horn's unit-quaternion method: B. K. P. Horn, "Closed-form
 * solution of absolute orientation using unit quaternions", J. Opt. Soc. Am. A 4(4), 1987.
 *
 * Why quaternions rather than an SVD of the 3x3 cross-covariance: the answer is always a proper rotation
 * (no reflection case to patch), and the only numerics needed is the top eigenvector of a symmetric 4x4
 * matrix, which a few Jacobi sweeps give to machine precision. That is ~60 lines instead of a linear algebra
 * dependency in the hot path (this runs once per face per frame).
 *
 * Scale and translation do not change the best rotation (Horn section 2), so points may be in any units:
 * the reference in centimetres, the observation in pixels.
 */
import type { Vec3 } from "./geometry";

/** Row-major 3x3 rotation: r[row][col]. Applied as observed ≈ s·R·reference + t. */
export type Matrix3 = [[number, number, number], [number, number, number], [number, number, number]];

export interface WeightedPair {
  reference: Vec3;
  observed: Vec3;
  weight: number;
}

export function fitRotation(pairs: readonly WeightedPair[]): Matrix3 {
  let total = 0;
  const ca = { x: 0, y: 0, z: 0 };
  const cb = { x: 0, y: 0, z: 0 };
  for (const { reference: a, observed: b, weight: w } of pairs) {
    total += w;
    ca.x += w * a.x;
    ca.y += w * a.y;
    ca.z += w * a.z;
    cb.x += w * b.x;
    cb.y += w * b.y;
    cb.z += w * b.z;
  }
  if (!(total > 0)) throw new Error("fitRotation needs a positive total weight");
  for (const c of [ca, cb]) {
    c.x /= total;
    c.y /= total;
    c.z /= total;
  }

  // Weighted cross-covariance S[i][j] = sum w·(a - ā)_i·(b - b̄)_j.
  let sxx = 0,
    sxy = 0,
    sxz = 0,
    syx = 0,
    syy = 0,
    syz = 0,
    szx = 0,
    szy = 0,
    szz = 0;
  for (const { reference: a, observed: b, weight: w } of pairs) {
    const ax = a.x - ca.x,
      ay = a.y - ca.y,
      az = a.z - ca.z;
    const bx = w * (b.x - cb.x),
      by = w * (b.y - cb.y),
      bz = w * (b.z - cb.z);
    sxx += ax * bx;
    sxy += ax * by;
    sxz += ax * bz;
    syx += ay * bx;
    syy += ay * by;
    syz += ay * bz;
    szx += az * bx;
    szy += az * by;
    szz += az * bz;
  }
  // Horn's symmetric matrix N (his eq. in section 4.A); its top eigenvector is the rotation quaternion.
  const n = [
    [sxx + syy + szz, syz - szy, szx - sxz, sxy - syx],
    [syz - szy, sxx - syy - szz, sxy + syx, szx + sxz],
    [szx - sxz, sxy + syx, -sxx + syy - szz, syz + szy],
    [sxy - syx, szx + sxz, syz + szy, -sxx - syy + szz],
  ];
  const [w, x, y, z] = topEigenvector4(n);
  return [
    [w * w + x * x - y * y - z * z, 2 * (x * y - w * z), 2 * (x * z + w * y)],
    [2 * (y * x + w * z), w * w - x * x + y * y - z * z, 2 * (y * z - w * x)],
    [2 * (z * x - w * y), 2 * (z * y + w * x), w * w - x * x - y * y + z * z],
  ];
}

/** Eigenvector of the largest eigenvalue of a symmetric 4x4 matrix (cyclic Jacobi rotations), unit length. */
export function topEigenvector4(matrix: readonly (readonly number[])[]): [number, number, number, number] {
  const a = matrix.map((row) => [...row]);
  const v = [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ];
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < 4; p++) for (let q = p + 1; q < 4; q++) off += a[p][q] * a[p][q];
    if (off < 1e-30) break;
    for (let p = 0; p < 4; p++) {
      for (let q = p + 1; q < 4; q++) {
        if (a[p][q] === 0) continue;
        // Standard Jacobi rotation zeroing a[p][q] (Golub & Van Loan, Matrix Computations, 8.5.2).
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < 4; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < 4; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < 4; k++) {
          const vkp = v[k][p];
          const vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i < 4; i++) if (a[i][i] > a[best][best]) best = i;
  const e: [number, number, number, number] = [v[0][best], v[1][best], v[2][best], v[3][best]];
  const norm = Math.hypot(...e) || 1;
  return [e[0] / norm, e[1] / norm, e[2] / norm, e[3] / norm];
}
