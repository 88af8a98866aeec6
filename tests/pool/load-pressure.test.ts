/** The pool's pressure for load-aware pacing (src/pool/load-pressure.ts), on a clock the test moves. */
import { expect, test } from "bun:test";
import { DEFAULT_LOAD_PRESSURE, LoadPressure } from "../../src/pool/load-pressure";

function pressure() {
  let now = 0;
  const p = new LoadPressure({ ...DEFAULT_LOAD_PRESSURE, workers: 2, maxWaitMs: 250 }, () => now);
  /** `ms` of time in which the two workers are busy for `share` of it, in 10 ms frames. */
  const run = (ms: number, share: number) => {
    const frames = Math.round((ms * 2 * share) / 10);
    for (let i = 0; i < frames; i++) {
      now += ms / frames;
      p.observe(10);
    }
    if (!frames) now += ms;
  };
  return { p, run, advance: (ms: number) => (now += ms) };
}

test("0 while the workers have room (under 40% busy); rising to 1 at 70%", () => {
  const { p, run } = pressure();
  run(3000, 0.35);
  expect(p.utilisation()).toBeCloseTo(0.35, 1);
  expect(p.value(0)).toBe(0);
  run(3000, 0.55);
  expect(p.value(0)).toBeCloseTo(0.5, 1);
  run(3000, 0.8);
  expect(p.value(0)).toBe(1);
});

test("a queue shows at once: the expected wait over the pool's bound, whatever the window says", () => {
  const { p } = pressure();
  expect(p.value(125)).toBe(0.5);
  expect(p.value(400)).toBe(1);
});

test("it rises at once and falls by at most 0.1 a second", () => {
  const { p, run, advance } = pressure();
  expect(p.value(250)).toBe(1);
  advance(2000);
  expect(p.value(0)).toBeCloseTo(0.8, 5);
  run(3000, 0);
  expect(p.value(0)).toBeCloseTo(0.5, 5);
  advance(10_000);
  expect(p.value(0)).toBe(0);
});

const { overloadFullShare: FULL_SHARE, overloadMinFrames: MIN_FRAMES } = DEFAULT_LOAD_PRESSURE;
/** Refusals that make full overload when nothing else is in the window. */
const FULL_REFUSALS = Math.ceil(FULL_SHARE * MIN_FRAMES);

test("overload: the share of frames refused over 10 s, full (2) at 3%; falling by 0.02 a second, then released as before", () => {
  expect(FULL_SHARE).toBe(0.03);
  const { p, run, advance } = pressure();
  run(3000, 0.3);
  expect(p.value(0)).toBe(0);
  // 180 frames answered in the last 3 s: one refused is about half a per cent, a small overload.
  p.refused();
  expect(p.refusedShare()).toBeCloseTo(1 / 181, 5);
  expect(p.value(0)).toBeCloseTo(1 + 1 / 181 / FULL_SHARE, 5);
  // Out of the window and released (0.02 a second), then the pressure too (0.1 a second from 1).
  advance(10_001);
  expect(p.refusedShare()).toBe(0);
  const overloadEndsAfterS = 1 / 181 / FULL_SHARE / 0.02;
  expect(p.value(0)).toBeCloseTo(1 - (10.001 - overloadEndsAfterS) * 0.1, 5);
  advance(20_000);
  expect(p.value(0)).toBe(0);
  // 3% refused or more: full overload, 2.
  for (let i = 0; i < FULL_REFUSALS; i++) p.refused();
  expect(p.value(0)).toBe(2);
  advance(25_000);
  expect(p.refusedShare()).toBe(0);
  expect(p.value(0)).toBeCloseTo(1.5, 5);
  advance(25_000);
  expect(p.value(0)).toBeCloseTo(1, 5);
  // Past overload the pressure falls from 1 by 0.1 a second, unless the workers are still busy.
  advance(5000);
  expect(p.value(0)).toBeCloseTo(0.5, 5);
  run(3000, 0.8);
  expect(p.value(0)).toBe(1);
});

test("a frame answered 5 s ago counts in the share refused (10 s) but no longer in the busy share (3 s)", () => {
  const { p, run, advance } = pressure();
  run(1000, 1);
  // 200 frames of 10 ms in one second: both workers busy for a third of the 3 s window.
  expect(p.utilisation()).toBeCloseTo(1 / 3, 5);
  advance(4000);
  expect(p.utilisation()).toBe(0);
  p.refused();
  expect(p.refusedShare()).toBeCloseTo(1 / 201, 5);
  advance(6000);
  // Alone in the window: the share is taken of at least 150 frames.
  expect(p.refusedShare()).toBe(1 / MIN_FRAMES);
  advance(4001);
  expect(p.refusedShare()).toBe(0);
});

test("on a server that was idle one refusal is a small overload; 3% of 150 frames refused is full", () => {
  expect(MIN_FRAMES).toBe(150);
  const { p } = pressure();
  p.refused();
  expect(p.value(0)).toBeCloseTo(1 + 1 / MIN_FRAMES / FULL_SHARE, 5);
  expect(p.value(0)).toBeLessThan(1.25);
  for (let i = 1; i < FULL_REFUSALS; i++) p.refused();
  expect(p.value(0)).toBe(2);
});
