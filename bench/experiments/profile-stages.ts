/**
 * Where a frame's time goes, end to end:   bun bench/experiments/profile-stages.ts
 *
 * 1. Over HTTP at low load (one worker, frames sent one after another as one session): the client's
 *    latency split into HTTP + JSON (client time minus the server's own total), queue, decode, detector,
 *    crop, landmark model, merge and measures, from the timings each answer carries; tracked frames (the
 *    detector skipped) and detected frames separately.
 * 2. A CPU profile of the engine in-process (Bun's --cpu-prof-md), the top functions by self time.
 * Writes bench/results/profile-stages.{json,md}.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { benchFrames } from "../lib/frames";
import { startBenchServer } from "../lib/server-process";
import { exitOnHelp } from "../lib/help";

exitOnHelp(import.meta);

const repo = new URL("../../", import.meta.url).pathname;
const FRAMES = 120;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const { url, child: server } = await startBenchServer(1);

const { person } = await benchFrames();
const rows: Record<"tracked" | "detected", Record<string, number[]>> = { tracked: {}, detected: {} };
// Capture times one second apart, all in the past (the server refuses capture times in the future).
const t0 = Date.now() - FRAMES * 1000;
for (let i = 0; i < FRAMES; i++) {
  const started = performance.now();
  const response = await fetch(`${url}/v1/analyze`, {
    method: "POST",
    body: person,
    headers: {
      "content-type": "image/jpeg",
      "x-session-id": "profile-session",
      "x-capture-time": String(t0 + i * 1000),
    },
  });
  const body = await response.json();
  const clientMs = performance.now() - started;
  if (response.status !== 200) throw new Error(`frame ${i}: ${response.status} ${JSON.stringify(body)}`);
  if (i < 5) continue; // warm-up
  const t = body.timings;
  const stages: Record<string, number> = {
    "HTTP + JSON (client minus server total)": clientMs - t.totalMs,
    "queue wait": t.queueMs,
    "decode (JPEG, WASM)": t.decodeMs,
    "face detector (incl. upload to the engine)": t.stages.detect,
    "rotated crop": t.stages.crop,
    "landmark model": t.stages.landmarks,
    "merge + projection": t.stages.merge,
    "measures (eyes, pose, gaze, mouth, quality)": t.analysisMs,
    "server, other (worker hop, session)": t.totalMs - t.queueMs - t.decodeMs - t.inferenceMs - t.analysisMs,
    "client latency": clientMs,
  };
  const bucket = rows[body.tracked ? "tracked" : "detected"];
  for (const [k, v] of Object.entries(stages)) {
    bucket[k] ??= [];
    bucket[k].push(v);
  }
}
server.kill("SIGTERM");
await server.exited;

// CPU profile of the engine in-process (main thread: the engine-stages bench runs the engine there).
const profileDir = mkdtempSync(join(tmpdir(), "vigil-profile-"));
const profiled = Bun.spawnSync(
  [process.execPath, "--cpu-prof-md", `--cpu-prof-dir=${profileDir}`, "bench/lib/stage-timings.ts"],
  { cwd: repo, stdout: "pipe", stderr: "pipe" },
);
const profileFile = readdirSync(profileDir).find((f) => f.endsWith(".md"));
const profileText = profileFile
  ? readFileSync(join(profileDir, profileFile), "utf8")
  : `profile failed: ${profiled.stderr.toString().slice(0, 300)}`;
rmSync(profileDir, { recursive: true, force: true });
// Keep the summary part of Bun's report: the top of the self-time table.
const profileTop = profileText.split("\n").slice(0, 60).join("\n");

const summary = Object.fromEntries(
  (["detected", "tracked"] as const).map((kind) => [
    kind,
    Object.fromEntries(Object.entries(rows[kind]).map(([k, v]) => [k, Number(median(v).toFixed(2))])),
  ]),
);
const counts = {
  detected: rows.detected["client latency"]?.length ?? 0,
  tracked: rows.tracked["client latency"]?.length ?? 0,
};
const date = new Date().toISOString().slice(0, 10);
mkdirSync(join(repo, "bench/results"), { recursive: true });
writeFileSync(
  join(repo, "bench/results/profile-stages.json"),
  JSON.stringify({ date, machine: `${cpus().length} x ${cpus()[0]?.model}`, counts, medianMs: summary }, null, 2) +
    "\n",
);
const keys = Object.keys(summary.detected ?? summary.tracked ?? {});
const md = `# Where a frame's time goes

${date}, ${cpus().length} x ${cpus()[0]?.model}, Bun ${Bun.version}. Command: \`bun bench/experiments/profile-stages.ts\`. One worker, a 640x480 webcam
JPEG posted ${FRAMES} times in a row as one session (one frame a second of capture time), medians; ${counts.detected} frames ran the
detector (the first frame and the periodic looks for a second person, src/session/detection-policy.ts), ${counts.tracked} were tracked.

| stage (median ms) | detector ran | tracked |
| --- | --- | --- |
${keys.map((k) => `| ${k} | ${summary.detected?.[k] ?? "-"} | ${summary.tracked?.[k] ?? "-"} |`).join("\n")}

## CPU profile of the engine (in-process, \`bun --cpu-prof-md bench/engine-stages.ts\`), top of the report

\`\`\`
${profileTop}
\`\`\`
`;
writeFileSync(join(repo, "bench/results/profile-stages.md"), md);
console.log(md);
