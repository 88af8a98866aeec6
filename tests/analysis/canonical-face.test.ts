import { describe, expect, test } from "bun:test";
import { PROCRUSTES_BASIS } from "../../src/analysis/canonical-face";
import { LEFT_EYE, LEFT_EYE_EAR, MOUTH, RIGHT_EYE, RIGHT_EYE_EAR } from "../../src/analysis/landmark-indices";
import { canonicalModel } from "./canonical-mesh";

const model = canonicalModel();
const v = (i: number) => model.vertices[i];

describe("the canonical face model in @mediapipe/face_mesh", () => {
  test("has 468 vertices and MediaPipe's 33-point weighted Procrustes basis", () => {
    expect(model.vertices).toHaveLength(468);
    expect(model.basis).toHaveLength(33);
  });

  test("the runtime's basis constants are exactly the package's (indices, weights, positions to 1e-6)", () => {
    expect(PROCRUSTES_BASIS.map(([index]) => index)).toEqual(model.basis.map((b) => b.index));
    PROCRUSTES_BASIS.forEach(([index, weight, x, y, z], i) => {
      expect(weight).toBeCloseTo(model.basis[i].weight, 6);
      expect(x).toBeCloseTo(v(index).x, 5);
      expect(y).toBeCloseTo(v(index).y, 5);
      expect(z).toBeCloseTo(v(index).z, 5);
    });
  });
});

describe("landmark indices, checked on the canonical model (X = the subject's left, Y up)", () => {
  test("the 'right eye' points lie on the subject's right (X < 0), the 'left eye' ones on their left", () => {
    for (const i of [...RIGHT_EYE_EAR, RIGHT_EYE.upperLid, RIGHT_EYE.lowerLid]) expect(v(i).x).toBeLessThan(0);
    for (const i of [...LEFT_EYE_EAR, LEFT_EYE.upperLid, LEFT_EYE.lowerLid]) expect(v(i).x).toBeGreaterThan(0);
    expect(v(MOUTH.rightCorner).x).toBeLessThan(0);
    expect(v(MOUTH.leftCorner).x).toBeGreaterThan(0);
  });

  test("EAR order: p1 outer corner, p4 inner corner; p2 above p6 and p3 above p5 at the same X", () => {
    for (const [p1, p2, p3, p4, p5, p6] of [RIGHT_EYE_EAR, LEFT_EYE_EAR]) {
      expect(Math.abs(v(p1).x)).toBeGreaterThan(Math.abs(v(p4).x) + 2); // outer corner ~4.4 cm from the midline, inner ~1.9
      for (const [upper, lower] of [
        [p2, p6],
        [p3, p5],
      ]) {
        expect(v(upper).x).toBeCloseTo(v(lower).x, 3);
        expect(v(upper).y).toBeGreaterThan(v(lower).y + 0.4);
      }
    }
  });

  test("gaze corners run from the subject's right to their left; upper lid above lower lid", () => {
    for (const eye of [RIGHT_EYE, LEFT_EYE]) {
      expect(v(eye.subjectRightCorner).x).toBeLessThan(v(eye.subjectLeftCorner).x);
      expect(v(eye.upperLid).y).toBeGreaterThan(v(eye.lowerLid).y);
    }
  });

  test("inner lips: 13 above 14 on the midline, between the corners", () => {
    expect(v(MOUTH.upperInner).x).toBeCloseTo(0, 6);
    expect(v(MOUTH.upperInner).y).toBeGreaterThan(v(MOUTH.lowerInner).y);
    expect(v(MOUTH.upperInner).y).toBeGreaterThan(v(MOUTH.rightCorner).y);
    expect(v(MOUTH.lowerInner).y).toBeLessThan(v(MOUTH.rightCorner).y);
  });
});
