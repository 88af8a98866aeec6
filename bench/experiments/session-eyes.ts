/**
 * The numbers behind a session's eye rules (docs/sessions.md):
 *   bun bench/experiments/session-eyes.ts [--data bench/data/eyes]
 *
 * 1. Shut over open EAR of the same person: the evaluation set's same-person pairs (the Yale faces'
 *    `subjectNN-normal` and `subjectNN-sleepy`, eyes open and shut under the same light and pose), per eye.
 *    A shut eye's EAR is far from 0 in the mesh, which is why the session's rule is P80 between the
 *    person's open EAR and `shutEar`, not a share of the open EAR.
 * 2. Jitter of EAR on a still face: one real photo sent again and again in one session (tracked frames and
 *    the periodic re-detection, as a real session runs), as it is, and moved by 1-3 px between frames as a
 *    still user in front of a webcam moves.
 * 3. What a One Euro filter (Casiez et al., CHI 2012; MediaPipe's landmark smoothing) would do at 1 frame/s:
 *    how much of that jitter it removes, and how many frames late it lets a real closure (the same person's
 *    open then shut EARs) cross the session's closed threshold.
 * 4. The personal rule (P80 between the person's own open EAR and a shut eye's) on every labelled face of
 *    the people the set has open eyes of, at several shut EARs, against absolute thresholds.
 * Writes bench/results/session-eyes.{json,md}.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { decodeImage } from "../../src/image/decode";
import { DEFAULT_THRESHOLDS } from "../../src/analysis/thresholds";
import { closedBelowEar, quantile } from "../../src/session/eye-baseline";
import { DEFAULT_SESSION_RULES } from "../../src/session/session-config";
import { encodePng } from "../lib/png";
import { startBenchServer } from "../lib/server-process";
import { exitOnHelp } from "../lib/help";

exitOnHelp(import.meta);

const repo = new URL("../../", import.meta.url).pathname;
const dataArg = process.argv.indexOf("--data");
const dataDir = dataArg > 0 ? process.argv[dataArg + 1] : join(repo, "bench/data/eyes");
const yaleDir = join(dataDir, "external/yale");
const STILL_PHOTOS = ["grace_hopper.jpg", "astronaut.png"];
const FRAMES = 40;
const { earShut, earOpen, closedBelow } = DEFAULT_THRESHOLDS.eyes;
/** The per-frame (absolute) rule's EAR threshold. */
const ABSOLUTE_CLOSED_BELOW = earShut + closedBelow * (earOpen - earShut);

type Ears = { left: number; right: number };
const { url, child } = await startBenchServer(1);

async function analyze(body: Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/v1/analyze`, {
    method: "POST",
    body,
    headers: { "content-type": "image/png", ...headers },
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(JSON.stringify(answer));
  return answer;
}

const earsOf = (answer: any): Ears | null =>
  answer.faces[0] ? { left: answer.faces[0].eyes.left.ear, right: answer.faces[0].eyes.right.ear } : null;
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
    for (const normal of readdirSync(yaleDir)
      .filter((f) => f.endsWith("-normal.png"))
      .sort()) {
      const subject = normal.replace("-normal.png", "");
      const sleepy = join(yaleDir, `${subject}-sleepy.png`);
      if (!existsSync(sleepy)) continue;
      const open = earsOf(await analyze(new Uint8Array(await Bun.file(join(yaleDir, normal)).arrayBuffer())));
      const shut = earsOf(await analyze(new Uint8Array(await Bun.file(sleepy).arrayBuffer())));
      if (!open || !shut) continue;
      for (const eye of ["left", "right"] as const)
        pairs.push({ subject, eye, open: open[eye], shut: shut[eye], ratio: shut[eye] / open[eye] });
    }
  }
  const ratios = pairs.map((p) => p.ratio).sort((a, b) => a - b);
  const p80Share = (r: number) => r + 0.2 * (1 - r);

  // 2. Jitter on still faces, in a session.
  const jitter: {
    photo: string;
    motion: string;
    frames: number;
    tracked: number;
    std: Ears;
    range: Ears;
    mean: Ears;
    series: Ears[];
  }[] = [];
  const T0 = Date.now() - 3_600_000;
  for (const photo of STILL_PHOTOS) {
    const decoded = await decodeImage(
      new Uint8Array(await Bun.file(join(repo, "tests/fixtures", photo)).arrayBuffer()),
      { maxPixels: 1e8 },
    );
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
        for (let y = 0; y < h; y++)
          data.set(
            decoded.data.subarray(((y + dy) * decoded.width + dx) * 4, ((y + dy) * decoded.width + dx + w) * 4),
            y * w * 4,
          );
        const answer = await analyze(encodePng({ data, width: w, height: h }), {
          "x-session-id": session,
          "x-capture-time": String(T0 + i * 1000),
        });
        const ears = earsOf(answer);
        if (!ears) throw new Error(`no face in ${photo} frame ${i}`);
        series.push(ears);
        if (answer.tracked) tracked++;
      }
      const per = (f: (v: number[]) => number): Ears => ({
        left: round(f(series.map((e) => e.left))),
        right: round(f(series.map((e) => e.right))),
      });
      jitter.push({
        photo,
        motion,
        frames: FRAMES,
        tracked,
        std: per(std),
        range: per((v) => Math.max(...v) - Math.min(...v)),
        mean: per(mean),
        series,
      });
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
      const crossing = filtered.findIndex((v, i) => i >= 10 && v < closedBelowEar(p.open, DEFAULT_SESSION_RULES));
      return crossing === -1 ? Infinity : crossing - 10;
    });
    return {
      ...s,
      jitterLeftShare: jitterLeft.map((x) => round(x, 3)),
      closureDelayFrames: {
        median: delays.sort((a, b) => a - b)[Math.floor(delays.length / 2)] ?? null,
        max: Math.max(...delays),
      },
    };
  });

  // 4. The personal rule on every labelled face of a person the set has open eyes of: baseline = the
  // session's quantile of that person's open photos (floor and ceiling applied), then both eyes under
  // their closed-below EAR is closed, for the session's rule at several shut EARs, against absolute
  // thresholds and against a plain share of the baseline. Labels: bench/data/eyes/labels.json (looking-down and uncertain faces left
  // out: looking down has its own rule, uncertain ones cannot be scored).
  const shutEarsTried = [0.09, 0.1, 0.11, 0.12, 0.13, 0.14];
  const sharesTried = [0.5, 0.6];
  const absolutesTried = [0.15, 0.16];
  const labelsPath = join(dataDir, "labels.json");
  type Label = { file: string; faces: { left: string; right: string; lookingDown?: boolean; uncertain?: boolean }[] };
  const personOf = (file: string): string | null => {
    const yale = file.match(/yale\/(subject\d+)-/);
    if (yale) return `yale ${yale[1]}`;
    const driver = file.match(/driverhelper\/.*?(julka|karo|zachary|wawa|stas|lusak)/i);
    if (driver) return `driverhelper ${driver[1].toLowerCase()}`;
    if (file.includes("classinsights/")) return "classinsights";
    if (file.includes("proctoring/")) return "proctoring";
    return null;
  };
  const labelled: { person: string; file: string; kind: string; ears: Ears }[] = [];
  if (existsSync(labelsPath)) {
    const labels: Label[] = JSON.parse(await Bun.file(labelsPath).text()).images;
    for (const image of labels) {
      const person = personOf(image.file);
      const face = image.faces[0];
      if (
        !person ||
        image.faces.length !== 1 ||
        face.uncertain ||
        face.lookingDown ||
        !existsSync(join(dataDir, image.file))
      )
        continue;
      const ears = earsOf(await analyze(new Uint8Array(await Bun.file(join(dataDir, image.file)).arrayBuffer())));
      if (!ears) continue;
      const kind =
        face.left === "closed" && face.right === "closed"
          ? "closed"
          : face.left === "open" && face.right === "open"
            ? "open"
            : face.left === "closed" || face.right === "closed"
              ? "one eye closed"
              : "half or squint";
      labelled.push({ person, file: image.file, kind, ears });
    }
  }
  const rules = DEFAULT_SESSION_RULES;
  const clampEar = (ear: number) => Math.min(rules.baselineMaxEar, Math.max(rules.baselineMinEar, ear));
  const baselines = new Map<string, Ears>();
  for (const person of new Set(labelled.map((l) => l.person))) {
    const open = labelled.filter((l) => l.person === person && l.kind === "open");
    if (open.length)
      baselines.set(person, {
        left: clampEar(
          quantile(
            open.map((l) => l.ears.left),
            rules.baselinePercentile,
          ),
        ),
        right: clampEar(
          quantile(
            open.map((l) => l.ears.right),
            rules.baselinePercentile,
          ),
        ),
      });
  }
  const scored = labelled.filter((l) => baselines.has(l.person));
  const kinds = ["closed", "open", "half or squint", "one eye closed"];
  /** How many faces of each kind a rule (an eye's closed-below EAR from its baseline) calls closed. */
  const tally = (closedBelow: (baseline: number) => number) =>
    Object.fromEntries(
      kinds.map((k) => {
        const of = scored.filter((l) => l.kind === k);
        const b = (l: (typeof scored)[number]) => baselines.get(l.person)!;
        return [
          k,
          {
            faces: of.length,
            calledClosed: of.filter(
              (l) => l.ears.left < closedBelow(b(l).left) && l.ears.right < closedBelow(b(l).right),
            ).length,
          },
        ];
      }),
    );
  const rows = [
    {
      rule: `absolute (EAR < ${ABSOLUTE_CLOSED_BELOW.toFixed(3)}, today's per-frame default)`,
      byKind: tally(() => ABSOLUTE_CLOSED_BELOW),
    },
    ...absolutesTried.map((a) => ({ rule: `absolute EAR < ${a}`, byKind: tally(() => a) })),
    ...shutEarsTried.map((shutEar) => ({
      rule: `personal P80, shutEar ${shutEar}${shutEar === rules.shutEar ? " (default)" : ""}`,
      byKind: tally((b) => closedBelowEar(b, { shutEar, closedBelow: rules.closedBelow })),
    })),
    ...sharesTried.map((share) => ({
      rule: `personal, EAR < ${share} x baseline (not used)`,
      byKind: tally((b) => share * b),
    })),
  ];
  const shutEyeEars = scored.filter((l) => l.kind === "closed").flatMap((l) => [l.ears.left, l.ears.right]);

  const result = {
    date: new Date().toISOString().slice(0, 10),
    dataDir: relative(repo, dataDir),
    pairs,
    ratio: ratios.length
      ? {
          n: ratios.length,
          min: round(ratios[0], 3),
          median: round(ratios[Math.floor(ratios.length / 2)], 3),
          p90: round(ratios[Math.floor(0.9 * (ratios.length - 1))], 3),
          max: round(ratios.at(-1)!, 3),
        }
      : null,
    shutEar: DEFAULT_SESSION_RULES.shutEar,
    closedBelow: DEFAULT_SESSION_RULES.closedBelow,
    pairsCaughtBySessionRule: pairs.filter((p) => p.shut < closedBelowEar(p.open, DEFAULT_SESSION_RULES)).length,
    jitter: jitter.map(({ series, ...rest }) => rest),
    oneEuro: filters,
    personalRule: {
      persons: baselines.size,
      faces: scored.length,
      shutEyeEar: shutEyeEars.length
        ? {
            eyes: shutEyeEars.length,
            median: round(quantile(shutEyeEars, 0.5), 3),
            p90: round(quantile(shutEyeEars, 0.9), 3),
            max: round(Math.max(...shutEyeEars), 3),
          }
        : null,
      rows,
      // Per face: the larger of its two eyes' EAR over that eye's baseline (closed when under the ratio).
      detail: scored.map((l) => ({
        person: l.person,
        file: l.file,
        kind: l.kind,
        ears: l.ears,
        baseline: baselines.get(l.person)!,
        shareOfBaseline: round(
          Math.max(l.ears.left / baselines.get(l.person)!.left, l.ears.right / baselines.get(l.person)!.right),
          3,
        ),
      })),
    },
  };
  mkdirSync(join(repo, "bench/results"), { recursive: true });
  writeFileSync(
    join(repo, "bench/results/session-eyes.json"),
    JSON.stringify(
      { ...result, jitterSeries: jitter.map((j) => ({ photo: j.photo, motion: j.motion, series: j.series })) },
      null,
      2,
    ) + "\n",
  );
  const r = result.ratio;
  const md = [
    `# Session eye rules: measured basis (${result.date})`,
    "",
    "`bun bench/experiments/session-eyes.ts` (see its header). docs/sessions.md explains the rules.",
    "",
    "## Shut over open EAR of the same person",
    "",
    r
      ? `${r.n} eyes (${pairs.length / 2} Yale subjects, normal vs sleepy): ratio min ${r.min}, median ${r.median}, 90th percentile ${r.p90}, max ${r.max}. ` +
        `The P80 point s + 0.2 (b - s) as a share of the open EAR b is then ${round(p80Share(r.median), 2)} at the median, ${round(p80Share(r.p90), 2)} at the 90th percentile, ${round(p80Share(r.max), 2)} at the max. ` +
        `With each pair's open EAR as the baseline, the session's rule (shutEar ${result.shutEar}, closedBelow ${result.closedBelow}) calls ${result.pairsCaughtBySessionRule} of ${pairs.length} shut eyes closed.`
      : "No pairs found (no Yale faces under the data directory).",
    "",
    "| subject | eye | open EAR | shut EAR | shut / open |",
    "| --- | --- | --- | --- | --- |",
    ...pairs.map(
      (p) => `| ${p.subject} | ${p.eye} | ${p.open.toFixed(3)} | ${p.shut.toFixed(3)} | ${p.ratio.toFixed(2)} |`,
    ),
    "",
    `## Jitter of EAR on a still face (${FRAMES} frames at 1 frame/s in one session)`,
    "",
    "| photo | motion | tracked frames | EAR std left / right | EAR range left / right | mean EAR left / right |",
    "| --- | --- | --- | --- | --- | --- |",
    ...result.jitter.map(
      (j) =>
        `| ${j.photo} | ${j.motion} | ${j.tracked} | ${j.std.left} / ${j.std.right} | ${j.range.left} / ${j.range.right} | ${j.mean.left} / ${j.mean.right} |`,
    ),
    "",
    "## The personal rule on the labelled faces",
    "",
    `${scored.length} labelled faces of ${baselines.size} people the set has open eyes of (looking-down and uncertain faces left out). Each person's baseline is the ${rules.baselinePercentile} quantile of their open photos' EAR (held within ${rules.baselineMinEar}-${rules.baselineMaxEar}); a face is closed when both eyes are under their closed-below EAR. Personal P80: shutEar + ${rules.closedBelow} (baseline - shutEar). Cells: faces called closed / faces.`,
    "",
    result.personalRule.shutEyeEar
      ? `Shut eyes (${result.personalRule.shutEyeEar.eyes}) read EAR median ${result.personalRule.shutEyeEar.median}, 90th percentile ${result.personalRule.shutEyeEar.p90}, max ${result.personalRule.shutEyeEar.max}.`
      : "",
    "",
    `| rule | ${kinds.join(" | ")} |`,
    `| --- | ${kinds.map(() => "---").join(" | ")} |`,
    ...rows.map(
      (row) =>
        `| ${row.rule} | ${kinds.map((k) => `${row.byKind[k].calledClosed} / ${row.byKind[k].faces}`).join(" | ")} |`,
    ),
    "",
    "## One Euro filter at 1 frame/s",
    "",
    "Jitter left: filtered over raw EAR std (left eye, frames 5 on) for each still sequence above, in order. Delay: frames after a real closure's first shut frame until the filtered EAR is under the closed threshold.",
    "",
    "| setting | jitter left | closure delay (median / max frames) |",
    "| --- | --- | --- |",
    ...filters.map(
      (f) =>
        `| ${f.name} | ${f.jitterLeftShare.join(", ")} | ${f.closureDelayFrames.median} / ${f.closureDelayFrames.max} |`,
    ),
    "",
  ].join("\n");
  writeFileSync(join(repo, "bench/results/session-eyes.md"), md);
  console.log(md);
} finally {
  child.kill();
}
