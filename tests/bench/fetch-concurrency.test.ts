/**
 * The load generator's users each keep their request in flight, as separate browsers do: Bun's fetch would hold all
 * but 256 inside the process (bench/lib/fetch-concurrency.ts).
 */
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { outputOf } from "../support/process-output";

const repo = new URL("../../", import.meta.url).pathname;

/**
 * Runs a script that calls ensureFetchConcurrency, then sends `requests` fetches at once to a server of its own that
 * holds them until all have come (or none has come for 2 s: the others are held in the client); returns its pid,
 * its limit and the most requests the server held at once.
 */
async function generatorLike(env: Record<string, string>, requests: number) {
  const script = `
    import { ensureFetchConcurrency } from "${repo}bench/lib/fetch-concurrency";
    ensureFetchConcurrency();
    let most = 0;
    let stalled;
    const waiting = [];
    const releaseAll = () => { for (const release of waiting.splice(0)) release(); };
    const server = Bun.serve({
      port: 0,
      async fetch() {
        const held = new Promise((resolve) => waiting.push(resolve));
        most = Math.max(most, waiting.length);
        clearTimeout(stalled);
        if (waiting.length === ${requests}) releaseAll();
        else stalled = setTimeout(releaseAll, 2000);
        await held;
        return new Response("ok");
      },
    });
    await Promise.all(Array.from({ length: ${requests} }, () => fetch(server.url).then((r) => r.text())));
    server.stop(true);
    console.log(JSON.stringify({ pid: process.pid, limit: process.env.BUN_CONFIG_MAX_HTTP_REQUESTS ?? null, most }));
  `;
  // A script file, as the generator is: a process re-executes itself with its own arguments.
  const dir = mkdtempSync(join(tmpdir(), "vigil-fetch-"));
  writeFileSync(join(dir, "generator-like.ts"), script);
  const child = Bun.spawn([process.execPath, join(dir, "generator-like.ts")], {
    cwd: repo,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const {
    stdout: out,
    stderr: err,
    code,
  } = await outputOf(child).finally(() => rmSync(dir, { recursive: true, force: true }));
  expect(err).toBe("");
  expect(code).toBe(0);
  return { childPid: child.pid, ...(JSON.parse(out) as { pid: number; limit: string | null; most: number }) };
}

test("a generator started without the limit re-executes itself with Bun's maximum: 1,000 requests are all in flight", async () => {
  const run = await generatorLike({}, 1000);
  expect(run.limit).toBe("65535");
  expect(run.pid).toBe(run.childPid);
  expect(run.most).toBe(1000);
}, 30_000);

test("a limit in the environment is kept, and is what Bun holds to", async () => {
  const run = await generatorLike({ BUN_CONFIG_MAX_HTTP_REQUESTS: "256" }, 300);
  expect(run.limit).toBe("256");
  expect(run.most).toBe(256);
}, 30_000);
