/**
 * Is an empty desk's quick look (src/frame/quick-look.ts: the frame decoded to 160 px, the
 * short-range detector on it) as good at noticing someone as the same detector on the whole frame, and what
 * does it save?  bun bench/experiments/quick-look.ts
 *
 * Every real photo of a person the project holds (tests/fixtures and the eye-state set bench/data/eyes, plus its
 * external part when present: VIGIL_EYES_EXTERNAL or bench/data/eyes/external) goes through two analyzers with the
 * workers' short-range detector: one decoding the whole frame (up to 1280 px), one decoding it for the quick look.
 * The count that matters is the photos where the quick look finds nobody and the whole frame finds someone: a
 * session would report that person away. Then the CPU of an empty desk's frame (the load bench's 640x480 webcam
 * frame of fruits.jpg) each way, in alternating rounds. Writes bench/results/quick-look.{json,md}.
 */
import { readdirSync, existsSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join, relative } from "node:path";
import { DEFAULT_THRESHOLDS } from "../../src/analysis/thresholds";
import { FrameAnalyzer } from "../../src/frame/frame-analyzer";
import { QUICK_LOOK_SIDE } from "../../src/frame/quick-look";
import { alternatingRounds } from "../lib/alternating-rounds";
import { benchFrames } from "../lib/frames";
import { exitOnHelp } from "../lib/help";

exitOnHelp(import.meta);

const here = new URL(".", import.meta.url).pathname;
const repo = join(here, "../..");
const folders = [join(repo, "tests/fixtures"), join(repo, "bench/data/eyes/debian"), join(repo, "bench/data/eyes/npm")];
const external = process.env.VIGIL_EYES_EXTERNAL ?? join(repo, "bench/data/eyes/external");
if (existsSync(external)) for (const part of readdirSync(external)) folders.push(join(external, part));
const photos = folders.flatMap((folder) =>
  readdirSync(folder)
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .map((f) => join(folder, f)),
);

const settings = {
  maxFaces: 2,
  defaultDetector: "short" as const,
  limits: { maxPixels: 5e7, maxSide: 10_000 },
  thresholds: DEFAULT_THRESHOLDS,
};
const whole = await FrameAnalyzer.create({ ...settings, inferenceMaxSide: 1280 });
const quick = await FrameAnalyzer.create({ ...settings, inferenceMaxSide: QUICK_LOOK_SIDE });

const disagreements: Array<{ photo: string; whole: number; quick: number }> = [];
let facesWhole = 0;
let facesQuick = 0;
let photosWithSomeone = 0;
let missedPeople = 0;
for (const photo of photos) {
  const bytes = await Bun.file(photo).bytes();
  const [w, q] = [
    (await whole.analyze(bytes, { landmarks: false })).person.count,
    (await quick.analyze(bytes, { landmarks: false })).person.count,
  ];
  facesWhole += w;
  facesQuick += q;
  if (w > 0) photosWithSomeone++;
  if (w > 0 && q === 0) missedPeople++;
  if (w !== q) disagreements.push({ photo: relative(repo, photo), whole: w, quick: q });
}

// CPU of an empty desk's frame, each way.
const { empty } = await benchFrames();
const FRAMES = 150;
const ROUNDS = 4;
const emptyDesk = async (expectEmpty: boolean) => void (await whole.analyze(empty, { landmarks: false, expectEmpty }));
const totals = await alternatingRounds(
  { whole: () => emptyDesk(false), quick: () => emptyDesk(true) },
  { rounds: ROUNDS, calls: FRAMES, warmUpCalls: FRAMES },
);
const cpu = { whole: totals.whole.cpuMs / totals.whole.calls, quick: totals.quick.cpuMs / totals.quick.calls };
whole.close();
quick.close();

const results = {
  date: new Date().toISOString(),
  machine: `${cpus().length} x ${cpus()[0]?.model.trim()}`,
  runtime: `Bun ${Bun.version}`,
  quickLookSide: QUICK_LOOK_SIDE,
  photos: photos.length,
  externalIncluded: existsSync(external),
  photosWithSomeone,
  facesWhole,
  facesQuick,
  missedPeople,
  disagreements,
  emptyDeskCpuMsPerFrame: { whole: +cpu.whole.toFixed(2), quick: +cpu.quick.toFixed(2) },
};
const md = `# An empty desk's quick look against a whole-frame look (${results.date.slice(0, 10)})

${results.machine}, ${results.runtime}. Command: \`bun bench/experiments/quick-look.ts\`${results.externalIncluded ? " (with the eye set's external part)" : ""}.
The short-range detector (the workers' default) on ${results.photos} real photos (tests/fixtures, bench/data/eyes${results.externalIncluded ? " including external/" : ""}),
once decoded whole (up to 1280 px) and once decoded for the quick look (${QUICK_LOOK_SIDE} px on the long side).

| | whole frame | quick look |
| --- | --- | --- |
| faces found (sum over the photos) | ${facesWhole} | ${facesQuick} |
| CPU ms per empty-desk frame (640x480 webcam JPEG, decode + detector + quality; ${ROUNDS} rounds of ${FRAMES} each way) | ${results.emptyDeskCpuMsPerFrame.whole} | ${results.emptyDeskCpuMsPerFrame.quick} |

Photos with someone in them (whole frame): ${photosWithSomeone}; of those, the quick look found nobody in **${missedPeople}**
(a session would have reported that person away).

${disagreements.length ? `Photos where the counts differ:\n\n| photo | faces, whole | faces, quick look |\n| --- | --- | --- |\n${disagreements.map((d) => `| ${d.photo} | ${d.whole} | ${d.quick} |`).join("\n")}\n` : "The counts agree on every photo.\n"}`;
writeFileSync(join(repo, "bench/results/quick-look.json"), JSON.stringify(results, null, 2) + "\n");
writeFileSync(join(repo, "bench/results/quick-look.md"), md);
console.log(md);
