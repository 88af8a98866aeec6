/**
 * The load generator's users each keep their request in flight, as separate browsers do: Bun's fetch would hold all
 * but 256 inside the process (bench/lib/fetch-concurrency.ts).
 */
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const repo = new URL("../../", import.meta.url).pathname;

/**
 * Runs a script that calls ensureFetchConcurrency, then sends `requests` fetches at once to a server of its own that
 * answers each after 200 ms; returns its pid, its limit and the most requests the server held at once.
 */
async function generatorLike(env: Record<string, string>, requests = 1000) {
  const script = `
    import { ensureFetchConcurrency } from "${repo}bench/lib/fetch-concurrency";
    ensureFetchConcurrency();
    let held = 0, most = 0;
    const server = Bun.serve({ port: 0, async fetch() { most = Math.max(most, ++held); await Bun.sleep(200); held--; return new Response("ok"); } });
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
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]).finally(() => rmSync(dir, { recursive: true, force: true }));
  expect(err).toBe("");
  expect(code).toBe(0);
  return { childPid: child.pid, ...(JSON.parse(out) as { pid: number; limit: string | null; most: number }) };
}

test("a generator started without the limit re-executes itself with Bun's maximum: 1,000 requests are all in flight", async () => {
  const run = await generatorLike({});
  expect(run.limit).toBe("65535");
  expect(run.pid).toBe(run.childPid);
  expect(run.most).toBe(1000);
}, 30_000);

test("a limit in the environment is kept, and is what Bun holds to", async () => {
  const run = await generatorLike({ BUN_CONFIG_MAX_HTTP_REQUESTS: "256" });
  expect(run.limit).toBe("256");
  expect(run.most).toBe(256);
}, 30_000);
