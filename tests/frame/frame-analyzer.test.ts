import { afterAll, beforeAll, expect, test } from "bun:test";
import { DEFAULT_THRESHOLDS } from "../../src/analysis/thresholds";
import { FrameAnalyzer } from "../../src/frame/frame-analyzer";
import { QUICK_LOOK_SIDE } from "../../src/frame/quick-look";
import { fixtureBytes } from "../support/images";

let analyzer: FrameAnalyzer;
beforeAll(async () => {
  analyzer = await FrameAnalyzer.create({
    maxFaces: 2,
    defaultDetector: "short",
    limits: { maxPixels: 5e6, maxSide: 4096 },
    inferenceMaxSide: 1280,
    thresholds: DEFAULT_THRESHOLDS,
  });
});
afterAll(() => analyzer.close());

const essentials = (outcome: Awaited<ReturnType<FrameAnalyzer["analyze"]>>) => ({
  faces: outcome.faces.map((f) => ({ box: f.box, presence: f.presenceScore })),
  quality: outcome.image.quality,
  size: [outcome.image.analyzedWidth, outcome.image.analyzedHeight],
});

test("frames decoded into the analyzer's reused pixel buffer give the answers of a fresh decode, whatever came before", async () => {
  const photos = ["grace_hopper.jpg", "fruits.jpg", "astronaut.png", "grace_hopper.jpg"];
  const first = new Map<string, ReturnType<typeof essentials>>();
  for (const photo of photos) {
    const outcome = essentials(await analyzer.analyze(await fixtureBytes(photo), { landmarks: false }));
    if (!first.has(photo)) first.set(photo, outcome);
    else expect(outcome).toEqual(first.get(photo)!);
  }
  expect(first.get("grace_hopper.jpg")!.faces).toHaveLength(1);
  expect(first.get("fruits.jpg")!.faces).toHaveLength(0);
  // Frames analysed at the same time (not what a worker does, but the CLI or a test may) do not share pixels.
  const together = await Promise.all(
    ["fruits.jpg", "astronaut.png", "grace_hopper.jpg"].map(async (p) =>
      essentials(await analyzer.analyze(await fixtureBytes(p), { landmarks: false })),
    ),
  );
  expect(together).toEqual([first.get("fruits.jpg")!, first.get("astronaut.png")!, first.get("grace_hopper.jpg")!]);
});

test("a frame expected empty is looked at decoded small; if someone is there after all it is analysed whole, as without the hint", async () => {
  const empty = await analyzer.analyze(await fixtureBytes("fruits.jpg"), { landmarks: false, expectEmpty: true });
  expect(empty.person.present).toBe(false);
  expect(Math.max(empty.image.analyzedWidth, empty.image.analyzedHeight)).toBe(QUICK_LOOK_SIDE);
  // The verdicts hold at the small size (the sharpness figure itself is lower there).
  const whole = await analyzer.analyze(await fixtureBytes("fruits.jpg"), { landmarks: false });
  expect(whole.image.analyzedWidth).toBe(whole.image.width);
  const verdicts = (q: typeof whole.image.quality) => [q.tooDark, q.tooBright, q.tooBlurry];
  expect(verdicts(empty.image.quality)).toEqual(verdicts(whole.image.quality));
  expect(Math.abs(empty.image.quality.brightness - whole.image.quality.brightness)).toBeLessThan(2);

  for (const photo of ["grace_hopper.jpg", "astronaut.png"]) {
    const bytes = await fixtureBytes(photo);
    const hinted = await analyzer.analyze(bytes, { landmarks: true, expectEmpty: true });
    const plain = await analyzer.analyze(bytes, { landmarks: true });
    expect(hinted.person.count).toBeGreaterThan(0);
    expect({ ...hinted, timings: null }).toEqual({ ...plain, timings: null });
    expect(hinted.tracking).toEqual(plain.tracking);
  }
});

test("the hint is ignored where a small decode would lose what the detector sees: the full-range detector, a tracked frame", async () => {
  const fruits = await fixtureBytes("fruits.jpg");
  const full = await analyzer.analyze(fruits, { landmarks: false, expectEmpty: true, detector: "full" });
  expect(full.image.analyzedWidth).toBe(full.image.width);
  const tracked = await analyzer.analyze(fruits, {
    landmarks: false,
    expectEmpty: true,
    track: [{ centerX: 200, centerY: 200, size: 150, rotation: 0 }],
  });
  expect(tracked.image.analyzedWidth).toBe(tracked.image.width);
});
