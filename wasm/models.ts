/**
 * The three models Vigil runs (two face detectors and the landmark model), as built by `wasm/build-models.ts` on install (see wasm/README.md).
 * Imported as files so that `bun build --compile` embeds them in the single binary.
 */
import faceDetectorPath from "./models/face_detector.tflite" with { type: "file" };
import faceDetectorShortRangePath from "./models/face_detector_short_range.tflite" with { type: "file" };
import faceLandmarksPath from "./models/face_landmarks_attention.tflite" with { type: "file" };
import manifest from "./models/manifest.json";
import { readAsset } from "./read-asset";

export interface ModelBytes {
  /** BlazeFace full range (192 px input). */
  faceDetector: Uint8Array;
  /** BlazeFace short range (128 px input). */
  faceDetectorShortRange: Uint8Array;
  faceLandmarks: Uint8Array;
}

export function readModels(): Promise<ModelBytes> {
  return Promise.all([
    readAsset(faceDetectorPath),
    readAsset(faceDetectorShortRangePath),
    readAsset(faceLandmarksPath),
  ]).then(([faceDetector, faceDetectorShortRange, faceLandmarks]) => ({
    faceDetector,
    faceDetectorShortRange,
    faceLandmarks,
  }));
}

/** The build manifest (sources, versions, sha256), reported by the API as the model versions. */
export const modelManifest = manifest;
