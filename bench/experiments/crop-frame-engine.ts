/**
 * What the engine spends on a face-crop frame, with the crop copied (a 192 px crop at the model's size, the
 * whole image upright: src/engine/crop.ts) against the same crop put through the rotated warp (the ROI turned
 * by 1e-9 rad, which samples the same pixels by the general path). One engine, in this thread, the two
 * alternating in rounds so that the machine's drift falls on both:  bun bench/experiments/crop-frame-engine.ts [--rounds 4]
 * Writes bench/results/crop-frame-engine.{json,md}. Numbers to read, not asserted anywhere.
 */
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { FaceEngine } from "../../src/engine/face-engine";
import { alternatingRounds } from "../lib/alternating-rounds";
import { benchCropFrame } from "../lib/bench-crop-frame";
import { exitOnHelp } from "../lib/help";

exitOnHelp(import.meta);

/** The two stages this bench reports. */
const pickStages = ({ cropMs, landmarksMs }: { cropMs: number; landmarksMs: number }) => ({ cropMs, landmarksMs });

const { values: args } = parseArgs({ options: { rounds: { type: "string" }, frames: { type: "string" } } });
const ROUNDS = Number(args.rounds ?? 4);
const FRAMES = Number(args.frames ?? 200);
const engine = await FaceEngine.create({ defaultDetector: "short" });
const { crop, whole } = await benchCropFrame(engine);
const ways = {
  copied: [whole],
  warped: [{ ...whole, rotation: 1e-9 }],
};
type Way = keyof typeof ways;
const totals = await alternatingRounds(
  {
    copied: () => pickStages(engine.analyze(crop, { track: ways.copied }).timings),
    warped: () => pickStages(engine.analyze(crop, { track: ways.warped }).timings),
  },
  { rounds: ROUNDS, calls: FRAMES, warmUpCalls: 50 },
);
engine.close();

const per = (way: Way) => {
  const t = totals[way];
  return {
    cpuMsPerFrame: +(t.cpuMs / t.calls).toFixed(2),
    cropMsPerFrame: +(t.stagesMs.cropMs / t.calls).toFixed(3),
    landmarksMsPerFrame: +(t.stagesMs.landmarksMs / t.calls).toFixed(2),
    frames: t.calls,
  };
};
const results = {
  date: new Date().toISOString(),
  machine: `${cpus().length} x ${cpus()[0]?.model.trim()}`,
  runtime: `Bun ${Bun.version}`,
  copied: per("copied"),
  warped: per("warped"),
};
const md = `# Face-crop frames in the engine: copied against warped (${results.date.slice(0, 10)})

${results.machine}, ${results.runtime}. Command: \`bun bench/experiments/crop-frame-engine.ts --rounds ${ROUNDS} --frames ${FRAMES}\`. One engine in
one thread, a 192x192 face crop (the bench's webcam frame, cut as the clients cut it) analysed as a tracked face,
${ROUNDS} alternating rounds of ${FRAMES} frames each way; CPU of the whole process.

| crop | CPU ms per frame | crop stage ms | landmark model ms |
| --- | --- | --- | --- |
| copied (the whole image at the model's size, upright) | ${results.copied.cpuMsPerFrame} | ${results.copied.cropMsPerFrame} | ${results.copied.landmarksMsPerFrame} |
| warped (the same ROI turned 1e-9 rad: the general path) | ${results.warped.cpuMsPerFrame} | ${results.warped.cropMsPerFrame} | ${results.warped.landmarksMsPerFrame} |
`;
writeFileSync(new URL("../results/crop-frame-engine.json", import.meta.url), JSON.stringify(results, null, 2) + "\n");
writeFileSync(new URL("../results/crop-frame-engine.md", import.meta.url), md);
console.log(md);
