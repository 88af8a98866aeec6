/**
 * The engine-stages benchmark: what one analysis costs, stage by stage (decode, detectors, crop, landmark model,
 * merge, measures), in Bun and in Node 20, side by side, one thread, no HTTP.
 *   npx bun bench/engine-stages.ts [--runs 50] [--out bench/results]
 * Runs bench/lib/stage-timings.ts in Bun, bundles it for Node (assets copied next to the bundle) and runs it
 * with `node`, then writes engine-stages.{json,md} to --out.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { exitOnHelp } from "./lib/help";

exitOnHelp(import.meta);
const { values: args } = parseArgs({ options: { runs: { type: "string", default: "50" }, out: { type: "string" } } });
const repo = new URL("../", import.meta.url).pathname;
const out = args.out ?? join(repo, "bench/results");
const run = (cmd: string[], cwd = repo) => {
  const env = { ...process.env, VIGIL_FIXTURES: join(repo, "tests/fixtures") };
  const result = Bun.spawnSync(cmd, { cwd, env, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed:\n${result.stderr}`);
  return result.stdout.toString();
};
const lastJson = (output: string) =>
  JSON.parse(
    output
      .trim()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .pop()!,
  );

const bun = lastJson(run([process.execPath, "bench/lib/stage-timings.ts", args.runs!]));
const outdir = join(repo, "bench/.node-build");
rmSync(outdir, { recursive: true, force: true });
run([process.execPath, "build", "--target=node", "--format=esm", "bench/lib/stage-timings.ts", "--outdir", outdir]);
let node: typeof bun | null = null;
let nodeError = "";
try {
  // The bundle refers to its copied assets (WASM, models) by paths relative to its own folder.
  node = lastJson(run(["node", "stage-timings.js", args.runs!], outdir));
} catch (error) {
  nodeError = String(error).slice(0, 500);
}
const machine = `${cpus().length} x ${cpus()[0]?.model ?? "unknown CPU"}`;
const date = new Date().toISOString().slice(0, 10);
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, "engine-stages.json"),
  `${JSON.stringify({ date, machine, bun, node, nodeError: nodeError || undefined }, null, 2)}\n`,
);
const rows = Object.keys(bun.medianMs).map((stage) => {
  const b = bun.medianMs[stage];
  const n = node?.medianMs[stage];
  return `| ${stage} | ${b.toFixed(2)} | ${n === undefined ? "n/a" : n.toFixed(2)} | ${n ? (n / b).toFixed(2) : "n/a"} |`;
});
const md =
  `# Engine: cost per frame by stage\n\n${date}, ${machine}. Median of ${bun.runs} analyses of ${bun.photo} ` +
  "after warm-up, one thread.\n" +
  `Command: \`npx bun bench/engine-stages.ts\`. Model load: Bun ${bun.modelLoadMs} ms, ` +
  `Node ${node?.modelLoadMs ?? "n/a"} ms.\n\n` +
  `| stage (ms) | ${bun.runtime} | ${node?.runtime ?? "Node"} | Node / Bun |\n| --- | --- | --- | --- |\n` +
  `${rows.join("\n")}\n\n` +
  "`detect` is the full-range detector (photos, a session's first frame and periodic look); `detectShortRange` " +
  "the short-range one on the same frame (webcam frames). `trackedTotal` is decode plus an analysis that follows " +
  "the face from the previous frame (detector skipped), as a session's frames do.\n" +
  (nodeError ? `\nNode run failed: ${nodeError}\n` : "");
writeFileSync(join(out, "engine-stages.md"), md);
console.log(md);
