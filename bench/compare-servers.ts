/**
 * Server CPU, kernel time and minor faults per answered frame of two checkouts under the same load, alternating:
 *   bun bench/compare-servers.ts [--mode full|crop] [--users 20] [--rounds 2] OTHER_CHECKOUT [THIS_CHECKOUT]
 * (another checkout: `git archive <commit> | tar -x -C DIR`, link node_modules, copy or build wasm/models).
 * 2 workers each, N users with sessions at 1 frame/s (the load bench's open-loop users: 4 in 5 at their desk;
 * `--mode crop`: they send the face crops the answers ask for), counted for 10 s after 5 s in the same generator
 * process, in rounds that alternate the checkouts so that the machine's drift falls on both. No MIMALLOC_* from
 * this environment (each checkout runs with what it sets itself). Prints one JSON line per run, then the mean
 * per checkout. Numbers to read: this machine drifts, so compare only checkouts measured in the same call.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchFrames } from "./lib/frames";
import { procStat } from "./lib/proc-stat";
import { GeneratorSeries } from "./load/generator-series";
import { startBenchServer } from "./lib/server-process";
import { exitOnHelp } from "./lib/help";

exitOnHelp(import.meta);

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { mode: { type: "string" }, users: { type: "string" }, rounds: { type: "string" } },
});
const mode = args.mode ?? "full";
if (mode !== "full" && mode !== "crop") throw new Error("--mode is full or crop");
const [users, seconds, settleSeconds, rounds] = [Number(args.users ?? 20), 10, 5, Number(args.rounds ?? 2)];
const here = new URL("../", import.meta.url).pathname;
const checkouts = [positionals[0], positionals[1] ?? here];
if (!checkouts[0])
  throw new Error(
    "usage: bun bench/compare-servers.ts [--mode full|crop] [--users N] [--rounds R] OTHER_CHECKOUT [THIS_CHECKOUT]",
  );
const scratch = mkdtempSync(join(tmpdir(), "vigil-compare-"));
const made = await benchFrames();
const frames = { person: join(scratch, "person.jpg"), empty: join(scratch, "empty.jpg") };
writeFileSync(frames.person, made.person);
writeFileSync(frames.empty, made.empty);
const counters = (pid: number) => {
  const s = procStat(pid);
  return { flt: s.minorFaults, cpu: s.cpuMs, sys: s.systemMs };
};
/** One generator step: settles, then counts; the server's counters are read when the counting starts. */
async function measured(url: string, pid: number) {
  const series = new GeneratorSeries({ url, sessions: true, frames, ...(mode === "crop" ? { mode } : {}) });
  let start: ReturnType<typeof counters> | null = null;
  const result = await series.step({ users, seconds, settleSeconds }, () => (start ??= counters(pid)));
  const end = counters(pid);
  await series.close();
  if (!start) throw new Error("the generator never said it was measuring");
  return { result, start: start as ReturnType<typeof counters>, end };
}
const totals = new Map<string, { cpu: number; frames: number }>();
for (let r = 0; r < rounds; r++)
  for (const repo of checkouts) {
    const name = repo;
    const { url, child } = await startBenchServer(
      2,
      [],
      Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("MIMALLOC"))),
      { checkout: repo },
    );
    const { result: res, start: a, end: b } = await measured(url, child.pid);
    console.log(
      JSON.stringify({
        name,
        mode,
        users,
        ok: res.ok,
        shed: res.shed,
        p50: res.latencyMs.p50,
        p99: res.latencyMs.p99,
        cpuMsPerFrame: +((b.cpu - a.cpu) / res.ok).toFixed(2),
        kernelMsPerFrame: +((b.sys - a.sys) / res.ok).toFixed(2),
        faultsPerFrame: Math.round((b.flt - a.flt) / res.ok),
      }),
    );
    const total = totals.get(name) ?? { cpu: 0, frames: 0 };
    totals.set(name, { cpu: total.cpu + b.cpu - a.cpu, frames: total.frames + res.ok });
    child.kill("SIGTERM");
    await child.exited;
  }
const means = [...totals].map(([name, t]) => ({ name, cpuMsPerFrame: +(t.cpu / t.frames).toFixed(2) }));
console.log(
  JSON.stringify({
    mode,
    users,
    rounds,
    means,
    thisOverOther: +(means[1].cpuMsPerFrame / means[0].cpuMsPerFrame).toFixed(3),
  }),
);
