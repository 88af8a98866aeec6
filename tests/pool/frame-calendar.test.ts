/** The frames asked for, by when they are due (frame-calendar.ts): pure, on a clock the test moves. */
import { expect, test } from "bun:test";
import { FrameCalendar } from "../../src/pool/frame-calendar";

/** A calendar on a clock at `clock.at`, with the process's CPU time so far at `clock.cpuMs`. */
function calendar(options: { workers?: number; cores?: number; share?: number } = {}) {
  const clock = { at: 0, cpuMs: 0 };
  const frames = new FrameCalendar(
    { workers: options.workers ?? 2, cores: options.cores ?? 16, binMs: 250, share: options.share ?? 0.8 },
    () => clock.at,
    () => clock.cpuMs,
  );
  return { frames, clock };
}

test("before a frame's cost is known a frame costs nothing: it comes as early as asked", () => {
  const { frames } = calendar();
  expect(frames.frameMs).toBeNull();
  for (let i = 0; i < 100; i++) frames.book(1000);
  expect(frames.slotFor(1000, 8000)).toBe(1000);
});

test("a bin has room for the share of the workers' time in it; the frames booked there get successive moments", () => {
  const { frames } = calendar();
  frames.observe(10);
  // 2 workers x 250 ms x 0.8: 400 ms of worker time, forty 10 ms frames.
  expect(frames.roomMs).toBe(400);
  const moments: number[] = [];
  for (let i = 0; i < 41; i++) {
    const at = frames.slotFor(1000, 8000);
    moments.push(at);
    frames.book(at);
  }
  // Each a fortieth of the bin after the last, then the next bin.
  expect(moments.slice(0, 3)).toEqual([1000, 1006, 1013]);
  expect(moments[39]).toBe(1244);
  expect(moments[40]).toBe(1250);
  expect(frames.bookedAt(1000)).toBe(400);
  expect(frames.bookedAt(1250)).toBe(10);
  // A costlier frame (a new session's first, 30 ms) fits where a mean one would not.
  for (let i = 0; i < 38; i++) frames.book(1250);
  expect(frames.slotFor(1250, 8000)).toBe(1494);
  expect(frames.slotFor(1250, 8000, 30)).toBe(1500);
});

test("when every bin up to the latest is full, the least booked one (the latest of equals), never past the latest", () => {
  const { frames } = calendar();
  frames.observe(10);
  for (let at = 1000; at < 2000; at += 250) for (let i = 0; i < 40; i++) frames.book(at);
  // Full from 1000 to 2000: the last bin, not past 1999.
  const first = frames.slotFor(1000, 1999);
  expect(first).toBeGreaterThanOrEqual(1750);
  expect(first).toBeLessThanOrEqual(1999);
  frames.book(first);
  // That bin now holds one more: the one before it is the least booked.
  const second = frames.slotFor(1000, 1999);
  expect(Math.floor(second / 250) * 250).toBe(1500);
  // From the past: counted from now.
  expect(frames.slotFor(-5000, -1000)).toBe(0);
});

test("where the workers share fewer cores than they are, the process's CPU time per ms of worker time sets the room", () => {
  const { frames, clock } = calendar({ workers: 2, cores: 2 });
  frames.observe(10);
  expect(frames.roomMs).toBe(400);
  // The process spends 1.6 ms of CPU time (all threads) per ms a worker is busy, measured over five seconds.
  for (let i = 1; i <= 100; i++) {
    clock.at = i * 50;
    clock.cpuMs = i * 16;
    frames.observe(10);
  }
  // 2 cores / 1.6: 1.25 workers' worth, x 250 ms x 0.8.
  expect(frames.roomMs).toBeCloseTo(250, 5);
});

test("a frame that may come at any moment over a span is booked over all of it, and fits only where every bin has room", () => {
  const { frames } = calendar();
  frames.observe(10);
  // 2000-3000 ms: four bins, a quarter of the frame's 40 ms in each.
  frames.bookOver(2000, 2999, 40);
  expect([2000, 2250, 2500, 2750].map((at) => frames.bookedAt(at))).toEqual([10, 10, 10, 10]);
  expect(frames.hasRoomOver(2000, 2999, 1560)).toBe(true);
  expect(frames.hasRoomOver(2000, 2999, 1561)).toBe(false);
  for (let i = 0; i < 40; i++) frames.book(3000);
  expect(frames.hasRoomOver(2000, 3249)).toBe(false);
});

test("bins in the past are forgotten", () => {
  const { frames, clock } = calendar();
  frames.observe(10);
  frames.book(500);
  expect(frames.bookedAt(500)).toBe(10);
  clock.at = 1000;
  frames.book(2000);
  expect(frames.bookedAt(500)).toBe(0);
  expect(frames.bookedAt(2000)).toBe(10);
});
