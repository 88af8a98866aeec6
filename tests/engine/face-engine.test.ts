import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { FaceEngine, type EngineFace } from "../../src/engine/face-engine";
import { LANDMARK_MAPS } from "../../src/engine/landmark-merge";
import type { Landmark, RgbaFrame } from "../../src/engine/types";
import { fixtureFrame, mirror, rotate180, rotate90, sideBySide } from "../support/images";

let engine: FaceEngine;
beforeAll(async () => {
  // Upside-down search on: these tests include photos turned by half a turn.
  engine = await FaceEngine.create({ detectUpsideDown: true });
});
afterAll(() => engine.close());

/** Ray-casting point-in-polygon on x, y. */
function inside(point: Landmark, polygon: Landmark[]): boolean {
  let hit = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const a = polygon[i];
    const b = polygon[j];
    if (a.y > point.y !== b.y > point.y && point.x < ((b.x - a.x) * (point.y - a.y)) / (b.y - a.y) + a.x) hit = !hit;
  }
  return hit;
}

/** The eye contour as a closed polygon: lower lid corner to corner, then the upper lid back. */
function eyeContour(face: EngineFace, map: readonly number[]): Landmark[] {
  const lower = map.slice(0, 9);
  const upper = map.slice(9, 16).reverse();
  return [...lower, ...upper].map((i) => face.landmarks[i]);
}

const only = (frame: RgbaFrame) => {
  const result = engine.analyze(frame);
  expect(result.faces).toHaveLength(1);
  return result.faces[0];
};

describe("one face on real portraits", () => {
  for (const photo of ["astronaut.png", "grace_hopper.jpg"]) {
    test(`${photo}: 478 landmarks, irises inside the eyes, mesh on the face`, async () => {
      const face = only(await fixtureFrame(photo));
      expect(face.landmarks).toHaveLength(478);
      expect(face.detectionScore!).toBeGreaterThan(0.6);
      expect(face.presenceScore).toBeGreaterThan(0.9);
      // MediaPipe's "left eye" (33..133) holds iris 468; its "right eye" (263..362) holds iris 473.
      expect(inside(face.landmarks[468], eyeContour(face, LANDMARK_MAPS.LEFT_EYE_TO_MESH))).toBe(true);
      expect(inside(face.landmarks[473], eyeContour(face, LANDMARK_MAPS.RIGHT_EYE_TO_MESH))).toBe(true);
      expect(inside(face.landmarks[468], eyeContour(face, LANDMARK_MAPS.RIGHT_EYE_TO_MESH))).toBe(false);
      // Every mesh point lies in the detector's box grown by a quarter on each side (the box is tight
      // around the features; the mesh also covers forehead and jaw).
      const { x, y, width, height } = face.box;
      for (const p of face.landmarks) {
        expect(p.x).toBeGreaterThan(x - width / 4);
        expect(p.x).toBeLessThan(x + width * 1.25);
        expect(p.y).toBeGreaterThan(y - height / 4);
        expect(p.y).toBeLessThan(y + height * 1.25);
      }
      // The refined eye and the mesh agree on where the eye is (merge used the right tensor for each eye).
      expect(
        Math.hypot(face.landmarks[33].x - face.landmarks[133].x, face.landmarks[33].y - face.landmarks[133].y),
      ).toBeGreaterThan(width / 10);
      expect(face.landmarks[33].x).toBeLessThan(face.landmarks[263].x);
    });
  }
});

describe("no face", () => {
  for (const photo of ["fruits.jpg", "baboon.jpg"]) {
    test(photo, async () => {
      expect(engine.analyze(await fixtureFrame(photo)).faces).toHaveLength(0);
    });
  }
});

describe("the same face on transformed copies maps back to the original's landmarks", () => {
  const maxError = (a: Landmark[], b: Landmark[]) =>
    Math.max(...a.map((p, i) => Math.hypot(p.x - b[i].x, p.y - b[i].y)));
  const meanError = (a: Landmark[], b: Landmark[]) =>
    a.reduce((s, p, i) => s + Math.hypot(p.x - b[i].x, p.y - b[i].y), 0) / a.length;

  for (const photo of ["astronaut.png", "grace_hopper.jpg"]) {
    test(`${photo} rotated by 90 and 180 degrees`, async () => {
      const original = await fixtureFrame(photo);
      const reference = only(original).landmarks;
      const faceSize = only(original).box.width;
      const r90 = only(rotate90(original)).landmarks.map((p) => ({ x: p.y, y: original.height - p.x, z: p.z }));
      const r180 = only(rotate180(original)).landmarks.map((p) => ({
        x: original.width - p.x,
        y: original.height - p.y,
        z: p.z,
      }));
      for (const back of [r90, r180]) {
        expect(meanError(back, reference)).toBeLessThan(Math.max(3, faceSize * 0.02));
        expect(maxError(back, reference)).toBeLessThan(Math.max(8, faceSize * 0.06));
      }
    });

    test(`${photo} mirrored: each side's points land on the other side's`, async () => {
      const original = await fixtureFrame(photo);
      const reference = only(original).landmarks;
      const mirrored = only(mirror(original)).landmarks.map((p) => ({ x: original.width - p.x, y: p.y, z: p.z }));
      // Mirroring swaps the subject's sides: mesh point i of the mirror is the symmetric point of the original.
      const symmetricPairs = [
        [33, 263],
        [133, 362],
        [468, 473],
        [61, 291],
        [234, 454],
        [159, 386],
        [145, 374],
      ];
      for (const [a, b] of symmetricPairs) {
        expect(Math.hypot(mirrored[a].x - reference[b].x, mirrored[a].y - reference[b].y)).toBeLessThan(6);
        expect(Math.hypot(mirrored[b].x - reference[a].x, mirrored[b].y - reference[a].y)).toBeLessThan(6);
      }
      // Points on the midline map to themselves.
      for (const i of [1, 4, 10, 152, 13, 14])
        expect(Math.hypot(mirrored[i].x - reference[i].x, mirrored[i].y - reference[i].y)).toBeLessThan(6);
    });
  }
});

test("two people side by side are two faces, each on its own half", async () => {
  const left = await fixtureFrame("astronaut.png");
  const right = await fixtureFrame("grace_hopper.jpg");
  const result = engine.analyze(sideBySide(left, right));
  expect(result.faces).toHaveLength(2);
  const centres = result.faces.map((f) => f.box.x + f.box.width / 2).sort((a, b) => a - b);
  expect(centres[0]).toBeLessThan(left.width);
  expect(centres[1]).toBeGreaterThan(left.width);
});

test("maxFaces caps the answer", async () => {
  const single = await FaceEngine.create({ maxFaces: 1 });
  try {
    const result = single.analyze(
      sideBySide(await fixtureFrame("astronaut.png"), await fixtureFrame("grace_hopper.jpg")),
    );
    expect(result.faces).toHaveLength(1);
  } finally {
    single.close();
  }
});

test("tracking from the previous frame's ROI skips the detector and finds the same landmarks", async () => {
  const frame = await fixtureFrame("grace_hopper.jpg");
  const detected = engine.analyze(frame);
  const tracked = engine.analyze(frame, { track: detected.faces.map((f) => f.roi) });
  expect(detected.detectorRan).toBe(true);
  expect(tracked.detectorRan).toBe(false);
  expect(tracked.timings.detectMs).toBe(0);
  expect(tracked.faces[0].detectionScore).toBeNull();
  const drift =
    tracked.faces[0].landmarks.reduce(
      (s, p, i) => s + Math.hypot(p.x - detected.faces[0].landmarks[i].x, p.y - detected.faces[0].landmarks[i].y),
      0,
    ) / 478;
  expect(drift).toBeLessThan(3);
});

test("without the upside-down search an upright-only engine still finds upright faces and misses nothing else", async () => {
  const upright = await FaceEngine.create();
  try {
    expect(upright.analyze(await fixtureFrame("grace_hopper.jpg")).faces).toHaveLength(1);
    const empty = upright.analyze(await fixtureFrame("fruits.jpg"));
    expect(empty.faces).toHaveLength(0);
    expect(empty.landmarkPasses).toBe(0);
  } finally {
    upright.close();
  }
});

test("a tracked crop that no longer holds a face costs one landmark pass, then the detector", async () => {
  const face = only(await fixtureFrame("astronaut.png"));
  const result = engine.analyze(await fixtureFrame("fruits.jpg"), { track: [face.roi] });
  expect(result.detectorRan).toBe(true);
  expect(result.landmarkPasses).toBe(1);
});

test("tracking a face that left falls back to the detector", async () => {
  const face = only(await fixtureFrame("astronaut.png"));
  const result = engine.analyze(await fixtureFrame("fruits.jpg"), { track: [face.roi] });
  expect(result.detectorRan).toBe(true);
  expect(result.faces).toHaveLength(0);
});

test("a frame whose size does not match its bytes is refused", () => {
  expect(() => engine.analyze({ data: new Uint8Array(10), width: 4, height: 4 })).toThrow(/expected 64/);
});

test("per-stage times are reported", async () => {
  const result = engine.analyze(await fixtureFrame("astronaut.png"));
  for (const stage of ["detectMs", "cropMs", "landmarksMs", "mergeMs"] as const)
    expect(result.timings[stage]).toBeGreaterThan(0);
  expect(result.timings.totalMs).toBeGreaterThanOrEqual(result.timings.detectMs + result.timings.landmarksMs);
});

describe("short-range and full-range detectors", () => {
  const meanDistance = (a: Landmark[], b: Landmark[]) =>
    a.reduce((s, p, i) => s + Math.hypot(p.x - b[i].x, p.y - b[i].y), 0) / a.length;

  for (const photo of ["astronaut.png", "grace_hopper.jpg"]) {
    test(`${photo}: both find the one face, and the landmarks from either detection agree`, async () => {
      const frame = await fixtureFrame(photo);
      const full = engine.analyze(frame, { detector: "full" });
      const short = engine.analyze(frame, { detector: "short" });
      expect(full.detector).toBe("full");
      expect(short.detector).toBe("short");
      expect(short.faces).toHaveLength(1);
      expect(full.faces).toHaveLength(1);
      const eyes = Math.hypot(
        full.faces[0].landmarks[263].x - full.faces[0].landmarks[33].x,
        full.faces[0].landmarks[263].y - full.faces[0].landmarks[33].y,
      );
      // Measured: 0.010-0.013 inter-ocular distances on these photos (bench/results/short-range-detector.md).
      expect(meanDistance(short.faces[0].landmarks, full.faces[0].landmarks) / eyes).toBeLessThan(0.05);
    });
  }

  test("a small, distant face (the footballer) is found by full range only: why photos and the periodic look use it", async () => {
    const frame = await fixtureFrame("messi5.jpg");
    expect(engine.analyze(frame, { detector: "full" }).faces).toHaveLength(1);
    expect(engine.analyze(frame, { detector: "short" }).faces).toHaveLength(0);
  });

  test("the engine's default detector is used when a call names none, and a tracked frame runs none", async () => {
    const shortByDefault = await FaceEngine.create({ defaultDetector: "short" });
    try {
      const frame = await fixtureFrame("grace_hopper.jpg");
      const detected = shortByDefault.analyze(frame);
      expect(detected.detector).toBe("short");
      expect(shortByDefault.analyze(frame, { detector: "full" }).detector).toBe("full");
      const tracked = shortByDefault.analyze(frame, { track: detected.faces.map((f) => f.roi) });
      expect(tracked.detector).toBeNull();
      expect(engine.analyze(frame).detector).toBe("full");
    } finally {
      shortByDefault.close();
    }
  });
});
