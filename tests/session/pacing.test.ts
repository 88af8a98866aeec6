/**
 * Adaptive pacing: unit tests of the rule, then simulated sessions (simulate-session.ts: the real session
 * history, detection policy and frame plan) in which the same scene is watched by a client at a fixed 1
 * frame/s and by one that follows next.nextFrameAfterMs. Asleep, and drowsy by yawning, are entered no later
 * with pacing in every run; drowsy by PERCLOS is entered later on average by about 2 s (see its test). Each scene is run at many phases of the fixed client's clock against the scene (a real camera's
 * second does not start when the eyes close); the comparison is of the worst and the mean entry time.
 */
import { describe, expect, test } from "bun:test";
import {
  calmSince,
  DEFAULT_LOAD_PACING,
  DEFAULT_PACING,
  loadPacedMs,
  slowestLoadPacedMs,
  nextFrameAfterMs,
  overloadRetryAfterMs,
  paceMultiplier,
  paceOf,
  type PaceKind,
} from "../../src/session/pacing";
import { DEFAULT_SESSION_RULES } from "../../src/session/session-config";
import type { Observation } from "../../src/session/observation";
import type { SessionSummary } from "../../src/session/session-history";
import { simulate, type Scene } from "./simulate-session";
import { seededRandom } from "../../bench/lib/seeded-random";

const rules = DEFAULT_SESSION_RULES;
const measures: SessionSummary["measures"] = {
  perclos: 0.02,
  closedFrames: 1,
  closures: 0,
  longestClosureMs: 0,
  blinks: null,
  blinkRatePerMinute: null,
  eyesClosedMs: 0,
  noPersonMs: 0,
  lookingAwayMs: 0,
  readingMs: 0,
  yawns: 0,
};
const T = 1_800_000_000_000;
const observation = (o: Partial<Observation> = {}): Observation => ({
  at: T,
  faces: 1,
  eyesClosed: false,
  openness: 0.9,
  ear: null,
  lookingDown: false,
  lookingAway: false,
  yawn: false,
  unusable: false,
  ...o,
});
const summary = (state: SessionSummary["state"], steadyForMs: number, m: Partial<SessionSummary["measures"]> = {}) => ({
  state,
  since: new Date(T - steadyForMs).toISOString(),
  measures: { ...measures, ...m },
});

/** The pace after a frame, `calmForMs` after the calm stretch began (null: this frame was not calm). */
const pace = (s: ReturnType<typeof summary>, latest: Observation, calmForMs: number | null = null) =>
  nextFrameAfterMs({ summary: s, latest, calmSince: calmForMs === null ? null : latest.at - calmForMs }, rules);

describe("nextFrameAfterMs", () => {
  test("sparse while focused and calm for a while (eyes well open, one face, on screen), or away for a while", () => {
    expect(pace(summary("focused", 30_000), observation(), 10_000)).toBe(2000);
    expect(pace(summary("away", 30_000, { noPersonMs: 30_000 }), observation({ faces: 0, openness: null }))).toBe(2000);
  });

  test("one second while calm only briefly, after a yawn, or while something builds up", () => {
    expect(pace(summary("focused", 30_000), observation(), 4000)).toBe(1000);
    expect(pace(summary("focused", 30_000, { yawns: 1 }), observation(), 30_000)).toBe(1000);
    expect(pace(summary("focused", 30_000, { lookingAwayMs: 2000 }), observation({ lookingAway: true }))).toBe(1000);
    expect(pace(summary("focused", 30_000, { noPersonMs: 1000 }), observation({ faces: 0, openness: null }))).toBe(
      1000,
    );
    expect(pace(summary("away", 3000, { noPersonMs: 8000 }), observation({ faces: 0, openness: null }))).toBe(1000);
    expect(pace(summary("asleep", 30_000), observation())).toBe(1000);
  });

  test("dense while the eyes are closed or closing, a yawn is under way, PERCLOS rises, or the user is drowsy", () => {
    const dense = DEFAULT_PACING.denseMs;
    expect(pace(summary("focused", 30_000), observation({ eyesClosed: true, openness: 0.1 }))).toBe(dense);
    expect(pace(summary("focused", 30_000), observation({ openness: 0.5 }))).toBe(dense);
    expect(pace(summary("focused", 30_000), observation({ yawn: true }))).toBe(dense);
    expect(pace(summary("focused", 30_000, { eyesClosedMs: 1000 }), observation(), 20_000)).toBe(dense);
    expect(pace(summary("focused", 30_000, { perclos: 0.08 }), observation(), 20_000)).toBe(dense);
    expect(pace(summary("drowsy", 30_000, { perclos: 0.2 }), observation(), 20_000)).toBe(dense);
  });

  test("the sparse interval stays under the rules' frame gap, so streaks are not broken", () => {
    expect(
      nextFrameAfterMs(
        { summary: summary("focused", 30_000), latest: observation(), calmSince: T - 20_000 },
        { ...rules, maxFrameGapMs: 1500 },
      ),
    ).toBe(1200);
  });
});

describe("calmSince", () => {
  test("starts at the first calm frame, holds while frames stay calm, and any sign of closing eyes ends it", () => {
    expect(calmSince(null, observation())).toBe(T);
    expect(calmSince(T - 5000, observation())).toBe(T - 5000);
    expect(calmSince(T - 5000, observation({ eyesClosed: true, openness: 0.1 }))).toBeNull();
    expect(calmSince(T - 5000, observation({ openness: 0.65 }))).toBeNull();
    expect(calmSince(T - 5000, observation({ faces: 2 }))).toBeNull();
    expect(calmSince(T - 5000, observation({ yawn: true }))).toBeNull();
    expect(calmSince(T - 5000, observation({ lookingAway: true }))).toBeNull();
    expect(calmSince(T - 5000, observation({ faces: 0, openness: null }))).toBeNull();
  });
});

/** Closed intervals [start, end) and openness outside them, as a scene. */
function eyesScene(
  closures: Array<[number, number]>,
  openness: (t: number) => number,
  extra: (t: number) => Partial<Scene> = () => ({}),
) {
  return (t: number): Scene => ({
    people: 1,
    openness: closures.some(([a, b]) => t >= a && t < b) ? 0.05 : openness(t),
    ...extra(t),
  });
}

/** Blinks (150-300 ms) every 3-5 s from `from` to `to`. */
function blinks(from: number, to: number, rnd: () => number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let t = from + rnd() * 3000; t < to; t += 3000 + rnd() * 2000) out.push([t, t + 150 + rnd() * 150]);
  return out;
}

/**
 * Falling asleep: 3 minutes alert (eyes 0.9 open, normal blinks); then 60 s of drowsiness, the eyes drooping
 * from 0.9 to 0.45 open with slow closures of 0.5-2.5 s growing more frequent; then the eyes shut for 30 s.
 */
function fallingAsleep(seed: number) {
  const rnd = seededRandom(seed);
  const alertEnd = 180_000;
  const shutAt = 240_000;
  const closures = blinks(0, alertEnd, rnd);
  for (let t = alertEnd + 2000; t < shutAt - 3000; t += 2500 + rnd() * 6000 * (1 - (t - alertEnd) / 60_000)) {
    closures.push([t, t + 500 + rnd() * 2000]);
  }
  closures.push([shutAt, shutAt + 30_000]);
  const openness = (t: number) => (t < alertEnd ? 0.9 : Math.max(0.45, 0.9 - (0.45 * (t - alertEnd)) / 60_000));
  return { scene: eyesScene(closures, openness), shutAt, durationMs: shutAt + 30_000 };
}

/** Alert, then the eyes snap shut from wide open during a steady stretch (no drooping first): the limit. */
function suddenClosure(seed: number) {
  const rnd = seededRandom(seed);
  const shutAt = 120_000 + rnd() * 5000;
  return {
    scene: eyesScene([...blinks(0, shutAt - 1000, rnd), [shutAt, shutAt + 20_000]], () => 0.9),
    shutAt,
    durationMs: shutAt + 20_000,
  };
}

/** Yawning: alert for 2 minutes, then a 6 s yawn every 40 s (the drowsy rule counts 3 in 5 minutes). */
function yawning(seed: number) {
  const rnd = seededRandom(seed);
  const yawnStarts = [120_000, 160_000, 200_000].map((t) => t + rnd() * 5000);
  const scene = eyesScene(
    blinks(0, 300_000, rnd),
    () => 0.9,
    (t) => ({ yawn: yawnStarts.some((s) => t >= s && t < s + 6000) }),
  );
  return { scene, durationMs: 240_000 };
}

function compare(
  name: string,
  make: (seed: number) => { scene: (t: number) => Scene; durationMs: number },
  state: "asleep" | "drowsy",
) {
  const fixed: number[] = [];
  const paced: number[] = [];
  let pacedFrames = 0;
  let fixedFrames = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const { scene, durationMs } = make(seed);
    const phase = (seed * 137) % 1000;
    const a = simulate(scene, { durationMs, client: "fixed", startMs: phase });
    const b = simulate(scene, { durationMs, client: "paced", startMs: phase });
    fixed.push(a.firstEntered(state) ?? Infinity);
    paced.push(b.firstEntered(state) ?? Infinity);
    fixedFrames += a.frames;
    pacedFrames += b.frames;
  }
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const laterBy = fixed.map((f, i) => paced[i] - f);
  const summary = {
    fixedMean: mean(fixed),
    pacedMean: mean(paced),
    worstLaterMs: Math.max(...laterBy),
    meanEarlierMs: -mean(laterBy),
    frames: pacedFrames / fixedFrames,
  };
  console.log(
    `${name}: ${state} entered at ${(summary.fixedMean / 1000).toFixed(2)} s (1 frame/s) vs ${(summary.pacedMean / 1000).toFixed(2)} s (paced), on average ${(-summary.meanEarlierMs).toFixed(0)} ms later (negative: earlier), ${summary.worstLaterMs} ms later in the worst run; paced sends ${(summary.frames * 100).toFixed(0)}% of the frames`,
  );
  return { fixed, paced, laterBy, ...summary };
}

describe("paced against a fixed 1 frame/s: when drowsy and asleep are entered", () => {
  test("falling asleep (eyes droop, slow closures, then shut): asleep", () => {
    const r = compare("falling asleep", fallingAsleep, "asleep");
    expect(r.paced.every(Number.isFinite)).toBe(true);
    expect(r.fixed.every(Number.isFinite)).toBe(true);
    // Every run: not later (dense frames once the eyes droop see the closure sooner than a 1 s grid does).
    expect(r.worstLaterMs).toBeLessThanOrEqual(0);
  });

  test("falling asleep: drowsy by PERCLOS is entered a little later on average (closures missed in a sparse stretch)", () => {
    // Not "no later": slow closures that begin during a sparse stretch, before any frame has caught one, are
    // missing from PERCLOS. Measured over 40 runs: about 2 s later on average, 16 s in the worst run (one
    // missed closure delays the crossing of 0.15 to the next one). Asleep, which alarms, is not affected.
    const r = compare("falling asleep", fallingAsleep, "drowsy");
    expect(r.paced.every(Number.isFinite)).toBe(true);
    expect(r.pacedMean - r.fixedMean).toBeLessThanOrEqual(3000);
    expect(r.worstLaterMs).toBeLessThanOrEqual(20_000);
  });

  test("yawning: drowsy (three yawns) is entered no later", () => {
    const r = compare("yawning", yawning, "drowsy");
    expect(r.paced.every(Number.isFinite)).toBe(true);
    expect(r.worstLaterMs).toBeLessThanOrEqual(0);
  });

  test("the documented limit: eyes that snap shut from wide open in a sparse stretch are seen at most 1 s later", () => {
    const r = compare("sudden closure", suddenClosure, "asleep");
    expect(r.paced.every(Number.isFinite)).toBe(true);
    expect(r.worstLaterMs).toBeLessThanOrEqual(DEFAULT_PACING.sparseMs - 1000);
    // Meanwhile the steady minutes before cost about three quarters of the frames.
    expect(r.frames).toBeLessThan(0.8);
  });
});

describe("loadPacedMs: load-aware pacing", () => {
  const ceiling = DEFAULT_LOAD_PACING.ceilingMs;
  const steady = { ms: 2000, kind: "sparse" as const };
  test("a steady session: from its sparse pace at no pressure to the ceiling at full pressure", () => {
    expect([0, 0.5, 1].map((pressure) => loadPacedMs(steady, { pressure, fresh: false, draw: 0.5 }))).toEqual([
      2000,
      3000,
      ceiling,
    ]);
    expect([0, 0.5, 1].map((pressure) => paceMultiplier(pressure, rules))).toEqual([1, 1.5, 2]);
  });

  test("in overload (frames refused lately: pressure past 1) the ceiling rises to the overload ceiling at 2", () => {
    const overloadCeiling = DEFAULT_LOAD_PACING.overloadCeilingMs;
    expect([1.5, 2, 3].map((pressure) => loadPacedMs(steady, { pressure, fresh: false, draw: 0.5 }))).toEqual([
      (ceiling + overloadCeiling) / 2,
      overloadCeiling,
      overloadCeiling,
    ]);
    expect(paceMultiplier(2, rules)).toBe(overloadCeiling / 2000);
    const settling = { ms: 1000, kind: "settling" as const };
    expect(loadPacedMs(settling, { pressure: 2, fresh: false, draw: 0.5 })).toBe(overloadCeiling);
    expect(loadPacedMs({ ms: 1000, kind: "normal" }, { pressure: 2, fresh: true, draw: 0.5 })).toBe(
      1000 + 0.5 * (overloadCeiling - 1000),
    );
    // Eyes closing, drowsy, a state building up: still never slowed.
    for (const kind of ["dense", "normal"] as const)
      expect(loadPacedMs({ ms: 1000, kind }, { pressure: 2, fresh: false, draw: 0.9 })).toBe(1000);
    // An overload ceiling at or under the ceiling: no overload tier.
    expect(
      loadPacedMs(
        steady,
        { pressure: 2, fresh: false, draw: 0.5 },
        { ...DEFAULT_LOAD_PACING, ceilingMs: 4000, overloadCeilingMs: 3000 },
      ),
    ).toBe(4000);
  });

  test("a frame refused in overload is retried no sooner than the overload share of the overload ceiling", () => {
    const overloadCeiling = DEFAULT_LOAD_PACING.overloadCeilingMs;
    const expected: Array<[number, number]> = [
      [0, 0],
      [1, 0],
      [1.1, 0.1 * overloadCeiling],
      [1.5, 0.5 * overloadCeiling],
      [2, overloadCeiling],
      [3, overloadCeiling],
    ];
    for (const [pressure, ms] of expected) expect(overloadRetryAfterMs(pressure)).toBeCloseTo(ms, 6);
  });

  test("dense and normal paces are never slowed: eyes closing, drowsy, a state building up", () => {
    for (const kind of ["dense", "normal"] as const)
      expect(loadPacedMs({ ms: 1000, kind }, { pressure: 1, fresh: false, draw: 0.9 })).toBe(1000);
    expect(loadPacedMs({ ms: 1000, kind: "dense" }, { pressure: 1, fresh: true, draw: 0.9 })).toBe(1000);
  });

  test("a settling session (calm, not yet for 10 s, no sign of closing eyes) is slowed second: from half pressure, to the ceiling", () => {
    const settling = { ms: 1000, kind: "settling" as const };
    expect([0, 0.5, 0.75, 1].map((pressure) => loadPacedMs(settling, { pressure, fresh: false, draw: 0.5 }))).toEqual([
      1000, 1000, 2500, 4000,
    ]);
  });

  test("each slowed frame is slowed by a random half to one and a half of the pressure's share, within the ceiling", () => {
    const draws = Array.from({ length: 20 }, (_, i) => i / 20);
    const at = (pressure: number, kind: PaceKind = "sparse") =>
      draws.map((draw) => loadPacedMs({ ms: kind === "sparse" ? 2000 : 1000, kind }, { pressure, fresh: false, draw }));
    // Half pressure: 2 s + 0.5-1.5 x 1 s, 2.5 s to 3.45 s, 3 s on average.
    expect(Math.min(...at(0.5))).toBe(2500);
    expect(Math.max(...at(0.5))).toBe(3450);
    expect(at(0.5).reduce((a, b) => a + b) / draws.length).toBeCloseTo(2975, 0);
    // Full pressure: from 3 s, half of them at the ceiling.
    expect(Math.min(...at(1))).toBe(3000);
    expect(at(1).filter((ms) => ms === 4000).length).toBe(10);
    expect(new Set(at(0.75, "settling")).size).toBeGreaterThan(10);
  });

  test("which sessions are settling: focused and calm now, with no closed frame, closure or yawn in the window; or away, with nobody in this frame either", () => {
    const kind = (s: ReturnType<typeof summary>, latest: Observation, calmForMs: number | null) =>
      paceOf({ summary: s, latest, calmSince: calmForMs === null ? null : latest.at - calmForMs }, rules).kind;
    expect(kind(summary("focused", 3000, { closedFrames: 0 }), observation(), 3000)).toBe("settling");
    expect(kind(summary("focused", 30_000, { closedFrames: 1 }), observation(), 3000)).toBe("normal");
    expect(kind(summary("focused", 30_000, { closedFrames: 0, yawns: 1 }), observation(), 3000)).toBe("normal");
    expect(kind(summary("focused", 30_000, { closedFrames: 0 }), observation({ lookingAway: true }), null)).toBe(
      "normal",
    );
    expect(
      kind(
        summary("unknown", 1000, { closedFrames: 0, noPersonMs: 1000 }),
        observation({ faces: 0, openness: null }),
        null,
      ),
    ).toBe("normal");
    // An empty desk: nothing to miss but the user's return, seen by the next frame.
    const away = summary("away", 3000, { closedFrames: 0, noPersonMs: 8000 });
    expect(kind(away, observation({ faces: 0, openness: null }), null)).toBe("settling");
    expect(kind(summary("away", 12_000, { noPersonMs: 17_000 }), observation({ faces: 0, openness: null }), null)).toBe(
      "absent",
    );
    // Someone in view again: not settling (the state is about to change).
    expect(kind(away, observation({ openness: 0.9 }), null)).toBe("normal");
  });

  test("an empty desk since the session began is vacant: slowed from half pressure, never past the sparse pace (its streak towards away unbroken); a face just lost keeps its pace", () => {
    const empty = summary("unknown", 1000, { closedFrames: 0, noPersonMs: 1000 });
    const nobody = observation({ faces: 0, openness: null });
    const vacant = paceOf({ summary: empty, latest: nobody, calmSince: null, emptySinceStart: true }, rules);
    expect(vacant).toEqual({ ms: 1000, kind: "vacant", slowestMs: 2000 });
    expect(paceOf({ summary: empty, latest: nobody, calmSince: null }, rules).kind).toBe("normal");
    // Away already: settling, as any empty desk.
    expect(
      paceOf(
        {
          summary: summary("away", 1000, { noPersonMs: 6000 }),
          latest: nobody,
          calmSince: null,
          emptySinceStart: true,
        },
        rules,
      ).kind,
    ).toBe("settling");
    const paced = (pressure: number, draw = 0.5) => loadPacedMs(vacant, { pressure, fresh: false, draw });
    expect([0, 0.5, 0.6, 1, 2].map((pressure) => paced(pressure))).toEqual([1000, 1000, 1600, 2000, 2000]);
    for (let i = 0; i <= 20; i++) expect(paced(i / 10, (i * 0.37) % 1)).toBeLessThanOrEqual(rules.maxFrameGapMs);
    // A face just lost (the session has seen one): its pace stays, whatever the load.
    expect(loadPacedMs({ ms: 1000, kind: "normal" }, { pressure: 2, fresh: false, draw: 0.5 })).toBe(1000);
  });

  test("an empty desk for a while (absent) is slowed as a steady session, up to twice the ceiling: 8 s at full pressure, 16 s in full overload", () => {
    const absent = { ms: 2000, kind: "absent" as const };
    const paced = (pressure: number, draw = 0.5) => loadPacedMs(absent, { pressure, fresh: false, draw });
    expect([0, 0.5, 1, 2].map((pressure) => paced(pressure))).toEqual([2000, 5000, 8000, 16_000]);
    for (let i = 0; i <= 20; i++) {
      const pressure = i / 10;
      const ceilingNow = pressure <= 1 ? ceiling : DEFAULT_LOAD_PACING.overloadCeilingMs;
      expect(paced(pressure, (i * 0.37) % 1)).toBeLessThanOrEqual(
        ceilingNow * DEFAULT_LOAD_PACING.emptyDeskCeilingFactor,
      );
    }
  });

  test("a new session's first answer is spread over up to `pressure` of the way to the ceiling", () => {
    const first = (pressure: number, draw: number) =>
      loadPacedMs({ ms: 1000, kind: "normal" }, { pressure, fresh: true, draw });
    expect([first(0, 0.9), first(1, 0), first(1, 0.5), first(0.5, 0.5)]).toEqual([1000, 1000, 2500, 1750]);
  });

  test("never slower than the ceiling, never faster than the session's own pace", () => {
    for (const kind of ["dense", "normal", "settling", "vacant", "sparse"] as PaceKind[]) {
      for (const ms of [1000, 1200, 2000]) {
        for (let i = 0; i <= 30; i++) {
          const pressure = i / 15;
          const paced = loadPacedMs({ ms, kind }, { pressure, fresh: i % 2 === 0, draw: (i * 0.37) % 1 });
          expect(paced).toBeGreaterThanOrEqual(ms);
          expect(paced).toBeLessThanOrEqual(pressure <= 1 ? ceiling : DEFAULT_LOAD_PACING.overloadCeilingMs);
        }
      }
    }
    // A ceiling under the sparse pace leaves the sparse pace as it is.
    expect(
      loadPacedMs(
        steady,
        { pressure: 2, fresh: false, draw: 0 },
        { ...DEFAULT_LOAD_PACING, ceilingMs: 1500, overloadCeilingMs: 1500 },
      ),
    ).toBe(2000);
  });
});

/**
 * The same scenes as above, by the paced client at a constant pool pressure against the same client without
 * load; each pressure is a pace multiplier for steady sessions (paceMultiplier: 0.5 is 1.5, 1 is 2, the 4 s
 * ceiling). docs/sessions.md quotes these numbers.
 */
function compareUnderLoad(
  name: string,
  make: (seed: number) => { scene: (t: number) => Scene; durationMs: number; shutAt?: number },
  state: "asleep" | "drowsy",
  pressure: number,
  overload?: { ceilingMs: number; refusedShare: number },
) {
  const laterBy: number[] = [];
  let longestGapMs = 0;
  let framesUnloaded = 0;
  let framesLoaded = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const { scene, durationMs, shutAt } = make(seed);
    const phase = (seed * 137) % 1000;
    const unloaded = simulate(scene, { durationMs, client: "paced", startMs: phase });
    const loaded = simulate(scene, {
      durationMs,
      client: "paced",
      startMs: phase,
      pressure,
      ...(overload && {
        loadPacingOverloadMaxMs: overload.ceilingMs,
        refusals: { share: overload.refusedShare, random: seededRandom(seed * 7919) },
      }),
    });
    // Asleep is timed from the eyes' final shutting: a slow closure before it may reach asleep for a moment in
    // one run and not in another (a frame grid that happens to catch two closures as one), which says nothing
    // about the pace.
    const from = state === "asleep" ? (shutAt ?? 0) : 0;
    const entered = (run: ReturnType<typeof simulate>) =>
      run.transitions.find((x) => x.state === state && x.at >= from)?.at ?? Infinity;
    laterBy.push(entered(loaded) - entered(unloaded));
    longestGapMs = Math.max(longestGapMs, loaded.longestGapMs);
    framesUnloaded += unloaded.frames;
    framesLoaded += loaded.frames;
  }
  // Runs where the state was never entered under load count in `missed`; the mean and worst are of the others.
  const seen = laterBy.filter(Number.isFinite);
  const missed = laterBy.length - seen.length;
  const meanLaterMs = seen.reduce((a, b) => a + b, 0) / Math.max(1, seen.length);
  const worstLaterMs = Math.max(...seen);
  const multiplier = overload ? overload.ceilingMs / DEFAULT_PACING.sparseMs : paceMultiplier(pressure, rules);
  const refusals = overload ? `, ${overload.refusedShare * 100}% refused` : "";
  console.log(
    `${name}, pace x${multiplier}${refusals}: ${state} ${(meanLaterMs / 1000).toFixed(2)} s later on average, ${(worstLaterMs / 1000).toFixed(2)} s in the worst run, never in ${missed} of ${laterBy.length} runs; ${((framesLoaded / framesUnloaded) * 100).toFixed(0)}% of the frames; longest gap ${longestGapMs} ms`,
  );
  return { laterBy, missed, meanLaterMs, worstLaterMs, longestGapMs, frames: framesLoaded / framesUnloaded };
}

describe("load-aware pacing: how much later drowsy and asleep are entered at each pace multiplier", () => {
  for (const pressure of [0.5, 1, 2]) {
    const ceiling = pressure > 1 ? DEFAULT_LOAD_PACING.overloadCeilingMs : DEFAULT_LOAD_PACING.ceilingMs;
    describe(`pace x${paceMultiplier(pressure, rules)}`, () => {
      test("falling asleep: asleep as without load (drooping eyes end the slowed pace before they shut)", () => {
        const r = compareUnderLoad("falling asleep", fallingAsleep, "asleep", pressure);
        expect(r.laterBy.every(Number.isFinite)).toBe(true);
        // Measured: under 1 s in every run (the frames fall on another part of the second after a slowed stretch).
        expect(r.worstLaterMs).toBeLessThan(1000);
        expect(r.longestGapMs).toBeLessThanOrEqual(ceiling);
      });

      test("falling asleep: drowsy by PERCLOS, as uncertain as with sparse frames (closures missed in a slowed stretch)", () => {
        // Measured over 40 runs: on average no later (x1.5: 2.2 s earlier; x2: 2.9 s earlier: runs differ by which
        // closures a frame happens to catch, either way), 14-27 s later in the worst run.
        const r = compareUnderLoad("falling asleep", fallingAsleep, "drowsy", pressure);
        expect(r.laterBy.every(Number.isFinite)).toBe(true);
        expect(r.meanLaterMs).toBeLessThanOrEqual(1000);
        expect(r.worstLaterMs).toBeLessThanOrEqual(30_000);
        expect(r.longestGapMs).toBeLessThanOrEqual(ceiling);
      });

      test("yawning: drowsy within a second of the time without load (at 8 s, in full overload, not in every run)", () => {
        const r = compareUnderLoad("yawning", yawning, "drowsy", pressure);
        // A yawn (6 s) always holds a frame at 4 s; at 8 s one can fall between two frames. Measured: three yawns
        // make drowsy in 35 of 40 runs at 8 s (a fourth yawn would), every run up to 5.5 s.
        expect(r.missed).toBeLessThanOrEqual(ceiling > 6000 ? 5 : 0);
        expect(r.worstLaterMs).toBeLessThan(1000);
      });

      test("eyes that snap shut from wide open in a slowed stretch: asleep less than the slowed pace later", () => {
        const r = compareUnderLoad("sudden closure", suddenClosure, "asleep", pressure);
        expect(r.laterBy.every(Number.isFinite)).toBe(true);
        // The closure is seen by the first frame after it, at most one slowed interval (3 s, 4 s) away; the
        // unloaded client's frame may come at once. Measured: x1.5 0.15 s on average, 2.1 s at worst; x2 1.0, 3.5.
        expect(r.worstLaterMs).toBeLessThan(paceMultiplier(pressure, rules) * DEFAULT_PACING.sparseMs);
        expect(r.longestGapMs).toBeLessThanOrEqual(ceiling);
      });
    });
  }
});

/**
 * In overload the pool refuses frames even with the calm sessions at the overload ceiling, and a refused frame is
 * lost to a session in transition as much as to a calm one. Measured at twice the paced capacity
 * (bench/results/overload-ceiling-2026-12-07.md, users settled for 90 s), an overload ceiling of 8 s left 6.5-11%
 * of frames refused, 5.5 s 27-41%. The same scenes at full overload with those shares of the frames that are not
 * urgent refused (8% and 30%; a session in transition's frames go ahead of the queue), each refused frame retried
 * after its Retry-After plus up to half again (simulate-session.ts), against the paced client without load.
 * docs/sessions.md quotes these numbers.
 */
describe("overload: the overload ceiling with the frames it leaves refused", () => {
  const eight = { ceilingMs: 8000, refusedShare: 0.08 };
  const fiveAndAHalf = { ceilingMs: 5500, refusedShare: 0.3 };

  for (const [name, make] of [
    ["falling asleep", fallingAsleep],
    ["sudden closure", suddenClosure],
  ] as const) {
    test(`${name}: asleep in every run at 8 s (a closure's frames are urgent, not refused), and sooner than at 5.5 s`, () => {
      const slower = compareUnderLoad(name, make, "asleep", 2, eight);
      const faster = compareUnderLoad(name, make, "asleep", 2, fiveAndAHalf);
      expect(slower.missed).toBe(0);
      expect(faster.missed).toBeGreaterThanOrEqual(slower.missed);
      expect(slower.meanLaterMs).toBeLessThan(faster.meanLaterMs);
      // Measured: 0.0 s (falling asleep) and 3.8 s (sudden closure) later on average; 0.9 s and 12 s at worst.
      expect(slower.worstLaterMs).toBeLessThan(15_000);
    });
  }

  test("falling asleep: drowsy by PERCLOS in every run at 8 s, and earlier on average than at 5.5 s", () => {
    const slower = compareUnderLoad("falling asleep", fallingAsleep, "drowsy", 2, eight);
    const faster = compareUnderLoad("falling asleep", fallingAsleep, "drowsy", 2, fiveAndAHalf);
    expect(slower.missed).toBe(0);
    expect(faster.missed).toBeGreaterThanOrEqual(slower.missed);
    expect(slower.meanLaterMs).toBeLessThan(faster.meanLaterMs);
  });

  test("yawning: three yawns make drowsy in more runs at 8 s than at 5.5 s, in neither in every run", () => {
    const slower = compareUnderLoad("yawning", yawning, "drowsy", 2, eight);
    const faster = compareUnderLoad("yawning", yawning, "drowsy", 2, fiveAndAHalf);
    expect(slower.missed).toBeLessThan(faster.missed);
    expect(slower.missed).toBeGreaterThan(0);
  });

  test("refused frames, not slowed ones, make the longest gaps: far past either ceiling", () => {
    for (const overload of [eight, fiveAndAHalf]) {
      expect(compareUnderLoad("falling asleep", fallingAsleep, "asleep", 2, overload).longestGapMs).toBeGreaterThan(
        eight.ceilingMs,
      );
    }
  });
});

test("the slowest load may make each pace when the calendar is full: the overload ceiling, an empty desk twice it, a vacant one its own slowest after its first answer; transitions and streaks keep theirs", () => {
  const slowest = (ms: number, kind: PaceKind, fresh = false) =>
    slowestLoadPacedMs({ ms, kind, ...(kind === "vacant" ? { slowestMs: 2000 } : {}) }, fresh);
  expect(slowest(2000, "sparse")).toBe(8000);
  expect(slowest(1000, "settling")).toBe(8000);
  expect(slowest(2000, "absent")).toBe(16_000);
  expect(slowest(1000, "vacant")).toBe(2000);
  expect(slowest(1000, "dense")).toBe(1000);
  expect(slowest(1000, "normal")).toBe(1000);
  // A first answer is spread up to the ceiling, whatever the desk shows (loadPacedMs).
  expect(slowest(1000, "normal", true)).toBe(8000);
  expect(slowest(1000, "vacant", true)).toBe(8000);
  expect(slowest(1000, "dense", true)).toBe(1000);
});
