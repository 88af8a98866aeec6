/**
 * N workers in one process against N processes of one worker, run at the same time, on the load bench's mix
 * (engine-ceiling.ts "users"): frames per second summed, and CPU ms, kernel ms and minor faults per frame.
 *   bun bench/experiments/workers-vs-processes.ts [--workers 2] [--seconds 8] [--rounds 2] [--env MIMALLOC_PURGE_DELAY=1000]
 * Layouts alternate round by round so the machine's noise hits both. Prints one JSON line per run.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchFrames } from "../lib/frames";
import { exitOnHelp } from "../lib/help";

exitOnHelp(import.meta);

const { values: args } = parseArgs({
  options: {
    workers: { type: "string", default: "2" },
    seconds: { type: "string", default: "8" },
    rounds: { type: "string", default: "2" },
    env: { type: "string", multiple: true },
  },
});
const workers = Number(args.workers);
const seconds = Number(args.seconds);
const extraEnv = Object.fromEntries((args.env ?? []).map((kv) => kv.split("=", 2) as [string, string]));
const repo = new URL("../../", import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), "vigil-layout-"));
const { person, empty } = await benchFrames();
const frames = { person: join(scratch, "person.jpg"), empty: join(scratch, "empty.jpg") };
writeFileSync(frames.person, person);
writeFileSync(frames.empty, empty);

interface Ceiling {
  framesPerSecond: number;
  frames: number;
  cpuMsPerFrame: number;
  kernelMsPerFrame: number;
  minorFaultsPerFrame: number;
}
async function ceilings(processes: number, workersEach: number): Promise<Ceiling[]> {
  const children = Array.from({ length: processes }, () =>
    Bun.spawn(
      [
        process.execPath,
        "bench/load/engine-ceiling.ts",
        JSON.stringify({ workers: workersEach, seconds, mix: "users", frames }),
      ],
      { cwd: repo, env: { ...process.env, ...extraEnv }, stdout: "pipe", stderr: "inherit" },
    ),
  );
  return Promise.all(
    children.map(async (c) => JSON.parse((await new Response(c.stdout).text()).trim().split("\n").pop()!) as Ceiling),
  );
}

for (let round = 0; round < Number(args.rounds); round++) {
  for (const [processes, workersEach] of [
    [1, workers],
    [workers, 1],
  ]) {
    const runs = await ceilings(processes, workersEach);
    const frameCount = runs.reduce((n, r) => n + r.frames, 0);
    const weighted = (key: keyof Ceiling) =>
      Number((runs.reduce((n, r) => n + r[key] * r.frames, 0) / frameCount).toFixed(2));
    console.log(
      JSON.stringify({
        layout: `${processes} process(es) x ${workersEach} worker(s)`,
        env: extraEnv,
        framesPerSecond: Number(runs.reduce((n, r) => n + r.framesPerSecond, 0).toFixed(1)),
        cpuMsPerFrame: weighted("cpuMsPerFrame"),
        kernelMsPerFrame: weighted("kernelMsPerFrame"),
        minorFaultsPerFrame: weighted("minorFaultsPerFrame"),
      }),
    );
  }
}
rmSync(scratch, { recursive: true, force: true });
