/**
 * `vigil serve --processes 2` with a real redis-server: a child killed with -9 is started again by the
 * supervisor, and takes the shared port only once its models are loaded. Frames sent on new connections all
 * through the restart (the kernel spreads them over whichever processes hold the port) are answered by a
 * ready process: none gets 503 `not_ready`.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { fixtureBytes } from "../support/images";
import { redisServerBinary, startRedisServer, type RedisServer } from "../support/redis-server";

const skip = !redisServerBinary && !process.env.CI;
if (skip)
  console.warn(
    "process restart test skipped: redis-server is not installed (apt-get install redis-server; .ci/run does)",
  );

const repo = new URL("../../", import.meta.url).pathname;
let redis: RedisServer;
let parent: ReturnType<typeof Bun.spawn<"ignore", "pipe", "inherit">> | undefined;
let output = "";

/** Waits until `pattern` has matched `count` times in the supervisor's output (its own lines and its children's). */
async function waitFor(pattern: RegExp, count: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((output.match(new RegExp(pattern, "g")) ?? []).length < count) {
    if (parent?.exitCode !== null) throw new Error(`the parent exited; output:\n${output}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} x${count}; output:\n${output}`);
    await Bun.sleep(20);
  }
}
const count = (pattern: RegExp) => (output.match(new RegExp(pattern, "g")) ?? []).length;

beforeAll(async () => {
  if (skip) return;
  redis = await startRedisServer();
  const flags = [
    "--processes",
    "2",
    "--workers",
    "1",
    "--port",
    "0",
    "--auth",
    "none",
    "--redis-url",
    redis.url,
    "--instance-id",
    "restart",
  ];
  const limits = ["--rate-limit-per-second", "1000", "--rate-limit-per-principal-per-second", "1000"];
  parent = Bun.spawn(
    [process.execPath, join(repo, "src/main.ts"), "serve", ...flags, ...limits, "--log-requests", "false"],
    { stdin: "ignore", stdout: "pipe", stderr: "inherit" },
  );
  void (async () => {
    for await (const chunk of parent.stdout) output += new TextDecoder().decode(chunk);
  })();
  await waitFor(/all workers ready/, 2);
}, 90_000);

afterAll(async () => {
  parent?.kill("SIGKILL");
  await redis?.stop();
});

test.skipIf(skip)(
  "a restarted child takes connections only once its models are loaded: no frame gets 503 not_ready",
  async () => {
    const url = `http://127.0.0.1:${output.match(/on port (\d+)/)![1]}`;
    const photo = await fixtureBytes("grace_hopper.jpg");
    const [, pid] = output.match(/process 1 started \(pid (\d+)\)/)!;
    process.kill(Number(pid), "SIGKILL");
    await waitFor(/process 1 \(pid \d+\) exited \(SIGKILL\); starting it again/, 1);
    const statuses: Record<string, number> = {};
    const instances = new Set<string>();
    // Frames on new connections from the kill until the restarted child is ready, and 40 more after.
    let after = 0;
    while (after < 40) {
      if (count(/all workers ready/) >= 3) after++;
      const response = await fetch(`${url}/v1/analyze`, {
        method: "POST",
        body: photo,
        headers: { "content-type": "image/jpeg", connection: "close" },
      });
      const body = (await response.json()) as { error?: { code: string } };
      const key = body.error ? `${response.status} ${body.error.code}` : String(response.status);
      statuses[key] = (statuses[key] ?? 0) + 1;
      if (response.status === 200) instances.add(response.headers.get("x-vigil-instance")!);
    }
    console.log(`frames through the restart: ${JSON.stringify(statuses)}`);
    expect(Object.keys(statuses)).toEqual(["200"]);
    // The restarted child serves once ready: both processes answered.
    expect([...instances].sort()).toEqual(["restart-1", "restart-2"]);
  },
  120_000,
);
