/**
 * Three Vigil instances (separate processes, one worker each) sharing sessions through a real redis-server,
 * behind a real nginx (Debian's packages; .ci/run installs them) using the repository's own
 * deploy/nginx/vigil.conf (plain round robin) with only the addresses replaced:
 * - one session's frames, spread over all three, give the same states, measures and tracking decisions as
 *   the same frames sent to one instance that keeps its sessions in memory;
 * - kill -9 one instance mid-session: the session goes on from the others, with its history;
 * - Redis killed and started again: frames keep being answered (their session marked unavailable), readiness
 *   stays, a metric counts it, and sessions work again by themselves (empty: this Redis keeps nothing on disk);
 * - Redis paused (no answer): frames are answered within the store's timeout, and the session resumes with
 *   its history once Redis answers again.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixtureBytes } from "../support/images";
import { freePort, redisServerBinary, startRedisServer, type RedisServer } from "../support/redis-server";
import { startTestServer } from "../support/server";

const nginxBinary = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => Bun.file(p).size > 0);
// CI installs nginx and redis-server and must run this; a developer machine without them skips it, saying why.
const skip = (!nginxBinary || !redisServerBinary) && !process.env.CI;
if (skip)
  console.warn(
    "nginx-balancer test skipped: needs nginx and redis-server (apt-get install nginx-light redis-server; .ci/run does)",
  );

const main = new URL("../../src/main.ts", import.meta.url).pathname;
const NAMES = ["vigil-a", "vigil-b", "vigil-c"];
const REDIS_TIMEOUT_MS = 200;

interface Instance {
  name: string;
  url: string;
  process: ReturnType<typeof Bun.spawn>;
}
const instances: Instance[] = [];
let reference: Awaited<ReturnType<typeof startTestServer>> | undefined;
let redis: RedisServer;
let nginx: ReturnType<typeof Bun.spawn> | undefined;
let balancer = "";
const prefix = mkdtempSync(join(tmpdir(), "vigil-nginx-"));

/** One Vigil instance in its own process (so that it can be killed with -9), ready when its worker is. */
async function startInstance(name: string): Promise<Instance> {
  const port = await freePort();
  const child = Bun.spawn(
    [
      process.execPath,
      main,
      "serve",
      "--port",
      String(port),
      "--workers",
      "1",
      "--auth",
      "none",
      "--instance-id",
      name,
      "--log-requests",
      "false",
    ],
    {
      env: {
        ...process.env,
        VIGIL_REDIS_URL: redis.url,
        VIGIL_REDIS_TIMEOUT_MS: String(REDIS_TIMEOUT_MS),
        // Without load-aware pacing: time a session is slowed by load moves its next detection (frame-plan.ts), and
        // each instance's load differs from the reference's, so whether a frame is tracked would too.
        VIGIL_LOAD_PACING: "false",
        VIGIL_RATE_LIMIT_PER_SECOND: "1000",
        VIGIL_RATE_LIMIT_PER_PRINCIPAL_PER_SECOND: "1000",
        VIGIL_MAX_IN_FLIGHT_PER_CLIENT: "1000",
        VIGIL_MAX_IN_FLIGHT_PER_PRINCIPAL: "1000",
      },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "inherit",
    },
  );
  const reader = child.stdout.getReader();
  let output = "";
  const deadline = Date.now() + 60_000;
  while (!output.includes("all workers ready")) {
    const { value, done } = await reader.read();
    if (done || Date.now() > deadline) throw new Error(`${name} did not start:\n${output}`);
    output += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  void child.stdout.pipeTo(new WritableStream()); // keep draining its log
  return { name, url: `http://127.0.0.1:${port}`, process: child };
}

beforeAll(async () => {
  if (skip) return;
  if (!nginxBinary || !redisServerBinary)
    throw new Error("nginx and redis-server are required in CI (.ci/run installs nginx-light and redis-server)");
  redis = await startRedisServer();
  const started = await Promise.all([
    ...NAMES.map(startInstance),
    startTestServer({ VIGIL_WORKERS: "1", VIGIL_INSTANCE_ID: "reference", VIGIL_LOAD_PACING: "false" }),
  ]);
  instances.push(...(started.slice(0, 3) as Instance[]));
  reference = started[3] as Awaited<ReturnType<typeof startTestServer>>;
  const port = await freePort();
  balancer = `http://127.0.0.1:${port}`;
  const site = readFileSync(new URL("../../deploy/nginx/vigil.conf", import.meta.url), "utf8")
    .replace(/^\s*server\s+vigil-\d\.vigil:8080[^;]*;\s*$/gm, "")
    .replace(
      /upstream vigil \{/,
      `upstream vigil {\n${instances.map((s) => `    server ${new URL(s.url).host} max_fails=1 fail_timeout=5s;`).join("\n")}`,
    )
    .replace(/listen 80;/, `listen 127.0.0.1:${port};`);
  expect(site).not.toContain("hash ");
  writeFileSync(join(prefix, "vigil.conf"), site);
  writeFileSync(
    join(prefix, "nginx.conf"),
    `${process.getuid?.() === 0 ? "user root;\n" : ""}worker_processes 1;\npid ${prefix}/nginx.pid;\nerror_log stderr crit;\nevents { worker_connections 256; }\nhttp {\n  access_log off;\n  client_body_temp_path ${prefix}/body;\n  proxy_temp_path ${prefix}/proxy;\n  include ${prefix}/vigil.conf;\n}\n`,
  );
  nginx = Bun.spawn([nginxBinary, "-p", prefix, "-c", join(prefix, "nginx.conf"), "-g", "daemon off;"], {
    stdout: "inherit",
    stderr: "inherit",
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await fetch(`${balancer}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error("nginx did not come up");
    await Bun.sleep(50);
  }
}, 120_000);

afterAll(async () => {
  nginx?.kill();
  await nginx?.exited;
  for (const instance of instances) instance.process.kill("SIGKILL");
  await reference?.stop().catch(() => {});
  await redis?.stop();
  rmSync(prefix, { recursive: true, force: true });
});

const T0 = Date.now() - 300_000;
const photos: Record<string, Uint8Array<ArrayBuffer>> = {};
async function frame(base: string, session: string, second: number, photo = "grace_hopper.jpg") {
  photos[photo] ??= await fixtureBytes(photo);
  const response = await fetch(`${base}/v1/analyze`, {
    method: "POST",
    body: photos[photo],
    headers: { "content-type": "image/jpeg", "x-session-id": session, "x-capture-time": String(T0 + second * 1000) },
  });
  expect(response.status).toBe(200);
  const body = await response.json();
  return {
    instance: response.headers.get("x-vigil-instance")!,
    session: body.session,
    tracked: body.tracked as boolean,
    faces: body.faces.length as number,
  };
}

/** A person, then nobody (away after 5 s), then a person again; one late frame and one repeated. */
const SCRIPT: [second: number, photo: string][] = [
  ...[0, 1, 2, 3, 4].map((s): [number, string] => [s, "grace_hopper.jpg"]),
  ...[5, 6, 7, 8, 9, 10, 11].map((s): [number, string] => [s, "fruits.jpg"]),
  [6.5, "fruits.jpg"], // late
  ...[12, 13, 14].map((s): [number, string] => [s, "astronaut.png"]),
  [14, "astronaut.png"], // repeated capture time: ignored
  [15, "astronaut.png"],
];

test.skipIf(skip)(
  "one session's frames spread round robin over three instances give the same states and measures as one instance",
  async () => {
    const served = new Set<string>();
    const states = new Set<string>();
    for (const [second, photo] of SCRIPT) {
      const alone = await frame(reference!.url, "one-instance", second, photo);
      const spread = await frame(balancer, "round-robin", second, photo);
      served.add(spread.instance);
      states.add(spread.session.state);
      const { id: _a, ...expected } = alone.session;
      const { id: _b, ...actual } = spread.session;
      expect({ second, ...actual, tracked: spread.tracked, faces: spread.faces }).toEqual({
        second,
        ...expected,
        tracked: alone.tracked,
        faces: alone.faces,
      });
    }
    expect([...served].sort()).toEqual(NAMES);
    // The script went through real state changes, not one state all along.
    expect([...states].sort()).toEqual(["away", "focused", "unknown"]);
  },
  120_000,
);

test.skipIf(skip)(
  "frames of one session arriving at once on different instances are all filed, in capture order",
  async () => {
    const served = new Set<string>();
    for (let round = 0; round < 5; round++) {
      // Three frames at once; capture times in reverse of sending order, so filing order and capture order differ.
      const answers = await Promise.all([2, 1, 0].map((k) => frame(balancer, "simultaneous", round * 3 + k)));
      for (const answer of answers) served.add(answer.instance);
    }
    expect(served.size).toBeGreaterThan(1);
    const session = await (await fetch(`${balancer}/v1/sessions/simultaneous`)).json();
    // No frame lost to a concurrent update, and the history runs from the earliest capture time.
    expect(session).toMatchObject({ frames: 15, historyStartedAt: new Date(T0).toISOString(), state: "focused" });
  },
  60_000,
);

test.skipIf(skip)(
  "kill -9 one instance mid-session: the session goes on from the others with its history",
  async () => {
    const before = await frame(balancer, "survivor", 0);
    for (let s = 1; s < 4; s++) await frame(balancer, "survivor", s);
    const victim = instances[1];
    victim.process.kill("SIGKILL");
    await victim.process.exited;
    const served = new Set<string>();
    for (let s = 4; s < 10; s++) {
      const { instance, session } = await frame(balancer, "survivor", s);
      served.add(instance);
      expect(session).toMatchObject({
        available: true,
        fresh: false,
        frames: s + 1,
        historyStartedAt: before.session.historyStartedAt,
      });
    }
    expect(served.has(victim.name)).toBe(false);
    expect(served.size).toBe(2);
  },
  60_000,
);

test.skipIf(skip)(
  "Redis killed and restarted: frames are answered throughout, sessions work again by themselves",
  async () => {
    await frame(balancer, "through-restart", 0);
    await redis.kill();
    for (let s = 1; s < 5; s++) {
      const { session, faces } = await frame(balancer, "through-restart", s);
      expect(faces).toBe(1); // analysed all the same
      expect(session).toMatchObject({ id: "through-restart", available: false });
      expect(typeof session.reason).toBe("string");
    }
    // Still ready (frames are served), and saying what it depends on.
    const ready = await fetch(`${balancer}/readyz`);
    expect(ready.status).toBe(200);
    expect((await ready.json()).sessions).toMatchObject({ store: "redis", available: false });
    const unavailable = await Promise.all(
      [instances[0], instances[2]].map(async (i) =>
        Number(
          (await (await fetch(`${i.url}/metrics`)).text()).match(
            /vigil_session_store_unavailable_total\{operation="load"\} (\d+)/,
          )?.[1] ?? 0,
        ),
      ),
    );
    expect(unavailable[0] + unavailable[1]).toBeGreaterThanOrEqual(4);
    expect(await fetch(`${balancer}/v1/sessions/through-restart`).then((r) => r.status)).toBe(503);
    // The answer's shape is documented.
    const schemas = (await (await fetch(`${balancer}/openapi.json`)).json()).components.schemas;
    expect(schemas.SessionUnavailable.properties.available).toMatchObject({ type: "boolean", enum: [false] });

    await redis.restart();
    const deadline = Date.now() + 15_000;
    let second = 5;
    let session: { available: boolean; fresh?: boolean; frames?: number };
    do {
      ({ session } = await frame(balancer, "through-restart", second++));
      if (Date.now() > deadline) throw new Error("sessions did not come back after Redis restarted");
    } while (!session.available);
    // This Redis keeps nothing on disk: the session starts again, and says so.
    expect(session).toMatchObject({ available: true, fresh: true, frames: 1 });
    // Each serving instance reconnects by itself, its client retrying with back-off, not all in the same moment:
    // the first to answer with the session may be ahead of the other by a retry.
    const serving = [instances[0], instances[2]];
    const reconnected = async () =>
      (
        await Promise.all(
          serving.map(async (i) => (await (await fetch(`${i.url}/readyz`)).json()).sessions?.available === true),
        )
      ).every(Boolean);
    while (!(await reconnected())) {
      if (Date.now() > deadline) throw new Error("an instance did not reconnect to Redis by itself");
      await Bun.sleep(50);
    }
    // Every instance is back: the next frames, round robin, all keep the session.
    for (let s = 0; s < 4; s++)
      expect((await frame(balancer, "through-restart", second++)).session).toMatchObject({
        available: true,
        fresh: false,
        frames: s + 2,
      });
  },
  60_000,
);

test.skipIf(skip)(
  "Redis paused (slow): frames are answered within its timeout, and the session resumes with its history",
  async () => {
    for (let s = 0; s < 3; s++) await frame(balancer, "through-pause", s);
    redis.pause();
    try {
      const started = performance.now();
      const { session, faces } = await frame(balancer, "through-pause", 3);
      expect(faces).toBe(1);
      expect(session).toMatchObject({ available: false, reason: `no answer within ${REDIS_TIMEOUT_MS} ms` });
      // One timed-out load, then the frame is answered without waiting for Redis again (generous: a loaded machine).
      expect(performance.now() - started).toBeLessThan(5000);
    } finally {
      redis.resume();
    }
    const { session } = await frame(balancer, "through-pause", 4);
    expect(session).toMatchObject({ available: true, fresh: false });
    expect(session.frames).toBeGreaterThanOrEqual(4);
  },
  60_000,
);
