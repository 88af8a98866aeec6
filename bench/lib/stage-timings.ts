/**
 * Per-stage cost of one analysis, in whatever runtime runs this file (Bun directly, or Node 20 through a
 * bundle made by bench/engine-stages.ts):  stage-timings.ts [RUNS]. Prints one JSON object: medians of RUNS
 * (50) runs after 5 warm-ups. Decoding uses the per-format decoders directly (Bun.Image in Bun, the WASM
 * codecs of wasm-codecs.ts in Node, which has no Bun.Image).
 */
import { readFileSync } from "node:fs";
import { measureFace } from "../../src/analysis/face-measures";
import { imageQuality } from "../../src/analysis/image-quality";
import { DEFAULT_THRESHOLDS } from "../../src/analysis/thresholds";
import { FaceEngine } from "../../src/engine/face-engine";
import { loadDecoders } from "../../src/image/decode";
import { loadWasmCodecs } from "./wasm-codecs";

const RUNS = Number(process.argv[2] ?? 50);
const WARMUP = 5;
// Given by the runner (the Node bundle lives elsewhere); the repo's fixtures by default.
const fixtures = process.env.VIGIL_FIXTURES ?? new URL("../../tests/fixtures/", import.meta.url).pathname;
const fixture = (name: string) => new Uint8Array(readFileSync(`${fixtures}/${name}`));

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

async function main() {
  const t0 = performance.now();
  const engine = await FaceEngine.create();
  const loadMs = performance.now() - t0;
  const decoders = typeof Bun === "undefined" ? await loadWasmCodecs() : await loadDecoders();
  const jpeg = fixture("grace_hopper.jpg");
  const stages: Record<string, number[]> = {
    decode: [],
    detect: [],
    detectShortRange: [],
    crop: [],
    landmarks: [],
    merge: [],
    measures: [],
    total: [],
    trackedTotal: [],
  };
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const start = performance.now();
    const decoded = await decoders.jpeg(jpeg.slice().buffer);
    const frame = { data: new Uint8Array(decoded.data.buffer), width: decoded.width, height: decoded.height };
    const decodedAt = performance.now();
    const result = engine.analyze(frame);
    const analysedAt = performance.now();
    for (const face of result.faces) measureFace(face.landmarks, DEFAULT_THRESHOLDS);
    imageQuality(frame, result.faces[0]?.box ?? null, DEFAULT_THRESHOLDS.quality);
    const end = performance.now();
    // The same frame again, tracked from this one: what a session's next frame costs.
    const trackedStart = performance.now();
    engine.analyze(frame, { track: result.faces.map((f) => f.roi) });
    const trackedEnd = performance.now();
    // The webcam frames' detector (the workers' default): the short-range model on the same frame.
    const shortRange = engine.analyze(frame, { detector: "short" });
    if (i < WARMUP) continue;
    stages.detectShortRange.push(shortRange.timings.detectMs);
    stages.decode.push(decodedAt - start);
    stages.detect.push(result.timings.detectMs);
    stages.crop.push(result.timings.cropMs);
    stages.landmarks.push(result.timings.landmarksMs);
    stages.merge.push(result.timings.mergeMs);
    stages.measures.push(end - analysedAt);
    stages.total.push(end - start);
    stages.trackedTotal.push(trackedEnd - trackedStart + (decodedAt - start));
  }
  engine.close();
  const runtime = typeof Bun !== "undefined" ? `Bun ${Bun.version}` : `Node ${process.version}`;
  const medians = Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, Number(median(v).toFixed(2))]));
  console.log(
    JSON.stringify({
      runtime,
      photo: "grace_hopper.jpg (512x600 JPEG)",
      runs: RUNS,
      modelLoadMs: Number(loadMs.toFixed(0)),
      medianMs: medians,
    }),
  );
}

await main();
