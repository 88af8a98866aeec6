/** Starts `vigil serve` as its own process for benchmarks, and reads its memory from /proc. */
import { readFileSync } from "node:fs";

const repo = new URL("../../", import.meta.url).pathname;

/** The load generator is one client posing as many users: no keys, and no per-client limits. */
export const BENCH_SERVER_FLAGS = ["--auth", "none", "--rate-limit-per-second", "10000", "--rate-limit-per-principal-per-second", "100000", "--max-in-flight-per-client", "10000", "--max-in-flight-per-principal", "100000", "--log-requests", "false"];

/** `vigil serve` of `checkout` (this one unless named: bench/compare-servers.ts runs others), ready to serve. */
export async function startBenchServer(workers: number, extraFlags: string[] = [], env: Record<string, string | undefined> = process.env, checkout = repo) {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = Bun.spawn([process.execPath, "src/main.ts", "serve", ...BENCH_SERVER_FLAGS, ...extraFlags, "--port", String(port), "--workers", String(workers)], {
    cwd: checkout,
    env,
    stdout: "ignore",
    stderr: "inherit",
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (await fetch(`${url}/readyz`).then((r) => r.ok, () => false)) return { url, child };
    if (child.exitCode !== null) break;
    await Bun.sleep(100);
  }
  child.kill();
  throw new Error("the server did not become ready");
}

export function residentMb(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024;
}
