import { afterAll, beforeAll, expect, test } from "bun:test";
import { DEFAULT_THRESHOLDS } from "../../src/analysis/thresholds";
import { FrameAnalyzer } from "../../src/frame/frame-analyzer";
import { fixtureBytes } from "../support/images";

let analyzer: FrameAnalyzer;
beforeAll(async () => {
  analyzer = await FrameAnalyzer.create({ maxFaces: 2, defaultDetector: "short", limits: { maxPixels: 5e6, maxSide: 4096 }, inferenceMaxSide: 1280, thresholds: DEFAULT_THRESHOLDS });
});
afterAll(() => analyzer.close());

const essentials = (outcome: Awaited<ReturnType<FrameAnalyzer["analyze"]>>) => ({
  faces: outcome.result.faces.map((f) => ({ box: f.box, presence: f.presenceScore })),
  quality: outcome.result.image.quality,
  size: [outcome.result.image.analyzedWidth, outcome.result.image.analyzedHeight],
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
  const together = await Promise.all(["fruits.jpg", "astronaut.png", "grace_hopper.jpg"].map(async (p) => essentials(await analyzer.analyze(await fixtureBytes(p), { landmarks: false }))));
  expect(together).toEqual([first.get("fruits.jpg")!, first.get("astronaut.png")!, first.get("grace_hopper.jpg")!]);
});
