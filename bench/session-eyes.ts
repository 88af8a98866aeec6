/**
 * The numbers behind a session's eye rules (docs/sessions.md):
 *   bun bench/session-eyes.ts [--data bench/data/eyes]
 *
 * 1. Shut over open EAR of the same person: the evaluation set's same-person pairs (the Yale faces'
 *    `subjectNN-normal` and `subjectNN-sleepy`, eyes open and shut under the same light and pose), per eye.
 *    This is what `closedBelowBaseline` must sit above: 80% closed (PERCLOS P80) is s + 0.2 (b - s).
 * 2. Jitter of EAR on a still face: one real photo sent again and again in one session (tracked frames and
 *    the periodic re-detection, as a real session runs), as it is, and moved by 1-3 px between frames as a
 *    still user in front of a webcam moves.
 * 3. What a One Euro filter (Casiez et al., CHI 2012; MediaPipe's landmark smoothing) would do at 1 frame/s:
 *    how much of that jitter it removes, and how many frames late it lets a real closure (the same person's
 *    open then shut EARs) cross the session's closed threshold.
 * Writes bench/results/session-eyes.{json,md}.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { decodeImage } from "../src/image/decode";
import { DEFAULT_SESSION_RULES } from "../src/session/session-config";
import { encodePng } from "./lib/png";
import { startBenchServer } from "./lib/server-process";

const repo = new URL("../", import.meta.url).pathname;
const dataArg = process.argv.indexOf("--data");
const dataDir = dataArg > 0 ? process.argv[dataArg + 1] : join(repo, "bench/data/eyes");
const yaleDir = join(dataDir, "external/yale");
const STILL_PHOTOS = ["grace_hopper.jpg", "astronaut.png"];
const FRAMES = 40;

type Ears = { left: number; right: number };
const { url, child } = await startBenchServer(1);

async function analyze(body: Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/v1/analyze`, { method: "POST", body, headers: { "content-type": "image/png", ...headers } });
  const answer = await response.json();
  if (!response.ok) throw new Error(JSON.stringify(answer));
  return answer;
}

const earsOf = (answer: any): Ears | null => (answer.faces[0] ? { left: answer.faces[0].eyes.left.ear, right: answer.faces[0].eyes.right.ear } : null);
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const std = (v: number[]) => Math.sqrt(mean(v.map((x) => (x - mean(v)) ** 2)));
const round = (x: number, digits = 4) => Number(x.toFixed(digits));

/** One Euro filter (Casiez, Roussel & Vogel 2012) of a series sampled every `periodS` seconds. */
function oneEuro(series: number[], periodS: number, minCutoff: number, beta: number, dCutoff = 1): number[] {
  const alpha = (cutoff: number) => 1 / (1 + 1 / (2 * Math.PI * cutoff) / periodS);
  let x = series[0];
  let dx = 0;
  return series.map((value, i) => {
    if (i === 0) return value;
    dx += alpha(dCutoff) * ((value - x) / periodS - dx);
    x += alpha(minCutoff + beta * Math.abs(dx)) * (value - x);
    return x;
  });
}

try {
  // 1. Same-person pairs.
  const pairs: { subject: string; eye: "left" | "right"; open: number; shut: number; ratio: number }[] = [];
  if (existsSync(yaleDir)) {
    for (const normal of readdirSync(yaleDir).filter((f) => f.endsWith("-normal.png")).sort()) {
      const subject = normal.replace("-normal.png", "");
      const sleepy = join(yaleDir, `${subject}-sleepy.png`);
      if (!existsSync(sleepy)) continue;
      const open = earsOf(await analyze(new Uint8Array(await Bun.file(join(yaleDir, normal)).arrayBuffer())));
      const shut = earsOf(await analyze(new Uint8Array(await Bun.file(sleepy).arrayBuffer())));
      if (!open || !shut) continue;
      for (const eye of ["left", "right"] as const) pairs.push({ subject, eye, open: open[eye], shut: shut[eye], ratio: shut[eye] / open[eye] });
    }
  }
  const ratios = pairs.map((p) => p.ratio).sort((a, b) => a - b);
  const p80Share = (r: number) => r + 0.2 * (1 - r);

  // 2. Jitter on still faces, in a session.
  const jitter: { photo: string; motion: string; frames: number; tracked: number; std: Ears; range: Ears; mean: Ears; series: Ears[] }[] = [];
  const T0 = Date.now() - 3_600_000;
  for (const photo of STILL_PHOTOS) {
    const decoded = await decodeImage(new Uint8Array(await Bun.file(join(repo, "tests/fixtures", photo)).arrayBuffer()), { maxPixels: 1e8 });
    for (const motion of ["none", "1-3 px"] as const) {
      const session = `jitter-${photo}-${motion}`.replace(/[^A-Za-z0-9._:-]/g, "-");
      const series: Ears[] = [];
      let tracked = 0;
      for (let i = 0; i < FRAMES; i++) {
        // Moving: a window 6 px smaller than the photo, shifted by 0-3 px in x and y (a deterministic walk).
        const dx = motion === "none" ? 0 : [0, 1, 3, 2, 1, 0, 2, 3][i % 8];
        const dy = motion === "none" ? 0 : [1, 0, 2, 3, 0, 2, 1, 3][(i * 3) % 8];
        const w = decoded.width - (motion === "none" ? 0 : 6);
        const h = decoded.height - (motion === "none" ? 0 : 6);
        const data = new Uint8Array(w * h * 4);
        for (let y = 0; y < h; y++) data.set(decoded.data.subarray(((y + dy) * decoded.width + dx) * 4, ((y + dy) * decoded.width + dx + w) * 4), y * w * 4);
        const answer = await analyze(encodePng({ data, width: w, height: h }), { "x-session-id": session, "x-capture-time": String(T0 + i * 1000) });
        const ears = earsOf(answer);
        if (!ears) throw new Error(`no face in ${photo} frame ${i}`);
        series.push(ears);
        if (answer.tracked) tracked++;
      }
      const per = (f: (v: number[]) => number): Ears => ({ left: round(f(series.map((e) => e.left))), right: round(f(series.map((e) => e.right))) });
      jitter.push({ photo, motion, frames: FRAMES, tracked, std: per(std), range: per((v) => Math.max(...v) - Math.min(...v)), mean: per(mean), series });
    }
  }

  // 3. One Euro at 1 frame/s: jitter left, and frames of delay on a real closure.
  const settings = [
    { name: "MediaPipe face landmarks (min_cutoff 0.05, beta 80)", minCutoff: 0.05, beta: 80 },
    { name: "min_cutoff 0.1, beta 0", minCutoff: 0.1, beta: 0 },
    { name: "min_cutoff 0.3, beta 0", minCutoff: 0.3, beta: 0 },
    { name: "min_cutoff 1, beta 0", minCutoff: 1, beta: 0 },
  ];
  const filters = settings.map((s) => {
    const jitterLeft = jitter.map((j) => {
      const raw = j.series.map((e) => e.left);
      return std(oneEuro(raw, 1, s.minCutoff, s.beta).slice(5)) / Math.max(1e-9, std(raw.slice(5)));
    });
    // A closure: 10 frames open, then 10 shut (each subject's and eye's own EARs); the delay is how many
    // frames after the first shut one the filtered EAR first falls under 0.6 of the open EAR.
    const delays = pairs.map((p) => {
      const series = [...Array(10).fill(p.open), ...Array(10).fill(p.shut)];
      const filtered = oneEuro(series, 1, s.minCutoff, s.beta);
      const crossing = filtered.findIndex((v, i) => i >= 10 && v < DEFAULT_SESSION_RULES.closedBelowBaseline * p.open);
      return crossing === -1 ? Infinity : crossing - 10;
    });
    return { ...s, jitterLeftShare: jitterLeft.map((x) => round(x, 3)), closureDelayFrames: { median: delays.sort((a, b) => a - b)[Math.floor(delays.length / 2)] ?? null, max: Math.max(...delays) } };
  });

  const result = {
    date: new Date().toISOString().slice(0, 10),
    dataDir: relative(repo, dataDir),
    pairs,
    ratio: ratios.length ? { n: ratios.length, min: round(ratios[0], 3), median: round(ratios[Math.floor(ratios.length / 2)], 3), p90: round(ratios[Math.floor(0.9 * (ratios.length - 1))], 3), max: round(ratios.at(-1)!, 3) } : null,
    closedBelowBaseline: DEFAULT_SESSION_RULES.closedBelowBaseline,
    caughtAtClosedBelowBaseline: pairs.filter((p) => p.ratio < DEFAULT_SESSION_RULES.closedBelowBaseline).length,
    jitter: jitter.map(({ series, ...rest }) => rest),
    oneEuro: filters,
  };
  mkdirSync(join(repo, "bench/results"), { recursive: true });
  writeFileSync(join(repo, "bench/results/session-eyes.json"), JSON.stringify({ ...result, jitterSeries: jitter.map((j) => ({ photo: j.photo, motion: j.motion, series: j.series })) }, null, 2) + "\n");
  const r = result.ratio;
  const md = [
    `# Session eye rules: measured basis (${result.date})`,
    "",
    "`bun bench/session-eyes.ts` (see its header). docs/sessions.md explains the rules.",
    "",
    "## Shut over open EAR of the same person",
    "",
    r
      ? `${r.n} eyes (${pairs.length / 2} Yale subjects, normal vs sleepy): ratio min ${r.min}, median ${r.median}, 90th percentile ${r.p90}, max ${r.max}. ` +
        `The P80 point s + 0.2 (b - s) as a share of the open EAR b is then ${round(p80Share(r.median), 2)} at the median, ${round(p80Share(r.p90), 2)} at the 90th percentile, ${round(p80Share(r.max), 2)} at the max. ` +
        `closedBelowBaseline ${result.closedBelowBaseline} catches ${result.caughtAtClosedBelowBaseline} of ${pairs.length} shut eyes against their own open eye.`
      : "No pairs found (no Yale faces under the data directory).",
    "",
    "| subject | eye | open EAR | shut EAR | shut / open |",
    "| --- | --- | --- | --- | --- |",
    ...pairs.map((p) => `| ${p.subject} | ${p.eye} | ${p.open.toFixed(3)} | ${p.shut.toFixed(3)} | ${p.ratio.toFixed(2)} |`),
    "",
    `## Jitter of EAR on a still face (${FRAMES} frames at 1 frame/s in one session)`,
    "",
    "| photo | motion | tracked frames | EAR std left / right | EAR range left / right | mean EAR left / right |",
    "| --- | --- | --- | --- | --- | --- |",
    ...result.jitter.map((j) => `| ${j.photo} | ${j.motion} | ${j.tracked} | ${j.std.left} / ${j.std.right} | ${j.range.left} / ${j.range.right} | ${j.mean.left} / ${j.mean.right} |`),
    "",
    "## One Euro filter at 1 frame/s",
    "",
    "Jitter left: filtered over raw EAR std (left eye, frames 5 on) for each still sequence above, in order. Delay: frames after a real closure's first shut frame until the filtered EAR is under the closed threshold.",
    "",
    "| setting | jitter left | closure delay (median / max frames) |",
    "| --- | --- | --- |",
    ...filters.map((f) => `| ${f.name} | ${f.jitterLeftShare.join(", ")} | ${f.closureDelayFrames.median} / ${f.closureDelayFrames.max} |`),
    "",
  ].join("\n");
  writeFileSync(join(repo, "bench/results/session-eyes.md"), md);
  console.log(md);
} finally {
  child.kill();
}
