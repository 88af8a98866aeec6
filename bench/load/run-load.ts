/**
 * Vigil's load benchmark, one command:  bun bench/load/run-load.ts [--smoke] [--step-seconds 10]
 *     [--steps 20,40,60,...] [--overload-seconds 60] [--workers 2]
 *
 * The original system's scenario: N virtual users each posting a 640x480 webcam JPEG once a second (open
 * loop), stepped up until the 99th percentile passes 150 ms or any frame fails. Side by side, in the same
 * run: the engine's in-process ceiling, one worker against the pool, a fresh process per frame (the first
 * design), and the same steps without sessions (no tracking). Then an overload at three times the capacity
 * and the recovery after it. Writes bench/results/load-<date>.{json,md}, bench/results/load-latency.svg and
 * bench/results/load-latest.md. No timing here is asserted anywhere: these are numbers to read.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchFrames } from "../lib/frames";
import { residentMb, startBenchServer } from "../lib/server-process";
import type { LoadResult } from "./generator";
import { latencyChart } from "./latency-chart";

const { values: args } = parseArgs({
  options: {
    smoke: { type: "boolean", default: false },
    steps: { type: "string" },
    "step-seconds": { type: "string" },
    "overload-seconds": { type: "string" },
    workers: { type: "string" },
    out: { type: "string" },
    generator: { type: "string" },
  },
});
const smoke = args.smoke!;
const stepSeconds = Number(args["step-seconds"] ?? (smoke ? 3 : 10));
const steps = (args.steps ?? (smoke ? "2" : "10,20,30,40,50,60,70,80,100,120,150,200,250,300")).split(",").map(Number);
const overloadSeconds = Number(args["overload-seconds"] ?? (smoke ? 0 : 60));
const workers = Number(args.workers ?? 2);
const repo = new URL("../../", import.meta.url).pathname;
const outDir = args.out ?? join(repo, "bench/results");
const TARGET_P99_MS = 150;

const scratch = mkdtempSync(join(tmpdir(), "vigil-load-"));
const frames = await benchFrames();
const framePaths = { person: join(scratch, "person.jpg"), empty: join(scratch, "empty.jpg") };
writeFileSync(framePaths.person, frames.person);
writeFileSync(framePaths.empty, frames.empty);

/** CPU (percent of one core) and peak resident memory of a process while `work` runs. */
async function watchProcess<T>(pid: number, work: () => Promise<T>) {
  const ticks = () => {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return Number(fields[11]) + Number(fields[12]);
  };
  const rssMb = () => residentMb(pid);
  let peakRssMb = rssMb();
  const sampler = setInterval(() => (peakRssMb = Math.max(peakRssMb, rssMb())), 200);
  const t0 = performance.now();
  const c0 = ticks();
  const result = await work();
  const cpuPercent = ((ticks() - c0) / 100 / ((performance.now() - t0) / 1000)) * 100;
  clearInterval(sampler);
  return { result, cpuPercent: Math.round(cpuPercent), peakRssMb: Math.round(peakRssMb) };
}

async function runProcess(cmd: string[]): Promise<string> {
  const child = Bun.spawn(cmd, { cwd: repo, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`${cmd.slice(0, 3).join(" ")} exited ${code}: ${err.slice(-500)}`);
  return out;
}
const lastJson = (out: string) => JSON.parse(out.trim().split("\n").filter((l) => l.startsWith("{")).pop()!);

async function load(url: string, users: number, seconds: number, sessions: boolean, pid: number) {
  const scenario = { url, users, seconds, sessions, frames: framePaths, generator: args.generator };
  const watched = await watchProcess(pid, async () => lastJson(await runProcess([process.execPath, "bench/load/generator.ts", JSON.stringify(scenario)])) as LoadResult);
  return { users, sessions, ...watched.result, serverCpuPercent: watched.cpuPercent, serverPeakRssMb: watched.peakRssMb };
}
type Step = Awaited<ReturnType<typeof load>>;
const held = (s: Step) => s.latencyMs.p99 <= TARGET_P99_MS && s.errors === 0 && s.shed === 0;

async function stepUp(url: string, pid: number, sessions: boolean): Promise<Step[]> {
  const results: Step[] = [];
  for (const users of steps) {
    const step = await load(url, users, stepSeconds, sessions, pid);
    results.push(step);
    console.error(`  ${sessions ? "sessions" : "no sessions"} ${users} users: p50 ${step.latencyMs.p50} p99 ${step.latencyMs.p99} ms, ${step.throughputRps.toFixed(1)} ok/s, shed ${step.shed}, errors ${step.errors}, cpu ${step.serverCpuPercent}%, rss ${step.serverPeakRssMb} MB`);
    if (!held(step)) break;
    await Bun.sleep(500);
  }
  return results;
}
const highestHeld = (series: Step[]) => series.filter(held).reduce((n, s) => Math.max(n, s.users), 0);

console.error(`load benchmark: ${workers} workers, steps ${steps.join(",")}, ${stepSeconds} s each`);
const server = await startBenchServer(workers);
const withSessions = await stepUp(server.url, server.child.pid, true);
const capacity = highestHeld(withSessions);
const withoutSessions = smoke ? [] : await stepUp(server.url, server.child.pid, false);

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
    serverStayedUp: await fetch(`${server.url}/healthz`).then((r) => r.ok, () => false),
    recovery: { users: recovery.users, p99Ms: recovery.latencyMs.p99, shed: recovery.shed, errors: recovery.errors, recovered: held(recovery) },
  };
}
server.child.kill("SIGTERM");
await server.child.exited;

// Baselines, measured with the server stopped so they have the machine to themselves.
const ceilingSeconds = smoke ? 2 : 8;
const ceiling = async (w: number, track: boolean) => lastJson(await runProcess([process.execPath, "bench/load/engine-ceiling.ts", JSON.stringify({ workers: w, seconds: ceilingSeconds, track, frame: framePaths.person })]));
const ceilingPool = await ceiling(workers, false);
const ceilingPoolTracked = await ceiling(workers, true);
const ceilingOne = await ceiling(1, false);
const spawnRuns = smoke ? 1 : 3;
const spawnStart = performance.now();
for (let i = 0; i < spawnRuns; i++) await runProcess([process.execPath, "src/main.ts", "analyze", framePaths.person]);
const secondsPerSpawnedFrame = (performance.now() - spawnStart) / 1000 / spawnRuns;
rmSync(scratch, { recursive: true, force: true });

const date = new Date().toISOString();
const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), runtime: `Bun ${Bun.version}` };
const baselines = {
  engineCeilingFps: Number(ceilingPool.framesPerSecond.toFixed(1)),
  engineCeilingTrackedFps: Number(ceilingPoolTracked.framesPerSecond.toFixed(1)),
  oneWorkerFps: Number(ceilingOne.framesPerSecond.toFixed(1)),
  processPerFrameFps: Number((1 / secondsPerSpawnedFrame).toFixed(2)),
  secondsPerSpawnedFrame: Number(secondsPerSpawnedFrame.toFixed(2)),
};
const capacityNoSessions = highestHeld(withoutSessions);
const ratios = {
  serverCapacityOverEngineCeiling: baselines.engineCeilingTrackedFps ? capacity / baselines.engineCeilingTrackedFps : null,
  poolOverOneWorker: baselines.oneWorkerFps ? baselines.engineCeilingFps / baselines.oneWorkerFps : null,
  poolOverProcessPerFrame: baselines.processPerFrameFps ? baselines.engineCeilingFps / baselines.processPerFrameFps : null,
  trackingOverDetection: baselines.engineCeilingFps ? baselines.engineCeilingTrackedFps / baselines.engineCeilingFps : null,
  capacityWithSessionsOverWithout: capacityNoSessions ? capacity / capacityNoSessions : null,
};
const report = { date, machine, workers, stepSeconds, targetP99Ms: TARGET_P99_MS, capacityUsers: capacity, capacityUsersWithoutSessions: capacityNoSessions, withSessions, withoutSessions, overload, baselines, ratios, smoke };

const r2 = (v: number | null) => (v === null ? "n/a" : v.toFixed(2));
const stepRows = (series: Step[]) =>
  series.map((s) => `| ${s.users} | ${s.latencyMs.p50} | ${s.latencyMs.p90} | ${s.latencyMs.p99} | ${s.throughputRps.toFixed(1)} | ${s.shed} | ${s.errors} | ${s.serverCpuPercent}% | ${s.serverPeakRssMb} |`).join("\n");
const table = "| users | p50 ms | p90 ms | p99 ms | answered/s | shed (503) | errors | server CPU (of one core) | server peak RSS MB |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
const ohaLines = [
  `oha -z ${stepSeconds}s -q <0.8 N> -c <0.8 N> --latency-correction -m POST -H 'content-type: image/jpeg' -D person.jpg http://HOST:PORT/v1/analyze`,
  `oha -z ${stepSeconds}s -q <0.2 N> -c <0.2 N> --latency-correction -m POST -H 'content-type: image/jpeg' -D empty.jpg http://HOST:PORT/v1/analyze`,
];
const md = `# Load benchmark ${date.slice(0, 10)}${smoke ? " (smoke run)" : ""}

Machine: ${machine.cpus} x ${machine.cpu}, ${machine.memoryGb} GB, ${machine.runtime}; server with ${workers} workers; load generator
(${withSessions[0]?.tool ?? "autocannon"}) in its own process on the same machine. Command: \`bun bench/load/run-load.ts\`.
Scenario: N users, each posting a 640x480 JPEG once a second, open loop, users staggered over the second (4 in 5 at their
desk, 1 in 5 away: an empty desk);
${stepSeconds} s a step; stepping stops at the first step whose p99 passes ${TARGET_P99_MS} ms or that loses a frame.

**Capacity: ${capacity} users** held with sessions (p99 ≤ ${TARGET_P99_MS} ms, nothing shed or failed)${smoke ? "" : `; ${capacityNoSessions} without sessions`}.
Target: 300 users on a 2-core machine. ${capacity >= 300 ? "Met." : `Not met: ${capacity} of 300 (${Math.round((capacity / 300) * 100)}%).`}

## With sessions (X-Session-Id: tracking skips the detector)

${table}${stepRows(withSessions)}
${withoutSessions.length ? `\n## Without sessions (every frame runs the detector)\n\n${table}${stepRows(withoutSessions)}\n` : ""}
## Side by side (same run)

| measure | value |
| --- | --- |
| engine ceiling, ${workers} workers in-process, detector every frame | ${baselines.engineCeilingFps} frames/s |
| engine ceiling, ${workers} workers, tracked (session steady state) | ${baselines.engineCeilingTrackedFps} frames/s |
| one worker, detector every frame | ${baselines.oneWorkerFps} frames/s |
| a fresh process per frame (the first design) | ${baselines.secondsPerSpawnedFrame} s a frame = ${baselines.processPerFrameFps} frames/s |
| server capacity / tracked engine ceiling | ${r2(ratios.serverCapacityOverEngineCeiling)} |
| pool / one worker | ${r2(ratios.poolOverOneWorker)} |
| pool / process per frame | ${r2(ratios.poolOverProcessPerFrame)} |
| tracked / detector every frame (engine) | ${r2(ratios.trackingOverDetection)} |
| capacity with sessions / without | ${r2(ratios.capacityWithSessionsOverWithout)} |
${overload ? `
## Overload: ${(overload as any).offeredUsers} users (3x capacity) for ${(overload as any).seconds} s

| measure | value |
| --- | --- |
| share shed with 503 | ${((overload as any).shedShare * 100).toFixed(1)}% |
| admitted frames' p99 | ${(overload as any).admittedP99Ms} ms |
| errors other than 503 | ${(overload as any).errors} |
| server peak RSS | ${(overload as any).peakRssMb} MB |
| server up afterwards | ${(overload as any).serverStayedUp} |
| recovery at ${(overload as any).recovery.users} users right after | p99 ${(overload as any).recovery.p99Ms} ms, shed ${(overload as any).recovery.shed}, errors ${(overload as any).recovery.errors}: ${(overload as any).recovery.recovered ? "recovered at once" : "NOT recovered"} |
` : ""}
The same scenario with oha (when on PATH; no per-user session headers, so it is the "without sessions" series):

\`\`\`
${ohaLines.join("\n")}
\`\`\`

![latency against users](load-latency.svg)
`;
mkdirSync(outDir, { recursive: true });
const stamp = date.slice(0, 16).replace(/[:T]/g, "-");
const name = smoke ? "load-smoke" : `load-${stamp}`;
writeFileSync(join(outDir, `${name}.json`), JSON.stringify(report, null, 2) + "\n");
writeFileSync(join(outDir, `${name}.md`), md);
if (!smoke) {
  writeFileSync(join(outDir, "load-latest.md"), md);
  writeFileSync(join(outDir, "load-latest.json"), JSON.stringify(report, null, 2) + "\n");
  writeFileSync(join(outDir, "load-latency.svg"), latencyChart(withSessions, withoutSessions, TARGET_P99_MS));
}
console.log(JSON.stringify({ report: join(outDir, `${name}.md`), capacityUsers: capacity }));
