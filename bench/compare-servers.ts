/**
 * Server CPU, kernel time and minor faults per answered frame of two checkouts under the same load, alternating:
 *   bun bench/compare-servers.ts /path/to/other/checkout [/path/to/this/checkout]
 * (another checkout: `git archive <commit> | tar -x -C DIR`, link node_modules, `bun wasm/build-models.ts`).
 * 2 workers each, 20 users with sessions at 1 frame/s, 10 s after a 2 s warm-up, two rounds, no MIMALLOC_*
 * from this environment (each checkout runs with what it sets itself). Prints one JSON line per run.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchFrames } from "./lib/frames";
import { procStat } from "./lib/proc-stat";

const [users, seconds, rounds] = [20, 10, 2];
const here = new URL("../", import.meta.url).pathname;
const checkouts = [process.argv[2], process.argv[3] ?? here];
if (!checkouts[0]) throw new Error("usage: bun bench/compare-servers.ts OTHER_CHECKOUT [THIS_CHECKOUT]");
const scratch = mkdtempSync(join(tmpdir(), "vigil-compare-"));
const made = await benchFrames();
const frames = { person: join(scratch, "person.jpg"), empty: join(scratch, "empty.jpg") };
writeFileSync(frames.person, made.person);
writeFileSync(frames.empty, made.empty);
const flags = ["--auth", "none", "--rate-limit-per-second", "10000", "--max-in-flight-per-client", "10000", "--log-requests", "false", "--workers", "2"];
const counters = (pid: number) => { const s = procStat(pid); return { flt: s.minorFaults, cpu: s.cpuMs, sys: s.systemMs }; };
async function gen(url: string, s: number) {
  const c = Bun.spawn([process.execPath, "bench/load/generator.ts", JSON.stringify({ url, users, seconds: s, sessions: true, frames })], { cwd: here, stdout: "pipe" });
  return JSON.parse((await new Response(c.stdout).text()).trim().split("\n").pop()!);
}
for (let r = 0; r < rounds; r++) for (const repo of checkouts) {
  const name = repo;
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = Bun.spawn([process.execPath, "src/main.ts", "serve", ...flags, "--port", String(port)], { cwd: repo, stdout: "ignore", stderr: "ignore", env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("MIMALLOC"))) as any });
  const url = `http://127.0.0.1:${port}`;
  while (!(await fetch(`${url}/readyz`).then((x) => x.ok, () => false))) await Bun.sleep(100);
  await gen(url, 2);
  const a = counters(child.pid); const res = await gen(url, seconds); const b = counters(child.pid);
  console.log(JSON.stringify({ name, ok: res.ok, p50: res.latencyMs.p50, p99: res.latencyMs.p99, cpuMsPerFrame: +((b.cpu - a.cpu) / res.ok).toFixed(2), kernelMsPerFrame: +((b.sys - a.sys) / res.ok).toFixed(2), faultsPerFrame: Math.round((b.flt - a.flt) / res.ok) }));
  child.kill("SIGTERM"); await child.exited;
}
