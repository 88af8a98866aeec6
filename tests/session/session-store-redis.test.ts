/**
 * The Redis session store against a real redis-server (Debian's; .ci/run installs it), started on a free
 * loopback port: records stored whole with the idle TTL, concurrent updates from two stores (two instances)
 * never lose one, and a Redis that stops answering or dies makes operations fail fast as "unavailable"
 * until it is back, when the store recovers by itself.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { RedisClient } from "bun";
import { RedisSessionStore } from "../../src/session/redis-session-store";
import { DEFAULT_SESSION_RULES, historyBounds } from "../../src/session/session-config";
import { SessionHistory } from "../../src/session/session-history";
import type { SessionRecord } from "../../src/session/session-record";
import { planSettingsEvery3s } from "../support/plan-settings";
import { SessionFrames, type FrameAnalysis, type StoreOperation } from "../../src/session/session-frames";
import { SessionStoreUnavailable } from "../../src/session/session-store";
import { redisServerBinary, startRedisServer, type RedisServer } from "../support/redis-server";

const skip = !redisServerBinary && !process.env.CI;
if (skip)
  console.warn(
    "Redis session store tests skipped: redis-server is not installed (apt-get install redis-server; .ci/run does)",
  );

let redis: RedisServer;
let raw: RedisClient;
const stores: RedisSessionStore[] = [];
const open = async (timeoutMs = 200) => {
  const store = new RedisSessionStore({ url: redis.url, idleTtlMs: 60_000, timeoutMs, reconnectEveryMs: 100 });
  stores.push(store);
  await store.ready();
  return store;
};

beforeAll(async () => {
  if (skip) return;
  redis = await startRedisServer();
  raw = new RedisClient(redis.url);
  await raw.connect();
});

afterAll(async () => {
  for (const store of stores) await store.close();
  raw?.close();
  await redis?.stop();
});

const empty = (): SessionRecord => ({
  history: new SessionHistory(DEFAULT_SESSION_RULES).toJSON(),
  tracking: null,
  framePlan: null,
});
/** Adds one to the record's frame count: a change that loses an update if two run on the same version. */
const increment = (current: SessionRecord | undefined) => {
  const record = current ?? empty();
  return {
    record: { ...record, history: { ...record.history, frames: record.history.frames + 1 } },
    result: record.history.frames + 1,
  };
};

test.skipIf(skip)("a record is stored whole as JSON, expires with the idle TTL, and can be forgotten", async () => {
  const store = await open();
  expect(await store.get("a/session-1")).toBeUndefined();
  const record = {
    ...empty(),
    tracking: { rois: [{ centerX: 1.5, centerY: 2, size: 3, rotation: 0.1 }], at: 42 },
    framePlan: { detection: { nextDetectAt: 7, everyMs: 3000, faces: 1 }, calmSince: null },
    extra: { plain: [1, "x"] },
  };
  expect(await store.update("a/session-1", () => ({ record, result: "saved" }))).toBe("saved");
  expect(await store.get("a/session-1")).toEqual(record);
  const ttl = Number(await raw.send("PTTL", ["vigil:session:a/session-1"]));
  expect(ttl).toBeGreaterThan(55_000);
  expect(ttl).toBeLessThanOrEqual(60_000);
  expect(await store.delete("a/session-1")).toBe(true);
  expect(await store.delete("a/session-1")).toBe(false);
  expect(store.health()).toEqual({ store: "redis", available: true });
});

test.skipIf(skip)("concurrent updates of one session from two stores (two instances) are all kept", async () => {
  const [one, two] = [await open(1000), await open(1000)];
  const results: number[] = [];
  // Four frames of one session at once, two through each instance, twenty times: far more than a client sends.
  for (let round = 0; round < 20; round++)
    results.push(...(await Promise.all([one, two, one, two].map((store) => store.update("race", increment)))));
  // Each update saw a different count: none was applied on top of a stale read.
  expect(results.sort((a, b) => a - b)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
  expect((await one.get("race"))?.history.frames).toBe(80);
});

test.skipIf(skip)(
  "a Redis that stops answering: operations time out as unavailable, and resume with the data when it answers",
  async () => {
    const store = await open(150);
    await store.update("paused", increment);
    redis.pause();
    try {
      const error = await store.update("paused", increment).catch((e) => e);
      expect(error).toBeInstanceOf(SessionStoreUnavailable);
      expect(error.reason).toContain("no answer within 150 ms");
      expect(store.health()).toMatchObject({ store: "redis", available: false });
    } finally {
      redis.resume();
    }
    // The timed-out update may still have been applied once Redis woke up: the count is 2 or 3, never lost.
    const after = await store.update("paused", increment);
    expect(after === 2 || after === 3).toBe(true);
    expect(store.health().available).toBe(true);
  },
);

test.skipIf(skip)(
  "a Redis that dies fails operations at once; the store reconnects by itself when it is back (empty)",
  async () => {
    const store = await open();
    await store.update("dies", increment);
    await redis.kill();
    // At once: each fails on the closed connection, none waits out the store's timeout.
    for (let i = 0; i < 3; i++) {
      const error = await store.get("dies").catch((e) => e);
      expect(error).toBeInstanceOf(SessionStoreUnavailable);
      expect(error.reason).not.toContain("no answer within");
    }
    expect(store.health().available).toBe(false);
    await redis.restart();
    const deadline = Date.now() + 10_000;
    let answer: unknown;
    for (;;) {
      answer = await store.update("dies", increment).catch((e) => e);
      if (!(answer instanceof SessionStoreUnavailable) || Date.now() > deadline) break;
      await Bun.sleep(100);
    }
    // Without persistence the restarted Redis is empty: the session starts again (and the CAS script is reloaded).
    expect(answer).toBe(1);
    expect(store.health().available).toBe(true);
  },
);

test.skipIf(skip)(
  "a frame whose session cannot be loaded is still analysed, answered as unavailable, and counted",
  async () => {
    const store = await open(150);
    const failures: StoreOperation[] = [];
    const sessions = new SessionFrames({
      store,
      rules: DEFAULT_SESSION_RULES,
      bounds: historyBounds(DEFAULT_SESSION_RULES, 4),
      plan: planSettingsEvery3s(),
      onUnavailable: (operation) => failures.push(operation),
    });
    const analysis = {
      faces: [],
      image: { quality: { tooDark: false, tooBlurry: false } },
      tracked: false,
      tracking: [],
    } as unknown as FrameAnalysis;
    const frame = { key: "p/frames-session", id: "frames-session", capturedAt: Date.now() };
    expect((await sessions.analyze(frame, async () => analysis)).session).toMatchObject({
      available: true,
      fresh: true,
      frames: 1,
    });
    redis.pause();
    try {
      let analysed = 0;
      const answer = await sessions.analyze({ ...frame, capturedAt: frame.capturedAt + 1000 }, async ({ track }) => {
        analysed++;
        expect(track).toBeUndefined(); // nothing known to track from
        return analysis;
      });
      expect(analysed).toBe(1);
      expect(answer.analysis).toBe(analysis);
      expect(answer.session).toEqual({ id: "frames-session", available: false, reason: "no answer within 150 ms" });
      expect(failures).toEqual(["load"]);
      expect(await sessions.read("p/frames-session", "frames-session").catch((e) => e)).toBeInstanceOf(
        SessionStoreUnavailable,
      );
      expect(failures).toEqual(["load", "read"]);
    } finally {
      redis.resume();
    }
    expect(
      (await sessions.analyze({ ...frame, capturedAt: frame.capturedAt + 2000 }, async () => analysis)).session,
    ).toMatchObject({ available: true, fresh: false, frames: 2 });
  },
);
