import { describe, expect, test } from "bun:test";
import { cropRotatedSquare } from "../../src/engine/crop";
import { boundingBox, projectFromCrop, roiFromDetection, roiFromLandmarks } from "../../src/engine/roi";
import type { Landmark, Roi } from "../../src/engine/types";

describe("roiFromDetection", () => {
  test("is a square 1.5x the box's long side around its centre, level for level eyes", () => {
    const roi = roiFromDetection({ x: 100, y: 50, width: 80, height: 100 }, { x: 120, y: 80 }, { x: 160, y: 80 });
    expect(roi).toEqual({ centerX: 140, centerY: 100, size: 150, rotation: 0 });
  });

  test("turns by the eye line's angle (right eye lower on screen = positive)", () => {
    const roi = roiFromDetection({ x: 0, y: 0, width: 10, height: 10 }, { x: 0, y: 0 }, { x: 10, y: 10 });
    expect(roi.rotation).toBeCloseTo(Math.PI / 4, 10);
  });
});

describe("projectFromCrop", () => {
  const roi: Roi = { centerX: 300, centerY: 200, size: 96, rotation: Math.PI / 2 };
  test("the crop centre is the ROI centre and z scales like x", () => {
    const p = projectFromCrop(roi, 192, 96, 96, 10);
    expect(p.x).toBeCloseTo(300, 10);
    expect(p.y).toBeCloseTo(200, 10);
    expect(p.z).toBeCloseTo(5, 10);
  });
  test("with a quarter turn the crop's x axis runs down the image", () => {
    const p = projectFromCrop(roi, 192, 192, 96, 0);
    expect(p.x).toBeCloseTo(300, 10);
    expect(p.y).toBeCloseTo(248, 10);
  });
});

describe("roiFromLandmarks", () => {
  test("recovers the tilt and centre of a rotated face-like point set", () => {
    const tilt = 0.6;
    const points: Landmark[] = Array.from({ length: 468 }, (_, i) => ({
      x: (i % 20) * 5 - 47.5,
      y: Math.floor(i / 20) * 5 - 57.5,
      z: 0,
    }));
    // Put the outer eye corners on a level line in the face's own frame.
    points[33] = { x: -30, y: -20, z: 0 };
    points[263] = { x: 30, y: -20, z: 0 };
    const rotated = points.map((p) => ({
      x: 500 + p.x * Math.cos(tilt) - p.y * Math.sin(tilt),
      y: 400 + p.x * Math.sin(tilt) + p.y * Math.cos(tilt),
      z: 0,
    }));
    const roi = roiFromLandmarks(rotated);
    expect(roi.rotation).toBeCloseTo(tilt, 10);
    expect(roi.centerX).toBeCloseTo(500, 6);
    expect(roi.centerY).toBeCloseTo(400, 6);
    // The extent is measured in the face's frame: 115 tall, so 1.5x = 172.5 (an axis-aligned box would be larger).
    expect(roi.size).toBeCloseTo(172.5, 6);
  });
});

describe("cropRotatedSquare", () => {
  test("is the inverse of projectFromCrop: a bright dot lands where projection says", () => {
    const width = 320;
    const height = 240;
    const data = new Uint8Array(width * height * 4);
    const dot = { x: 200, y: 90 };
    for (let y = dot.y - 1; y <= dot.y + 1; y++)
      for (let x = dot.x - 1; x <= dot.x + 1; x++) data.set([255, 255, 255, 255], (y * width + x) * 4);
    const roi: Roi = { centerX: 180, centerY: 110, size: 120, rotation: 0.7 };
    const crop = cropRotatedSquare({ data, width, height }, roi, 192);
    let best = { u: 0, v: 0, value: -1 };
    for (let v = 0; v < 192; v++)
      for (let u = 0; u < 192; u++)
        if (crop[(v * 192 + u) * 4] > best.value) best = { u, v, value: crop[(v * 192 + u) * 4] };
    const back = projectFromCrop(roi, 192, best.u + 0.5, best.v + 0.5, 0);
    expect(best.value).toBeGreaterThan(200);
    expect(Math.hypot(back.x - (dot.x + 0.5), back.y - (dot.y + 0.5))).toBeLessThan(1.5);
  });

  test("outside the frame is opaque black", () => {
    const crop = cropRotatedSquare(
      { data: new Uint8Array(4 * 4 * 4).fill(200), width: 4, height: 4 },
      { centerX: 100, centerY: 100, size: 10, rotation: 0 },
      8,
    );
    expect(Array.from(crop.subarray(0, 4))).toEqual([0, 0, 0, 255]);
  });
});

test("boundingBox spans the points", () => {
  expect(
    boundingBox([
      { x: 1, y: 5, z: 0 },
      { x: 4, y: 2, z: 0 },
    ]),
  ).toEqual({ x: 1, y: 2, width: 3, height: 3 });
});

test("a crop into a reused buffer is byte for byte the fresh crop, outside the frame too (black, opaque)", () => {
  const width = 40;
  const height = 30;
  const data = new Uint8Array(width * height * 4).map((_, i) => (i * 37) % 251);
  const frame = { data, width, height };
  // Half of this ROI lies outside the frame.
  const roi: Roi = { centerX: 35, centerY: 10, size: 30, rotation: 0.4 };
  const fresh = cropRotatedSquare(frame, roi, 16);
  const reused = new Uint8ClampedArray(16 * 16 * 4).fill(200);
  const into = cropRotatedSquare(frame, roi, 16, reused);
  expect(into).toBe(reused);
  expect([...into]).toEqual([...fresh]);
  expect([...fresh].some((v, i) => i % 4 === 0 && v === 0 && fresh[i + 3] === 255)).toBe(true);
  expect(() => cropRotatedSquare(frame, roi, 16, new Uint8ClampedArray(10))).toThrow(/expected 1024/);
});

describe("cropRotatedSquare's shortcuts give the plain warp's bytes", () => {
  // The warp written plainly: every neighbour checked, outside the frame black, into a Uint8ClampedArray
  // (which rounds to nearest) as the engine's buffer is.
  function plainWarp(
    frame: { data: Uint8Array; width: number; height: number },
    roi: Roi,
    side: number,
  ): Uint8ClampedArray {
    const out = new Uint8ClampedArray(side * side * 4);
    const scale = roi.size / side;
    for (let v = 0; v < side; v++)
      for (let u = 0; u < side; u++) {
        const dx = (u + 0.5 - side / 2) * scale;
        const dy = (v + 0.5 - side / 2) * scale;
        const fx = roi.centerX + dx * Math.cos(roi.rotation) - dy * Math.sin(roi.rotation) - 0.5;
        const fy = roi.centerY + dx * Math.sin(roi.rotation) + dy * Math.cos(roi.rotation) - 0.5;
        const x0 = Math.floor(fx);
        const y0 = Math.floor(fy);
        const at = (x: number, y: number, c: number) =>
          x >= 0 && y >= 0 && x < frame.width && y < frame.height ? frame.data[(y * frame.width + x) * 4 + c] : 0;
        for (let c = 0; c < 3; c++) {
          const ax = fx - x0;
          const ay = fy - y0;
          out[(v * side + u) * 4 + c] =
            at(x0, y0, c) * (1 - ax) * (1 - ay) +
            at(x0 + 1, y0, c) * ax * (1 - ay) +
            at(x0, y0 + 1, c) * (1 - ax) * ay +
            at(x0 + 1, y0 + 1, c) * ax * ay;
        }
        out[(v * side + u) * 4 + 3] = 255;
      }
    return out;
  }
  const width = 64;
  const height = 48;
  const frame = { data: new Uint8Array(width * height * 4).map((_, i) => (i * 53) % 256), width, height };

  test("inside the frame, across its edges, and rotated", () => {
    for (const roi of [
      { centerX: 30, centerY: 20, size: 20, rotation: 0.3 },
      { centerX: 60, centerY: 5, size: 40, rotation: -1.1 },
      { centerX: 32, centerY: 24, size: 64, rotation: 0 },
    ]) {
      expect([...cropRotatedSquare(frame, roi, 24)]).toEqual([...plainWarp(frame, roi, 24)]);
    }
  });

  test("a whole-frame, upright ROI at the crop's size (a face-crop frame) is the frame itself, made opaque", () => {
    const side = 32;
    const square = { data: new Uint8Array(side * side * 4).map((_, i) => (i * 29) % 256), width: side, height: side };
    const whole = { centerX: 16, centerY: 16, size: 32, rotation: 0 };
    const copied = cropRotatedSquare(square, whole, side);
    expect([...copied]).toEqual([...plainWarp(square, whole, side)]);
    expect([...copied].filter((_, i) => i % 4 !== 3)).toEqual([...square.data].filter((_, i) => i % 4 !== 3));
    expect([...copied].filter((_, i) => i % 4 === 3).every((a) => a === 255)).toBe(true);
  });
});
