/**
 * The measures on real MediaPipe output: the engine on the fixture photos, and on turned and mirrored copies
 * of them, where the right answer is known relative to the original.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { measureFace, type FaceMeasures } from "../../src/analysis/face-measures";
import { DEFAULT_THRESHOLDS } from "../../src/analysis/thresholds";
import { FaceEngine } from "../../src/engine/face-engine";
import type { RgbaFrame } from "../../src/engine/types";
import { fixtureFrame, mirror, rotate180, rotate90 } from "../support/images";

let engine: FaceEngine;
beforeAll(async () => {
  engine = await FaceEngine.create({ detectUpsideDown: true });
});
afterAll(() => engine.close());

function measureOnly(frame: RgbaFrame): FaceMeasures {
  const faces = engine.analyze(frame).faces;
  expect(faces).toHaveLength(1);
  return measureFace(faces[0].landmarks, DEFAULT_THRESHOLDS);
}

const angleGap = (a: number, b: number) => Math.abs(((a - b + 540) % 360) - 180);

for (const photo of ["astronaut.png", "grace_hopper.jpg"]) {
  describe(`${photo}: a frontal portrait looking into the camera`, () => {
    test("head roughly frontal, eyes open, mouth not yawning, attentive", async () => {
      const m = measureOnly(await fixtureFrame(photo));
      expect(Math.abs(m.headPose.yaw)).toBeLessThan(5);
      expect(Math.abs(m.headPose.pitch)).toBeLessThan(10); // both chins slightly down: -5° and -6.4°
      expect(Math.abs(m.headPose.roll)).toBeLessThan(5);
      for (const eye of [m.eyes.left, m.eyes.right]) {
        expect(eye.ear).toBeGreaterThan(0.24);
        expect(eye.ear).toBeLessThan(0.36);
        expect(eye.openness).toBeGreaterThan(0.75);
        expect(eye.closed).toBe(false);
      }
      expect(Math.abs(m.gaze.horizontal - 0.5)).toBeLessThan(0.05);
      expect(m.mouth.opening).toBeLessThan(0.3);
      expect(m.mouth.yawn).toBe(false);
      expect(m.lookingAway).toBe(false);
    });

    test("turned by 90° and 180°: roll follows the turn, yaw, pitch and EAR stay within 3° / 0.03", async () => {
      const original = await fixtureFrame(photo);
      const upright = measureOnly(original);
      for (const [turn, frame] of [
        [90, rotate90(original)],
        [180, rotate180(original)],
      ] as const) {
        const m = measureOnly(frame);
        // rotate90 turns the picture clockwise, which tilts the head towards the subject's left shoulder: +roll.
        expect(angleGap(m.headPose.roll, upright.headPose.roll + turn)).toBeLessThan(3);
        expect(Math.abs(m.headPose.yaw - upright.headPose.yaw)).toBeLessThan(3);
        expect(Math.abs(m.headPose.pitch - upright.headPose.pitch)).toBeLessThan(3);
        expect(Math.abs(m.eyes.left.ear - upright.eyes.left.ear)).toBeLessThan(0.03);
        expect(Math.abs(m.eyes.right.ear - upright.eyes.right.ear)).toBeLessThan(0.03);
        expect(Math.abs(m.gaze.horizontal - upright.gaze.horizontal)).toBeLessThan(0.05);
      }
    });

    // (Which eye is the subject's left is tested on synthetic faces with one eye shut: on these photos the two
    // eyes' EARs differ by under 0.02, too little to tell a swap from the landmark noise of a mirrored copy.)
    test("mirrored: yaw and roll change sign, pitch stays", async () => {
      const original = await fixtureFrame(photo);
      const upright = measureOnly(original);
      const m = measureOnly(mirror(original));
      expect(Math.abs(m.headPose.yaw + upright.headPose.yaw)).toBeLessThan(3);
      expect(Math.abs(m.headPose.roll + upright.headPose.roll)).toBeLessThan(3);
      expect(Math.abs(m.headPose.pitch - upright.headPose.pitch)).toBeLessThan(3);
    });
  });
}

test("messi5.jpg: a player looking down at the ball with his face turned to his left (nose towards the image's right)", async () => {
  const m = measureOnly(await fixtureFrame("messi5.jpg"));
  expect(m.headPose.yaw).toBeGreaterThan(15); // measured 24.6°
  expect(m.headPose.pitch).toBeLessThan(-15); // measured -26.0°
  const mirrored = measureOnly(mirror(await fixtureFrame("messi5.jpg")));
  expect(mirrored.headPose.yaw).toBeLessThan(-15);
});
