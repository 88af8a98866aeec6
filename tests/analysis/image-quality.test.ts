import { describe, expect, test } from "bun:test";
import { imageQuality } from "../../src/analysis/image-quality";
import { DEFAULT_THRESHOLDS } from "../../src/analysis/thresholds";
import { downscaleToFit } from "../../src/image/downscale";
import { cropRotatedSquare } from "../../src/engine/crop";
import { fixtureFrame } from "../support/images";

const T = DEFAULT_THRESHOLDS.quality;
const flat = (value: number, size = 64) => ({ data: new Uint8Array(size * size * 4).fill(value), width: size, height: size });

describe("image quality", () => {
  test("black is too dark, white too bright, flat grey has no detail", () => {
    expect(imageQuality(flat(5), null, T)).toMatchObject({ tooDark: true, tooBright: false });
    expect(imageQuality(flat(250), null, T)).toMatchObject({ tooDark: false, tooBright: true });
    const grey = imageQuality(flat(128), null, T);
    expect(grey.brightness).toBeCloseTo(128, 6);
    expect(grey.sharpness).toBeCloseTo(0, 6);
    expect(grey.tooBlurry).toBe(true);
  });

  test("a real sharp face passes; the same face blurred (8x down and up) is too blurry", async () => {
    const frame = await fixtureFrame("astronaut.png");
    const faceBox = { x: 177, y: 82, width: 95, height: 95 };
    const sharp = imageQuality(frame, faceBox, T);
    expect(sharp.tooBlurry).toBe(false);
    const small = downscaleToFit(frame, 64);
    const blurred = { data: cropRotatedSquare(small, { centerX: 32, centerY: 32, size: 64, rotation: 0 }, 512), width: 512, height: 512 };
    const soft = imageQuality(blurred, faceBox, T);
    expect(soft.tooBlurry).toBe(true);
    expect(soft.sharpness).toBeLessThan(sharp.sharpness / 20);
    expect(Math.abs(soft.brightness - sharp.brightness)).toBeLessThan(10);
  });
});
