/**
 * Vigil's load benchmark, one command:  bun bench/load/run-load.ts [--smoke] [--step-seconds 10]
 *     [--steps 20,40,60,...] [--overload-seconds 60] [--workers 2] [--scenarios full,crop,paced]
 *     [--ceiling-seconds 8] [--ceiling-warmup-seconds 10] [--settle-seconds 5] [--name load-16-cores] [--skip-without-sessions]
 *     [--paced-steps 100,150,...] [--class-users 100] [--class-onto 200] [--class-seconds 20]
 *     [--class-steady-seconds 15]
 *     [--overload-paced-seconds 60] [--overload-paced-settle-seconds 10] [--overload-paced-bin-ms 10000]
 *     [--overload-paced-base paced|static]
 *
 * The original system's scenario: N virtual users each posting a 640x480 webcam JPEG once a second (open
 * loop), stepped up until the 99th percentile passes 150 ms or any frame fails. Then the same users as the
 * newer clients behave (SCENARIOS below: face-crop frames, the clients' own pacing), each stepped up the
 * same way. Side by side, in the same run: the engine's in-process ceiling for the same mix of frames the
 * users send (engine-ceiling.ts "users"), and tracked-forever / detector-every-frame; one worker against the
 * pool; a fresh process per frame (the first design); the full-frame steps without sessions (no tracking);
 * the server's CPU time, kernel time and minor page faults per answered frame, beside the engine's. Then an
 * overload at three times the capacity and the recovery after it.
 *
 * Load-aware pacing (docs/sessions.md): the paced users are stepped up twice in the same run, on a server with
 * it (capacityUsersPaced) and on one without it (VIGIL_LOAD_PACING=false: capacityUsersPacedStatic); paced users
 * at 2x and 3x the paced capacity for --overload-paced-seconds (share of frames refused); and a class start:
 * --class-onto paced users steady (calm, at their sparse pace), then --class-users new ones whose first frames
 * all come within one second, on each server (classStart, classStartStatic): frames refused (503), frames whose
 * next frame was asked for later because of load (from the server's /metrics) and by how much, the p99 of the
 * answered frames (first frames left out, as everywhere here), and the seconds until every new session had a
 * state. Writes bench/results/<name>.{json,md} (name: load-latest unless --name; with it also load-latency.svg):
 * the newest run is the one result, and a run the docs cite is kept under its own name (--name, or git mv). No
 * timing here is asserted anywhere.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchFrames } from "../lib/frames";
import { residentMb, startBenchServer } from "../lib/server-process";
import type { CeilingMix } from "./engine-ceiling";
import type { LoadResult } from "./generator";
import { latencyChart } from "./latency-chart";
import { procStat } from "../lib/proc-stat";
import { linesOf } from "../lib/lines";
import { GeneratorSeries } from "./generator-series";
import { exitOnHelp } from "../lib/help";
import type { NewUsersResult, TimelineBin } from "./open-loop";

exitOnHelp(import.meta);

const { values: args } = parseArgs({
  options: {
    smoke: { type: "boolean", default: false },
    steps: { type: "string" },
    "step-seconds": { type: "string" },
    "overload-seconds": { type: "string" },
    workers: { type: "string" },
    out: { type: "string" },
    generator: { type: "string" },
    scenarios: { type: "string" },
    "ceiling-seconds": { type: "string" },
    "ceiling-warmup-seconds": { type: "string" },
    "settle-seconds": { type: "string" },
    name: { type: "string" },
    "skip-without-sessions": { type: "boolean", default: false },
    "paced-steps": { type: "string" },
    "class-users": { type: "string" },
    "class-onto": { type: "string" },
    "class-seconds": { type: "string" },
    "class-steady-seconds": { type: "string" },
    "overload-paced-seconds": { type: "string" },
    "overload-paced-settle-seconds": { type: "string" },
    "overload-paced-bin-ms": { type: "string" },
    "overload-paced-base": { type: "string" },
  },
});
const smoke = args.smoke!;
const stepSeconds = Number(args["step-seconds"] ?? (smoke ? 3 : 10));
const steps = (args.steps ?? (smoke ? "2" : "10,20,30,40,50,60,70,80,100,120,150,200,250,300")).split(",").map(Number);
const overloadSeconds = Number(args["overload-seconds"] ?? (smoke ? 0 : 60));
// Uncounted seconds at each step's user count before it is measured: the users a step adds all start in the same
// second (their first frames run the full-range detector), a burst real users, who arrive over minutes, do not
// make. The users already there carry on from the step before (one generator process for the whole series), so
// what a step reports is the steady state of N users.
const settleSeconds = Number(args["settle-seconds"] ?? (smoke ? 0 : 5));
const workers = Number(args.workers ?? 2);
// The smoke's short ceiling runs still send each simulated user a tracked frame, however slow the machine.
const minFramesPerLoop = smoke ? 20 : 0;
const ceilingSeconds = Number(args["ceiling-seconds"] ?? (smoke ? 2 : 8));
// Uncounted seconds before each ceiling: the server it is compared with has been serving for minutes.
const ceilingWarmupSeconds = Number(args["ceiling-warmup-seconds"] ?? (smoke ? 0 : 10));
// Paced users cost about half a frame a second each, and load-aware pacing fits more still: their own steps.
const pacedSteps = (
  args["paced-steps"] ??
  args.steps ??
  (smoke ? "2" : "100,150,200,250,300,350,400,450,500,550,600,700,800")
)
  .split(",")
  .map(Number);
const classUsers = Number(args["class-users"] ?? (smoke ? 3 : 100));
const classOnto = Number(args["class-onto"] ?? (smoke ? 3 : 200));
const classSeconds = Number(args["class-seconds"] ?? (smoke ? 4 : 20));
// The steady users' first seconds, uncounted: 10 s calm before their pace is sparse (pacing.ts steadyAfterMs).
const classSteadySeconds = Number(args["class-steady-seconds"] ?? (smoke ? 2 : 15));
const overloadPacedSeconds = Number(args["overload-paced-seconds"] ?? (smoke ? 2 : 60));
// Uncounted seconds of the overload first: its users all arrive at once, which the class start measures.
const overloadPacedSettleSeconds = Number(args["overload-paced-settle-seconds"] ?? (smoke ? 0 : 10));
/** The width of the paced overloads' timeline bins. */
const overloadPacedBinMs = Number(args["overload-paced-bin-ms"] ?? 10_000);
const overloadPacedBase = (args["overload-paced-base"] ?? "paced") as "paced" | "static";
if (!["paced", "static"].includes(overloadPacedBase)) throw new Error("--overload-paced-base must be paced or static");
// Load-aware pacing's pressure falls by 0.1 a second (src/pool/load-pressure.ts): a pause between loads on the
// same server lets it come back to rest, so that a load does not start with the pace the one before left.
const restMs = smoke ? 0 : 10_000;

/**
 * What users send, one entry per scenario; each is stepped up on its own and reported as its capacity field.
 * `mode` is passed to the load generator (bench/load/generator.ts); a generator that does not know a mode
 * must not fake it, so a result counts only when it echoes the mode back (LoadResult.mode), and a scenario
 * whose mode comes back unknown is reported as not measured.
 */
interface LoadScenario {
  key: "fullFrames" | "faceCrop" | "paced";
  /** The report's field for its capacity. */
  capacityField: "capacityUsers" | "capacityUsersFaceCrop" | "capacityUsersPaced";
  mode: "full" | "crop" | "paced";
  description: string;
}
const SCENARIOS: readonly LoadScenario[] = [
  {
    key: "fullFrames",
    capacityField: "capacityUsers",
    mode: "full",
    description: "full 640x480 frames at a fixed 1 frame/s (the original system's scenario)",
  },
  {
    key: "faceCrop",
    capacityField: "capacityUsersFaceCrop",
    mode: "crop",
    description: "face-crop frames when the server asks for them (full frames otherwise), 1 frame/s",
  },
  {
    key: "paced",
    capacityField: "capacityUsersPaced",
    mode: "paced",
    description: "face-crop frames at the pace the server's answers ask for (nextFrameAfterMs), load-aware pacing on",
  },
];
const wanted = (args.scenarios ?? "full,crop,paced").split(",");
const scenarios = SCENARIOS.filter((s) => wanted.includes(s.mode));
if (!scenarios.some((s) => s.mode === "full"))
  throw new Error("--scenarios must include full (the original scenario, and the baselines' mix)");
const repo = new URL("../../", import.meta.url).pathname;
const outDir = args.out ?? join(repo, "bench/results");
const TARGET_P99_MS = 150;

const scratch = mkdtempSync(join(tmpdir(), "vigil-load-"));
const frames = await benchFrames();
const framePaths = { person: join(scratch, "person.jpg"), empty: join(scratch, "empty.jpg") };
writeFileSync(framePaths.person, frames.person);
writeFileSync(framePaths.empty, frames.empty);

/**
 * CPU (percent of one core), CPU and faults counted, and peak resident memory of a process while `work` runs;
 * `work` may call `measureFromNow` to start counting later (when its uncounted settling seconds end).
 */
async function watchProcess<T>(pid: number, work: (measureFromNow: () => void) => Promise<T>) {
  const rssMb = () => residentMb(pid);
  let peakRssMb = rssMb();
  const sampler = setInterval(() => (peakRssMb = Math.max(peakRssMb, rssMb())), 200);
  let t0 = performance.now();
  let before = procStat(pid);
  const result = await work(() => {
    t0 = performance.now();
    before = procStat(pid);
    peakRssMb = rssMb();
  });
  const after = procStat(pid);
  const cpuPercent = ((after.cpuMs - before.cpuMs) / (performance.now() - t0)) * 100;
  clearInterval(sampler);
  const counted = {
    cpuMs: after.cpuMs - before.cpuMs,
    kernelMs: after.systemMs - before.systemMs,
    minorFaults: after.minorFaults - before.minorFaults,
  };
  return { result, cpuPercent: Math.round(cpuPercent), peakRssMb: Math.round(peakRssMb), counted };
}

/** Runs a command to its end and returns its stdout; `onLine` sees each stdout line as it comes. */
async function runProcess(cmd: string[], onLine: (line: string) => void = () => {}): Promise<string> {
  const child = Bun.spawn(cmd, { cwd: repo, stdout: "pipe", stderr: "pipe" });
  const readOut = async () => {
    const lines: string[] = [];
    for await (const line of linesOf(child.stdout)) {
      lines.push(line);
      onLine(line);
    }
    return lines.join("\n");
  };
  const [out, err, code] = await Promise.all([readOut(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`${cmd.slice(0, 3).join(" ")} exited ${code}: ${err.slice(-500)}`);
  return out;
}

async function stopServer(server: Awaited<ReturnType<typeof startBenchServer>>) {
  server.child.kill("SIGTERM");
  await server.child.exited;
}

const lastJson = (out: string) =>
  JSON.parse(
    out
      .trim()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .pop()!,
  );

// mode, cropFrames, meanBytesPerFrame and newUsers come from generators that know the newer clients' modes.
type Generated = LoadResult & {
  mode?: string;
  cropFrames?: number;
  meanBytesPerFrame?: number;
  newUsers?: NewUsersResult;
  timeline?: TimelineBin[];
  yawnCoverage?: number | null;
};

/** A load's generator result beside the server's CPU, kernel time, faults and memory over its counted seconds. */
async function measured(
  users: number,
  sessions: boolean,
  pid: number,
  generate: (measureFromNow: () => void) => Promise<Generated>,
) {
  const watched = await watchProcess(pid, generate);
  const answered = watched.result.ok;
  const perAnswered = (v: number) => (answered ? Number((v / answered).toFixed(2)) : null);
  return {
    users,
    sessions,
    ...watched.result,
    serverCpuPercent: watched.cpuPercent,
    serverPeakRssMb: watched.peakRssMb,
    serverCpuMsPerFrame: perAnswered(watched.counted.cpuMs),
    serverKernelMsPerFrame: perAnswered(watched.counted.kernelMs),
    minorFaultsPerFrame: perAnswered(watched.counted.minorFaults),
  };
}

/**
 * A load of new users in a generator process of its own: `users` for `seconds`, counted after `settle`
 * uncounted seconds at the same count. The open-loop generator settles in the same process (its users' crops
 * and pace carry on into the counted seconds, as a real client's do); oha and autocannon are run twice instead.
 * Used for the overload and the recovery after it, and for the steps when --generator is oha or autocannon
 * (which have no series: each step's users are new).
 */
async function load(
  url: string,
  users: number,
  seconds: number,
  sessions: boolean,
  pid: number,
  mode: LoadScenario["mode"] = "full",
  settle = 0,
  timelineBinMs?: number,
): Promise<Step> {
  const settleInProcess = settle > 0 && (args.generator ?? "open-loop") === "open-loop";
  if (settle > 0 && !settleInProcess) await load(url, users, settle, sessions, pid, mode);
  // The original scenario's generator call is unchanged (no mode), so any generator runs it.
  const scenario = {
    url,
    users,
    seconds,
    sessions,
    frames: framePaths,
    generator: args.generator,
    ...(mode === "full" ? {} : { mode }),
    ...(settleInProcess ? { settleSeconds: settle } : {}),
    ...(timelineBinMs ? { timelineBinMs } : {}),
  };
  return measured(
    users,
    sessions,
    pid,
    async (measureFromNow) =>
      lastJson(
        await runProcess(
          [process.execPath, "bench/load/generator.ts", JSON.stringify(scenario)],
          (line) => line === "measuring" && measureFromNow(),
        ),
      ) as Generated,
  );
}
type Step = Awaited<ReturnType<typeof measured>>;
const held = (s: Step) => s.latencyMs.p99 <= TARGET_P99_MS && s.errors === 0 && s.shed === 0;

/** Steps up; null when the generator does not know the scenario's mode (it did not echo it back). */
async function stepUp(
  url: string,
  pid: number,
  sessions: boolean,
  mode: LoadScenario["mode"] = "full",
  stepList = steps,
): Promise<Step[] | null> {
  const results: Step[] = [];
  // The users of one series stay from step to step, sending at their pace, and each step adds new ones: a
  // session's steady state (tracked, the detector every few seconds, sparse frames once calm) is what a server
  // serves all day, while clients restarted for every step would all re-detect in the same seconds (see
  // open-loop.ts). Each step settles (settleSeconds) so that the users it adds are past their first frames.
  const series =
    (args.generator ?? "open-loop") === "open-loop"
      ? new GeneratorSeries({ url, sessions, frames: framePaths, ...(mode === "full" ? {} : { mode }) })
      : null;
  try {
    for (const users of stepList) {
      const step = series
        ? await measured(
            users,
            sessions,
            pid,
            async (measureFromNow) =>
              (await series.step({ users, seconds: stepSeconds, settleSeconds }, measureFromNow)) as Generated,
          )
        : await load(url, users, stepSeconds, sessions, pid, mode, settleSeconds);
      if (mode !== "full" && step.mode !== mode) {
        console.error(
          `  ${mode}: the load generator does not support this mode (it answered mode ${step.mode ?? "none"}); not measured`,
        );
        return null;
      }
      results.push(step);
      console.error(
        `  ${mode}, ${sessions ? "sessions" : "no sessions"} ${users} users: p50 ${step.latencyMs.p50} p99 ${step.latencyMs.p99} ms, ${step.throughputRps.toFixed(1)} ok/s, shed ${step.shed}, errors ${step.errors}, cpu ${step.serverCpuPercent}% (${step.serverCpuMsPerFrame} ms/frame, kernel ${step.serverKernelMsPerFrame}), ${step.minorFaultsPerFrame} faults/frame, rss ${step.serverPeakRssMb} MB`,
      );
      if (!held(step)) break;
      await Bun.sleep(500);
    }
  } finally {
    await series?.close();
  }
  return results;
}
const highestHeld = (series: Step[]) => series.filter(held).reduce((n, s) => Math.max(n, s.users), 0);
/** The busiest step that held: where the server's cost per frame is read. */
const busiestHeld = (series: Step[]) => series.filter(held).at(-1) ?? null;

console.error(
  `load benchmark: ${workers} workers, steps ${steps.join(",")} (paced ${pacedSteps.join(",")}), ${stepSeconds} s each, scenarios ${scenarios.map((s) => s.mode).join(",")}`,
);
const server = await startBenchServer(workers);
const scenarioResults: Record<
  string,
  { description: string; measured: boolean; capacityUsers: number | null; steps: Step[]; note?: string }
> = {};
/** One scenario stepped up on `url`, as its report entry. */
async function scenarioResult(scenario: LoadScenario, url: string, pid: number) {
  const series = await stepUp(url, pid, true, scenario.mode, scenario.mode === "paced" ? pacedSteps : steps);
  return series
    ? { description: scenario.description, measured: true, capacityUsers: highestHeld(series), steps: series }
    : {
        description: scenario.description,
        measured: false,
        capacityUsers: null,
        steps: [],
        note: `bench/load/generator.ts does not support mode "${scenario.mode}"`,
      };
}
for (const scenario of scenarios) {
  scenarioResults[scenario.key] = await scenarioResult(scenario, server.url, server.child.pid);
  await Bun.sleep(Math.max(500, restMs));
}
for (const scenario of SCENARIOS.filter((s) => !scenarios.includes(s))) {
  scenarioResults[scenario.key] = {
    description: scenario.description,
    measured: false,
    capacityUsers: null,
    steps: [],
    note: "left out of this run (--scenarios)",
  };
}
const withSessions = scenarioResults.fullFrames.steps;
const capacity = highestHeld(withSessions);
const withoutSessions =
  smoke || args["skip-without-sessions"] ? [] : ((await stepUp(server.url, server.child.pid, false)) ?? []);

let overload: Record<string, unknown> | null = null;
if (overloadSeconds > 0 && capacity > 0) {
  const offered = capacity * 3;
  console.error(`  overload: ${offered} users for ${overloadSeconds} s`);
  const storm = await load(server.url, offered, overloadSeconds, true, server.child.pid);
  const recovery = await load(server.url, Math.max(1, Math.round(capacity / 2)), 10, true, server.child.pid);
  overload = {
    offeredUsers: offered,
    seconds: overloadSeconds,
    shedShare: storm.sent ? storm.shed / storm.sent : 0,
    admittedP99Ms: storm.latencyMs.p99,
    errors: storm.errors,
    peakRssMb: storm.serverPeakRssMb,
    serverStayedUp: await fetch(`${server.url}/healthz`).then(
      (r) => r.ok,
      () => false,
    ),
    recovery: {
      users: recovery.users,
      p99Ms: recovery.latencyMs.p99,
      shed: recovery.shed,
      errors: recovery.errors,
      recovered: held(recovery),
    },
  };
}
await stopServer(server);

/** The deferred-frame counters of a server's /metrics (vigil_frames_deferred_*, by reason). */
async function deferredCounters(url: string) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const sum = (name: string, reason: string) =>
    Number(text.match(new RegExp(`^${name}\\{reason="${reason}"\\} (\\S+)`, "m"))?.[1] ?? 0);
  const reasons = ["calm", "new_session"] as const;
  return Object.fromEntries(
    reasons.map((r) => [
      r,
      { frames: sum("vigil_frames_deferred_total", r), seconds: sum("vigil_frames_deferred_seconds_total", r) },
    ]),
  ) as Record<(typeof reasons)[number], { frames: number; seconds: number }>;
}

/**
 * A class start: `classOnto` paced users until they are steady, then `classUsers` more whose first frames all come
 * within one second, counted for `classSeconds` from that second on.
 */
async function classStart(url: string, pid: number) {
  console.error(`  class start: ${classUsers} users within 1 s onto ${classOnto} steady paced users`);
  // A timeline of the class's seconds (1 s bins: frames, refused, detections, longest queue wait and latency).
  const series = new GeneratorSeries({ url, sessions: true, frames: framePaths, mode: "paced", timelineBinMs: 1000 });
  try {
    await series.step({ users: classOnto, seconds: 1, settleSeconds: classSteadySeconds });
    const before = await deferredCounters(url);
    const step = await measured(
      classOnto + classUsers,
      true,
      pid,
      async (measureFromNow) =>
        (await series.step(
          { users: classOnto + classUsers, seconds: classSeconds, settleSeconds: 0, arrivalWindowMs: 1000 },
          measureFromNow,
        )) as Generated,
    );
    const after = await deferredCounters(url);
    const delta = (r: keyof typeof after) => ({
      frames: after[r].frames - before[r].frames,
      seconds: after[r].seconds - before[r].seconds,
    });
    const calm = delta("calm");
    const fresh = delta("new_session");
    const deferred = calm.frames + fresh.frames;
    const result = {
      users: classUsers,
      onto: classOnto,
      seconds: classSeconds,
      sent: step.sent,
      refused: step.shed,
      errors: step.errors,
      deferred,
      deferredMeanMs: deferred ? Math.round(((calm.seconds + fresh.seconds) * 1000) / deferred) : 0,
      deferredCalm: { frames: calm.frames, meanMs: calm.frames ? Math.round((calm.seconds * 1000) / calm.frames) : 0 },
      deferredNewSessions: {
        frames: fresh.frames,
        meanMs: fresh.frames ? Math.round((fresh.seconds * 1000) / fresh.frames) : 0,
      },
      p50Ms: step.latencyMs.p50,
      p99Ms: step.latencyMs.p99,
      maxMs: step.latencyMs.max,
      secondsToState: step.newUsers?.secondsToState ?? null,
      secondsToKnownState: step.newUsers?.secondsToKnownState ?? null,
      withoutState: step.newUsers?.withoutState ?? classUsers,
      serverCpuPercent: step.serverCpuPercent,
      timeline: step.timeline ?? [],
    };
    console.error(
      `    refused ${result.refused}, deferred ${result.deferred} (mean ${result.deferredMeanMs} ms), p99 ${result.p99Ms} ms, every new session had a state after ${result.secondsToState ?? "n/a"} s`,
    );
    return result;
  } finally {
    await series.close();
  }
}

/** Paced users, all new, at `users` for the overload's counted seconds (after its uncounted settling ones). */
async function pacedOverload(url: string, pid: number, users: number) {
  console.error(`  paced overload: ${users} users for ${overloadPacedSeconds} s after ${overloadPacedSettleSeconds} s`);
  const storm = await load(
    url,
    users,
    overloadPacedSeconds,
    true,
    pid,
    "paced",
    overloadPacedSettleSeconds,
    overloadPacedBinMs,
  );
  return {
    users,
    seconds: overloadPacedSeconds,
    settleSeconds: overloadPacedSettleSeconds,
    sent: storm.sent,
    refused: storm.shed,
    shedShare: storm.sent ? Number((storm.shed / storm.sent).toFixed(4)) : 0,
    admittedP99Ms: storm.latencyMs.p99,
    errors: storm.errors,
    serverCpuPercent: storm.serverCpuPercent,
    yawnCoverage: storm.yawnCoverage ?? null,
    // Where in the counted seconds the refusals fell (bins of --overload-paced-bin-ms): the users' arrival, or the settled overload.
    timeline: storm.timeline ?? null,
  };
}

// The same paced users on a server without load-aware pacing: the same run's figure without it, and its class start.
const pacedWanted = scenarios.some((s) => s.mode === "paced");
let pacedStatic: (typeof scenarioResults)[string] | null = null;
let classStartStatic: Awaited<ReturnType<typeof classStart>> | null = null;
if (pacedWanted) {
  const staticServer = await startBenchServer(workers, ["--load-pacing", "false"]);
  console.error("  without load-aware pacing (--load-pacing false):");
  pacedStatic = await scenarioResult(
    SCENARIOS.find((s) => s.mode === "paced")!,
    staticServer.url,
    staticServer.child.pid,
  );
  await Bun.sleep(Math.max(500, restMs));
  classStartStatic = await classStart(staticServer.url, staticServer.child.pid);
  await stopServer(staticServer);
}

// A fresh server with load-aware pacing (the default): the class start, then the paced overloads.
let classStartResult: Awaited<ReturnType<typeof classStart>> | null = null;
let overloadPaced: Record<string, unknown> | null = null;
if (pacedWanted) {
  const paced = await startBenchServer(workers);
  classStartResult = await classStart(paced.url, paced.child.pid);
  const base =
    overloadPacedBase === "paced" ? scenarioResults.paced.capacityUsers : (pacedStatic?.capacityUsers ?? null);
  if (overloadPacedSeconds > 0 && base) {
    await Bun.sleep(restMs);
    const x2 = await pacedOverload(paced.url, paced.child.pid, base * 2);
    await Bun.sleep(restMs);
    const x3 = await pacedOverload(paced.url, paced.child.pid, base * 3);
    overloadPaced = {
      base: overloadPacedBase === "paced" ? "capacityUsersPaced" : "capacityUsersPacedStatic",
      baseUsers: base,
      x2,
      x3,
    };
  }
  await stopServer(paced);
}

// Baselines, measured with the server stopped so they have the machine to themselves.
const ceiling = async (w: number, mix: CeilingMix) =>
  lastJson(
    await runProcess([
      process.execPath,
      "bench/load/engine-ceiling.ts",
      JSON.stringify({
        workers: w,
        seconds: ceilingSeconds,
        warmupSeconds: ceilingWarmupSeconds,
        minFramesPerLoop,
        mix,
        frames: framePaths,
      }),
    ]),
  );
const ceilingPoolUsers = await ceiling(workers, "users");
const ceilingPool = await ceiling(workers, "detector");
const ceilingPoolTracked = await ceiling(workers, "tracked");
const ceilingOneUsers = await ceiling(1, "users");
const ceilingOne = await ceiling(1, "detector");
const spawnRuns = smoke ? 1 : 3;
const spawnStart = performance.now();
for (let i = 0; i < spawnRuns; i++) await runProcess([process.execPath, "src/main.ts", "analyze", framePaths.person]);
const secondsPerSpawnedFrame = (performance.now() - spawnStart) / 1000 / spawnRuns;
rmSync(scratch, { recursive: true, force: true });

const date = new Date().toISOString();
const machine = {
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
  memoryGb: Math.round(totalmem() / 2 ** 30),
  runtime: `Bun ${Bun.version}`,
};
const baselines = {
  engineCeilingUsersFps: Number(ceilingPoolUsers.framesPerSecond.toFixed(1)),
  oneWorkerUsersFps: Number(ceilingOneUsers.framesPerSecond.toFixed(1)),
  engineCeilingFps: Number(ceilingPool.framesPerSecond.toFixed(1)),
  engineCeilingTrackedFps: Number(ceilingPoolTracked.framesPerSecond.toFixed(1)),
  oneWorkerFps: Number(ceilingOne.framesPerSecond.toFixed(1)),
  processPerFrameFps: Number((1 / secondsPerSpawnedFrame).toFixed(2)),
  secondsPerSpawnedFrame: Number(secondsPerSpawnedFrame.toFixed(2)),
};
const capacityNoSessions = highestHeld(withoutSessions);
const ratios = {
  // Against the engine's ceiling for the same mix of frames the users send (at 1 frame/s, users = frames/s).
  serverCapacityOverEngineCeiling: baselines.engineCeilingUsersFps ? capacity / baselines.engineCeilingUsersFps : null,
  serverCapacityOverTrackedCeiling: baselines.engineCeilingTrackedFps
    ? capacity / baselines.engineCeilingTrackedFps
    : null,
  // Per-worker scaling: the pool's frames/s over workers x one worker's, both on the users' mix.
  perWorkerScaling: baselines.oneWorkerUsersFps
    ? baselines.engineCeilingUsersFps / (workers * baselines.oneWorkerUsersFps)
    : null,
  poolOverOneWorker: baselines.oneWorkerFps ? baselines.engineCeilingFps / baselines.oneWorkerFps : null,
  poolOverProcessPerFrame: baselines.processPerFrameFps
    ? baselines.engineCeilingFps / baselines.processPerFrameFps
    : null,
  trackingOverDetection: baselines.engineCeilingFps
    ? baselines.engineCeilingTrackedFps / baselines.engineCeilingFps
    : null,
  capacityWithSessionsOverWithout: capacityNoSessions ? capacity / capacityNoSessions : null,
};
const atCapacity = busiestHeld(withSessions);
/** What a frame costs the server at its busiest held step, beside what the same mix costs the engine alone. */
const costPerFrame = {
  serverCpuMs: atCapacity?.serverCpuMsPerFrame ?? null,
  serverKernelMs: atCapacity?.serverKernelMsPerFrame ?? null,
  serverMinorFaults: atCapacity?.minorFaultsPerFrame ?? null,
  atUsers: atCapacity?.users ?? null,
  engineCpuMs: ceilingPoolUsers.cpuMsPerFrame as number,
  engineKernelMs: ceilingPoolUsers.kernelMsPerFrame as number,
  engineMinorFaults: ceilingPoolUsers.minorFaultsPerFrame as number,
  engineMix: {
    trackedShare: Number(ceilingPoolUsers.trackedShare.toFixed(3)),
    fullRangeShare: Number(ceilingPoolUsers.fullRangeShare.toFixed(3)),
  },
};
const capacityOf = (key: LoadScenario["key"]) => scenarioResults[key]?.capacityUsers ?? null;
const report = {
  date,
  machine,
  workers,
  stepSeconds,
  settleSeconds,
  ceilingSeconds,
  ceilingWarmupSeconds,
  targetP99Ms: TARGET_P99_MS,
  capacityUsers: capacity,
  capacityUsersFaceCrop: capacityOf("faceCrop"),
  capacityUsersPaced: capacityOf("paced"),
  capacityUsersPacedStatic: pacedStatic?.capacityUsers ?? null,
  classStart: classStartResult,
  classStartStatic,
  overloadPaced,
  capacityUsersWithoutSessions: capacityNoSessions,
  withSessions,
  withoutSessions,
  scenarios: {
    ...Object.fromEntries(Object.entries(scenarioResults).filter(([key]) => key !== "fullFrames")),
    ...(pacedStatic ? { pacedStatic } : {}),
  },
  overload,
  baselines,
  costPerFrame,
  ratios,
  smoke,
};

const r2 = (v: number | null) => (v === null ? "n/a" : v.toFixed(2));
const stepRows = (series: Step[]) =>
  series
    .map(
      (s) =>
        `| ${s.users} | ${s.latencyMs.p50} | ${s.latencyMs.p90} | ${s.latencyMs.p99} | ${s.throughputRps.toFixed(1)} | ${s.shed} | ${s.errors} | ${s.serverCpuPercent}% | ${s.serverCpuMsPerFrame ?? "n/a"} (${s.serverKernelMsPerFrame ?? "n/a"}) | ${s.minorFaultsPerFrame ?? "n/a"} | ${s.meanBytesPerFrame ?? "n/a"} | ${s.serverPeakRssMb} |`,
    )
    .join("\n");
const table =
  "| users | p50 ms | p90 ms | p99 ms | answered/s | shed (503) | errors | server CPU (of one core) | server CPU ms per answered frame (kernel) | minor page faults per frame | mean request bytes | server peak RSS MB |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
const capacityCell = (key: LoadScenario["key"]) => {
  const r = scenarioResults[key];
  return r.measured ? `**${r.capacityUsers}**` : `not measured (${r.note})`;
};
const scenarioSections = SCENARIOS.filter((s) => s.key !== "fullFrames" && scenarioResults[s.key].measured)
  .map((s) => `\n## ${s.description} (${s.capacityField})\n\n${table}${stepRows(scenarioResults[s.key].steps)}\n`)
  .join("");
type ClassStart = NonNullable<typeof classStartResult>;
const classRow = (label: string, c: ClassStart | null) =>
  c
    ? `| ${label} | ${c.sent} | ${c.refused} | ${c.errors} | ${c.deferred} (mean ${c.deferredMeanMs} ms; calm ${c.deferredCalm.frames}, new ${c.deferredNewSessions.frames}) | ${c.p50Ms} | ${c.p99Ms} | ${c.secondsToState ?? `not all (${c.withoutState} without)`} | ${c.secondsToKnownState ?? "n/a"} | ${c.serverCpuPercent}% |`
    : `| ${label} | not measured | | | | | | | | |`;
const overloadRow = (label: string, o: any) =>
  o
    ? `| ${label} | ${o.users} | ${o.sent} | ${o.refused} (${(o.shedShare * 100).toFixed(1)}%) | ${o.admittedP99Ms} | ${o.errors} | ${o.serverCpuPercent}% | ${o.yawnCoverage == null ? "n/a" : `${(o.yawnCoverage * 100).toFixed(1)}%`} |`
    : "";
const loadPacingSection = pacedWanted
  ? `
## Load-aware pacing (same run)

| paced users held (p99 ≤ ${TARGET_P99_MS} ms, nothing shed) | users |
| --- | --- |
| with load-aware pacing (\`capacityUsersPaced\`) | **${report.capacityUsersPaced ?? "n/a"}** |
| without (\`--load-pacing false\`, \`capacityUsersPacedStatic\`) | **${report.capacityUsersPacedStatic ?? "n/a"}** |
| ratio | ${report.capacityUsersPaced && report.capacityUsersPacedStatic ? r2(report.capacityUsersPaced / report.capacityUsersPacedStatic) : "n/a"} |

Class start: ${classOnto} paced users steady (${classSteadySeconds} s uncounted), then ${classUsers} new users whose first frames all come
within one second; counted for ${classSeconds} s from that second. Refused: 503s to these clients, who all follow \`next\`.
Deferred: answers that asked for the next frame later than the session's own pace because of load (/metrics). p50/p99:
answered frames, first frames left out. State: seconds until every new session had an answer with its state (known: other than
\`unknown\`; an empty desk is \`unknown\` until \`away\`, 5 s).

| server | frames sent | refused (503) | errors | deferred | p50 ms | p99 ms | s until every new session has a state | s until a known state | server CPU |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${classRow("with load-aware pacing (`classStart`)", classStartResult)}
${classRow("without (`classStartStatic`)", classStartStatic)}
${
  overloadPaced
    ? `
Paced users overloading the server with load-aware pacing, all new (${overloadPacedSettleSeconds} s uncounted, then ${overloadPacedSeconds} s counted), at 2x and 3x \`${(overloadPaced as any).base}\` (${(overloadPaced as any).baseUsers}):

| load | users | frames sent | refused (503) | p99 of answered ms | errors | server CPU | 6 s spans with a frame answered |
| --- | --- | --- | --- | --- | --- | --- | --- |
${overloadRow("2x", (overloadPaced as any).x2)}
${overloadRow("3x", (overloadPaced as any).x3)}
`
    : ""
}${
  pacedStatic?.measured
    ? `
### Paced users without load-aware pacing (capacityUsersPacedStatic)

${table}${stepRows(pacedStatic.steps)}
`
    : ""
}`
  : "";
const ohaLines = [
  `oha -z ${stepSeconds}s -q <0.8 N> -c <0.8 N> --latency-correction -m POST -H 'content-type: image/jpeg' -D person.jpg http://HOST:PORT/v1/analyze`,
  `oha -z ${stepSeconds}s -q <0.2 N> -c <0.2 N> --latency-correction -m POST -H 'content-type: image/jpeg' -D empty.jpg http://HOST:PORT/v1/analyze`,
];
const md = `# Load benchmark ${date.slice(0, 10)}${smoke ? " (smoke run)" : ""}

Machine: ${machine.cpus} x ${machine.cpu}, ${machine.memoryGb} GB, ${machine.runtime}; server with ${workers} workers; load generator
(${withSessions[0]?.tool ?? "autocannon"}) in its own process on the same machine. Command: \`bun bench/load/run-load.ts\`.
Scenario: N users, each posting a 640x480 JPEG once a second, open loop, users staggered over the second (4 in 5 at their
desk, 1 in 5 away: an empty desk);
${stepSeconds} s a step, measured after ${settleSeconds} s uncounted at the step's user count; one generator process runs a
whole series, so the users of a step carry on into the next (their sessions, crops and pace), which adds new users, who
all start in the same second (a burst that real users, arriving over minutes, do not make, hence the uncounted seconds); stepping stops at the first step whose p99 passes ${TARGET_P99_MS} ms or that loses a frame.

**Capacity: ${capacity} users** held with sessions (p99 ≤ ${TARGET_P99_MS} ms, nothing shed or failed)${smoke ? "" : `; ${capacityNoSessions} without sessions`}.

| users held (p99 ≤ ${TARGET_P99_MS} ms, nothing shed) | users |
| --- | --- |
${SCENARIOS.map((s) => `| ${s.description} (\`${s.capacityField}\`) | ${capacityCell(s.key)} |`).join("\n")}

What a frame costs (full frames, at ${costPerFrame.atUsers ?? "n/a"} users, the busiest step held): the server
${costPerFrame.serverCpuMs ?? "n/a"} ms of CPU per answered frame (kernel ${costPerFrame.serverKernelMs ?? "n/a"}), ${costPerFrame.serverMinorFaults ?? "n/a"} minor page faults; the engine alone, on the same
mix (${Math.round(costPerFrame.engineMix.trackedShare * 100)}% tracked, ${Math.round(costPerFrame.engineMix.fullRangeShare * 100)}% full-range detections, the rest short-range), ${costPerFrame.engineCpuMs} ms (kernel ${costPerFrame.engineKernelMs}), ${costPerFrame.engineMinorFaults} faults.

## With sessions (X-Session-Id: tracking skips the detector)

${table}${stepRows(withSessions)}
${scenarioSections}${loadPacingSection}${withoutSessions.length ? `\n## Without sessions (every frame runs the detector)\n\n${table}${stepRows(withoutSessions)}\n` : ""}
## Side by side (same run)

| measure | value |
| --- | --- |
| engine ceiling, ${workers} workers in-process, the users' mix (desk users tracked with periodic re-detection, away users detector only) | ${baselines.engineCeilingUsersFps} frames/s |
| one worker, the users' mix | ${baselines.oneWorkerUsersFps} frames/s |
| per-worker scaling (pool / (${workers} x one worker), users' mix) | ${r2(ratios.perWorkerScaling)} |
| engine ceiling, ${workers} workers in-process, detector every frame | ${baselines.engineCeilingFps} frames/s |
| engine ceiling, ${workers} workers, tracked (session steady state) | ${baselines.engineCeilingTrackedFps} frames/s |
| one worker, detector every frame | ${baselines.oneWorkerFps} frames/s |
| a fresh process per frame (the first design) | ${baselines.secondsPerSpawnedFrame} s a frame = ${baselines.processPerFrameFps} frames/s |
| server capacity / engine ceiling for the same mix | ${r2(ratios.serverCapacityOverEngineCeiling)} |
| server capacity / tracked engine ceiling | ${r2(ratios.serverCapacityOverTrackedCeiling)} |
| pool / one worker | ${r2(ratios.poolOverOneWorker)} |
| pool / process per frame | ${r2(ratios.poolOverProcessPerFrame)} |
| tracked / detector every frame (engine) | ${r2(ratios.trackingOverDetection)} |
| capacity with sessions / without | ${r2(ratios.capacityWithSessionsOverWithout)} |
${
  overload
    ? `
## Overload: ${(overload as any).offeredUsers} users (3x capacity) for ${(overload as any).seconds} s

| measure | value |
| --- | --- |
| share shed with 503 | ${((overload as any).shedShare * 100).toFixed(1)}% |
| admitted frames' p99 | ${(overload as any).admittedP99Ms} ms |
| errors other than 503 | ${(overload as any).errors} |
| server peak RSS | ${(overload as any).peakRssMb} MB |
| server up afterwards | ${(overload as any).serverStayedUp} |
| recovery at ${(overload as any).recovery.users} users right after | p99 ${(overload as any).recovery.p99Ms} ms, shed ${(overload as any).recovery.shed}, errors ${(overload as any).recovery.errors}: ${(overload as any).recovery.recovered ? "recovered at once" : "NOT recovered"} |
`
    : ""
}
The same scenario with oha (when on PATH; no per-user session headers, so it is the "without sessions" series):

\`\`\`
${ohaLines.join("\n")}
\`\`\`

![latency against users](load-latency.svg)
`;
mkdirSync(outDir, { recursive: true });
const name = args.name ?? (smoke ? "load-smoke" : "load-latest");
writeFileSync(join(outDir, `${name}.json`), JSON.stringify(report, null, 2) + "\n");
writeFileSync(join(outDir, `${name}.md`), md);
if (name === "load-latest") {
  writeFileSync(join(outDir, "load-latency.svg"), latencyChart(withSessions, withoutSessions, TARGET_P99_MS));
}
console.log(
  JSON.stringify({
    report: join(outDir, `${name}.md`),
    capacityUsers: capacity,
    capacityUsersFaceCrop: report.capacityUsersFaceCrop,
    capacityUsersPaced: report.capacityUsersPaced,
    capacityUsersPacedStatic: report.capacityUsersPacedStatic,
    classStart: report.classStart,
  }),
);
