/** The evaluation command's own math (bench/eval-eyes.ts): ROC and AUC, distributions, the webcam framing. */
import { describe, expect, test } from "bun:test";
import { distribution, roc, webcamFraming } from "../../bench/eval-eyes";
import type { EngineFace } from "../../src/engine/face-engine";

describe("ROC of EAR, closed against open", () => {
  test("fully separated scores: AUC 1, and the curve reaches (0, 1) before any open eye is called closed", () => {
    const r = roc([0.05, 0.08, 0.1], [0.2, 0.25, 0.3, 0.35]);
    expect(r.auc).toBe(1);
    expect(r.points.find((p) => p.threshold === 0.1)).toEqual({ threshold: 0.1, fpr: 0, tpr: 1 });
    expect(r.points.at(-1)).toEqual({ threshold: 0.35, fpr: 1, tpr: 1 });
  });

  test("ties count a half and reversed scores give 0 (Mann-Whitney)", () => {
    expect(roc([0.2], [0.2]).auc).toBe(0.5);
    expect(roc([0.3, 0.4], [0.1, 0.2]).auc).toBe(0);
    expect(roc([0.1, 0.3], [0.2]).auc).toBe(0.5);
    expect(Number.isNaN(roc([], [0.2]).auc)).toBe(true);
  });
});

test("distribution: n, min, p10, median, p90, max by nearest rank", () => {
  const d = distribution([0.5, 0.1, 0.4, 0.2, 0.3, 0.6, 0.7, 0.8, 0.9, 1.0, 0.0]);
  expect(d).toEqual({ n: 11, min: 0, p10: 0.1, median: 0.5, p90: 0.9, max: 1 });
  expect(distribution([]).n).toBe(0);
});

describe("webcam framing", () => {
  const frame = (width: number, height: number) => {
    const data = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) data.set([x % 256, y % 256, 0, 255], (y * width + x) * 4);
    return { data, width, height };
  };
  const face = (x: number, y: number, size: number) => ({ box: { x, y, width: size, height: size } }) as EngineFace;

  test("a 640x480 frame with the face 30% of its width, centred where the photo allows", () => {
    const out = webcamFraming(frame(2000, 1500), face(900, 700, 150));
    expect([out.frame.width, out.frame.height]).toEqual([640, 480]);
    // 150 px face -> a 500x375 window around its centre (975, 775), scaled by 640/500.
    expect(out.center[0]).toBeCloseTo(320, 6);
    expect(out.center[1]).toBeCloseTo(240, 6);
    // The window's top-left pixel (725, 587.5) is what lands at the output's corner (red channel = x mod 256).
    expect(Math.abs(out.frame.data[0] - (725 % 256))).toBeLessThanOrEqual(1);
  });

  test("a face near the photo's edge: the window shifts to stay inside and the face is off-centre", () => {
    const out = webcamFraming(frame(2000, 1500), face(0, 0, 150));
    expect(out.center[0]).toBeCloseTo(75 * (640 / 500), 6);
    expect(out.center[1]).toBeCloseTo(75 * (640 / 500), 6);
  });

  test("a photo too small for the window: the whole photo (4:3) is used and the face gets bigger", () => {
    const out = webcamFraming(frame(400, 300), face(150, 100, 200));
    expect([out.frame.width, out.frame.height]).toEqual([640, 480]);
    expect(out.center[0]).toBeCloseTo(250 * (640 / 400), 6);
  });
});
