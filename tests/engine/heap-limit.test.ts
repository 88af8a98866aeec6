/**
 * Memory exhaustion inside the engine, for real: the runtime's heap is capped (wasm/runtime.ts) and a frame
 * larger than the cap is analysed. What matters is what happens after: the failure is reported as fatal
 * (EngineFailure) rather than as the frame's fault, and the engine refuses every later frame instead of
 * giving wrong answers or a confusing MediaPipe error from a graph left in an undefined state.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { EngineFailure } from "../../src/engine/engine-failure";
import { FaceEngine } from "../../src/engine/face-engine";
import { fixtureFrame } from "../support/images";

let capped: FaceEngine;
beforeAll(async () => {
  capped = await FaceEngine.create({ heapLimitMb: 64 });
});
afterAll(() => capped.close());

const grey = (side: number) => ({ data: new Uint8Array(side * side * 4).fill(128), width: side, height: side });

test("under a 64 MB heap, a webcam-sized frame is analysed normally", async () => {
  const result = capped.analyze(await fixtureFrame("grace_hopper.jpg"));
  expect(result.faces.length).toBe(1);
});

test("a frame that needs more heap than allowed fails as EngineFailure, and so does every frame after it", async () => {
  let first: unknown;
  try {
    capped.analyze(grey(6000)); // 144 MB of RGBA must be copied into the capped heap
  } catch (error) {
    first = error;
  }
  expect(first).toBeInstanceOf(EngineFailure);
  expect((first as EngineFailure).fatal).toBe(true);
  // Without the fatal rule this frame would get MediaPipe's "Packet timestamp mismatch" from a broken graph.
  const small = await fixtureFrame("grace_hopper.jpg");
  expect(() => capped.analyze(small)).toThrow(EngineFailure);
  expect(() => capped.analyze(small)).toThrow(/unusable/);
});

test("an engine without a lower cap analyses the same large frame", async () => {
  const roomy = await FaceEngine.create({});
  try {
    expect(roomy.analyze(grey(6000)).faces).toEqual([]);
  } finally {
    roomy.close();
  }
});

test("bad frames are still the caller's fault, not the runtime's: a RangeError, and the engine goes on", async () => {
  const engine = await FaceEngine.create({ heapLimitMb: 64 });
  try {
    expect(() => engine.analyze({ data: new Uint8Array(10), width: 4, height: 4 })).toThrow(RangeError);
    expect(engine.analyze(await fixtureFrame("grace_hopper.jpg")).faces.length).toBe(1);
  } finally {
    engine.close();
  }
});
