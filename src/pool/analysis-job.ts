/** What the HTTP side sends an analysis worker, and what it gets back. */
import type { Thresholds } from "../analysis/thresholds";
import type { DetectorRange } from "../engine/face-engine";
import type { Roi } from "../engine/types";
import type { FrameCrop } from "../frame/crop-frame";
import type { AnalysisBody } from "../server/schemas";

export interface AnalysisWorkerData {
  thresholds: Thresholds;
  /** A worker whose models' WASM heaps grew past this retires after answering (they never shrink). */
  recycleAboveHeapBytes: number;
  maxFaces: number;
  maxImagePixels: number;
  maxImageSide: number;
  inferenceMaxSide: number;
  /** Ceiling of each model's WASM heap, in MB (see wasm/runtime.ts). */
  engineHeapMb: number;
}

/** What a ready analysis worker reports about itself (the pool's `info`). */
export interface AnalysisWorkerInfo {
  ready: true;
  /** false: the embedding tap's start-up check failed and the bundle's slower reading is in use (embedding-tap.ts). */
  landmarkTensorsTapped: boolean;
}

export interface AnalysisJob {
  /** The encoded image, transferred (not copied) to the worker. */
  image: ArrayBuffer;
  landmarks: boolean;
  /** The session's face positions in its previous frame: skip the detector (see FaceEngine.analyze). */
  track?: Roi[];
  /** The image is a face crop of the client's frame (X-Frame-Crop): landmarks only, mapped back to the frame. */
  crop?: FrameCrop;
  /**
   * Which face detector runs if the detector runs: "short" (the workers' default: webcam framings, about
   * a third of the cost) or "full" (also small, distant faces: a session's first frame and its periodic look
   * for a second person).
   */
  detector?: DetectorRange;
  /** The session's previous frame found nobody: look at a small decode first (FrameRequest.expectEmpty). */
  expectEmpty?: boolean;
}

/** The analysis without the times only the HTTP side knows (queue wait, total). */
export type AnalysisResult = Omit<AnalysisBody, "timings" | "session"> & {
  timings: Omit<AnalysisBody["timings"], "queueMs" | "totalMs">;
  /** Where each face was, for the session's next frame. Internal: not part of the API's answer. */
  tracking: Roi[];
};
