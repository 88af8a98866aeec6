/**
 * The two models Vigil runs, as built by `wasm/build-models.ts` on install (see wasm/README.md).
 * Imported as files so that `bun build --compile` embeds them in the single binary.
 */
import faceDetectorPath from "./models/face_detector.tflite" with { type: "file" };
import faceLandmarksPath from "./models/face_landmarks_attention.tflite" with { type: "file" };
import manifest from "./models/manifest.json";
import { readAsset } from "./read-asset";

export interface ModelBytes {
  faceDetector: Uint8Array;
  faceLandmarks: Uint8Array;
}

export function readModels(): Promise<ModelBytes> {
  return Promise.all([readAsset(faceDetectorPath), readAsset(faceLandmarksPath)]).then(([faceDetector, faceLandmarks]) => ({
    faceDetector,
    faceLandmarks,
  }));
}

/** The build manifest (sources, versions, sha256), reported by the API as the model versions. */
export const modelManifest = manifest;
