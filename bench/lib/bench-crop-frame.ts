/**
 * The engine benches' face-crop frame: the load bench's webcam frame (frames.ts), its face found by `engine`,
 * cut at the landmark model's size as the clients cut it (face-crop.ts), and decoded as the server decodes
 * it; with `whole`, the ROI that is the whole crop, upright (what the server tracks inside a crop frame).
 */
import { FaceEngine, LANDMARK_INPUT_SIZE } from "../../src/engine/face-engine";
import type { Roi } from "../../src/engine/types";
import { decodeImage } from "../../src/image/decode";
import { cutFaceCrop } from "./face-crop";
import { benchFrames } from "./frames";

export async function benchCropFrame(engine: FaceEngine) {
  const limits = { maxPixels: 1e8 };
  const frame = await decodeImage((await benchFrames()).person, limits);
  const [face] = engine.analyze(frame).faces;
  if (!face) throw new Error("no face found in the bench's webcam frame");
  const crop = await decodeImage(
    (await cutFaceCrop(frame, { ...face.roi, outputSize: LANDMARK_INPUT_SIZE })).jpeg,
    limits,
  );
  const half = LANDMARK_INPUT_SIZE / 2;
  const whole: Roi = { centerX: half, centerY: half, size: LANDMARK_INPUT_SIZE, rotation: 0 };
  return { crop, whole };
}
