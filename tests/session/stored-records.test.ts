/**
 * What the session stores meet beyond their own records, against a real redis-server: a stored record this
 * version did not write (a rolling upgrade, or damage) is no session, counted, and replaced by the next frame;
 * a frame costs Redis one read and one compare-and-set; and in memory, a client inventing session ids evicts
 * its own sessions rather than another principal's.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { RedisClient } from "bun";
import { loadServerConfig } from "../../src/config";
import { sessionOwnerOf, sessionStoreKey } from "../../src/server/principal";
import { framePlanSettings } from "../../src/session/frame-plan";
import { MemorySessionStore } from "../../src/session/memory-session-store";
import { RedisSessionStore } from "../../src/session/redis-session-store";
import { historyBounds } from "../../src/session/session-config";
import { SessionFrames, type FrameAnalysis } from "../../src/session/session-frames";
import type { SessionStore } from "../../src/session/session-store";
import { redisServerBinary, startRedisServer, type RedisServer } from "../support/redis-server";

const skip = !redisServerBinary && !process.env.CI;
if (skip)
  console.warn(
    "stored record tests skipped: redis-server is not installed (apt-get install redis-server; .ci/run does)",
  );

const config = loadServerConfig([], { VIGIL_AUTH: "none" });
const framesOver = (store: SessionStore) =>
  new SessionFrames({
    store,
    rules: config.sessionRules,
    bounds: historyBounds(config.sessionRules, config.rateLimitPerSecond),
    plan: framePlanSettings(config),
  });
const analysis = {
  faces: [],
  image: { width: 640, height: 480, quality: { tooDark: false, tooBlurry: false } },
  tracked: false,
  tracking: [],
} as unknown as FrameAnalysis;
const T0 = Date.now() - 600_000;

let redis: RedisServer;
let raw: RedisClient;
let store: RedisSessionStore;
const unreadable: string[] = [];

beforeAll(async () => {
  if (skip) return;
  redis = await startRedisServer();
  raw = new RedisClient(redis.url);
  await raw.connect();
  store = new RedisSessionStore({
    url: redis.url,
    idleTtlMs: 60_000,
    timeoutMs: 2000,
    onUnreadable: (_key, reason) => unreadable.push(reason),
  });
  await store.ready();
});

afterAll(async () => {
  await store?.close();
  raw?.close();
  await redis?.stop();
});

test.skipIf(skip)(
  "a record this version did not write is no session: reads find none, the next frame starts afresh, each is counted",
  async () => {
    const sessions = framesOver(store);
    const planted: [string, () => Promise<unknown>][] = [
      ["not-json", () => raw.send("HSET", ["vigil:session:p/not-json", "v", "3", "r", "{not json"])],
      ["empty-object", () => raw.send("HSET", ["vigil:session:p/empty-object", "v", "3", "r", "{}"])],
      [
        "null-history",
        () =>
          raw.send("HSET", [
            "vigil:session:p/null-history",
            "v",
            "3",
            "r",
            '{"history":null,"tracking":null,"framePlan":null}',
          ]),
      ],
      ["old-shape", () => raw.send("HSET", ["vigil:session:p/old-shape", "v", "9", "r", '{"observations":[{"t":1}]}'])],
      ["a-string", () => raw.send("SET", ["vigil:session:p/a-string", "hello"])],
      ["a-list", () => raw.send("RPUSH", ["vigil:session:p/a-list", "x"])],
    ];
    for (const [id, plant] of planted) {
      await plant();
      const before = unreadable.length;
      expect(await sessions.read(`p/${id}`, id)).toBeUndefined();
      expect(unreadable.length).toBe(before + 1);
      const { session } = await sessions.analyze({ key: `p/${id}`, id, capturedAt: T0 }, async () => analysis);
      expect({ id, session }).toMatchObject({ id, session: { available: true, fresh: true, frames: 1 } });
      // The first frame met it (its load, and the read again after its compare-and-set found another version)
      // and replaced it.
      const counted = unreadable.length;
      expect(counted).toBeGreaterThan(before + 1);
      const { session: second } = await sessions.analyze(
        { key: `p/${id}`, id, capturedAt: T0 + 1000 },
        async () => analysis,
      );
      expect({ id, second }).toMatchObject({ id, second: { available: true, fresh: false, frames: 2 } });
      expect(unreadable.length).toBe(counted);
    }
  },
);

test.skipIf(skip)("a frame of a stored session costs Redis one read and one compare-and-set", async () => {
  const sessions = framesOver(store);
  await sessions.analyze({ key: "p/round-trips", id: "round-trips", capturedAt: T0 }, async () => analysis);
  await raw.send("CONFIG", ["RESETSTAT"]);
  await sessions.analyze({ key: "p/round-trips", id: "round-trips", capturedAt: T0 + 1000 }, async () => analysis);
  const stats = String(await raw.send("INFO", ["commandstats"]));
  const calls = Object.fromEntries(
    [...stats.matchAll(/cmdstat_(\w+):calls=(\d+)/g)].map(([, name, count]) => [name, Number(count)]),
  );
  delete calls.config; // RESETSTAT itself
  delete calls.info;
  // The client sent HMGET and EVALSHA; TYPE, HGET, HSET and PEXPIRE ran inside the compare-and-set script.
  expect(calls).toEqual({ hmget: 1, evalsha: 1, type: 1, hget: 1, hset: 1, pexpire: 1 });
});

test("memory: a principal inventing session ids evicts its own sessions, not another principal's", async () => {
  const memory = new MemorySessionStore({ maxSessions: 100, idleTtlMs: 60_000, ownerOf: sessionOwnerOf });
  const sessions = framesOver(memory);
  const frame = (owner: string, id: string) =>
    sessions.analyze({ key: sessionStoreKey({ owner, id }), id, capturedAt: T0 }, async () => analysis);
  for (let i = 0; i < 10; i++) await frame("key:school", `student-${i}`);
  for (let i = 0; i < 1000; i++) await frame("key:mallory", `invented-${i}`);
  for (let i = 0; i < 10; i++)
    expect(await memory.get(sessionStoreKey({ owner: "key:school", id: `student-${i}` }))).toBeDefined();
  expect(memory.size()).toBe(100);
  expect(memory.evicted).toBe(910);
  // Without owners every key is its own: the least recently updated session goes, as before.
  const plain = new MemorySessionStore({ maxSessions: 2, idleTtlMs: 60_000 });
  for (const key of ["a/1", "b/1", "c/1"])
    await framesOver(plain).analyze({ key, id: "x", capturedAt: T0 }, async () => analysis);
  expect([await plain.get("a/1"), await plain.get("b/1"), await plain.get("c/1")].map(Boolean)).toEqual([
    false,
    true,
    true,
  ]);
});
