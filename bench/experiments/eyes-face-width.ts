/**
 * How the eye answer holds up as the face gets smaller: every labelled face of bench/data/eyes framed as a
 * student sitting back from a laptop camera (bench/eval-eyes.ts smallFraming: the photo scaled so the face is
 * N px wide, centred in a 640x480 frame), through the real engine and the service's per-frame rule (lids and
 * pixels, the shipped model), at several widths.
 *
 *   VIGIL_EYES_EXTERNAL=DIR npx bun bench/experiments/eyes-face-width.ts [--widths 40,50,60,70,90] [--out DIR]
 *
 * Per width: faces found, closed eyes caught, open eyes called closed, looking-down faces with an eye called
 * closed, and the same for the lids alone. The shipped classifier was trained on these people (at 90 px among
 * other framings), so the figures show what size does, not how it does on strangers (eyes-appearance.md).
 * Writes eyes-face-width.{json,md} to bench/results/ (or --out DIR).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_THRESHOLDS } from "../../src/analysis/thresholds";
import { collect, summarise, type EyeObservation } from "../eval-eyes";
import { exitOnHelp } from "../lib/help";

exitOnHelp(import.meta);
const { values: args } = parseArgs({
  options: { widths: { type: "string" }, out: { type: "string" } },
});
const widths = (args.widths ?? "40,50,60,70,90").split(",").map(Number);
if (widths.some((w) => !(w >= 16 && w <= 640))) throw new Error("--widths: face widths in pixels, 16 to 640");

interface Row {
  facePx: number;
  faces: number;
  found: number;
  closed: number;
  caught: number;
  caughtByLids: number;
  open: number;
  openCalledClosed: number;
  openCalledClosedByLids: number;
  lookingDownFaces: number;
  lookingDownWithAnEyeClosed: number;
}

const rows: Row[] = [];
for (const facePx of widths) {
  const started = Date.now();
  const { eyes, faces } = await collect(DEFAULT_THRESHOLDS, { smallFacePx: facePx });
  // Faces already under the width are not framed: only the framed ones count, so every row is one size.
  const framed = (e: EyeObservation) => e.variant === "small" && !e.uncertain;
  const sure = eyes.filter(framed);
  const summary = summarise(eyes, faces, "small");
  const down = summary.lookingDown;
  rows.push({
    facePx,
    faces: summary.facesLabelled,
    found: summary.facesDetected,
    closed: sure.filter((e) => e.label === "closed").length,
    caught: sure.filter((e) => e.label === "closed" && e.closed).length,
    caughtByLids: sure.filter((e) => e.label === "closed" && e.closedByLids).length,
    open: sure.filter((e) => e.label === "open").length,
    openCalledClosed: sure.filter((e) => e.label === "open" && e.closed).length,
    openCalledClosedByLids: sure.filter((e) => e.label === "open" && e.closedByLids).length,
    lookingDownFaces: down.sure,
    lookingDownWithAnEyeClosed: down.calledClosed,
  });
  console.log(`${facePx} px: ${JSON.stringify(rows.at(-1))} (${Math.round((Date.now() - started) / 1000)} s)`);
}

const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}%` : "n/a");
const date = new Date().toISOString();
const md = [
  "# Eye state by face width",
  "",
  `${date.slice(0, 16).replace("T", " ")} UTC, \`npx bun bench/experiments/eyes-face-width.ts --widths ${widths.join(",")}\` ` +
    "(VIGIL_EYES_EXTERNAL set: the committed and external parts of bench/data/eyes).",
  "",
  "Each labelled face larger than the width, scaled so that it is that wide and centred in a 640x480 frame " +
    "(bench/eval-eyes.ts smallFraming), through the engine and the service's per-frame rule at the defaults " +
    "(lids and pixels; in brackets the lids alone). The classifier was trained on these people, the 90 px " +
    "framing among others: these figures show what size does, not how the model does on strangers.",
  "",
  "| face width | faces found | closed eyes caught | recall | open eyes called closed | looking-down faces with an eye closed |",
  "| --- | --- | --- | --- | --- | --- |",
  ...rows.map(
    (r) =>
      `| ${r.facePx} px | ${r.found} of ${r.faces} | ${r.caught} (${r.caughtByLids}) of ${r.closed} | ${pct(r.caught, r.closed)} | ` +
      `${r.openCalledClosed} (${r.openCalledClosedByLids}) of ${r.open} (${pct(r.openCalledClosed, r.open)}) | ` +
      `${r.lookingDownWithAnEyeClosed} of ${r.lookingDownFaces} |`,
  ),
  "",
].join("\n");
const out = args.out ?? new URL("../results/", import.meta.url).pathname;
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "eyes-face-width.json"), `${JSON.stringify({ date, widths, rows }, null, 1)}\n`);
writeFileSync(join(out, "eyes-face-width.md"), md);
console.log(md);
