/**
 * The engine's own ceiling: W worker threads analysing frames in a tight loop, in-process, no HTTP.
 *   bun bench/load/engine-ceiling.ts '{"workers":2,"seconds":10,"mix":"users","frames":{"person":"/p.jpg","empty":"/e.jpg"}}'
 * Keeps two frames per worker in flight and prints frames per second, with the process's CPU time and minor
 * page faults per frame. What each frame asks of the engine, by `mix`:
 *   - "users" (default): the load bench's own users, as the server treats them (src/session/session-frames.ts):
 *     four in five at their desk, tracked from their previous frame, with the detector (full range) every
 *     `redetectEvery`-th frame (1 frame/s and a steady face: src/session/detection-policy.ts backs off from 3 s
 *     to 10 s while the face stays present, so every tenth); one in five away (an empty
 *     desk), the detector (the workers' default, short range) on every frame; every user's first frame
 *     (a new session) with the full range;
 *   - "tracked": one face tracked forever (a session's best case);
 *   - "detector": the detector on every frame, nothing tracked.
 * The old form `"track": true|false, "frame": path` still works (tracked / detector on that frame).
 * `warmupSeconds` (default 0) runs the same loop first without counting: each worker's WASM runtime is
 * recompiled at its optimising tier during its first tens of seconds of work (JSC's "Wasm Worklist" threads,
 * shared by every worker of a process; bench/results/workers-in-one-process.md), and a server at capacity has
 * long finished that, so a ceiling to compare with it should too.
 */
import { readFileSync } from "node:fs";
import { ANALYSIS_WORKER_URL } from "../../src/analysis-worker-url";
import { DEFAULT_THRESHOLDS } from "../../src/analysis/thresholds";
import type { Roi } from "../../src/engine/types";
import type { FrameOutcome } from "../../src/frame/frame-contract";
import type { AnalysisJob, AnalysisWorkerData } from "../../src/pool/analysis-job";
import { WorkerPool } from "../../src/pool/worker-pool";
import { procStat } from "../lib/proc-stat";
import { exitOnHelp } from "../lib/help";

exitOnHelp(import.meta);

export type CeilingMix = "users" | "tracked" | "detector";
interface CeilingRequest {
  workers: number;
  seconds: number;
  mix?: CeilingMix;
  frames?: { person: string; empty: string };
  /** Desk users run the detector on one frame in this many (default 10: 1 frame/s, a steady face re-detected every 10 s). */
  redetectEvery?: number;
  warmupSeconds?: number;
  /** Each loop goes on past the seconds until it has sent this many frames (its users' first frames and beyond). */
  minFramesPerLoop?: number;
  track?: boolean;
  frame?: string;
}

const request = JSON.parse(process.argv[2]) as CeilingRequest;
const { workers, seconds } = request;
const mix: CeilingMix = request.mix ?? (request.track === undefined ? "users" : request.track ? "tracked" : "detector");
const person = readFileSync(request.frames?.person ?? request.frame!);
const empty = request.frames?.empty ? readFileSync(request.frames.empty) : null;
if (mix === "users" && !empty) throw new Error('mix "users" needs frames.empty');
const redetectEvery = request.redetectEvery ?? 10;

const workerData: AnalysisWorkerData = {
  thresholds: DEFAULT_THRESHOLDS,
  recycleAboveHeapBytes: 96 * 1024 * 1024,
  maxFaces: 2,
  maxImagePixels: 4e7,
  maxImageSide: 1e4,
  inferenceMaxSide: 1280,
  engineHeapMb: 512,
};
const pool = new WorkerPool<AnalysisJob, FrameOutcome>({
  workerUrl: ANALYSIS_WORKER_URL,
  workerData,
  size: workers,
  maxQueue: 1000,
  queueDeadlineMs: 60_000,
  jobTimeoutMs: 30_000,
});
await pool.whenAllReady();

/** One simulated user: what it sends and what the server would remember between its frames. */
interface SimUser {
  away: boolean;
  rois: Roi[] | undefined;
  frames: number;
}
// Ten users per loop (eight at the desk, two away), as many loops as frames in flight: every loop owns its users,
// so each user's frames are in order, as a session's are.
const makeUsers = (): SimUser[] =>
  Array.from({ length: 10 }, (_, i) => ({ away: mix === "users" && i % 5 === 4, rois: undefined, frames: 0 }));

function jobFor(user: SimUser, image: ArrayBuffer): AnalysisJob {
  if (mix === "detector") return { image, landmarks: false };
  if (mix === "tracked") return { image, landmarks: false, track: user.rois };
  // A session's first frame looks with the full range (session-frames.ts faceSearch), whoever sends it.
  if (user.frames === 0) return { image, landmarks: false, detector: "full" };
  if (user.away) return { image, landmarks: false };
  // A desk user: tracked, except the periodic look for a second person (full range), as session-frames.ts faceSearch does.
  const periodic = user.rois !== undefined && user.frames % redetectEvery === 0;
  return periodic ? { image, landmarks: false, detector: "full" } : { image, landmarks: false, track: user.rois };
}

const counts = { done: 0, tracked: 0, detectorRuns: 0, fullRange: 0 };
const countFrom = performance.now() + (request.warmupSeconds ?? 0) * 1000;
const deadline = countFrom + seconds * 1000;
const minFramesPerLoop = request.minFramesPerLoop ?? 0;
async function loop() {
  const users = makeUsers();
  for (let turn = 0; turn < minFramesPerLoop || performance.now() < deadline; turn++) {
    const user = users[turn % users.length];
    const copy = new Uint8Array(user.away ? empty! : person).buffer;
    const job = jobFor(user, copy);
    const { value } = await pool.run(job, [copy]);
    user.frames++;
    if (mix !== "detector") user.rois = value.tracking.length ? value.tracking : undefined;
    if (performance.now() < countFrom) continue;
    if (value.tracked) counts.tracked++;
    else counts.detectorRuns++;
    if (!value.tracked && job.detector === "full") counts.fullRange++;
    counts.done++;
  }
}

/** This process's CPU time and minor faults, from /proc (all threads: the workers too). */
const selfStat = () => procStat("self");

let before = selfStat();
let started = performance.now();
const startCounting = setTimeout(
  () => {
    before = selfStat();
    started = performance.now();
  },
  Math.max(0, countFrom - performance.now()),
);
await Promise.all(Array.from({ length: workers * 2 }, loop));
clearTimeout(startCounting);
const elapsed = (performance.now() - started) / 1000;
const after = selfStat();
await pool.close();
const { done } = counts;
const perFrame = (v: number) => (done ? Number((v / done).toFixed(2)) : 0);
console.log(
  JSON.stringify({
    workers,
    mix,
    track: mix === "tracked",
    framesPerSecond: done / elapsed,
    frames: done,
    trackedShare: done ? counts.tracked / done : 0,
    fullRangeShare: done ? counts.fullRange / done : 0,
    // Ticks are 10 ms (USER_HZ 100).
    cpuMsPerFrame: perFrame(after.cpuMs - before.cpuMs),
    kernelMsPerFrame: perFrame(after.systemMs - before.systemMs),
    minorFaultsPerFrame: perFrame(after.minorFaults - before.minorFaults),
  }),
);
process.exit(0);
