import { describe, expect, test } from "bun:test";
import { DEFAULT_SESSION_RULES } from "../../src/session/session-config";
import type { Observation } from "../../src/session/observation";
import { SessionHistory } from "../../src/session/session-history";

const T0 = Date.UTC(2026, 10, 25, 9, 0, 0);
/** EARs of an open and a shut eye (the absolute rule closes under 0.145 with the default thresholds). */
const OPEN_EAR = 0.3;
const SHUT_EAR = 0.12;
/** A frame with a face; its EARs follow `eyesClosed` unless given. */
const face = (over: Partial<Observation> = {}): Omit<Observation, "at"> => {
  const ear = over.eyesClosed ? SHUT_EAR : OPEN_EAR;
  return {
    faces: 1,
    eyesClosed: false,
    openness: 1,
    ear: { left: ear, right: ear },
    lookingDown: false,
    lookingAway: false,
    yawn: false,
    unusable: false,
    ...over,
  };
};

/** Feeds one frame a second from T0 + startS, built by `frame(second)`; returns the history. */
function feed(
  seconds: number,
  frame: (s: number) => Omit<Observation, "at">,
  history = new SessionHistory(DEFAULT_SESSION_RULES),
  startS = 0,
) {
  for (let s = startS; s < startS + seconds; s++) history.observe({ at: T0 + s * 1000, ...frame(s) });
  return history;
}

describe("session states from synthetic sequences", () => {
  test("eyes open for a minute: focused, PERCLOS 0, nothing closed, blinks not measured at 1 fps", () => {
    const s = feed(60, () => face()).summary();
    expect(s.state).toBe("focused");
    expect(s.measures.perclos).toBe(0);
    expect(s.measures).toMatchObject({
      closedFrames: 0,
      closures: 0,
      longestClosureMs: 0,
      eyesClosedMs: 0,
      blinks: null,
      blinkRatePerMinute: null,
    });
    expect(s.frames).toBe(60);
  });

  test("single closed frames every 5 s at 1 fps: still focused; counted as closed frames, not closures, not in PERCLOS", () => {
    const s = feed(61, (t) => face({ eyesClosed: t % 5 === 4, openness: t % 5 === 4 ? 0.05 : 1 })).summary();
    expect(s.state).toBe("focused");
    expect(s.measures.closedFrames).toBe(12);
    expect(s.measures.closures).toBe(0);
    // A single closed frame at 1 fps may be a blink caught mid-way: PERCLOS measures slow closures only.
    expect(s.measures.perclos).toBe(0);
    // At 1 fps a blink count would be chance, so there is none.
    expect(s.measures.blinks).toBeNull();
  });

  test("closures: runs of two or more closed frames at 1 fps, with the longest measured first to last frame", () => {
    // Closed at 10-11 (2 frames), 30-33 (4 frames) and a single frame at 50.
    const closed = (t: number) => (t >= 10 && t <= 11) || (t >= 30 && t <= 33) || t === 50;
    const s = feed(60, (t) => face({ eyesClosed: closed(t) })).summary();
    expect(s.measures).toMatchObject({ closedFrames: 7, closures: 2, longestClosureMs: 3000 });
    // 6 closed seconds in closures out of 59 s of face time (the latest frame stands for nothing yet).
    expect(s.measures.perclos).toBeCloseTo(6 / 59, 5);
  });

  test("at 10 frames a second blinks are counted, and are not closures", () => {
    // A 200 ms blink (two closed frames 100 ms apart) every 4 s, for 30 s.
    const history = new SessionHistory(DEFAULT_SESSION_RULES);
    for (let i = 0; i < 300; i++) {
      const inCycle = i % 40;
      history.observe({ at: T0 + i * 100, ...face({ eyesClosed: inCycle === 20 || inCycle === 21 }) });
    }
    const s = history.summary();
    expect(s.measures.blinks).toBe(7); // at 2.0, 6.0, ... 26.0 s; each ended by an open frame
    expect(s.measures.blinkRatePerMinute).toBeCloseTo((7 * 60_000) / 29_900, 5);
    expect(s.measures.closures).toBe(0);
    expect(s.measures.perclos).toBe(0);
    expect(s.state).toBe("focused");
  });

  test("slowly closing eyes: focused, then drowsy once PERCLOS passes 0.15, then asleep", () => {
    // Openness sinks over 90 s; from 30 s on the lids drop for 3 s in every 10 (slow closures, longer than
    // blinks), and from 90 s they stay shut.
    const history = new SessionHistory(DEFAULT_SESSION_RULES);
    const states: string[] = [];
    for (let s = 0; s < 120; s++) {
      const openness = Math.max(0.3, 1 - s / 90);
      const closed = s >= 90 || (s >= 30 && s % 10 < 3);
      history.observe({ at: T0 + s * 1000, ...face({ openness: closed ? 0.05 : openness, eyesClosed: closed }) });
      states.push(history.summary().state);
    }
    const first = (state: string) => states.indexOf(state);
    expect(first("focused")).toBe(0);
    expect(first("drowsy")).toBeGreaterThan(first("focused"));
    expect(first("asleep")).toBeGreaterThan(first("drowsy"));
    expect(states.at(-1)).toBe("asleep");
  });

  test("eyes closed for 10 s: asleep since the first closed frame, with the streak measured", () => {
    const history = feed(30, () => face());
    feed(10, () => face({ eyesClosed: true, openness: 0 }), history, 30);
    const s = history.summary();
    expect(s.state).toBe("asleep");
    expect(s.since).toBe(new Date(T0 + 30_000).toISOString());
    expect(s.measures.eyesClosedMs).toBe(9000);
  });

  test("absent: away after 5 s, since the first empty frame; back to focused on return", () => {
    const history = feed(20, () => face());
    feed(8, () => face({ faces: 0, openness: null }), history, 20);
    let s = history.summary();
    expect(s.state).toBe("away");
    expect(s.since).toBe(new Date(T0 + 20_000).toISOString());
    expect(s.measures.noPersonMs).toBe(7000);
    feed(1, () => face(), history, 28);
    s = history.summary();
    expect(s.state).toBe("focused");
    expect(s.measures.noPersonMs).toBe(0);
  });

  test("a short absence is not away", () => {
    const history = feed(20, () => face());
    feed(3, () => face({ faces: 0, openness: null }), history, 20);
    expect(history.summary().state).not.toBe("away");
  });

  test("looking away for 6 s: distracted", () => {
    const history = feed(20, () => face());
    feed(7, () => face({ lookingAway: true }), history, 20);
    const s = history.summary();
    expect(s.state).toBe("distracted");
    expect(s.measures.lookingAwayMs).toBe(6000);
  });

  test("two people for 4 s: not alone", () => {
    const history = feed(20, () => face());
    feed(5, () => face({ faces: 2 }), history, 20);
    expect(history.summary().state).toBe("not_alone");
  });

  test("three yawns in five minutes: drowsy, counted as episodes not frames", () => {
    const yawning = (t: number) => (t >= 10 && t < 14) || (t >= 70 && t < 74) || (t >= 130 && t < 134);
    const s = feed(140, (t) => face({ yawn: yawning(t) })).summary();
    expect(s.measures.yawns).toBe(3);
    expect(s.state).toBe("drowsy");
  });

  test("no frames yet, or an unusable frame: unknown", () => {
    expect(new SessionHistory(DEFAULT_SESSION_RULES).summary().state).toBe("unknown");
    const s = feed(10, () => face({ unusable: true })).summary();
    expect(s.state).toBe("unknown");
  });
});

describe("late, duplicate and out-of-order frames", () => {
  test("a duplicate capture time is ignored", () => {
    const history = feed(10, () => face());
    expect(history.observe({ at: T0 + 5000, ...face({ eyesClosed: true }) })).toBe(false);
    expect(history.summary().frames).toBe(10);
  });

  test("a stale frame fills the past but does not rewrite the present", () => {
    const history = feed(20, () => face());
    feed(8, () => face({ faces: 0, openness: null }), history, 21); // second 20 missing: arrives late
    const before = history.summary();
    expect(before.state).toBe("away");
    history.observe({ at: T0 + 20_000, ...face() }); // the late frame: the user was still there at 20 s
    const after = history.summary();
    expect(after.state).toBe("away");
    expect(after.since).toBe(before.since);
    expect(after.frames).toBe(before.frames + 1);
  });

  test("frames in shuffled order end in the same state as in order", () => {
    const frames = Array.from({ length: 40 }, (_, s) => ({
      at: T0 + s * 1000,
      ...face({ eyesClosed: s >= 30, openness: s >= 30 ? 0 : 1 }),
    }));
    const ordered = new SessionHistory(DEFAULT_SESSION_RULES);
    for (const f of frames) ordered.observe(f);
    const shuffled = new SessionHistory(DEFAULT_SESSION_RULES);
    const mixed = [...frames].sort((a, b) => ((a.at * 7919) % 13) - ((b.at * 7919) % 13));
    for (const f of mixed) shuffled.observe(f);
    expect(shuffled.summary().measures).toEqual(ordered.summary().measures);
    expect(ordered.summary().state).toBe("asleep");
  });
});
