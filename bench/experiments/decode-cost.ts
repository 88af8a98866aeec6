/**
 * CPU time (not wall time) of decoding the load bench's 640x480 webcam JPEG in a thread that holds the models,
 * as a worker does: Vigil's decode (Bun.Image, into a reused buffer) at several target sizes, against WASM
 * mozjpeg (bench/lib/wasm-codecs.ts), each alone and followed by the engine (short-range detection and
 * landmarks) as a frame is. CPU is the whole process's (/proc/self/stat: Bun.Image works on Bun's thread
 * pool), minor faults too.
 *   bun bench/experiments/decode-cost.ts            (run it under each MIMALLOC_PURGE_DELAY to compare)
 * Prints JSON lines; bench/results/decode-cost.md records what they said.
 */
import { FaceEngine } from "../../src/engine/face-engine";
import { decodeImage } from "../../src/image/decode";
import { FrameBuffer } from "../../src/image/frame-buffer";
import { loadWasmCodecs } from "../lib/wasm-codecs";
import { benchFrames } from "../lib/frames";
import { procStat } from "../lib/proc-stat";
import { exitOnHelp } from "../lib/help";

exitOnHelp(import.meta);

const RUNS = 150;
const { person } = await benchFrames();
const engine = await FaceEngine.create({ defaultDetector: "short" });
const codecs = await loadWasmCodecs();
const pixels = new FrameBuffer(64e6);
const limits = { maxPixels: 1e8, maxSide: 1e4 };

const counters = () => {
  const s = procStat("self");
  return { faults: s.minorFaults, cpuMs: s.cpuMs };
};

type Decode = () => Promise<{ data: Uint8Array | Uint8ClampedArray; width: number; height: number }>;
async function measure(name: string, decode: Decode, withEngine: boolean) {
  for (let i = 0; i < 10; i++) await decode();
  const before = counters();
  const started = performance.now();
  let size = "";
  for (let i = 0; i < RUNS; i++) {
    const frame = await decode();
    size = `${frame.width}x${frame.height}`;
    if (withEngine) engine.analyze({ data: frame.data, width: frame.width, height: frame.height });
  }
  const after = counters();
  console.log(
    JSON.stringify({
      decoder: name,
      size,
      withEngine,
      mimallocPurgeDelay: process.env.MIMALLOC_PURGE_DELAY ?? "default",
      cpuMsPerFrame: Number(((after.cpuMs - before.cpuMs) / RUNS).toFixed(2)),
      wallMsPerFrame: Number(((performance.now() - started) / RUNS).toFixed(2)),
      faultsPerFrame: Math.round((after.faults - before.faults) / RUNS),
    }),
  );
}

for (const fit of [640, 320, 160])
  await measure(
    `Bun.Image, fit ${fit}`,
    () => decodeImage(person, limits, { fitWithin: fit, output: pixels.take }),
    false,
  );
await measure("WASM mozjpeg", () => codecs.jpeg(person.slice().buffer), false);
await measure("Bun.Image, fit 640", () => decodeImage(person, limits, { fitWithin: 640, output: pixels.take }), true);
await measure("WASM mozjpeg", () => codecs.jpeg(person.slice().buffer), true);
engine.close();
