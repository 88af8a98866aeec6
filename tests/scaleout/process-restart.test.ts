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
import { Supervisor } from "../support/supervisor";

const skip = !redisServerBinary && !process.env.CI;
if (skip)
  console.warn(
    "process restart test skipped: redis-server is not installed (apt-get install redis-server; .ci/run does)",
  );

const repo = new URL("../../", import.meta.url).pathname;
let redis: RedisServer;
let supervisor: Supervisor | undefined;

beforeAll(async () => {
  if (skip) return;
  redis = await startRedisServer();
  supervisor = await new Supervisor([process.execPath, join(repo, "src/main.ts")], {
    redisUrl: redis.url,
    instanceId: "restart",
  }).ready();
}, 90_000);

afterAll(async () => {
  supervisor?.process.kill("SIGKILL");
  await redis?.stop();
});

test.skipIf(skip)(
  "a restarted child takes connections only once its models are loaded: no frame gets 503 not_ready",
  async () => {
    const s = supervisor!;
    const photo = await fixtureBytes("grace_hopper.jpg");
    const [, pid] = s.output.match(/process 1 started \(pid (\d+)\)/)!;
    process.kill(Number(pid), "SIGKILL");
    await s.waitFor(/process 1 \(pid \d+\) exited \(SIGKILL\); starting it again/, 1);
    const statuses: Record<string, number> = {};
    const instances = new Set<string>();
    // Frames on new connections from the kill until the restarted child is ready, and 40 more after.
    let after = 0;
    while (after < 40) {
      if (s.count(/all workers ready/) >= 3) after++;
      const response = await fetch(`${s.url}/v1/analyze`, {
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
