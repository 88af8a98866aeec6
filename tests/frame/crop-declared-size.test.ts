/**
 * A face-crop image is judged by its declared size before any decoding: a small PNG declaring 4000x4000 (a
 * solid colour compresses to a few KB) is refused as `invalid_crop` from its header alone. Shown by a file whose
 * pixel data is cut short: decoding it first would call it corrupt; the header says enough to refuse it.
 */
import { expect, test } from "bun:test";
import { DEFAULT_THRESHOLDS } from "../../src/analysis/thresholds";
import type { FaceEngine } from "../../src/engine/face-engine";
import { analyzeCropFrame } from "../../src/frame/crop-frame";
import { fixtureBytes } from "../support/images";

const crop = { centerX: 100, centerY: 100, size: 100, rotation: 0, frameWidth: 640, frameHeight: 480 };
const options = { limits: { maxPixels: 16_000_000, maxSide: 10_000 }, thresholds: DEFAULT_THRESHOLDS };
// Never reached: every image here is refused before the models run.
const noEngine = {} as FaceEngine;

/** One colour (a photo's average) at the given size: compresses to a small file. */
async function solidPng(width: number, height: number): Promise<Uint8Array> {
  const pixel = await new Bun.Image(await fixtureBytes("grace_hopper.jpg")).resize(1, 1, { fit: "fill" }).png().bytes();
  return new Uint8Array(await new Bun.Image(pixel).resize(width, height, { fit: "fill" }).png().bytes());
}

test("a crop image declaring 4000x4000 is refused from its header, whole or cut short", async () => {
  const whole = await solidPng(4000, 4000);
  console.log(`4000x4000 PNG: ${whole.byteLength} bytes`);
  for (const bytes of [whole, whole.slice(0, Math.floor(whole.byteLength / 2))]) {
    const refused = await analyzeCropFrame(noEngine, bytes, { landmarks: false, crop }, options).catch(
      (error) => error,
    );
    expect({ name: refused.name, code: refused.code, message: refused.message }).toEqual({
      name: "CropError",
      code: "invalid_crop",
      message: "a crop image may be at most 1024x1024",
    });
  }
});

test("a crop image that is not square is refused from its header too", async () => {
  const bytes = (await solidPng(300, 200)).slice(0, 200);
  const refused = await analyzeCropFrame(noEngine, bytes, { landmarks: false, crop }, options).catch((error) => error);
  expect(refused.message).toBe("a crop image must be square; this one is 300x200");
});
