import { describe, expect, test } from "bun:test";
import { eyeAspectRatio, eyeState } from "../../src/analysis/eyes";
import { measureFace } from "../../src/analysis/face-measures";
import { irisPosition } from "../../src/analysis/gaze";
import { LEFT_EYE, LEFT_EYE_EAR, RIGHT_EYE, RIGHT_EYE_EAR } from "../../src/analysis/landmark-indices";
import { mouth } from "../../src/analysis/mouth";
import { DEFAULT_THRESHOLDS, thresholdsSchema } from "../../src/analysis/thresholds";
import { canonicalModel } from "./canonical-mesh";
import { syntheticFace } from "./synthetic-face";

const T = DEFAULT_THRESHOLDS;

/** EAR of the canonical model's right eye by hand, from its published coordinates (cm). */
function canonicalRightEar(): number {
  const v = canonicalModel().vertices;
  const d = (a: number, b: number) => Math.hypot(v[a].x - v[b].x, v[a].y - v[b].y, v[a].z - v[b].z);
  return (d(160, 144) + d(158, 153)) / (2 * d(33, 133));
}

describe("eye aspect ratio and openness", () => {
  test("EAR of the neutral canonical face is (|p2-p6| + |p3-p5|) / 2|p1-p4| = 0.231, the same for both eyes", () => {
    const face = syntheticFace();
    expect(canonicalRightEar()).toBeCloseTo(0.231, 3);
    expect(eyeAspectRatio(face, RIGHT_EYE_EAR)).toBeCloseTo(canonicalRightEar(), 9);
    expect(eyeAspectRatio(face, LEFT_EYE_EAR)).toBeCloseTo(canonicalRightEar(), 9);
  });

  test("openness maps EAR linearly between the shut and open calibration, clamped to 0..1", () => {
    const { earShut, earOpen } = T.eyes;
    expect(eyeState(earShut, T.eyes).openness).toBe(0);
    expect(eyeState(earOpen, T.eyes).openness).toBe(1);
    expect(eyeState((earShut + earOpen) / 2, T.eyes).openness).toBeCloseTo(0.5, 9);
    expect(eyeState(0.5, T.eyes).openness).toBe(1);
    expect(eyeState(0.02, T.eyes).openness).toBe(0);
  });

  test("closed means openness under closedBelow (0.29, chosen on real closed and open eyes), i.e. EAR under 0.145 by default", () => {
    const { earShut, earOpen } = T.eyes;
    const earAt = (openness: number) => earShut + (earOpen - earShut) * openness;
    expect(eyeState(earAt(0.28), T.eyes).closed).toBe(true);
    expect(eyeState(earAt(0.3), T.eyes).closed).toBe(false);
    expect(earAt(T.eyes.closedBelow)).toBeCloseTo(0.145, 3);
  });

  test("the calibration is configurable", () => {
    const t = thresholdsSchema.parse({ eyes: { earShut: 0.05, earOpen: 0.25, closedBelow: 0.5 } }).eyes;
    expect(eyeState(0.15, t).openness).toBeCloseTo(0.5, 9);
    expect(eyeState(0.14, t).closed).toBe(true);
    expect(eyeState(0.16, t).closed).toBe(false);
  });

  test("upper lids moved onto the lower lids: EAR 0, both eyes closed; half-way: EAR halves, closed by default", () => {
    const shut = measureFace(syntheticFace({ lidClosure: 1 }), T);
    expect(shut.eyes.left).toEqual({ openness: 0, ear: 0, closed: true });
    expect(shut.eyes.right).toEqual({ openness: 0, ear: 0, closed: true });
    const half = measureFace(syntheticFace({ lidClosure: 0.5 }), T);
    expect(half.eyes.left.ear).toBeCloseTo(canonicalRightEar() / 2, 6);
    expect(half.eyes.left.closed).toBe(true);
  });

  test("each eye is the subject's own: closing only the subject's left eye (263..362, image right) closes eyes.left", () => {
    const wink = measureFace(syntheticFace({ leftLidClosure: 1 }), T);
    expect(wink.eyes.left.closed).toBe(true);
    expect(wink.eyes.right.closed).toBe(false);
    const face = syntheticFace({ leftLidClosure: 1 });
    expect(face[263].x).toBeGreaterThan(face[33].x); // that eye is on the image's right
  });

  for (const roll of [90, 180, -45]) {
    test(`EAR and openness do not change when the face is rolled by ${roll}°`, () => {
      const upright = measureFace(syntheticFace({ lidClosure: 0.3 }), T);
      const rolled = measureFace(syntheticFace({ lidClosure: 0.3 }, { roll }), T);
      expect(rolled.eyes.left.ear).toBeCloseTo(upright.eyes.left.ear, 9);
      expect(rolled.eyes.right.ear).toBeCloseTo(upright.eyes.right.ear, 9);
      expect(rolled.eyes.right.openness).toBeCloseTo(upright.eyes.right.openness, 9);
    });
  }

  test("EAR uses 3D distances: a 30° yaw changes it by under 1% (2D distances would shrink the width by cos 30°)", () => {
    const turned = measureFace(syntheticFace({}, { yaw: 30 }), T);
    expect(turned.eyes.left.ear).toBeCloseTo(canonicalRightEar(), 9);
  });

  test("a zero-width eye (degenerate landmarks) gives EAR 0 rather than NaN", () => {
    const flat = Array.from({ length: 478 }, () => ({ x: 1, y: 1, z: 1 }));
    expect(eyeAspectRatio(flat, RIGHT_EYE_EAR)).toBe(0);
  });
});

describe("gaze and looking away", () => {
  test("centred irises, facing the camera: horizontal 0.5, attentive", () => {
    const m = measureFace(syntheticFace(), T);
    expect(m.gaze.horizontal).toBeCloseTo(0.5, 9);
    expect(m.gaze.vertical).toBeGreaterThan(0.3);
    expect(m.gaze.vertical).toBeLessThan(0.7);
    expect(m.lookingAway).toBe(false);
  });

  test("irises shifted towards the subject's left by 20% of the eye width: the mean moves by 0.2 along the corner line", () => {
    // The shift is along X; the corner line also runs back in depth (the outer corner is 0.59 cm deeper), so
    // the projection sees 0.2·cos²(tilt) of it. Each eye alone is off by ±0.04 the other way (the iris sits in
    // front of the corner line and that line is tilted in depth oppositely in the two eyes); the mean cancels it.
    const v = canonicalModel().vertices;
    const d = { x: v[133].x - v[33].x, y: v[133].y - v[33].y, z: v[133].z - v[33].z };
    const expected = 0.5 + (0.2 * d.x * d.x) / (d.x * d.x + d.y * d.y + d.z * d.z);
    const face = syntheticFace({ irisShift: 0.2 });
    expect(measureFace(face, T).gaze.horizontal).toBeCloseTo(expected, 6);
    expect(Math.abs(irisPosition(face, LEFT_EYE).horizontal - expected)).toBeLessThan(0.05);
    expect(Math.abs(irisPosition(face, RIGHT_EYE).horizontal - expected)).toBeLessThan(0.05);
  });

  test("iris position is the same on a face rolled upside down", () => {
    const upright = measureFace(syntheticFace({ irisShift: 0.1 }), T).gaze;
    const flipped = measureFace(syntheticFace({ irisShift: 0.1 }, { roll: 180 }), T).gaze;
    expect(flipped.horizontal).toBeCloseTo(upright.horizontal, 9);
    expect(flipped.vertical).toBeCloseTo(upright.vertical, 9);
  });

  test("head turned past the yaw or pitch limit: away; inside the limits: not", () => {
    expect(measureFace(syntheticFace({}, { yaw: 35 }), T).lookingAway).toBe(true);
    expect(measureFace(syntheticFace({}, { yaw: -35 }), T).lookingAway).toBe(true);
    expect(measureFace(syntheticFace({}, { pitch: -30 }), T).lookingAway).toBe(true);
    expect(measureFace(syntheticFace({}, { yaw: 25, pitch: -20 }), T).lookingAway).toBe(false);
    expect(measureFace(syntheticFace({}, { yaw: 25, roll: 180 }), T).lookingAway).toBe(false);
  });

  test("the limits are configurable", () => {
    const strict = thresholdsSchema.parse({ gaze: { maxYaw: 10 } });
    expect(measureFace(syntheticFace({}, { yaw: 15 }), strict).lookingAway).toBe(true);
  });

  test("eyes aimed far to the side with the head straight: away; the same with eyes shut: not judged", () => {
    expect(measureFace(syntheticFace({ irisShift: 0.25 }), T).lookingAway).toBe(true);
    expect(measureFace(syntheticFace({ irisShift: 0.1 }), T).lookingAway).toBe(false);
    expect(measureFace(syntheticFace({ irisShift: 0.25, lidClosure: 1 }), T).lookingAway).toBe(false);
  });

  test("ratios stay within 0..1 when the lids meet (nothing to divide by)", () => {
    const g = measureFace(syntheticFace({ lidClosure: 1 }), T).gaze;
    expect(Number.isFinite(g.vertical)).toBe(true);
    expect(g.vertical).toBeGreaterThanOrEqual(0);
    expect(g.vertical).toBeLessThanOrEqual(1);
  });
});

describe("mouth", () => {
  test("the neutral canonical mouth (MAR 0.13) is no yawn; a 20° jaw opening (MAR 0.73) is", () => {
    const neutral = measureFace(syntheticFace(), T).mouth;
    expect(neutral.opening).toBeCloseTo(0.134, 3);
    expect(neutral.yawn).toBe(false);
    const talking = measureFace(syntheticFace({ jawOpen: 10 }), T).mouth;
    expect(talking.opening).toBeGreaterThan(0.3);
    expect(talking.yawn).toBe(false);
    const yawning = measureFace(syntheticFace({ jawOpen: 20 }), T).mouth;
    expect(yawning.opening).toBeGreaterThan(0.7);
    expect(yawning.yawn).toBe(true);
  });

  test("MAR is roll- and scale-invariant", () => {
    const reference = mouth(syntheticFace({ jawOpen: 15 }), T.mouth.yawnAbove).opening;
    expect(mouth(syntheticFace({ jawOpen: 15 }, { roll: 120, scale: 4 }), T.mouth.yawnAbove).opening).toBeCloseTo(
      reference,
      9,
    );
  });
});

describe("measureFace", () => {
  test("returns the API's plain object: eyes, headPose, gaze, lookingAway, mouth, and JSON round-trips it", () => {
    const m = measureFace(syntheticFace({}, { yaw: 10 }), T);
    expect(Object.keys(m).sort()).toEqual(["eyes", "gaze", "headPose", "lookingAway", "mouth"]);
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
    expect(m.headPose.yaw).toBeCloseTo(10, 6);
  });
});

describe("threshold configuration", () => {
  test("partial overrides keep the other defaults", () => {
    const t = thresholdsSchema.parse({ eyes: { closedBelow: 0.3 } });
    expect(t.eyes.closedBelow).toBe(0.3);
    expect(t.eyes.earOpen).toBe(T.eyes.earOpen);
    expect(t.mouth.yawnAbove).toBe(T.mouth.yawnAbove);
  });
  test("out-of-range or inconsistent values are refused", () => {
    expect(thresholdsSchema.safeParse({ gaze: { maxYaw: -1 } }).success).toBe(false);
    expect(thresholdsSchema.safeParse({ eyes: { earShut: 0.3, earOpen: 0.2 } }).success).toBe(false);
    expect(thresholdsSchema.safeParse({ quality: { darkBelow: 200, brightAbove: 100 } }).success).toBe(false);
  });
  test("every threshold says where its default comes from", () => {
    for (const group of Object.values(thresholdsSchema.unwrap().shape)) {
      for (const field of Object.values(group.unwrap().shape))
        expect((field.description ?? "").length).toBeGreaterThan(20);
    }
  });
});
