/**
 * What keeping sessions in Redis costs per frame, against keeping them in memory (one instance):
 *
 * 1. The store alone: SessionFrames (load, decide tracking, file the observation, save) with a fixed analysis,
 *    over sessions holding five minutes of frames (the most a session keeps at one frame a second). CPU time
 *    of this process and of redis-server per frame, and the wall time per frame (sequential, one at a time).
 * 2. The server: one `vigil serve` (1 worker) answering session frames of a real photo, memory vs Redis. The
 *    store runs on the server's main thread (the workers only analyse), so the main thread's CPU time per
 *    frame (/proc/PID/task/PID/stat) shows the store's cost without the analysis around it; the whole
 *    process's CPU is given too.
 *
 *   npx bun bench/experiments/session-store.ts [storeFrames=3000] [serverFrames=200]
 *
 * Writes bench/results/session-store.md and .json. CPU times, not wall clock alone: the machine is shared.
 */
import { writeFileSync } from "node:fs";
import { MemorySessionStore } from "../../src/session/memory-session-store";
import { RedisSessionStore } from "../../src/session/redis-session-store";
import { DEFAULT_SESSION_RULES, historyBounds } from "../../src/session/session-config";
import { planSettingsEvery3s } from "../../tests/support/plan-settings";
import { SessionFrames, type FrameAnalysis } from "../../src/session/session-frames";
import type { SessionStore } from "../../src/session/session-store";
import { startRedisServer } from "../../tests/support/redis-server";
import { startBenchServer } from "../lib/server-process";
import { procStat } from "../lib/proc-stat";
import { exitOnHelp } from "../lib/help";

exitOnHelp(import.meta);

const storeFrames = Number(process.argv[2] ?? 3000);
const serverFrames = Number(process.argv[3] ?? 200);
const SESSIONS = 20;
const HISTORY_SECONDS = 300;
/** utime + stime of a process, or of one of its threads, in ms. */
const cpuMs = (pid: number, thread?: number): number => procStat(pid, thread).cpuMs;

const analysis: FrameAnalysis = {
  faces: [
    {
      presenceScore: 1,
      eyes: { left: { closed: false, openness: 0.8, ear: 0.25 }, right: { closed: false, openness: 0.8, ear: 0.25 } },
      gaze: { down: false },
      lookingAway: false,
      mouth: { yawn: false },
    },
  ] as unknown as FrameAnalysis["faces"],
  image: { quality: { tooDark: false, tooBlurry: false } } as FrameAnalysis["image"],
  tracked: true,
  tracking: [{ centerX: 320, centerY: 240, size: 200, rotation: 0 }],
};

async function storeAlone(store: SessionStore, redisPid?: number) {
  const sessions = new SessionFrames({
    store,
    rules: DEFAULT_SESSION_RULES,
    bounds: historyBounds(DEFAULT_SESSION_RULES, 4),
    plan: planSettingsEvery3s(),
  });
  const t0 = Date.now() - 3_600_000;
  const file = (session: number, second: number) =>
    sessions.analyze(
      { key: `bench/${session}`, id: `bench-${session}`, capturedAt: t0 + second * 1000 },
      async () => analysis,
    );
  for (let second = 0; second < HISTORY_SECONDS; second++) for (let s = 0; s < SESSIONS; s++) await file(s, second); // full histories
  const cpu = process.cpuUsage();
  const redisCpu = redisPid ? cpuMs(redisPid) : 0;
  const started = performance.now();
  for (let i = 0; i < storeFrames; i++) {
    const { session } = await file(i % SESSIONS, HISTORY_SECONDS + Math.floor(i / SESSIONS));
    if (!session.available) throw new Error(`store unavailable: ${session.reason}`);
  }
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return {
    clientCpuMsPerFrame: (used.user + used.system) / 1000 / storeFrames,
    redisCpuMsPerFrame: redisPid ? (cpuMs(redisPid) - redisCpu) / storeFrames : 0,
    wallMsPerFrame: wall / storeFrames,
  };
}

async function server(redisUrl?: string, redisPid?: number) {
  const { url, child } = await startBenchServer(1, redisUrl ? ["--redis-url", redisUrl] : []);
  try {
    const photo = await Bun.file(new URL("../../tests/fixtures/grace_hopper.jpg", import.meta.url)).bytes();
    const t0 = Date.now() - 3_600_000;
    const post = (i: number) =>
      fetch(`${url}/v1/analyze`, {
        method: "POST",
        body: photo,
        headers: {
          "content-type": "image/jpeg",
          "x-session-id": `bench-session-${i % 4}`,
          "x-capture-time": String(t0 + Math.floor(i / 4) * 1000),
        },
      }).then(async (r) => {
        if (r.status !== 200) throw new Error(`status ${r.status}`);
        const body = await r.json();
        if (!body.session.available) throw new Error("session unavailable");
      });
    for (let i = 0; i < 40; i++) await post(i); // warm up
    const [main, whole, redisCpu] = [cpuMs(child.pid, child.pid), cpuMs(child.pid), redisPid ? cpuMs(redisPid) : 0];
    for (let i = 40; i < 40 + serverFrames; i++) await post(i);
    return {
      mainThreadCpuMsPerFrame: (cpuMs(child.pid, child.pid) - main) / serverFrames,
      processCpuMsPerFrame: (cpuMs(child.pid) - whole) / serverFrames,
      redisCpuMsPerFrame: redisPid ? (cpuMs(redisPid) - redisCpu) / serverFrames : 0,
    };
  } finally {
    child.kill("SIGTERM");
    await child.exited;
  }
}

const redis = await startRedisServer();
try {
  const memoryStore = await storeAlone(new MemorySessionStore({ maxSessions: 10_000, idleTtlMs: 3_600_000 }));
  const redisStore = new RedisSessionStore({ url: redis.url, idleTtlMs: 3_600_000, timeoutMs: 1000 });
  await redisStore.ready();
  const redisAlone = await storeAlone(redisStore, redis.pid);
  await redisStore.close();
  const recordKiB = Number(await Bun.$`redis-cli -p ${redis.port} --raw HSTRLEN vigil:session:bench/0 r`.text()) / 1024;
  const memoryServer = await server();
  const redisServer = await server(redis.url, redis.pid);
  const results = {
    date: new Date().toISOString(),
    storeFrames,
    serverFrames,
    sessions: SESSIONS,
    historySeconds: HISTORY_SECONDS,
    recordKiB,
    store: { memory: memoryStore, redis: redisAlone },
    server: { memory: memoryServer, redis: redisServer },
  };
  const f = (n: number) => n.toFixed(3);
  const md = `# Session store: Redis against memory, per frame

\`npx bun bench/experiments/session-store.ts ${storeFrames} ${serverFrames}\` on ${results.date.slice(0, 16).replace("T", " ")} UTC (a shared 2-core machine;
CPU times, which the other load on the machine disturbs less than wall clock). Redis: Debian's redis-server
7, on loopback, through Bun's built-in client (chosen in [redis-clients.md](redis-clients.md)). Each session holds ${HISTORY_SECONDS} s of frames at one a second (the most it
keeps): the record stored per frame is ${recordKiB.toFixed(1)} KiB of JSON.

## The store alone (load, decide tracking, file the frame, save), ${storeFrames} frames over ${SESSIONS} sessions

| store | Vigil CPU ms/frame | redis-server CPU ms/frame | wall ms/frame |
| --- | --- | --- | --- |
| memory | ${f(memoryStore.clientCpuMsPerFrame)} | - | ${f(memoryStore.wallMsPerFrame)} |
| Redis | ${f(redisAlone.clientCpuMsPerFrame)} | ${f(redisAlone.redisCpuMsPerFrame)} | ${f(redisAlone.wallMsPerFrame)} |

## The server (one instance, 1 worker, ${serverFrames} session frames of grace_hopper.jpg one at a time)

| store | main thread CPU ms/frame (HTTP + sessions) | whole process CPU ms/frame | redis-server CPU ms/frame |
| --- | --- | --- | --- |
| memory | ${f(memoryServer.mainThreadCpuMsPerFrame)} | ${f(memoryServer.processCpuMsPerFrame)} | - |
| Redis | ${f(redisServer.mainThreadCpuMsPerFrame)} | ${f(redisServer.processCpuMsPerFrame)} | ${f(redisServer.redisCpuMsPerFrame)} |

/proc counts CPU in 10 ms ticks: over ${serverFrames} frames that is ${(10 / serverFrames).toFixed(3)} ms/frame of resolution.
`;
  writeFileSync(new URL("../results/session-store.md", import.meta.url), md);
  writeFileSync(new URL("../results/session-store.json", import.meta.url), JSON.stringify(results, null, 2) + "\n");
  console.log(md);
} finally {
  await redis.stop();
}
