/** Starts `vigil serve` as its own process for benchmarks, and reads its memory from /proc. */
import { readFileSync } from "node:fs";
import { linesOf } from "./lines";

const repo = new URL("../../", import.meta.url).pathname;

/** The load generator is one client posing as many users: no keys, and no per-client limits. */
export const BENCH_SERVER_FLAGS = [
  "--auth",
  "none",
  "--rate-limit-per-second",
  "10000",
  "--rate-limit-per-principal-per-second",
  "100000",
  "--max-in-flight-per-client",
  "10000",
  "--max-in-flight-per-principal",
  "100000",
  "--log-requests",
  "false",
];

export interface BenchServerOptions {
  /** `--processes`: server processes on one port, each with `workers` workers (more than 1 needs a Redis URL). */
  processes?: number;
  /** Another checkout's `vigil serve` (bench/compare-servers.ts runs two); this one by default. */
  checkout?: string;
}

/**
 * `vigil serve` with `workers` workers on a free port, ready to serve: every worker of every process has loaded
 * its models (with several processes, /readyz answers for one of them only, so their start lines are counted).
 */
export async function startBenchServer(
  workers: number,
  extraFlags: string[] = [],
  env: Record<string, string | undefined> = process.env,
  options: BenchServerOptions = {},
) {
  const { processes = 1, checkout = repo } = options;
  const port = 20000 + Math.floor(Math.random() * 20000);
  const flags = [...BENCH_SERVER_FLAGS, ...extraFlags, "--port", String(port), "--workers", String(workers)];
  if (processes > 1) flags.push("--processes", String(processes));
  const child = Bun.spawn([process.execPath, "src/main.ts", "serve", ...flags], {
    cwd: checkout,
    env,
    stdout: processes > 1 ? "pipe" : "ignore",
    stderr: "inherit",
  });
  const url = `http://127.0.0.1:${port}`;
  if (processes > 1) {
    let ready = 0;
    const deadline = Date.now() + 300_000;
    const lines = linesOf(child.stdout as ReadableStream<Uint8Array>);
    while (ready < processes && Date.now() < deadline) {
      const { value, done } = await lines.next();
      if (done) break;
      if (value.includes("all workers ready")) ready++;
    }
    if (ready === processes) {
      void (async () => {
        for await (const _ of lines);
      })();
      return { url, child };
    }
  } else {
    for (let i = 0; i < 300; i++) {
      if (
        await fetch(`${url}/readyz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        return { url, child };
      if (child.exitCode !== null) break;
      await Bun.sleep(100);
    }
  }
  child.kill();
  throw new Error("the server did not become ready");
}

export function residentMb(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024;
}
