/** An analysis's `timings` (FrameTimings: the API's Timings without the server's queue and total times). */
import type { EngineResult } from "../engine/face-engine";
import type { FrameTimings } from "./frame-contract";

/** From the moments a frame's analysis passed: started, decoded, engine done, measures done. */
export function frameTimings(
  started: number,
  decoded: number,
  inferred: number,
  measured: number,
  engine: EngineResult,
): FrameTimings {
  const { detectMs, cropMs, landmarksMs, mergeMs } = engine.timings;
  return {
    decodeMs: decoded - started,
    inferenceMs: inferred - decoded,
    analysisMs: measured - inferred,
    stages: {
      detect: detectMs,
      crop: cropMs,
      landmarks: landmarksMs,
      merge: mergeMs,
      landmarkPasses: engine.landmarkPasses,
    },
  };
}
