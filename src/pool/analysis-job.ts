/** What the HTTP side sends an analysis worker, and what it gets back. */
import type { Thresholds } from "../analysis/thresholds";
import type { AnalysisBody } from "../server/schemas";

export interface AnalysisWorkerData {
  thresholds: Thresholds;
  maxFaces: number;
  maxImagePixels: number;
  maxImageSide: number;
  inferenceMaxSide: number;
}

export interface AnalysisJob {
  /** The encoded image, transferred (not copied) to the worker. */
  image: ArrayBuffer;
  landmarks: boolean;
}

/** The analysis without the times only the HTTP side knows (queue wait, total). */
export type AnalysisResult = Omit<AnalysisBody, "timings"> & { timings: Omit<AnalysisBody["timings"], "queueMs" | "totalMs"> };
