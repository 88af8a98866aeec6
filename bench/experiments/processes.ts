/**
 * Several processes against one process with several workers, on one machine: for each layout PxW (P server
 * processes, `vigil serve --processes P`, each with W workers; P > 1 shares sessions through a redis-server
 * started here), the load is stepped up (bench/load/generator.ts: N users, one webcam frame a second each,
 * with sessions; one generator process per layout, whose users carry on from step to step, each step counted
 * after `--settle-seconds` at its user count, as in the load bench) until the 99th percentile passes 150 ms or a
 * frame is lost. The CPU of the whole process tree (the parent and its children) and of redis-server is
 * measured from /proc over the counted seconds.
 *
 *   bun bench/experiments/processes.ts --layouts 1x16,1x16r,4x4,16x1 --steps 50,100,150,200,300,400 [--step-seconds 10] [--settle-seconds 5]
 *
 * A layout with `r` keeps sessions in Redis even with one process (to separate the cost of Redis from that of
 * the processes). Writes bench/results/processes-<date>.{md,json}. No timing here is asserted anywhere.
 * The kernel hands each new connection to one process (SO_REUSEPORT); the generator's keep-alive pool opens
 * about one connection per frame in flight, so at a few dozen users or more every process gets its share.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startRedisServer } from "../../tests/support/redis-server";
import { benchFrames } from "../lib/frames";
import { startBenchServer } from "../lib/server-process";
import type { LoadResult } from "../load/generator";
import { GeneratorSeries } from "../load/generator-series";
import { procStat } from "../lib/proc-stat";
import { exitOnHelp } from "../lib/help";

exitOnHelp(import.meta);

const { values: args } = parseArgs({
  options: {
    layouts: { type: "string" },
    steps: { type: "string" },
    "step-seconds": { type: "string" },
    "settle-seconds": { type: "string" },
    out: { type: "string" },
  },
});
const layouts = (args.layouts ?? "1x2,1x2r,2x1").split(",").map((text) => {
  const match = text.match(/^(\d+)x(\d+)(r?)$/);
  if (!match) throw new Error(`a layout is PxW (processes x workers), optionally with r (Redis): ${text}`);
  return {
    name: text,
    processes: Number(match[1]),
    workers: Number(match[2]),
    redis: match[3] === "r" || Number(match[1]) > 1,
  };
});
const steps = (args.steps ?? "10,20,30,40,60,80").split(",").map(Number);
const stepSeconds = Number(args["step-seconds"] ?? 10);
const settleSeconds = Number(args["settle-seconds"] ?? 5);
const repo = new URL("../../", import.meta.url).pathname;
const TARGET_P99_MS = 150;

/** CPU time (ms) of a process and all its descendants. */
function treeCpuMs(root: number): number {
  const parents = new Map<number, number>();
  const cpu = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = procStat(Number(entry));
      parents.set(Number(entry), stat.parentPid);
      cpu.set(Number(entry), stat.cpuMs);
    } catch {
      // gone meanwhile
    }
  }
  const inTree = (pid: number): boolean => pid === root || (pid > 1 && parents.has(pid) && inTree(parents.get(pid)!));
  let total = 0;
  for (const [pid, ms] of cpu) if (inTree(pid)) total += ms;
  return total;
}

function startLayout(layout: (typeof layouts)[number], redisUrl: string) {
  const redis = layout.redis ? ["--redis-url", redisUrl] : [];
  return startBenchServer(layout.workers, redis, process.env, { processes: layout.processes });
}

const scratch = mkdtempSync(join(tmpdir(), "vigil-processes-"));
const frames = await benchFrames();
const framePaths = { person: join(scratch, "person.jpg"), empty: join(scratch, "empty.jpg") };
writeFileSync(framePaths.person, frames.person);
writeFileSync(framePaths.empty, frames.empty);

const redis = await startRedisServer();
const results: Record<string, unknown>[] = [];
try {
  for (const layout of layouts) {
    const server = await startLayout(layout, redis.url);
    const series = new GeneratorSeries({ url: server.url, sessions: true, frames: framePaths });
    try {
      for (const users of steps) {
        let [tree0, redis0, t0] = [treeCpuMs(server.child.pid), treeCpuMs(redis.pid), performance.now()];
        const load = await series.step(
          { users, seconds: stepSeconds, settleSeconds },
          () => ([tree0, redis0, t0] = [treeCpuMs(server.child.pid), treeCpuMs(redis.pid), performance.now()]),
        );
        const seconds = (performance.now() - t0) / 1000;
        const step = {
          layout: layout.name,
          users,
          ...load,
          serverCpuPercent: Math.round((treeCpuMs(server.child.pid) - tree0) / 10 / seconds),
          redisCpuPercent: Math.round((treeCpuMs(redis.pid) - redis0) / 10 / seconds),
        };
        results.push(step);
        console.error(
          `${layout.name} ${users} users: p50 ${load.latencyMs.p50} p99 ${load.latencyMs.p99} ms, ok/s ${load.throughputRps.toFixed(1)}, shed ${load.shed}, errors ${load.errors}, cpu ${step.serverCpuPercent}% (+ redis ${step.redisCpuPercent}%)`,
        );
        if (load.latencyMs.p99 > TARGET_P99_MS || load.shed > 0 || load.errors > 0) break;
        await Bun.sleep(500);
      }
    } finally {
      await series.close();
      server.child.kill("SIGTERM");
      await server.child.exited;
    }
  }
} finally {
  await redis.stop();
  rmSync(scratch, { recursive: true, force: true });
}

type Step = {
  layout: string;
  users: number;
  latencyMs: LoadResult["latencyMs"];
  shed: number;
  errors: number;
  throughputRps: number;
  serverCpuPercent: number;
  redisCpuPercent: number;
};
const steps_ = results as Step[];
const held = (s: Step) => s.latencyMs.p99 <= TARGET_P99_MS && s.shed === 0 && s.errors === 0;
const date = new Date().toISOString().slice(0, 16).replace(/[T:]/g, "-");
const machine = `${cpus().length} x ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GB, Bun ${Bun.version}`;
const capacity = layouts.map(
  (l) =>
    `| ${l.name} | ${l.processes} | ${l.workers} | ${l.redis ? "Redis" : "memory"} | ${steps_.filter((s) => s.layout === l.name && held(s)).reduce((n, s) => Math.max(n, s.users), 0)} |`,
);
const md = `# Processes against workers (${date})

Machine: ${machine}. Command: \`bun bench/experiments/processes.ts --layouts ${layouts.map((l) => l.name).join(",")} --steps ${steps.join(",")} --step-seconds ${stepSeconds} --settle-seconds ${settleSeconds}\`.
N users, one 640x480 webcam frame a second each, with sessions, the users of a step carrying on into the next (each
step counted after ${settleSeconds} s at its user count); a step holds when p99 <= ${TARGET_P99_MS} ms and nothing is
shed or lost. Server CPU is the whole process tree (parent and children), in percent of one core.

| layout | processes | workers each | sessions | highest users held |
| --- | --- | --- | --- | --- |
${capacity.join("\n")}

| layout | users | p50 ms | p99 ms | answered/s | shed | errors | server CPU % | redis CPU % |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${steps_.map((s) => `| ${s.layout} | ${s.users} | ${s.latencyMs.p50} | ${s.latencyMs.p99} | ${s.throughputRps.toFixed(1)} | ${s.shed} | ${s.errors} | ${s.serverCpuPercent} | ${s.redisCpuPercent} |`).join("\n")}
`;
const out = args.out ?? join(repo, "bench/results");
writeFileSync(join(out, `processes-${date}.md`), md);
writeFileSync(
  join(out, `processes-${date}.json`),
  JSON.stringify({ date, machine, layouts, steps, stepSeconds, settleSeconds, results }, null, 2) + "\n",
);
console.log(md);
