import { describe, expect, test } from "bun:test";
import { eyeAspectRatio, eyeState } from "../../src/analysis/eyes";
import { measureFace } from "../../src/analysis/face-measures";
import { headPose } from "../../src/analysis/head-pose";
import { LEFT_EYE_EAR, RIGHT_EYE_EAR } from "../../src/analysis/landmark-indices";
import { DEFAULT_THRESHOLDS, thresholdsSchema } from "../../src/analysis/thresholds";
import { syntheticFace } from "./synthetic-face";

const T = DEFAULT_THRESHOLDS;

describe("eye aspect ratio and openness", () => {
  test("EAR is lid gap over eye width (Soukupová & Čech), here 4.5 / 15 = 0.3", () => {
    const face = syntheticFace();
    expect(eyeAspectRatio(face, RIGHT_EYE_EAR)).toBeCloseTo(0.3, 6);
    expect(eyeAspectRatio(face, LEFT_EYE_EAR)).toBeCloseTo(0.3, 6);
  });

  test("openness maps EAR linearly between the shut and open calibration, clamped", () => {
    expect(eyeState(0.1, T.eyes).openness).toBe(0);
    expect(eyeState(0.28, T.eyes).openness).toBe(1);
    expect(eyeState(0.19, T.eyes).openness).toBeCloseTo(0.5, 6);
    expect(eyeState(0.5, T.eyes).openness).toBe(1);
    expect(eyeState(0.02, T.eyes).openness).toBe(0);
  });

  test("closed means at least 80% closed (openness under 0.2)", () => {
    expect(eyeState(0.1 + 0.18 * 0.19, T.eyes).closed).toBe(true);
    expect(eyeState(0.1 + 0.18 * 0.21, T.eyes).closed).toBe(false);
  });

  test("closing the lids closes both eyes; EAR does not change with roll", () => {
    const shut = measureFace(syntheticFace({ lidHalfGap: 0.6 }), T);
    expect(shut.eyes.left.closed && shut.eyes.right.closed).toBe(true);
    for (const roll of [90, 180, -45]) {
      const rolled = measureFace(syntheticFace({}, { roll }), T);
      expect(rolled.eyes.left.ear).toBeCloseTo(0.3, 6);
      expect(rolled.eyes.right.openness).toBe(1);
    }
  });
});

describe("head pose", () => {
  test("a frontal face is 0, 0, 0", () => {
    const pose = headPose(syntheticFace());
    expect(pose.yaw).toBeCloseTo(0, 6);
    expect(pose.pitch).toBeCloseTo(0, 6);
    expect(pose.roll).toBeCloseTo(0, 6);
  });

  for (const yaw of [-40, -15, 20, 35]) {
    test(`yaw ${yaw}° is recovered (positive = turned to the subject's left)`, () => {
      expect(headPose(syntheticFace({}, { yaw })).yaw).toBeCloseTo(yaw, 4);
    });
  }
  for (const pitch of [-30, -10, 15, 25]) {
    test(`pitch ${pitch}° is recovered (positive = looking up)`, () => {
      expect(headPose(syntheticFace({}, { pitch })).pitch).toBeCloseTo(pitch, 4);
    });
  }
  for (const roll of [-60, 15, 90, 179]) {
    test(`roll ${roll}° is recovered (positive = tilted to the subject's left shoulder)`, () => {
      expect(headPose(syntheticFace({}, { roll })).roll).toBeCloseTo(roll, 4);
    });
  }

  test("yaw and pitch survive an in-plane roll", () => {
    const pose = headPose(syntheticFace({}, { yaw: 25, pitch: -10, roll: 90 }));
    expect(pose.yaw).toBeCloseTo(25, 0);
    expect(pose.pitch).toBeCloseTo(-10, 0);
  });
});

describe("gaze and looking away", () => {
  test("centred irises, facing the camera: attentive", () => {
    const m = measureFace(syntheticFace(), T);
    expect(m.gaze.horizontal).toBeCloseTo(0.5, 6);
    expect(m.gaze.vertical).toBeCloseTo(0.5, 6);
    expect(m.lookingAway).toBe(false);
  });

  test("head turned past the yaw or pitch limit: away", () => {
    expect(measureFace(syntheticFace({}, { yaw: 40 }), T).lookingAway).toBe(true);
    expect(measureFace(syntheticFace({}, { pitch: -35 }), T).lookingAway).toBe(true);
    expect(measureFace(syntheticFace({}, { yaw: 20 }), T).lookingAway).toBe(false);
  });

  test("eyes aimed far to the side with the head straight: away; the same with eyes shut: not judged", () => {
    const sideways = measureFace(syntheticFace({ irisShift: 10 }), T);
    expect(sideways.gaze.horizontal).toBeCloseTo(0.5 + 10 / 30, 6);
    expect(sideways.lookingAway).toBe(true);
    expect(measureFace(syntheticFace({ irisShift: 10, lidHalfGap: 0.5 }), T).lookingAway).toBe(false);
  });
});

describe("mouth", () => {
  test("closed lips are no yawn; a wide-open mouth is", () => {
    expect(measureFace(syntheticFace({ mouthGap: 2 }), T).mouth).toEqual({ opening: 2 / 50, yawn: false });
    const yawning = measureFace(syntheticFace({ mouthGap: 40 }), T).mouth;
    expect(yawning.opening).toBeCloseTo(0.8, 6);
    expect(yawning.yawn).toBe(true);
  });
});

describe("threshold configuration", () => {
  test("partial overrides keep the other defaults", () => {
    const t = thresholdsSchema.parse({ eyes: { closedBelow: 0.3 } });
    expect(t.eyes.closedBelow).toBe(0.3);
    expect(t.eyes.earOpen).toBe(T.eyes.earOpen);
    expect(t.mouth.yawnAbove).toBe(T.mouth.yawnAbove);
  });
  test("out-of-range values are refused", () => {
    expect(thresholdsSchema.safeParse({ gaze: { maxYaw: -1 } }).success).toBe(false);
  });
});
