/**
 * What a session may hold, against a real redis-server: capture times are the client's, so frames stamped a
 * millisecond apart must not all be kept. A session holds at most the history window times the per-session
 * rate limit (historyBounds), and the stored record's size follows from it: measured here on the Redis record
 * (docs/sessions.md quotes the number printed).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { RedisClient } from "bun";
import { loadServerConfig } from "../../src/config";
import { framePlanSettings } from "../../src/session/frame-plan";
import { RedisSessionStore } from "../../src/session/redis-session-store";
import { historyBounds } from "../../src/session/session-config";
import { SessionFrames, type FrameAnalysis } from "../../src/session/session-frames";
import type { SessionRecord } from "../../src/session/session-record";
import { redisServerBinary, startRedisServer, type RedisServer } from "../support/redis-server";

const skip = !redisServerBinary && !process.env.CI;
if (skip)
  console.warn(
    "session bounds tests skipped: redis-server is not installed (apt-get install redis-server; .ci/run does)",
  );

// The server's defaults: the bound is derived from them, never written down here.
const config = loadServerConfig([], { VIGIL_AUTH: "none" });
const bounds = historyBounds(config.sessionRules, config.rateLimitPerSecond);

let redis: RedisServer;
let raw: RedisClient;
let store: RedisSessionStore;
let sessions: SessionFrames;

beforeAll(async () => {
  if (skip) return;
  redis = await startRedisServer();
  raw = new RedisClient(redis.url);
  await raw.connect();
  store = new RedisSessionStore({ url: redis.url, idleTtlMs: 60_000, timeoutMs: 2000 });
  await store.ready();
  sessions = new SessionFrames({ store, rules: config.sessionRules, bounds, plan: framePlanSettings(config) });
});

afterAll(async () => {
  await store?.close();
  raw?.close();
  await redis?.stop();
});

/** A tracked face with the full-precision measures a real analysis gives (they are not rounded). */
function analysis(): FrameAnalysis {
  const eye = () => ({ closed: false, openness: 0.6 + Math.random() * 0.3, ear: 0.22 + Math.random() * 0.08 });
  return {
    faces: [
      {
        presenceScore: 1,
        eyes: { left: eye(), right: eye() },
        gaze: { down: false },
        lookingAway: false,
        mouth: { yawn: false },
      },
    ],
    image: { quality: { tooDark: false, tooBlurry: false } },
    tracked: true,
    tracking: [{ centerX: 320.123456789, centerY: 240.987654321, size: 201.5555555, rotation: 0.0123456789 }],
  } as unknown as FrameAnalysis;
}

const T0 = Date.now() - 3_600_000;
const file = (key: string, capturedAt: number) =>
  sessions.analyze({ key: `p/${key}`, id: key, capturedAt }, async () => analysis());
const stored = async (key: string) => {
  const json = (await raw.send("HGET", [`vigil:session:p/${key}`, "r"])) as string;
  return { bytes: Buffer.byteLength(json), record: JSON.parse(json) as SessionRecord };
};

test("the defaults bound a session to the window times the per-session rate: 1,200 frames, at least 250 ms apart", () => {
  expect(bounds).toEqual({
    minFrameIntervalMs: 1000 / config.rateLimitPerSecond,
    maxFrames: 300 * config.rateLimitPerSecond,
  });
  expect(bounds.maxFrames).toBe(1200);
});

test.skipIf(skip)(
  "frames stamped 1 ms apart are answered but not all kept: the record stays within the bound",
  async () => {
    let answered = 0;
    for (let i = 0; i < 3 * bounds.maxFrames; i++) {
      const { session } = await file("one-ms-apart", T0 + i);
      if (session.available) answered++;
    }
    expect(answered).toBe(3 * bounds.maxFrames);
    const { record } = await stored("one-ms-apart");
    // 3,600 frames within 3.6 s, one kept every 250 ms: 15.
    expect(record.history.observations.length).toBeLessThanOrEqual(
      Math.ceil((3 * bounds.maxFrames) / bounds.minFrameIntervalMs),
    );
    for (let i = 1; i < record.history.observations.length; i++) {
      expect(record.history.observations[i].at - record.history.observations[i - 1].at).toBeGreaterThanOrEqual(
        bounds.minFrameIntervalMs,
      );
    }
  },
  120_000,
);

test.skipIf(skip)(
  "frames at the rate limit for longer than the window: at most maxFrames kept; bytes per frame measured",
  async () => {
    const frames = bounds.maxFrames + 200;
    for (let i = 0; i < frames; i++) await file("at-the-rate", T0 + i * bounds.minFrameIntervalMs);
    // Late frames in between, closer than the rate allows to the ones kept, change nothing.
    for (let i = 0; i < 50; i++) await file("at-the-rate", T0 + (frames - 100 + i) * bounds.minFrameIntervalMs + 1);
    const { bytes, record } = await stored("at-the-rate");
    expect(record.history.observations.length).toBe(bounds.maxFrames);
    const perFrame = bytes / record.history.observations.length;
    console.log(
      `session record in Redis at the bound: ${record.history.observations.length} frames, ${bytes} bytes (${perFrame.toFixed(0)} B a frame)`,
    );
    // A frame is a dozen fields; what matters is that the record is bounded, whatever the exact size.
    expect(perFrame).toBeLessThan(300);
    expect((await sessions.read("p/at-the-rate", "at-the-rate"))?.available).toBe(true);
  },
  120_000,
);
