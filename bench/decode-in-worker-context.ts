/**
 * What a webcam frame's decode costs where Vigil really decodes: in a thread that also holds the models.
 *   npx bun bench/decode-in-worker-context.ts
 *
 * The decoder comparison (bench/decoders.ts) decodes in a process holding nothing else. A worker also holds
 * MediaPipe (two WASM heaps and the graphs' JS objects), and the server showed decodes far slower than that
 * comparison. Measured here: Vigil's decode (Bun.Image, src/image/decode.ts) against WASM mozjpeg
 * (src/image/wasm-codecs.ts) on the load bench's 640x480 webcam JPEG, before and after the engine is loaded
 * in the same thread, back to back and with a pause before each decode (frames come once a second). Also
 * what the engine's two WASM heaps hold after loading and after frames of growing size (they never shrink;
 * VIGIL_WORKER_RECYCLE_HEAP_MB is set from these). Writes bench/results/decode-in-worker-context.{json,md}.
 */
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { FaceEngine } from "../src/engine/face-engine";
import { decodeImage } from "../src/image/decode";
import { loadWasmCodecs } from "../src/image/wasm-codecs";
import { benchFrames } from "./lib/frames";

const RUNS = 25;
const PAUSES_MS = [0, 100];

const { person } = await benchFrames();
const bunImage = () => decodeImage(person, { maxPixels: 16e6, maxSide: 10_000 }, { fitWithin: 1280 });

async function medianMs(decode: () => Promise<unknown>, pauseMs: number): Promise<number> {
  for (let i = 0; i < 5; i++) await decode();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    if (pauseMs) await Bun.sleep(pauseMs);
    const started = performance.now();
    await decode();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(RUNS / 2)] * 100) / 100;
}

const decodeRows: Array<{ decoder: string; thread: string; pauseMs: number; medianMs: number }> = [];
async function measure(decoder: string, decode: () => Promise<unknown>, thread: string) {
  for (const pauseMs of PAUSES_MS) decodeRows.push({ decoder, thread, pauseMs, medianMs: await medianMs(decode, pauseMs) });
}

// Order matters: whatever is loaded stays loaded, so the thread only ever gains weight from row to row.
// A worker holds the models and Bun.Image, not the WASM codecs; those come last, for comparison.
await measure("Bun.Image (Vigil's decode)", bunImage, "nothing else loaded");
const engine = await FaceEngine.create({});
await measure("Bun.Image (Vigil's decode)", bunImage, "the models loaded (what a worker holds)");
const codecs = await loadWasmCodecs();
await measure("WASM mozjpeg", () => codecs.jpeg(person.slice().buffer), "the models and the WASM codecs loaded");
await measure("Bun.Image (Vigil's decode)", bunImage, "the models and the WASM codecs loaded");
const mb = () => Math.round((engine.heapBytes() / 2 ** 20) * 10) / 10;
const heapRows: Array<{ after: string; heapMb: number }> = [{ after: "loading (with warm-up)", heapMb: mb() }];
for (const side of [640, 1280, 2000, 4000]) {
  engine.analyze({ data: new Uint8Array(side * side * 4).fill(128), width: side, height: side });
  heapRows.push({ after: `a ${side}x${side} frame`, heapMb: mb() });
}
engine.close();

const report = { date: new Date().toISOString(), machine: `${cpus().length} x ${cpus()[0]?.model}`, loadAverage: loadavg(), frame: "640x480 JPEG q85 (bench/lib/frames.ts)", runs: RUNS, decode: decodeRows, engineHeaps: heapRows };
const out = new URL("./results/", import.meta.url);
writeFileSync(new URL("decode-in-worker-context.json", out), JSON.stringify(report, null, 2));
writeFileSync(
  new URL("decode-in-worker-context.md", out),
  `# Decode in a worker's context, and the engine's heaps (${report.date.slice(0, 10)})

${report.machine}; load average ${report.loadAverage.map((l) => l.toFixed(2)).join(" ")}; ${report.frame}; median of ${RUNS}
decodes after 5 warm-ups. Command: \`npx bun bench/decode-in-worker-context.ts\`.

| decoder | thread | pause before each decode | median ms |
| --- | --- | --- | --- |
${decodeRows.map((r) => `| ${r.decoder} | ${r.thread} | ${r.pauseMs} ms | ${r.medianMs} |`).join("\n")}

The engine's two WASM heaps (detector + landmark model), which never shrink:

| after | MB |
| --- | --- |
${heapRows.map((r) => `| ${r.after} | ${r.heapMb} |`).join("\n")}
`,
);
console.log(JSON.stringify({ decode: decodeRows, engineHeaps: heapRows }));
