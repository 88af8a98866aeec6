/**
 * CPU time a session's history costs per frame (observe, then summary, as the server does), with its
 * history full (five minutes of frames), at 1 and at 10 frames a second:
 *   bun bench/experiments/session-history-cost.ts
 * Everything is recomputed from the observations on each frame (the baseline's percentile sorts each eye's
 * EARs), so the cost grows with the frames held. Writes bench/results/session-history-cost.md.
 */
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { DEFAULT_SESSION_RULES } from "../../src/session/session-config";
import type { Observation } from "../../src/session/observation";
import { SessionHistory } from "../../src/session/session-history";
import { exitOnHelp } from "../lib/help";

exitOnHelp(import.meta);

const T0 = Date.UTC(2026, 10, 26, 9, 0, 0);
/** An open-eyed face with a little EAR variation and a 3-frame closure every 50 frames. */
const frame = (i: number, fps: number): Observation => ({
  at: T0 + (i * 1000) / fps,
  faces: 1,
  eyesClosed: i % 50 < 3,
  openness: 0.9,
  ear: i % 50 < 3 ? { left: 0.08, right: 0.08 } : { left: 0.3 + 0.01 * Math.sin(i), right: 0.29 },
  lookingDown: false,
  lookingAway: false,
  yawn: false,
  unusable: false,
});

const rows: string[] = [];
for (const fps of [1, 10]) {
  const history = new SessionHistory(DEFAULT_SESSION_RULES);
  const held = 300 * fps;
  for (let i = 0; i < held; i++) history.observe(frame(i, fps));
  const measured = 500;
  const start = process.cpuUsage();
  for (let i = held; i < held + measured; i++) {
    history.observe(frame(i, fps));
    history.summary();
  }
  const used = process.cpuUsage(start);
  const ms = (used.user + used.system) / 1000 / measured;
  rows.push(`| ${fps} | ${held} | ${ms.toFixed(3)} |`);
}
const md = [
  `# Session history: CPU per frame (${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? "unknown CPU"})`,
  "",
  "`bun bench/experiments/session-history-cost.ts`: observe + summary per frame, the history full (5 minutes of frames).",
  "",
  "| frames/s | frames held | CPU ms per frame |",
  "| --- | --- | --- |",
  ...rows,
  "",
].join("\n");
writeFileSync(new URL("../results/session-history-cost.md", import.meta.url), md);
console.log(md);
