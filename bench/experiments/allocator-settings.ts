/**
 * What a frame costs the server in page faults, kernel time and CPU, under mimalloc settings, and what each
 * setting costs in memory:  bun bench/experiments/allocator-settings.ts [--users 20] [--seconds 10] [--rounds 2] [--label x]
 *
 * Bun's allocator (mimalloc) returns freed memory to the kernel `purge_delay` ms after it is freed (100 by
 * default), so a frame's large buffers are faulted in again on the next frame. For each setting the server
 * (2 workers) runs with it in its environment, the load generator sends `users` users with sessions at
 * 1 frame/s for `seconds`, and /proc/PID/stat gives minor faults, user and system CPU per answered frame.
 * Memory: peak RSS under the load, and RSS after 5 s idle (a setting that never purges keeps its peak).
 * Settings alternate round by round, so machine noise hits them alike. Prints JSON; with --label, also
 * writes bench/results/allocator-settings-<label>.json.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchFrames } from "../lib/frames";
import { residentMb, startBenchServer } from "../lib/server-process";
import { procStat } from "../lib/proc-stat";
import { GeneratorSeries } from "../load/generator-series";
import { exitOnHelp } from "../lib/help";

exitOnHelp(import.meta);

const { values: args } = parseArgs({
  options: {
    users: { type: "string", default: "20" },
    seconds: { type: "string", default: "10" },
    rounds: { type: "string", default: "2" },
    label: { type: "string" },
    settings: { type: "string" },
  },
});
const users = Number(args.users);
const seconds = Number(args.seconds);
const rounds = Number(args.rounds);
/** Each setting: the environment the server starts with (on top of this process's, without MIMALLOC_*). */
const SETTINGS: Record<string, Record<string, string>> = {
  "default (purge after 100 ms)": {},
  "MIMALLOC_PURGE_DELAY=1000": { MIMALLOC_PURGE_DELAY: "1000" },
  "MIMALLOC_PURGE_DELAY=-1 (never purge)": { MIMALLOC_PURGE_DELAY: "-1" },
};
const chosen = args.settings
  ? Object.fromEntries(
      Object.entries(SETTINGS).filter(([name]) => args.settings!.split(",").some((s) => name.includes(s))),
    )
  : SETTINGS;

const repo = new URL("../../", import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), "vigil-alloc-"));
const frames = await benchFrames();
const framePaths = { person: join(scratch, "person.jpg"), empty: join(scratch, "empty.jpg") };
writeFileSync(framePaths.person, frames.person);
writeFileSync(framePaths.empty, frames.empty);

const counters = (pid: number) => procStat(pid);

async function measure(env: Record<string, string>) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("MIMALLOC_"))) as Record<
    string,
    string
  >;
  const server = await startBenchServer(2, [], { ...base, ...env });
  const pid = server.child.pid;
  try {
    // Warm-up: every worker's first frames, and the sessions' first detections.
    await generate(server.url, users, 2);
    const before = counters(pid);
    let peakRssMb = residentMb(pid);
    const sampler = setInterval(() => (peakRssMb = Math.max(peakRssMb, residentMb(pid))), 200);
    const result = await generate(server.url, users, seconds);
    clearInterval(sampler);
    const after = counters(pid);
    await Bun.sleep(5000);
    const idleRssMb = residentMb(pid);
    const per = (v: number) => Number((v / result.ok).toFixed(2));
    return {
      answered: result.ok,
      errors: result.errors + result.shed,
      p50Ms: result.latencyMs.p50,
      p99Ms: result.latencyMs.p99,
      minorFaultsPerFrame: per(after.minorFaults - before.minorFaults),
      cpuMsPerFrame: per(after.userMs + after.systemMs - before.userMs - before.systemMs),
      kernelMsPerFrame: per(after.systemMs - before.systemMs),
      peakRssMb: Math.round(peakRssMb),
      idleRssMb: Math.round(idleRssMb),
    };
  } finally {
    server.child.kill("SIGTERM");
    await server.child.exited;
  }
}

async function generate(url: string, n: number, s: number) {
  const series = new GeneratorSeries({ url, sessions: true, frames: framePaths });
  const result = await series.step({ users: n, seconds: s, settleSeconds: 0 });
  await series.close();
  return result;
}

const runs: Record<string, Array<Awaited<ReturnType<typeof measure>>>> = {};
for (let round = 0; round < rounds; round++) {
  for (const [name, env] of Object.entries(chosen)) {
    const r = await measure(env);
    runs[name] ??= [];
    runs[name].push(r);
    console.error(`${name}: ${JSON.stringify(r)}`);
  }
}
rmSync(scratch, { recursive: true, force: true });
const report = {
  date: new Date().toISOString(),
  machine: `${cpus().length} x ${cpus()[0]?.model}`,
  loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))),
  users,
  seconds,
  workers: 2,
  runs,
};
if (args.label)
  writeFileSync(
    join(repo, `bench/results/allocator-settings-${args.label}.json`),
    JSON.stringify(report, null, 2) + "\n",
  );
console.log(JSON.stringify(report));
