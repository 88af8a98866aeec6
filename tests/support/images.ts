/** Real fixture photos as RGBA, and the exact pixel transforms the tests apply to them. */
import { decodeImage } from "../../src/image/decode";
import type { RgbaFrame } from "../../src/engine/types";

export const FIXTURES = new URL("../fixtures/", import.meta.url);

export async function fixtureBytes(name: string): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await Bun.file(new URL(name, FIXTURES)).arrayBuffer());
}

export async function fixtureFrame(name: string): Promise<{ data: Uint8Array; width: number; height: number }> {
  return decodeImage(await fixtureBytes(name), { maxPixels: 1e8, maxSide: 20_000 });
}

/** Rotates by 90 degrees clockwise: pixel (x, y) goes to (H-1-y, x), so a point at (x, y) in continuous
 * coordinates (pixel i spans [i, i+1)) goes to (H-y, x). */
export function rotate90(frame: RgbaFrame): RgbaFrame {
  const { width: w, height: h, data } = frame;
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) out.set(data.subarray((y * w + x) * 4, (y * w + x) * 4 + 4), (x * h + (h - 1 - y)) * 4);
  return { data: out, width: h, height: w };
}

/** Rotates by 180 degrees: (x, y) goes to (W-1-x, H-1-y). */
export function rotate180(frame: RgbaFrame): RgbaFrame {
  return rotate90(rotate90(frame));
}

/** Mirrors left-right: (x, y) goes to (W-1-x, y). */
export function mirror(frame: RgbaFrame): RgbaFrame {
  const { width: w, height: h, data } = frame;
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) out.set(data.subarray((y * w + x) * 4, (y * w + x) * 4 + 4), (y * w + (w - 1 - x)) * 4);
  return { data: out, width: w, height: h };
}

/** Two frames next to each other on a black canvas as tall as the taller one. */
export function sideBySide(left: RgbaFrame, right: RgbaFrame): RgbaFrame {
  const width = left.width + right.width;
  const height = Math.max(left.height, right.height);
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    if (y < left.height) out.set(left.data.subarray(y * left.width * 4, (y + 1) * left.width * 4), y * width * 4);
    if (y < right.height)
      out.set(right.data.subarray(y * right.width * 4, (y + 1) * right.width * 4), (y * width + left.width) * 4);
  }
  return { data: out, width, height };
}
