import { describe, expect, test } from "bun:test";
import { boxBlurred } from "../../bench/lib/blur";
import { imageQuality } from "../../src/analysis/image-quality";
import { DEFAULT_THRESHOLDS } from "../../src/analysis/thresholds";
import { cropRotatedSquare } from "../../src/engine/crop";
import { downscaleToFit } from "../../src/image/downscale";
import { fixtureFrame } from "../support/images";

const T = DEFAULT_THRESHOLDS.quality;

type Image = { data: Uint8Array; width: number; height: number };

function image(width: number, height: number, grey: (x: number, y: number) => number): Image {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = grey(x, y);
      data.set([v, v, v, 255], (y * width + x) * 4);
    }
  }
  return { data, width, height };
}

const flat = (value: number) => image(640, 480, () => value);
/** Squares of grey 100 and 150: about the contrast of lids, brows and lips against skin. */
const checkerboard = (square: number, width = 640, height = 480) =>
  image(width, height, (x, y) => ((Math.floor(x / square) + Math.floor(y / square)) % 2 ? 150 : 100));

describe("brightness (mean Rec. 601 luma)", () => {
  test("black is too dark, white too bright, mid grey neither; the value is the grey level", () => {
    expect(imageQuality(flat(5), null, T)).toMatchObject({ tooDark: true, tooBright: false });
    expect(imageQuality(flat(250), null, T)).toMatchObject({ tooDark: false, tooBright: true });
    const grey = imageQuality(flat(128), null, T);
    expect(grey.brightness).toBeCloseTo(128, 6);
    expect(grey).toMatchObject({ tooDark: false, tooBright: false });
  });

  test("Rec. 601 weights: pure green (0.587) is brighter than pure red (0.299) and blue (0.114)", () => {
    const colour = (r: number, g: number, b: number) => {
      const img = flat(0);
      for (let i = 0; i < img.data.length; i += 4) img.data.set([r, g, b, 255], i);
      return imageQuality(img, null, T).brightness;
    };
    expect(colour(255, 0, 0)).toBeCloseTo(0.299 * 255, 3);
    expect(colour(0, 255, 0)).toBeCloseTo(0.587 * 255, 3);
    expect(colour(0, 0, 255)).toBeCloseTo(0.114 * 255, 3);
  });

  test("only the face region counts: a dark face in a bright room is too dark", () => {
    const room = image(640, 480, (x, y) => (x >= 200 && x < 400 && y >= 100 && y < 300 ? 20 : 230));
    const face = imageQuality(room, { x: 200, y: 100, width: 200, height: 200 }, T);
    expect(face.brightness).toBeCloseTo(20, 6);
    expect(face.tooDark).toBe(true);
    expect(imageQuality(room, null, T).tooDark).toBe(false);
  });

  test("a region reaching past the frame is clipped to it, not read out of bounds", () => {
    const q = imageQuality(flat(100), { x: 600, y: -50, width: 200, height: 200 }, T);
    expect(q.brightness).toBeCloseTo(100, 6);
  });
});

describe("sharpness (variance of the Laplacian)", () => {
  test("flat grey has none and is too blurry", () => {
    const q = imageQuality(flat(128), null, T);
    expect(q.sharpness).toBeCloseTo(0, 6);
    expect(q.tooBlurry).toBe(true);
  });

  // Sharpness is judged on the 96x96 sample grid (about the resolution the landmark model sees a face at),
  // so these boards are 96x96 pixels: one sample per pixel, blur sigma in grid pixels.
  test("a checkerboard is sharp, still passes a sigma ~1.4 px blur, and is too blurry at sigma ~2.4 px (of 96)", () => {
    const board = checkerboard(8, 96, 96);
    const sharp = imageQuality(board, null, T);
    expect(sharp.tooBlurry).toBe(false);
    expect(sharp.sharpness).toBeGreaterThan(1000);
    expect(imageQuality(boxBlurred(board, 1), null, T).tooBlurry).toBe(false);
    const soft = imageQuality(boxBlurred(board, 2), null, T);
    expect(soft.tooBlurry).toBe(true);
    expect(soft.sharpness).toBeLessThan(sharp.sharpness / 100);
    expect(Math.abs(soft.brightness - sharp.brightness)).toBeLessThan(3);
  });

  test("sharpness falls monotonically as the blur grows", () => {
    const board = checkerboard(8, 96, 96);
    const values = [0, 1, 2, 4].map((r) => imageQuality(r ? boxBlurred(board, r) : board, null, T).sharpness);
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeLessThan(values[i - 1]);
  });

  test("a large face region is subsampled to the grid: blur much finer than a grid cell is not seen", () => {
    // 8x8 squares on a 480x480 region: the grid samples every 5th pixel. A sigma ~1.4 px blur (under a third of
    // a cell) keeps most of the sharpness; a sigma ~4.5 px one (about a cell) removes most of it.
    const board = checkerboard(40, 480, 480);
    const sharp = imageQuality(board, null, T).sharpness;
    expect(imageQuality(boxBlurred(board, 1), null, T).sharpness).toBeGreaterThan(sharp / 3);
    expect(imageQuality(boxBlurred(board, 4), null, T).sharpness).toBeLessThan(sharp / 5);
  });

  test("a real sharp face passes; the same face blurred (8x down and up) is too blurry", async () => {
    const frame = await fixtureFrame("astronaut.png");
    const faceBox = { x: 174, y: 70, width: 104, height: 104 }; // the engine's box for this photo
    const sharp = imageQuality(frame, faceBox, T);
    expect(sharp.tooBlurry).toBe(false);
    const small = downscaleToFit(frame, 64);
    const blurred = {
      data: cropRotatedSquare(small, { centerX: 32, centerY: 32, size: 64, rotation: 0 }, 512),
      width: 512,
      height: 512,
    };
    const soft = imageQuality(blurred, faceBox, T);
    expect(soft.tooBlurry).toBe(true);
    expect(soft.sharpness).toBeLessThan(sharp.sharpness / 20);
    expect(Math.abs(soft.brightness - sharp.brightness)).toBeLessThan(10);
  });
});
