/**
 * The in-memory session store (LRU and idle expiry), a history's snapshot (what the Redis store keeps), and
 * the session logic of a frame (session-frames.ts) over the memory store.
 */
import { describe, expect, test } from "bun:test";
import { FrameCalendar } from "../../src/pool/frame-calendar";
import { MemorySessionStore } from "../../src/session/memory-session-store";
import { DEFAULT_SESSION_RULES, historyBounds } from "../../src/session/session-config";
import { planSettingsEvery3s } from "../support/plan-settings";
import type { FaceSearch } from "../../src/frame/frame-contract";
import { SessionFrames, type FrameAnalysis } from "../../src/session/session-frames";
import type { Observation } from "../../src/session/observation";
import { SessionHistory } from "../../src/session/session-history";
import type { SessionRecord } from "../../src/session/session-record";

const T0 = Date.UTC(2026, 10, 25, 9, 0, 0);
const record = (frames: number): SessionRecord => ({
  history: { ...new SessionHistory(DEFAULT_SESSION_RULES).toJSON(), frames },
  tracking: null,
  framePlan: null,
});
const put = (store: MemorySessionStore, key: string, frames = 1) =>
  store.update(key, (current) => ({ record: record(frames), result: current === undefined }));

test("memory store: sessions expire after inactivity and the least recently updated is evicted at the cap", async () => {
  let now = 0;
  const store = new MemorySessionStore({ maxSessions: 2, idleTtlMs: 1000, clock: () => now });
  expect(await put(store, "a")).toBe(true); // created
  expect(await put(store, "a")).toBe(false);
  await put(store, "b");
  now = 500;
  await put(store, "a"); // a is now the most recently used
  await put(store, "c"); // evicts b
  expect(await store.get("b")).toBeUndefined();
  expect(await store.get("a")).toBeDefined();
  expect(store.evicted).toBe(1);
  now = 1600; // a and c idle 1100 ms
  expect(await store.get("a")).toBeUndefined();
  store.sweep();
  expect(store.size()).toBe(0);
  expect(await put(store, "a")).toBe(true);
  expect(await store.delete("a")).toBe(true);
  expect(await store.delete("a")).toBe(false);
  expect(store.health()).toEqual({ store: "memory", available: true });
});

describe("history snapshots", () => {
  const observation = (s: number): Observation => ({
    at: T0 + s * 1000,
    faces: s % 7 === 6 ? 0 : 1,
    eyesClosed: s % 5 === 4 || (s >= 40 && s < 50),
    openness: 0.5,
    // EARs vary so that the personal baseline (built from the kept observations) is part of what round-trips.
    ear: s % 7 === 6 ? null : { left: 0.24 + (s % 4) * 0.01, right: 0.27 - (s % 3) * 0.01 },
    lookingDown: s % 17 === 3,
    lookingAway: s % 11 === 0,
    yawn: s % 13 === 0,
    unusable: false,
  });

  test("a history continued from its JSON text answers exactly as the uninterrupted one, frame by frame", () => {
    const whole = new SessionHistory(DEFAULT_SESSION_RULES);
    let stored = JSON.stringify(new SessionHistory(DEFAULT_SESSION_RULES));
    for (let s = 0; s < 90; s++) {
      // Out of order now and then: late frames must file into the past the same way.
      const at = s % 10 === 9 ? s - 3.5 : s;
      whole.observe(observation(at));
      const continued = SessionHistory.fromJSON(JSON.parse(stored), DEFAULT_SESSION_RULES);
      continued.observe(observation(at));
      expect(continued.summary()).toEqual(whole.summary());
      stored = JSON.stringify(continued);
    }
    expect(whole.summary().frames).toBe(90);
  });

  test("a snapshot is plain data holding the observations as they are, and stays as taken", () => {
    const history = new SessionHistory(DEFAULT_SESSION_RULES);
    history.observe({ ...observation(1), extra: { any: "field" } } as Observation);
    const snapshot = history.toJSON();
    expect(Object.keys(snapshot).sort()).toEqual(["firstAt", "frames", "observations", "state", "stateSince"]);
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect((snapshot.observations[0] as Observation & { extra: unknown }).extra).toEqual({ any: "field" });
    history.observe(observation(2));
    expect(snapshot.observations).toHaveLength(1);
  });
});

describe("a frame's session logic (session-frames.ts) over the memory store", () => {
  const roi = { centerX: 100, centerY: 100, size: 80, rotation: 0 };
  const analysis = (faces: number, tracked: boolean, openness = 0.9): FrameAnalysis => ({
    faces: Array.from({ length: faces }, () => ({
      presenceScore: 1,
      eyes: {
        left: { closed: openness < 0.2, openness, ear: 0.3 * openness },
        right: { closed: openness < 0.2, openness, ear: 0.3 * openness },
      },
      gaze: { down: false },
      lookingAway: false,
      mouth: { yawn: false },
    })) as unknown as FrameAnalysis["faces"],
    image: { width: 640, height: 480, quality: { tooDark: false, tooBlurry: false } } as FrameAnalysis["image"],
    tracked,
    tracking: faces ? [roi] : [],
  });

  test("tracks the previous frame's face within the gap, re-detects periodically, and never lets a late frame move the tracking", async () => {
    const store = new MemorySessionStore({ maxSessions: 10, idleTtlMs: 60_000 });
    const sessions = new SessionFrames({
      store,
      rules: DEFAULT_SESSION_RULES,
      bounds: historyBounds(DEFAULT_SESSION_RULES, 4),
      plan: planSettingsEvery3s(),
    });
    const tracks: boolean[] = [];
    const frame = async (second: number, faces = 1) => {
      const { session } = await sessions.analyze(
        { key: "k", id: "session-1", capturedAt: T0 + second * 1000 },
        async ({ track }) => {
          tracks.push(track !== undefined);
          return analysis(faces, track !== undefined);
        },
      );
      return session;
    };
    expect(await frame(0)).toMatchObject({ id: "session-1", available: true, fresh: true, frames: 1 });
    await frame(1); // tracked
    await frame(2); // tracked
    await frame(3); // detector due (3 s since the last detection)
    await frame(4); // tracked
    await frame(2.5); // late: tracked from the newest, and must not move the tracking position's time
    expect((await store.get("k"))?.tracking?.at).toBe(T0 + 4000);
    await frame(8); // more than 3 s after the newest frame: detector
    await frame(9, 0); // no face: nothing to track next
    expect(await frame(10)).toMatchObject({ fresh: false, frames: 9 });
    expect(tracks).toEqual([false, true, true, false, true, true, false, true, false]);
    expect(await sessions.read("k", "session-1")).toMatchObject({ id: "session-1", available: true, frames: 9 });
    expect(await sessions.forget("k")).toBe(true);
    expect(await sessions.read("k", "session-1")).toBeUndefined();
  });

  test("with a frame calendar every answer books its next frame, and a class's first answers fill the calendar's room in order", async () => {
    // A calendar on a clock held at 0: 100 ms a frame, 2 workers, bins of 250 ms at 85%: 425 ms, four frames a bin.
    const calendar = new FrameCalendar(
      { workers: 2, cores: 16, binMs: 250, share: 0.85 },
      () => 0,
      () => 0,
    );
    calendar.observe(100);
    const sessions = new SessionFrames({
      store: new MemorySessionStore({ maxSessions: 100, idleTtlMs: 60_000 }),
      rules: DEFAULT_SESSION_RULES,
      bounds: historyBounds(DEFAULT_SESSION_RULES, 4),
      plan: planSettingsEvery3s({ loadPacing: true }),
      calendar,
    });
    const asked: number[] = [];
    for (let user = 0; user < 20; user++) {
      const { next } = await sessions.analyze({ key: `k${user}`, id: `session-${user}`, capturedAt: T0 }, async () =>
        analysis(1, false),
      );
      asked.push(next!.nextFrameAfterMs);
    }
    // Their own pace is 1 s: four in the bin from 1 s, each 100/425 of the bin after the last; four from 1.25 s, ...
    expect(asked.slice(0, 5)).toEqual([1000, 1059, 1118, 1176, 1250]);
    expect(asked.at(-1)).toBe(2176);
    for (let at = 1000; at < 2250; at += 250) expect(calendar.bookedAt(at)).toBe(400);
    // Without a calendar the same class is asked for 1 s, every one of them.
    const plain = new SessionFrames({
      store: new MemorySessionStore({ maxSessions: 100, idleTtlMs: 60_000 }),
      rules: DEFAULT_SESSION_RULES,
      bounds: historyBounds(DEFAULT_SESSION_RULES, 4),
      plan: planSettingsEvery3s({ loadPacing: true }),
    });
    const { next } = await plain.analyze({ key: "k", id: "s", capturedAt: T0 }, async () => analysis(1, false));
    expect(next!.nextFrameAfterMs).toBe(1000);
  });

  /** Sessions over a fresh store, the workers always busy or never, counting the postponed looks. */
  const sessionsCounting = (busy: boolean, faceCropSize: number) => {
    let postponed = 0;
    const sessions = new SessionFrames({
      store: new MemorySessionStore({ maxSessions: 10, idleTtlMs: 60_000 }),
      rules: DEFAULT_SESSION_RULES,
      bounds: historyBounds(DEFAULT_SESSION_RULES, 4),
      plan: planSettingsEvery3s({ faceCropSize }),
      busy: () => busy,
      onDetectionPostponed: () => postponed++,
    });
    return { sessions, postponed: () => postponed };
  };

  test("while the workers are busy a due look for a second person waits, at most one interval, and is counted", async () => {
    const run = async (busy: boolean) => {
      const { sessions, postponed } = sessionsCounting(busy, 0);
      const detectedAt: number[] = [];
      for (let second = 0; second <= 20; second++)
        await sessions.analyze({ key: "k", id: "s", capturedAt: T0 + second * 1000 }, async ({ track }) => {
          if (!track) detectedAt.push(second);
          return analysis(1, track !== undefined);
        });
      return { detectedAt, postponed: postponed() };
    };
    const quiet = await run(false);
    const busy = await run(true);
    // Quiet: due every 3 s (2.1-3 s with the jitter). Busy: each waits one more interval, then runs anyway.
    expect(quiet.postponed).toBe(0);
    expect(busy.postponed).toBeGreaterThan(0);
    expect(busy.detectedAt.length).toBeLessThan(quiet.detectedAt.length);
    expect(busy.detectedAt.length).toBeGreaterThanOrEqual(4);
    const gaps = busy.detectedAt.slice(1).map((at, i) => at - busy.detectedAt[i]);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(6);
  });

  test("while the workers are busy a client that follows the answers sends face crops, not full frames, while a look for a second person waits", async () => {
    const run = async (busy: boolean) => {
      const { sessions, postponed } = sessionsCounting(busy, 192);
      const sent: ("full" | "crop")[] = [];
      const detectedAt: number[] = [];
      let asked: "full" | "crop" = "full";
      for (let second = 0; second <= 30; second++) {
        const crop: boolean = asked === "crop";
        sent.push(asked);
        const answer: { next?: { frame: "full" | "crop" } } = await sessions.analyze(
          { key: "k", id: "s", capturedAt: T0 + second * 1000, crop },
          async ({ track }) => {
            if (!crop && !track) detectedAt.push(second);
            return analysis(1, crop || track !== undefined);
          },
        );
        asked = answer.next?.frame ?? "full";
      }
      return { full: sent.filter((kind) => kind === "full").length, detectedAt, postponed: postponed() };
    };
    const quiet = await run(false);
    const busy = await run(true);
    expect(quiet.postponed).toBe(0);
    expect(busy.postponed).toBeGreaterThan(0);
    // Busy, the answers ask for crops while the look waits: at most one full frame per look is only followed
    // (this client sends every second, sooner than the 2 s pace asked, so it can send the full frame asked
    // for the look before the look can wait no longer).
    expect(busy.full).toBeLessThanOrEqual(2 * busy.detectedAt.length);
    expect(busy.full).toBeLessThan(quiet.full);
    // Each look waits at most one more interval (3 s, then 6 s, 10 s at most: under 20 s between looks).
    const gaps = busy.detectedAt.slice(1).map((at, i) => at - busy.detectedAt[i]);
    expect(busy.detectedAt.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(20);
  });

  test("a session's first frame gets the full-range detector; a frame after one with nobody is expected empty; a tracked face's look is full range", async () => {
    const store = new MemorySessionStore({ maxSessions: 10, idleTtlMs: 60_000 });
    const sessions = new SessionFrames({
      store,
      rules: DEFAULT_SESSION_RULES,
      bounds: historyBounds(DEFAULT_SESSION_RULES, 4),
      plan: planSettingsEvery3s(),
    });
    const searches: FaceSearch[] = [];
    const frame = (second: number, faces: number) =>
      sessions.analyze({ key: "k", id: "session-1", capturedAt: T0 + second * 1000 }, async (search) => {
        searches.push(search);
        return analysis(faces, search.track !== undefined);
      });
    await frame(0, 0); // first frame: full range, nobody there
    await frame(1, 0); // expected empty
    await frame(2, 1); // expected empty, but someone came: the worker analyses it whole
    await frame(3, 1); // tracked
    await frame(5, 1); // the look for a second person is due: full range
    expect(
      searches.map(({ track, detector, expectEmpty }) => ({ tracked: track !== undefined, detector, expectEmpty })),
    ).toEqual([
      { tracked: false, detector: "full", expectEmpty: undefined },
      { tracked: false, detector: undefined, expectEmpty: true },
      { tracked: false, detector: undefined, expectEmpty: true },
      { tracked: true, detector: undefined, expectEmpty: undefined },
      { tracked: false, detector: "full", expectEmpty: undefined },
    ]);
  });

  test("under load the answers ask a calm session for later frames (deferredMs), a closing one never; a first frame is marked fresh", async () => {
    const store = new MemorySessionStore({ maxSessions: 10, idleTtlMs: 60_000 });
    const plan = planSettingsEvery3s({ redetectMaxEveryMs: 10_000, loadPacing: true });
    const bounds = historyBounds(DEFAULT_SESSION_RULES, 4);
    const sessions = new SessionFrames({ store, rules: DEFAULT_SESSION_RULES, bounds, plan, pressure: () => 1 });
    const fresh: boolean[] = [];
    let at = T0;
    const frame = async (openness = 0.9) => {
      const answer = await sessions.analyze({ key: "k", id: "session-1", capturedAt: at }, async (search, session) => {
        fresh.push(session.fresh);
        return analysis(1, search.track !== undefined, openness);
      });
      at += answer.next!.nextFrameAfterMs;
      return { afterMs: answer.next!.nextFrameAfterMs, deferredMs: answer.deferredMs };
    };
    const first = await frame();
    expect(first.afterMs).toBeGreaterThanOrEqual(1000);
    expect(first.deferredMs).toBe(first.afterMs - 1000);
    // Calm, not yet for 10 s: slowed from 1 s towards the 4 s ceiling at full pressure (a random 2.5-4 s).
    const settling = await frame();
    expect(settling.afterMs).toBeGreaterThanOrEqual(2500);
    expect(settling.afterMs).toBeLessThanOrEqual(4000);
    expect(settling.deferredMs).toBe(settling.afterMs - 1000);
    while (at - T0 < 12_000) await frame();
    // Calm for 10 s: from the sparse 2 s towards the 4 s ceiling (a random 3-4 s).
    const steady = await frame();
    expect(steady.afterMs).toBeGreaterThanOrEqual(3000);
    expect(steady.afterMs).toBeLessThanOrEqual(4000);
    expect(steady.deferredMs).toBe(steady.afterMs - 2000);
    // The eyes close: 1 s, nothing for the load.
    expect(await frame(0.05)).toEqual({ afterMs: 1000, deferredMs: 0 });
    expect(fresh[0]).toBe(true);
    expect(fresh.slice(1).every((f) => !f)).toBe(true);
  });
});
