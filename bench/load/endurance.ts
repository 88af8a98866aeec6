/**
 * Endurance: hold 80% of the measured capacity for a long time and watch memory, errors and latency drift.
 *   bun bench/load/endurance.ts [--minutes 30] [--users N] [--out DIR]
 * N defaults to 80% of `capacityUsers` in bench/results/load-latest.json. The load is the load benchmark's users
 * (open loop, sessions, 1 user in 5 away), run one minute at a time, each minute by a new generator process with
 * new sessions (unlike the load bench's series, whose users stay): the store keeps filling with sessions that go
 * idle and must be forgotten, the memory this bench watches. Server memory is sampled 12 times a minute.
 * Writes endurance-<date>.{json,md} and endurance-<date>-memory.svg. Memory is called flat when the last minute's
 * median resident memory is within 10% (+20 MB) of the second minute's (the first is warm-up).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchFrames } from "../lib/frames";
import { residentMb, startBenchServer } from "../lib/server-process";
import type { LoadResult } from "./generator";
import { exitOnHelp } from "../lib/help";

exitOnHelp(import.meta);

const { values: args } = parseArgs({
  options: {
    minutes: { type: "string" },
    users: { type: "string" },
    out: { type: "string" },
    "minute-seconds": { type: "string" },
  },
});
const repo = new URL("../../", import.meta.url).pathname;
const outDir = args.out ?? join(repo, "bench/results");
const minutes = Number(args.minutes ?? 30);
// Tests shorten a "minute" to keep the smoke run short; real runs use 60 s.
const minuteSeconds = Number(args["minute-seconds"] ?? 60);
const capacity = (() => {
  try {
    return JSON.parse(readFileSync(join(repo, "bench/results/load-latest.json"), "utf8")).capacityUsers as number;
  } catch {
    return 50;
  }
})();
const users = Number(args.users ?? Math.max(1, Math.floor(capacity * 0.8)));

const scratch = mkdtempSync(join(tmpdir(), "vigil-endurance-"));
const frames = await benchFrames();
const framePaths = { person: join(scratch, "person.jpg"), empty: join(scratch, "empty.jpg") };
writeFileSync(framePaths.person, frames.person);
writeFileSync(framePaths.empty, frames.empty);

const server = await startBenchServer(2);
const memory: Array<{ second: number; rssMb: number }> = [];
const started = performance.now();
// Twelve samples a minute (every 5 s in a real run): memory swings by tens of MB between collections, so a
// minute's mean needs enough samples whatever the minute's length.
const sampleEveryMs = Math.max(1000, (minuteSeconds * 1000) / 12);
const sampler = setInterval(
  () =>
    memory.push({
      second: Math.round((performance.now() - started) / 1000),
      rssMb: Math.round(residentMb(server.child.pid)),
    }),
  sampleEveryMs,
);
const perMinute: Array<LoadResult & { minute: number }> = [];
console.error(`endurance: ${users} users (80% of ${capacity}) for ${minutes} x ${minuteSeconds} s`);
for (let minute = 1; minute <= minutes; minute++) {
  const scenario = {
    url: server.url,
    users,
    seconds: minuteSeconds,
    sessions: true,
    frames: framePaths,
    generator: "open-loop",
  };
  const child = Bun.spawn([process.execPath, "bench/load/generator.ts", JSON.stringify(scenario)], {
    cwd: repo,
    stdout: "pipe",
    stderr: "inherit",
  });
  const out = await new Response(child.stdout).text();
  const result = JSON.parse(out.trim().split("\n").pop()!) as LoadResult;
  perMinute.push({ minute, ...result });
  console.error(
    `  minute ${minute}: p50 ${result.latencyMs.p50} p99 ${result.latencyMs.p99} ms, ok ${result.ok}, shed ${result.shed}, errors ${result.errors}, rss ${memory.at(-1)?.rssMb ?? "?"} MB`,
  );
}
clearInterval(sampler);
const stayedUp = await fetch(`${server.url}/healthz`).then(
  (r) => r.ok,
  () => false,
);
server.child.kill("SIGTERM");
await server.child.exited;
rmSync(scratch, { recursive: true, force: true });

const window = (from: number, to: number) =>
  memory.filter((m) => m.second >= from && m.second < to).map((m) => m.rssMb);
// Medians: a sample taken just before a collection is a spike, not where memory sits.
const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : 0);
const total = minutes * minuteSeconds;
const reference = median(window(minuteSeconds, 2 * minuteSeconds)) || median(window(0, total));
const last = median(window(total - minuteSeconds, total + 10)) || reference;
const flat = last <= reference * 1.1 + 20;
const totals = perMinute.reduce(
  (t, m) => ({ sent: t.sent + m.sent, errors: t.errors + m.errors, shed: t.shed + m.shed }),
  { sent: 0, errors: 0, shed: 0 },
);
const report = {
  date: new Date().toISOString(),
  machine: `${cpus().length} x ${cpus()[0]?.model}`,
  users,
  capacity,
  minutes,
  minuteSeconds,
  totals,
  stayedUp,
  memory: {
    referenceMb: Math.round(reference),
    lastMinuteMb: Math.round(last),
    peakMb: Math.max(...memory.map((m) => m.rssMb)),
    flat,
    samples: memory,
  },
  latencyDrift: { firstP99Ms: perMinute[0]?.latencyMs.p99, lastP99Ms: perMinute.at(-1)?.latencyMs.p99 },
  perMinute,
};
mkdirSync(outDir, { recursive: true });
const name = `endurance-${report.date.slice(0, 16).replace(/[:T]/g, "-")}`;
writeFileSync(join(outDir, `${name}.json`), JSON.stringify(report, null, 2) + "\n");
const rows = perMinute
  .map((m) => `| ${m.minute} | ${m.latencyMs.p50} | ${m.latencyMs.p99} | ${m.ok} | ${m.shed} | ${m.errors} |`)
  .join("\n");
writeFileSync(
  join(outDir, `${name}.md`),
  `# Endurance ${report.date.slice(0, 10)}

${report.machine}; ${users} users (80% of the measured capacity of ${capacity}) for ${minutes} x ${minuteSeconds} s; command:
\`bun bench/load/endurance.ts --minutes ${minutes}\`.

- Frames sent ${totals.sent}, errors ${totals.errors}, shed ${totals.shed}; server up at the end: ${stayedUp}.
- Memory: ${report.memory.referenceMb} MB in minute 2, ${report.memory.lastMinuteMb} MB in the last minute, peak ${report.memory.peakMb} MB: **${flat ? "flat" : "NOT flat"}**.
- p99 drift: ${report.latencyDrift.firstP99Ms} ms in minute 1, ${report.latencyDrift.lastP99Ms} ms in the last.

| minute | p50 ms | p99 ms | answered | shed | errors |
| --- | --- | --- | --- | --- | --- |
${rows}

![resident memory over time](${name}-memory.svg)
`,
);
const maxRss = Math.max(100, ...memory.map((m) => m.rssMb)) * 1.1;
const x = (s: number) => 50 + (s / Math.max(1, total)) * 620;
const y = (mb: number) => 270 - (mb / maxRss) * 240;
writeFileSync(
  join(outDir, `${name}-memory.svg`),
  `<svg xmlns="http://www.w3.org/2000/svg" width="700" height="300" font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="white"/>
<text x="50" y="20">Vigil endurance: server resident memory (MB) over ${minutes} x ${minuteSeconds} s at ${users} users</text>
<line x1="50" y1="270" x2="670" y2="270" stroke="black"/><line x1="50" y1="30" x2="50" y2="270" stroke="black"/>
${[0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="44" y="${y(maxRss * f) + 4}" text-anchor="end">${Math.round(maxRss * f)}</text>`).join("")}
<polyline fill="none" stroke="#264653" stroke-width="2" points="${memory.map((m) => `${x(m.second).toFixed(1)},${y(m.rssMb).toFixed(1)}`).join(" ")}"/>
<text x="360" y="292" text-anchor="middle">seconds</text></svg>
`,
);
console.log(JSON.stringify({ report: join(outDir, `${name}.md`), flat, errors: totals.errors }));
