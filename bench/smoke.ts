/**
 * A fast end-to-end smoke of the benches, run in CI after the tests:
 *   npx bun bench/smoke.ts            (the first half of npm run bench:smoke; the second is bun test tests/bench:
 *                                      the load bench's --smoke run and its series, the endurance and eye
 *                                      evaluation smokes, each report checked field by field)
 * 1. Every bench command answers --help: prints its options, exits 0, runs nothing.
 * 2. The engine-stages bench (bench/engine-stages.ts --runs 3): every stage timed in Bun and in Node.
 * Reports go to a temporary folder, never to bench/results. Checks that the benches run and report what they
 * should, never how fast anything is.
 */
import { readdirSync, readFileSync, rmSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exitOnHelp } from "./lib/help";

exitOnHelp(import.meta);
const repo = new URL("../", import.meta.url).pathname;
/** Modules of the load bench, not commands. */
const MODULES = new Set(["bench/load/open-loop.ts", "bench/load/generator-series.ts", "bench/load/latency-chart.ts"]);
/** Commands that do not answer --help yet (running them without it would run them). */
const WITHOUT_HELP = new Set<string>();

const commands = ["bench", "bench/experiments", "bench/load", "bench/eyes"]
  .flatMap((dir) =>
    readdirSync(join(repo, dir))
      .filter((f) => f.endsWith(".ts"))
      .map((f) => `${dir}/${f}`),
  )
  .filter((file) => !MODULES.has(file));

const failures: string[] = [];
const out = mkdtempSync(join(tmpdir(), "vigil-bench-smoke-"));

async function run(args: string[], timeoutMs: number) {
  const started = performance.now();
  const child = Bun.spawn([process.execPath, ...args], {
    cwd: repo,
    stdout: "pipe",
    stderr: "pipe",
    timeout: timeoutMs,
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { stdout, stderr, code, seconds: (performance.now() - started) / 1000 };
}

function check(what: string, ok: boolean, detail = "") {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${detail ? ` ${detail}` : ""}`);
  if (!ok) failures.push(what);
}

try {
  for (const file of commands) {
    if (WITHOUT_HELP.has(file)) {
      console.log(`skip ${file} --help: not implemented there yet`);
      continue;
    }
    const r = await run([file, "--help"], 30_000);
    check(`${file} --help`, r.code === 0 && r.stdout.trim().length > 0, r.code === 0 ? "" : r.stderr.slice(-300));
  }

  const stages = await run(["bench/engine-stages.ts", "--runs", "3", "--out", out], 120_000);
  check(
    "engine-stages bench (--runs 3)",
    stages.code === 0,
    `${stages.seconds.toFixed(0)} s ${stages.code ? stages.stderr.slice(-500) : ""}`,
  );
  if (stages.code === 0) {
    const report = JSON.parse(readFileSync(join(out, "engine-stages.json"), "utf8"));
    check(
      "engine-stages: every stage timed in Bun",
      Object.values(report.bun.medianMs).every((ms) => (ms as number) >= 0) && report.bun.medianMs.total > 0,
    );
    check("engine-stages: the Node run", report.node?.medianMs?.total > 0, report.nodeError ?? "");
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
console.log(failures.length ? `${failures.length} failed: ${failures.join("; ")}` : "bench smoke: all passed");
process.exit(failures.length ? 1 : 0);
