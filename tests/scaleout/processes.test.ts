/**
 * `vigil serve --processes 2`: two server processes on one port (SO_REUSEPORT) under a supervising parent,
 * sharing sessions through a real redis-server. Both answer, one session's frames spread over both keep one
 * history, a child killed with -9 is started again, SIGTERM to the parent stops everything cleanly, and the
 * single binary does the same (its children are the binary itself).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadServerConfig } from "../../src/config";
import { fixtureBytes } from "../support/images";
import { redisServerBinary, startRedisServer, type RedisServer } from "../support/redis-server";
import { Supervisor } from "../support/supervisor";

const skip = !redisServerBinary && !process.env.CI;
if (skip)
  console.warn("processes test skipped: redis-server is not installed (apt-get install redis-server; .ci/run does)");

const repo = new URL("../../", import.meta.url).pathname;
let redis: RedisServer;

const T0 = Date.now() - 60_000;
/** A frame on a new connection each time, so that the kernel may hand it to either process. */
async function frame(url: string, session: string, second: number) {
  const response = await fetch(`${url}/v1/analyze`, {
    method: "POST",
    body: await fixtureBytes("grace_hopper.jpg"),
    headers: {
      "content-type": "image/jpeg",
      connection: "close",
      "x-session-id": session,
      "x-capture-time": String(T0 + second * 1000),
    },
  });
  expect(response.status).toBe(200);
  return { instance: response.headers.get("x-vigil-instance")!, session: (await response.json()).session };
}

/** Sends a session's frames until both processes have answered; every frame must find the whole history. */
async function spreadOverBoth(url: string, session: string, first: number) {
  const served = new Set<string>();
  for (let second = first; served.size < 2 && second < first + 40; second++) {
    const answer = await frame(url, session, second);
    served.add(answer.instance);
    expect(answer.session).toMatchObject({ available: true, frames: second + 1, fresh: second === 0 });
  }
  // SO_REUSEPORT spreads connections by a hash of their addresses: a few frames reach both processes.
  expect([...served].sort()).toEqual(["proc-1", "proc-2"]);
}

let supervisor: Supervisor | undefined;
beforeAll(async () => {
  if (skip) return;
  redis = await startRedisServer();
  supervisor = await new Supervisor([process.execPath, join(repo, "src/main.ts")], {
    redisUrl: redis.url,
    instanceId: "proc",
  }).ready();
}, 90_000);

afterAll(async () => {
  supervisor?.process.kill("SIGKILL");
  await redis?.stop();
});

test("more than one process without Redis is refused with a clear message", () => {
  expect(() => loadServerConfig(["--processes", "2"], { VIGIL_AUTH: "none" })).toThrow(
    /--processes: 2 processes need VIGIL_REDIS_URL/,
  );
  expect(
    loadServerConfig(["--processes", "2"], { VIGIL_AUTH: "none", VIGIL_REDIS_URL: "redis://127.0.0.1:6379/0" })
      .processes,
  ).toBe(2);
  expect(() => loadServerConfig([], { VIGIL_AUTH: "none", VIGIL_REDIS_URL: "http://x" })).toThrow(
    /VIGIL_REDIS_URL: must be a Redis URL/,
  );
});

test.skipIf(skip)(
  "two processes on one port both answer, and share one session's history",
  async () => {
    await spreadOverBoth(supervisor!.url, "shared-session", 0);
  },
  60_000,
);

test.skipIf(skip)(
  "a child killed with -9 is started again; SIGTERM to the parent stops every process cleanly",
  async () => {
    const s = supervisor!;
    const [first] = s.childPids();
    process.kill(first, "SIGKILL");
    await s.waitFor(/process 1 \(pid \d+\) exited \(SIGKILL\); starting it again/, 1);
    await s.waitFor(/all workers ready/, 3);
    // Both processes answer again, and the session goes on through the restart.
    await spreadOverBoth(s.url, "after-restart", 0);
    s.process.kill("SIGTERM");
    expect(await s.process.exited).toBe(0);
    await s.waitFor(/stopped/, 3); // both children and the parent
    for (const pid of s.childPids()) expect(() => process.kill(pid, 0)).toThrow(); // gone
  },
  90_000,
);

test.skipIf(skip)(
  "the single binary runs --processes 2 the same way (its children are the binary itself)",
  async () => {
    const build = Bun.spawnSync([process.execPath, "run", "build"], { cwd: repo, stdout: "pipe", stderr: "pipe" });
    expect(build.exitCode, build.stderr.toString()).toBe(0);
    const folder = mkdtempSync(join(tmpdir(), "vigil-processes-"));
    copyFileSync(join(repo, "dist/vigil"), join(folder, "vigil"));
    Bun.spawnSync(["chmod", "+x", join(folder, "vigil")]);
    const binary = new Supervisor([join(folder, "vigil")], {
      redisUrl: redis.url,
      instanceId: "proc",
      cwd: folder,
      env: { PATH: "/usr/bin:/bin", HOME: folder },
    });
    try {
      await binary.ready();
      await spreadOverBoth(binary.url, "binary-session", 0);
      binary.process.kill("SIGTERM");
      expect(await binary.process.exited).toBe(0);
    } finally {
      binary.process.kill("SIGKILL");
      rmSync(folder, { recursive: true, force: true });
    }
  },
  90_000,
);
