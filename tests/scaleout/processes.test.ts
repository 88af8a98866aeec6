/**
 * `vigil serve --processes 2`: two server processes on one port (SO_REUSEPORT) under a supervising parent,
 * sharing sessions through a real redis-server. Both answer, one session's frames spread over both keep one
 * history, a child killed with -9 is started again, and SIGTERM to the parent stops everything cleanly.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { loadServerConfig } from "../../src/config";
import { fixtureBytes } from "../support/images";
import { redisServerBinary, startRedisServer, type RedisServer } from "../support/redis-server";

const skip = !redisServerBinary && !process.env.CI;
if (skip) console.warn("processes test skipped: redis-server is not installed (apt-get install redis-server; .ci/run does)");

const main = new URL("../../src/main.ts", import.meta.url).pathname;
let redis: RedisServer;
let parent: ReturnType<typeof Bun.spawn<"ignore", "pipe", "inherit">> | undefined;
let output = "";
let url = "";

/** Reads the parent's output (its own lines and its children's) until `pattern` has matched `count` times. */
async function waitForOutput(reader: ReadableStreamDefaultReader<Uint8Array>, pattern: RegExp, count: number, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while ((output.match(new RegExp(pattern, "g")) ?? []).length < count) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} x${count}; output:\n${output}`);
    const { value, done } = await Promise.race([reader.read(), Bun.sleep(deadline - Date.now()).then(() => ({ value: undefined, done: false }))]);
    if (done) throw new Error(`the parent exited; output:\n${output}`);
    if (value) output += new TextDecoder().decode(value);
  }
}
let reader: ReadableStreamDefaultReader<Uint8Array>;

beforeAll(async () => {
  if (skip) return;
  redis = await startRedisServer();
  parent = Bun.spawn(
    [process.execPath, main, "serve", "--processes", "2", "--workers", "1", "--port", "0", "--auth", "none", "--redis-url", redis.url, "--instance-id", "proc", "--log-requests", "false", "--rate-limit-per-second", "1000"],
    { stdin: "ignore", stdout: "pipe", stderr: "inherit" },
  );
  reader = parent.stdout.getReader();
  await waitForOutput(reader, /all workers ready/, 2);
  url = `http://127.0.0.1:${output.match(/on port (\d+)/)![1]}`;
}, 90_000);

afterAll(async () => {
  parent?.kill("SIGKILL");
  await redis?.stop();
});

const T0 = Date.now() - 60_000;
/** A frame on a new connection each time, so that the kernel may hand it to either process. */
async function frame(session: string, second: number) {
  const response = await fetch(`${url}/v1/analyze`, {
    method: "POST",
    body: await fixtureBytes("grace_hopper.jpg"),
    headers: { "content-type": "image/jpeg", connection: "close", "x-session-id": session, "x-capture-time": String(T0 + second * 1000) },
  });
  expect(response.status).toBe(200);
  return { instance: response.headers.get("x-vigil-instance")!, session: (await response.json()).session };
}

test("more than one process without Redis is refused with a clear message", () => {
  expect(() => loadServerConfig(["--processes", "2"], { VIGIL_AUTH: "none" })).toThrow(/--processes: 2 processes need VIGIL_REDIS_URL/);
  expect(loadServerConfig(["--processes", "2"], { VIGIL_AUTH: "none", VIGIL_REDIS_URL: "redis://127.0.0.1:6379/0" }).processes).toBe(2);
  expect(() => loadServerConfig([], { VIGIL_AUTH: "none", VIGIL_REDIS_URL: "http://x" })).toThrow(/VIGIL_REDIS_URL: must be a Redis URL/);
});

test.skipIf(skip)("two processes on one port both answer, and share one session's history", async () => {
  const served = new Set<string>();
  let second = 0;
  // SO_REUSEPORT spreads connections by a hash of their addresses: a few frames reach both processes.
  while (served.size < 2 && second < 40) {
    const { instance, session } = await frame("shared-session", second);
    served.add(instance);
    expect(session).toMatchObject({ available: true, frames: second + 1, fresh: second === 0 });
    second++;
  }
  expect([...served].sort()).toEqual(["proc-1", "proc-2"]);
}, 60_000);

test.skipIf(skip)("a child killed with -9 is started again; SIGTERM to the parent stops every process cleanly", async () => {
  const pids = [...output.matchAll(/process (\d) started \(pid (\d+)\)/g)].map((m) => Number(m[2]));
  expect(pids).toHaveLength(2);
  process.kill(pids[0], "SIGKILL");
  await waitForOutput(reader, /process 1 \(pid \d+\) exited \(SIGKILL\); starting it again/, 1);
  await waitForOutput(reader, /all workers ready/, 3);
  // Both processes answer again, and the session went on through the restart.
  const served = new Set<string>();
  for (let second = 100; served.size < 2 && second < 140; second++) {
    const { instance, session } = await frame("shared-session", second);
    served.add(instance);
    expect(session).toMatchObject({ available: true, fresh: false });
  }
  expect(served.size).toBe(2);
  parent!.kill("SIGTERM");
  expect(await parent!.exited).toBe(0);
  await waitForOutput(reader, /stopped/, 3); // both children and the parent
  for (const pid of [...output.matchAll(/process \d started \(pid (\d+)\)/g)].map((m) => Number(m[1]))) {
    expect(() => process.kill(pid, 0)).toThrow(); // gone
  }
}, 90_000);
