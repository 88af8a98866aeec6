import { expect, test } from "bun:test";
import { FrameBuffer } from "../../src/image/frame-buffer";

test("a FrameBuffer hands out the same memory frame after frame, growing to the largest frame it keeps", () => {
  const pixels = new FrameBuffer(1000);
  const first = pixels.take(400);
  expect(first.length).toBe(400);
  const second = pixels.take(300);
  expect(second.buffer).toBe(first.buffer);
  expect(second.length).toBe(300);
  const larger = pixels.take(800);
  expect(larger.length).toBe(800);
  expect(pixels.take(500).buffer).toBe(larger.buffer);
  expect(pixels.heldBytes).toBe(800);
});

test("a frame larger than the buffer keeps gets memory of its own, and the kept buffer stays as it was", () => {
  const pixels = new FrameBuffer(1000);
  const kept = pixels.take(600);
  const big = pixels.take(5000);
  expect(big.length).toBe(5000);
  expect(big.buffer).not.toBe(kept.buffer);
  expect(pixels.heldBytes).toBe(600);
});
