/**
 * Where a load step's trouble comes from, in time: one step of the load bench's users (open-loop.ts), with the
 * counted frames binned by when they were due. Prints the bins that stand out (a 503, a queue wait over 50 ms,
 * or three times the mean share of detector runs) and a summary. A diagnostic, not a benchmark: nothing is
 * written to bench/results.
 *
 *   bun bench/load/timeline.ts [--users 80] [--seconds 30] [--settle-seconds 10] [--counted-after S]
 *       [--mode full|crop|paced] [--bin-ms 250] [--workers 2] [--ramp 100,150] [--load-pacing true|false] [--every-bin]
 *       [--warm-users 0] [--warm-seconds 20]
 *
 * --every-bin prints every bin, not only those that stand out. --warm-users runs that many other users for
 * --warm-seconds first, and stops them: the counted users then arrive at a server that has served before (warm code,
 * its estimates of what frames cost made at an ordinary load), as the load bench's overloads do after its class start.
 *
 * Without --ramp every user starts in the same second (a class at nine, a restart); with it the same users first
 * run through those user counts, settle-seconds each, uncounted, as the load bench's steps do, so the counted
 * step sees users who stayed and the ones it adds. The counted step's own first `--counted-after` seconds (default
 * settle-seconds) are left out; 0 counts a class start from its first second (--ramp 200 --users 300).
 *
 * It found why the 2-core server shed frames at 94% CPU (issue 12): sessions started in the same second
 * re-detected in the same second, so one 250 ms slice in ten held nearly only detections and a 98 ms queue; and
 * (with a ramp, against clients restarted for every step) that the load bench's paced scenario measured its own
 * restarts (open-loop.ts).
 */
import { parseArgs } from "node:util";
import { benchFrames } from "../lib/frames";
import { startBenchServer } from "../lib/server-process";
import { decodeImage } from "../../src/image/decode";
import { OpenLoopFleet, type LoadMode } from "./open-loop";
import { exitOnHelp } from "../lib/help";
import { ensureFetchConcurrency } from "../lib/fetch-concurrency";
import { procStat } from "../lib/proc-stat";

exitOnHelp(import.meta);
ensureFetchConcurrency();

const { values: args } = parseArgs({
  options: {
    users: { type: "string", default: "80" },
    seconds: { type: "string", default: "30" },
    "settle-seconds": { type: "string", default: "10" },
    "counted-after": { type: "string" },
    mode: { type: "string", default: "full" },
    "bin-ms": { type: "string", default: "250" },
    workers: { type: "string", default: "2" },
    ramp: { type: "string", default: "" },
    "warm-users": { type: "string", default: "0" },
    "warm-seconds": { type: "string", default: "20" },
    "load-pacing": { type: "string", default: "true" },
    "every-bin": { type: "boolean", default: false },
  },
});
const mode = args.mode as LoadMode;
if (!["full", "crop", "paced"].includes(mode)) throw new Error("--mode is full, crop or paced");

const frames = await benchFrames();
const server = await startBenchServer(Number(args.workers), ["--load-pacing", args["load-pacing"]]);
try {
  const personPixels = mode === "full" ? undefined : await decodeImage(frames.person, { maxPixels: 1e8 });
  const warmUsers = Number(args["warm-users"]);
  if (warmUsers > 0) {
    // Other users first, gone before the counted step: its users arrive at a warmed server, as the load bench's
    // overloads do after its class start.
    const warm = new OpenLoopFleet({ url: server.url, sessions: true, mode, frames, personPixels });
    await warm.step({ users: warmUsers, seconds: Number(args["warm-seconds"]) });
    await warm.stop();
  }
  const fleet = new OpenLoopFleet({
    url: server.url,
    sessions: true,
    mode,
    frames,
    personPixels,
    timelineBinMs: Number(args["bin-ms"]),
  });
  const settleSeconds = Number(args["settle-seconds"]);
  for (const users of args.ramp ? args.ramp.split(",").map(Number) : [])
    await fleet.step({ users, seconds: settleSeconds });
  let cpuFrom = { at: 0, cpuMs: 0 };
  const result = await fleet.step({
    users: Number(args.users),
    seconds: Number(args.seconds),
    settleSeconds: Number(args["counted-after"] ?? settleSeconds),
    onMeasuring: () => (cpuFrom = { at: performance.now(), cpuMs: procStat(server.child.pid).cpuMs }),
  });
  const serverCpuPercent = Math.round(
    ((procStat(server.child.pid).cpuMs - cpuFrom.cpuMs) / (performance.now() - cpuFrom.at)) * 100,
  );
  await fleet.stop();
  const timeline = result.timeline ?? [];
  const total = timeline.reduce((n, b) => n + b.frames, 0);
  const detectionShare = timeline.reduce((n, b) => n + b.detections, 0) / Math.max(1, total);
  const standsOut = timeline.filter(
    (b) =>
      args["every-bin"] ||
      b.shed > 0 ||
      b.maxQueueMs > 50 ||
      (b.frames > 0 && b.detections / b.frames > 3 * detectionShare),
  );
  console.log(
    `${args.users} users, ${mode}, ${args.seconds} s counted after ${args["settle-seconds"]} s${args.ramp ? ` (after steps of ${args.ramp} users)` : ""}, bins of ${args["bin-ms"]} ms`,
  );
  console.log(
    "at ms | frames | 503 | 503 before a first answer | frames away (503) | errors | detector ran | longest queue wait ms | longest latency ms | longest server / worker ms | longest send lag ms | first answers | next asked ms at desk / away | 503 codes",
  );
  for (const b of standsOut)
    console.log(
      `${b.atMs} | ${b.frames} | ${b.shed} | ${b.shedBeforeFirstAnswer} | ${b.awayFrames} (${b.awayShed}) | ${b.errors} | ${b.detections} | ${b.maxQueueMs} | ${b.maxLatencyMs} | ${b.maxServerMs} / ${b.maxWorkerMs} | ${b.maxSendLagMs} | ${b.firstAnswers} | ${meanAsked(b.asked.atDesk)} / ${meanAsked(b.asked.away)} | ${JSON.stringify(b.shedCodes)}`,
    );
  console.log(
    `${standsOut.length} of ${timeline.length} bins stand out; frames ${result.sent} (face crops ${result.cropFrames ?? 0}), 503 ${result.shed}, errors ${result.errors}, ` +
      `detector on ${(detectionShare * 100).toFixed(1)}% of frames, p50 ${result.latencyMs.p50} p99 ${result.latencyMs.p99} ms, ` +
      `server CPU ${serverCpuPercent}% of one core (${(((serverCpuPercent / 100) * Number(args.seconds) * 1000) / Math.max(1, result.sent - result.shed)).toFixed(1)} ms a frame)`,
  );
  if (result.newUsers) console.log(`new users: ${JSON.stringify(result.newUsers)}`);
  if (result.yawnCoverage != null)
    console.log(
      `yawn-long spans (6 s) with a frame answered, users at their desk: ${(result.yawnCoverage * 100).toFixed(1)}%`,
    );
} finally {
  server.child.kill();
}

function meanAsked({ answers, totalMs }: { answers: number; totalMs: number }): string {
  return answers ? String(Math.round(totalMs / answers)) : "-";
}
