/**
 * The personal baseline and the looking-down rule of a session, on synthetic sequences of observations
 * (the per-frame numbers are the analysis's job; these tests check what a session makes of them).
 */
import { describe, expect, test } from "bun:test";
import { closedBelowEar, eyesClosed, personalBaseline, quantile } from "../../src/session/eye-baseline";
import { DEFAULT_SESSION_RULES, sessionRulesSchema } from "../../src/session/session-config";
import type { Observation } from "../../src/session/observation";
import { SessionHistory } from "../../src/session/session-history";

const T0 = Date.UTC(2026, 10, 26, 9, 0, 0);
const R = DEFAULT_SESSION_RULES;
/** The absolute rule's EAR threshold with the default thresholds (openness 0.2 between EAR 0.1 and 0.28). */
const ABSOLUTE_CLOSED_BELOW = 0.1 + 0.2 * (0.28 - 0.1);

/** A frame with a face whose eyes both read `ear`, judged by the absolute rule unless told otherwise. */
const eyes = (ear: number, over: Partial<Observation> = {}): Omit<Observation, "at"> => ({
  faces: 1,
  eyesClosed: ear < ABSOLUTE_CLOSED_BELOW,
  openness: Math.min(1, Math.max(0, (ear - 0.1) / 0.18)),
  ear: { left: ear, right: ear },
  lookingDown: false,
  lookingAway: false,
  yawn: false,
  unusable: false,
  ...over,
});

function feed(history: SessionHistory, fromS: number, seconds: number, frame: (s: number) => Omit<Observation, "at">) {
  const states: string[] = [];
  for (let s = fromS; s < fromS + seconds; s++) {
    history.observe({ at: T0 + s * 1000, ...frame(s) });
    states.push(history.summary().state);
  }
  return states;
}

/** A little natural variation of an open eye around `ear` (deterministic). */
const around = (ear: number, s: number) => ear + 0.01 * Math.sin(s * 1.7);

describe("quantile", () => {
  test("interpolates between order statistics, whatever the input order", () => {
    expect(quantile([5, 1, 3, 2, 4], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBeCloseTo(9.1, 10);
    expect(quantile([7], 0.9)).toBe(7);
    expect(() => quantile([], 0.9)).toThrow();
  });
});

describe("personal baseline", () => {
  test("absolute until enough frames show the eyes, then personal at the 90th percentile of each eye", () => {
    const history = new SessionHistory(R);
    feed(history, 0, R.baselineMinFrames - 1, (s) => eyes(0.3, { ear: { left: 0.3 + (s % 10) / 100, right: 0.25 } }));
    let s = history.summary();
    expect(s.eyes).toMatchObject({
      basis: "absolute",
      baselineEar: null,
      closedBelowEar: null,
      baselineFrames: R.baselineMinFrames - 1,
    });
    feed(history, R.baselineMinFrames - 1, 1, () => eyes(0.3, { ear: { left: 0.3, right: 0.25 } }));
    s = history.summary();
    expect(s.eyes.basis).toBe("personal");
    expect(s.eyes.baselineFrames).toBe(R.baselineMinFrames);
    // Left eye: 0.30-0.39 cycling, then 0.30 (30 values); the 90th percentile falls among the 0.38s.
    expect(s.eyes.baselineEar!.left).toBeCloseTo(0.38, 10);
    expect(s.eyes.baselineEar!.right).toBeCloseTo(0.25, 10);
    // 80% closed between the baseline and a shut eye's EAR (PERCLOS P80).
    expect(s.eyes.closedBelowEar!.left).toBeCloseTo(R.shutEar + 0.2 * (0.38 - R.shutEar), 10);
  });

  test("a wide-eyed person whose lids droop to where the absolute rule still says open: asleep", () => {
    const wide = 0.38;
    const droop = closedBelowEar(wide, R) - 0.005; // closed for this person...
    expect(droop).toBeGreaterThan(ABSOLUTE_CLOSED_BELOW); // ...open for the absolute rule
    const history = new SessionHistory(R);
    feed(history, 0, 40, (s) => eyes(around(wide, s)));
    expect(history.summary().state).toBe("focused");
    const states = feed(history, 40, 8, () => eyes(droop));
    expect(states.at(-1)).toBe("asleep");
    const s = history.summary();
    expect(s.eyes).toMatchObject({ basis: "personal", closed: true });
    expect(s.since).toBe(new Date(T0 + 40_000).toISOString());

    // The same frames judged on the absolute threshold alone (no baseline ever) stay focused.
    const absoluteOnly = new SessionHistory({ ...R, baselineMinFrames: 10_000 });
    feed(absoluteOnly, 0, 40, (s) => eyes(around(wide, s)));
    expect(feed(absoluteOnly, 40, 8, () => eyes(droop)).at(-1)).toBe("focused");
    expect(absoluteOnly.summary().eyes.basis).toBe("absolute");
  });

  test("a narrow-eyed person is not closing when their eyes are as narrow as usual", () => {
    // Open eyes at 0.22 (the narrowest in the population), sometimes down to where the absolute rule says
    // closed (e.g. a stricter VIGIL_THRESHOLDS); for this person that is still more than 60% open.
    const narrowOpen = (s: number) => (s % 3 === 0 ? eyes(0.22) : eyes(0.15, { eyesClosed: true }));
    const history = new SessionHistory(R);
    const states = feed(history, 0, 90, narrowOpen);
    const s = history.summary();
    expect(s.eyes.basis).toBe("personal");
    expect(s.eyes.baselineEar!.left).toBeCloseTo(0.22, 10);
    expect(states.at(-1)).toBe("focused");
    expect(s.measures.closures).toBe(0);
    // Actually shut eyes still close: 6 s of them is asleep.
    expect(feed(history, 90, 8, () => eyes(0.1)).at(-1)).toBe("asleep");
  });

  test("eyes shut from the first frame: asleep, and the shut eyes never become the baseline", () => {
    const history = new SessionHistory(R);
    const states = feed(history, 0, 120, () => eyes(0.12));
    expect(states.slice(10)).toEqual(Array(110).fill("asleep"));
    expect(history.summary().eyes).toMatchObject({
      basis: "absolute",
      baselineEar: null,
      baselineFrames: 0,
      closed: true,
    });
  });

  test("a drowsy start cannot pull the baseline under the population's floor", () => {
    // Two minutes of heavy lids (EAR 0.16-0.18, open by the absolute rule), then real closures.
    const history = new SessionHistory(R);
    feed(history, 0, 120, (s) => eyes(0.17 + 0.01 * Math.sin(s)));
    const s = history.summary();
    expect(s.eyes.baselineEar!.left).toBe(R.baselineMinEar);
    expect(s.eyes.closedBelowEar!.left).toBeCloseTo(closedBelowEar(R.baselineMinEar, R), 10);
  });

  test("the ceiling holds a wide baseline to the population's widest open eye", () => {
    const baseline = personalBaseline(
      Array.from({ length: 40 }, (_, s) => ({ at: T0 + s * 1000, ...eyes(0.55) })),
      R,
    );
    expect(baseline!.ear).toEqual({ left: R.baselineMaxEar, right: R.baselineMaxEar });
  });

  test("frames looking down, looking away, unusable or without a face do not count towards the baseline", () => {
    const frames: Observation[] = [];
    for (let s = 0; s < 40; s++) frames.push({ at: T0 + s * 1000, ...eyes(0.32) });
    // Many more frames that would drag a percentile down if they counted.
    for (let s = 40; s < 400; s += 4) {
      frames.push({ at: T0 + s * 1000, ...eyes(0.16, { lookingDown: true }) });
      frames.push({ at: T0 + (s + 1) * 1000, ...eyes(0.16, { lookingAway: true }) });
      frames.push({ at: T0 + (s + 2) * 1000, ...eyes(0.16, { unusable: true }) });
      frames.push({
        at: T0 + (s + 3) * 1000,
        faces: 0,
        eyesClosed: false,
        openness: null,
        ear: null,
        lookingDown: false,
        lookingAway: false,
        yawn: false,
        unusable: false,
      });
    }
    const baseline = personalBaseline(frames, R);
    expect(baseline!.frames).toBe(40);
    expect(baseline!.ear.left).toBeCloseTo(0.32, 10);
  });

  test("both eyes must be under their baseline: one shut eye is a wink or a bad fit", () => {
    const baseline = personalBaseline(
      Array.from({ length: 30 }, (_, s) => ({ at: T0 + s * 1000, ...eyes(0.3) })),
      R,
    )!;
    const frame = (left: number, right: number) => ({ at: T0, ...eyes(0.3), ear: { left, right } });
    const under = closedBelowEar(0.3, R) - 0.005;
    expect(eyesClosed(frame(0.1, 0.3), baseline, R)).toBe(false);
    expect(eyesClosed(frame(0.1, under), baseline, R)).toBe(true);
  });

  test("lids under the baseline over an eye whose pixels show an iris are a lowered gaze, not a closure", () => {
    const baseline = personalBaseline(
      Array.from({ length: 30 }, (_, s) => ({ at: T0 + s * 1000, ...eyes(0.3) })),
      R,
    )!;
    const low = { at: T0, ...eyes(0.3), ear: { left: 0.12, right: 0.12 } };
    expect(eyesClosed({ ...low, looksClosed: { left: 0.97, right: 0.95 } }, baseline, R)).toBe(true);
    expect(eyesClosed({ ...low, looksClosed: { left: 0.005, right: 0.97 } }, baseline, R)).toBe(false);
    expect(eyesClosed({ ...low, looksClosed: { left: 0.1, right: 0.97 } }, baseline, R)).toBe(true);
    expect(eyesClosed({ ...low, looksClosed: null }, baseline, R)).toBe(true);
  });

  test("a frame closed by its pixels stays closed against the baseline when both eyes' pixels say so", () => {
    const baseline = personalBaseline(
      Array.from({ length: 30 }, (_, s) => ({ at: T0 + s * 1000, ...eyes(0.3) })),
      R,
    )!;
    // Lids apart (0.18, over this person's 0.156) that the per-frame rule closed by what the eyes show.
    const apart = { at: T0, ...eyes(0.18), eyesClosed: true };
    expect(0.18).toBeGreaterThan(baseline.closedBelowEar.left);
    expect(eyesClosed({ ...apart, looksClosed: { left: 0.9, right: 0.85 } }, baseline, R)).toBe(true);
    expect(eyesClosed({ ...apart, looksClosed: { left: R.looksClosedAbove, right: 0.9 } }, baseline, R)).toBe(false);
    expect(eyesClosed({ ...apart, looksClosed: null }, baseline, R)).toBe(false);
    expect(eyesClosed({ ...apart, eyesClosed: false, looksClosed: { left: 0.9, right: 0.9 } }, baseline, R)).toBe(
      false,
    );
  });

  test("the rules refuse a ceiling under the floor", () => {
    expect(() => sessionRulesSchema.parse({ baselineMinEar: 0.3, baselineMaxEar: 0.2 })).toThrow(/baselineMaxEar/);
  });
});

describe("looking down is reading, not eyes closed", () => {
  test("a minute of reading with lowered lids: focused throughout, nothing closed, never distracted", () => {
    const history = new SessionHistory(R);
    feed(history, 0, 40, (s) => eyes(around(0.3, s)));
    // Lowered lids read as shut to the absolute rule, and the pitched head as looking away: neither counts.
    const reading = feed(history, 40, 60, () => eyes(0.08, { eyesClosed: true, lookingDown: true, lookingAway: true }));
    expect(new Set(reading)).toEqual(new Set(["focused"]));
    const s = history.summary();
    expect(s.measures).toMatchObject({
      closedFrames: 0,
      closures: 0,
      eyesClosedMs: 0,
      lookingAwayMs: 0,
      readingMs: 59_000,
      perclos: 0,
    });
    expect(s.eyes).toMatchObject({ closed: false, lookingDown: true });
  });

  test("reading between real closures does not join them into one, and does not count as closed time", () => {
    const history = new SessionHistory(R);
    feed(history, 0, 40, (s) => eyes(around(0.3, s)));
    // Alternating 4 s shut, 4 s reading, for 40 s: never 6 s of closed eyes in a row.
    const states = feed(history, 40, 40, (s) =>
      Math.floor(s / 4) % 2 === 0 ? eyes(0.1) : eyes(0.1, { lookingDown: true }),
    );
    expect(states).not.toContain("asleep");
    expect(history.summary().measures.longestClosureMs).toBe(3000);
  });
});

describe("the eyes are a pure function of the observations kept", () => {
  test("a history rebuilt from a JSON copy of the same observations, in another order, judges them the same", () => {
    const frames: Observation[] = Array.from({ length: 45 }, (_, s) => ({
      at: T0 + s * 1000,
      ...eyes(around(0.36, s)),
    }));
    const original = new SessionHistory(R);
    for (const frame of frames) original.observe(frame);
    // What a store outside the process (Redis) would keep: the observations as plain JSON.
    const copied: Observation[] = JSON.parse(JSON.stringify(frames));
    const rebuilt = new SessionHistory(R);
    for (const frame of [...copied].reverse()) rebuilt.observe(frame);
    expect(rebuilt.summary().eyes).toEqual(original.summary().eyes);
    expect(rebuilt.summary().measures).toEqual(original.summary().measures);
    expect(original.summary().eyes.baselineEar).toEqual(personalBaseline(frames, R)!.ear);
    // Lids drooping to where this wide-eyed person's eyes are closed, the absolute rule's not: both agree.
    feed(original, 45, 8, () => eyes(0.15));
    feed(rebuilt, 45, 8, () => eyes(0.15));
    expect(rebuilt.summary().eyes).toEqual(original.summary().eyes);
    expect(original.summary().state).toBe("asleep");
    expect(rebuilt.summary().state).toBe("asleep");
  });
});
