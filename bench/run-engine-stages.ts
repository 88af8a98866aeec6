/**
 * One command for the per-stage table in Bun and in Node 20, side by side:
 *   bun bench/run-engine-stages.ts
 * Runs engine-stages.ts in Bun, bundles it for Node (assets copied next to the bundle) and runs it with
 * `node`, then writes bench/results/engine-stages.{json,md}.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";

const here = new URL(".", import.meta.url).pathname;
const run = (cmd: string[], cwd = here + "..") => {
  const env = { ...process.env, VIGIL_FIXTURES: here + "../tests/fixtures" };
  const result = Bun.spawnSync(cmd, { cwd, env, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed:\n${result.stderr}`);
  return result.stdout.toString();
};
const lastJson = (out: string) => JSON.parse(out.trim().split("\n").filter((l) => l.startsWith("{")).pop()!);

const bun = lastJson(run([process.execPath, "bench/engine-stages.ts"]));
const outdir = here + ".node-build";
rmSync(outdir, { recursive: true, force: true });
run([process.execPath, "build", "--target=node", "--format=esm", "bench/engine-stages.ts", "--outdir", outdir]);
let node: typeof bun | null = null;
let nodeError = "";
try {
  // The bundle refers to its copied assets (WASM, models) by paths relative to its own folder.
  node = lastJson(run(["node", "engine-stages.js"], outdir));
} catch (error) {
  nodeError = String(error).slice(0, 500);
}
const machine = `${cpus().length} x ${cpus()[0]?.model ?? "unknown CPU"}`;
const date = new Date().toISOString().slice(0, 10);
mkdirSync(here + "results", { recursive: true });
writeFileSync(here + "results/engine-stages.json", JSON.stringify({ date, machine, bun, node, nodeError: nodeError || undefined }, null, 2) + "\n");
const rows = Object.keys(bun.medianMs).map((stage) => {
  const b = bun.medianMs[stage];
  const n = node?.medianMs[stage];
  return `| ${stage} | ${b.toFixed(2)} | ${n === undefined ? "n/a" : n.toFixed(2)} | ${n ? (n / b).toFixed(2) : "n/a"} |`;
});
writeFileSync(
  here + "results/engine-stages.md",
  `# Engine: cost per frame by stage\n\n${date}, ${machine}. Median of ${bun.runs} analyses of ${bun.photo} after warm-up, one thread.\n` +
    `Command: \`bun bench/run-engine-stages.ts\`. Model load: Bun ${bun.modelLoadMs} ms, Node ${node?.modelLoadMs ?? "n/a"} ms.\n\n` +
    `| stage (ms) | ${bun.runtime} | ${node?.runtime ?? "Node"} | Node / Bun |\n| --- | --- | --- | --- |\n${rows.join("\n")}\n\n` +
    "`detect` is the full-range detector (photos, a session's first frame and periodic look); `detectShortRange` the short-range one on the same frame (webcam frames). " +
    "`trackedTotal` is decode plus an analysis that follows the face from the previous frame (detector skipped), as a session's frames do.\n" +
    (nodeError ? `\nNode run failed: ${nodeError}\n` : ""),
);
console.log(Bun.file(here + "results/engine-stages.md").size ? await Bun.file(here + "results/engine-stages.md").text() : "");
