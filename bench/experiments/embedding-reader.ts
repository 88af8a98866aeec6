/**
 * What reading the landmark model's tensors costs: straight from the graph's result bytes (the embedding tap,
 * src/engine/embedding-tap.ts) against the bundle's own result objects. Two engines in this thread, one each
 * way, analysing the same 192x192 face crop as a tracked face (a face-crop frame's engine work), in
 * alternating rounds so that the machine's drift falls on both; CPU of the whole process (the bundle's
 * garbage is collected on helper threads):  bun bench/experiments/embedding-reader.ts [--rounds 4] [--frames 200]
 * Writes bench/results/embedding-reader.{json,md}. Numbers to read, not asserted anywhere.
 */
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { FaceEngine } from "../../src/engine/face-engine";
import { alternatingRounds } from "../lib/alternating-rounds";
import { benchCropFrame } from "../lib/bench-crop-frame";
import { exitOnHelp } from "../lib/help";

exitOnHelp(import.meta);

const { values: args } = parseArgs({ options: { rounds: { type: "string" }, frames: { type: "string" } } });
const ROUNDS = Number(args.rounds ?? 4);
const FRAMES = Number(args.frames ?? 200);
const engines = {
  tapped: await FaceEngine.create({ defaultDetector: "short" }),
  bundle: await FaceEngine.create({ defaultDetector: "short", tapLandmarkTensors: false }),
};
if (!engines.tapped.landmarkTensorsTapped)
  throw new Error("the embedding tap did not pass its start-up check: nothing to compare");
type Way = keyof typeof engines;
const { crop, whole } = await benchCropFrame(engines.tapped);
const track = [whole];

// The two ways must see the same face: same landmarks, to the last bit.
const [a, b] = [engines.tapped.analyze(crop, { track }), engines.bundle.analyze(crop, { track })];
if (JSON.stringify(a.faces[0]?.landmarks) !== JSON.stringify(b.faces[0]?.landmarks))
  throw new Error("the tapped and the bundle's tensors gave different landmarks");

const landmarksOnly = (way: Way) => ({ landmarksMs: engines[way].analyze(crop, { track }).timings.landmarksMs });
const totals = await alternatingRounds(
  { tapped: () => landmarksOnly("tapped"), bundle: () => landmarksOnly("bundle") },
  { rounds: ROUNDS, calls: FRAMES, warmUpCalls: 50 },
);
for (const engine of Object.values(engines)) engine.close();

const per = (way: Way) => {
  const t = totals[way];
  return {
    cpuMsPerFrame: +(t.cpuMs / t.calls).toFixed(2),
    landmarksMsPerFrame: +(t.stagesMs.landmarksMs / t.calls).toFixed(2),
    frames: t.calls,
  };
};
const results = {
  date: new Date().toISOString(),
  machine: `${cpus().length} x ${cpus()[0]?.model.trim()}`,
  runtime: `Bun ${Bun.version}`,
  tapped: per("tapped"),
  bundle: per("bundle"),
};
const md = `# The landmark model's tensors: read from the result bytes against the bundle's objects (${results.date.slice(0, 10)})

${results.machine}, ${results.runtime}. Command: \`bun bench/experiments/embedding-reader.ts --rounds ${ROUNDS} --frames ${FRAMES}\`. Two engines in
one thread, a 192x192 face crop (the bench's webcam frame, cut as the clients cut it) analysed as a tracked face,
${ROUNDS} alternating rounds of ${FRAMES} frames each way; CPU of the whole process (garbage collection runs on helper
threads). Both ways gave the same landmarks, bit for bit. "landmark model ms" is the wall time of the embed call,
reading the tensors included.

| tensors read | CPU ms per frame | landmark model ms |
| --- | --- | --- |
| from the result bytes (src/engine/embedding-tap.ts, the default) | ${results.tapped.cpuMsPerFrame} | ${results.tapped.landmarksMsPerFrame} |
| through the bundle's result objects (\`tapLandmarkTensors: false\`) | ${results.bundle.cpuMsPerFrame} | ${results.bundle.landmarksMsPerFrame} |
`;
writeFileSync(new URL("../results/embedding-reader.json", import.meta.url), JSON.stringify(results, null, 2) + "\n");
writeFileSync(new URL("../results/embedding-reader.md", import.meta.url), md);
console.log(md);
