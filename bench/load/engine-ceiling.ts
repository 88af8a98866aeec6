/**
 * The engine's own ceiling: W worker threads analysing frames in a tight loop, in-process, no HTTP.
 *   bun bench/load/engine-ceiling.ts '{"workers":2,"seconds":10,"track":false,"frame":"/path/person.jpg"}'
 * Keeps two frames per worker in flight and prints frames per second. With track, each frame is followed
 * from the previous frame's face position (a session's steady state: the detector is skipped).
 */
import { readFileSync } from "node:fs";
import { ANALYSIS_WORKER_URL } from "../../src/analysis-worker-url";
import { DEFAULT_THRESHOLDS } from "../../src/analysis/thresholds";
import type { Roi } from "../../src/engine/types";
import type { AnalysisJob, AnalysisResult, AnalysisWorkerData } from "../../src/pool/analysis-job";
import { WorkerPool } from "../../src/pool/worker-pool";

const { workers, seconds, track, frame } = JSON.parse(process.argv[2]) as { workers: number; seconds: number; track: boolean; frame: string };
const bytes = readFileSync(frame);
const workerData: AnalysisWorkerData = { thresholds: DEFAULT_THRESHOLDS, recycleAboveHeapBytes: 96 * 1024 * 1024, maxFaces: 2, maxImagePixels: 4e7, maxImageSide: 1e4, inferenceMaxSide: 1280, engineHeapMb: 512 };
const pool = new WorkerPool<AnalysisJob, AnalysisResult>({ workerUrl: ANALYSIS_WORKER_URL, workerData, size: workers, maxQueue: 1000, queueDeadlineMs: 60_000, jobTimeoutMs: 30_000 });
await pool.whenAllReady();

let rois: Roi[] | undefined;
let done = 0;
let tracked = 0;
const deadline = performance.now() + seconds * 1000;
async function loop() {
  while (performance.now() < deadline) {
    const copy = new Uint8Array(bytes).buffer;
    const { value } = await pool.run({ image: copy, landmarks: false, track: track ? rois : undefined }, [copy]);
    if (track && value.tracking.length) rois = value.tracking;
    if (value.tracked) tracked++;
    done++;
  }
}
const started = performance.now();
await Promise.all(Array.from({ length: workers * 2 }, loop));
const elapsed = (performance.now() - started) / 1000;
await pool.close();
console.log(JSON.stringify({ workers, track, framesPerSecond: done / elapsed, frames: done, trackedShare: done ? tracked / done : 0 }));
process.exit(0);
