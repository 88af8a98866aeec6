/**
 * An analysis worker thread: loads the models once (FrameAnalyzer), tells the pool it is ready, then
 * analyses one frame at a time. The frame's bytes arrive transferred and are dropped after the answer.
 */
import { workerData } from "node:worker_threads";
import { FrameAnalyzer } from "../frame/frame-analyzer";
import type { FrameOutcome } from "../frame/frame-contract";
import type { AnalysisJob, AnalysisWorkerData, AnalysisWorkerInfo } from "./analysis-job";
import { serveJobs } from "./serve-jobs";

const settings = workerData as AnalysisWorkerData;

serveJobs<AnalysisJob, Promise<FrameOutcome>>(async () => {
  const analyzer = await FrameAnalyzer.create({
    maxFaces: settings.maxFaces,
    // Workers serve webcam frames: a person within about 2 m of the camera. Jobs ask for "full" when they
    // need it (FaceSearch.detector).
    defaultDetector: "short",
    limits: { maxPixels: settings.maxImagePixels, maxSide: settings.maxImageSide },
    inferenceMaxSide: settings.inferenceMaxSide,
    engineHeapMb: settings.engineHeapMb,
    thresholds: settings.thresholds,
  });
  return {
    info: { ready: true, landmarkTensorsTapped: analyzer.landmarkTensorsTapped } satisfies AnalysisWorkerInfo,
    shouldRetire: () => analyzer.engineHeapBytes > settings.recycleAboveHeapBytes,
    handle: (job) => analyzer.analyze(new Uint8Array(job.image), job),
  };
});
