/** What the server sends an analysis worker: its settings and its jobs (the answer is the frame's FrameOutcome). */
import type { Thresholds } from "../analysis/thresholds";
import type { FrameRequest } from "../frame/frame-contract";

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

/** A frame's analysis as the pool carries it: the request, and the encoded image, transferred (not copied). */
export interface AnalysisJob extends FrameRequest {
  image: ArrayBuffer;
}
