/**
 * The demo page in a real headless Chromium against a real Vigil, with the fake camera playing real photos
 * from the eye-state evaluation set (tests/support/eval-photos.ts):
 * - one person's open eyes, then short closures, then eyes kept shut: the page must say "drowsy", then
 *   "asleep";
 * - a student at a webcam who keeps looking down at the desk (eyes open): the page must stay "focused"
 *   throughout and show the eyes as "reading" (needs the per-frame analysis's `face.gaze.down`).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { measureFace } from "../../src/analysis/face-measures";
import { DEFAULT_THRESHOLDS } from "../../src/analysis/thresholds";
import { syntheticFace } from "../analysis/synthetic-face";
import { startTestServer } from "../support/server";
import { launchChromium, SKIP_BROWSER_TESTS, testOutputDir, type Launched } from "./support/browser";
import { evalPhotos } from "../support/eval-photos";
import { writeFakeCameraVideo, type Scene } from "./support/fake-camera";

const out = testOutputDir();

/** One webcam-framed person (no glasses), eyes open and eyes shut (bench/data/eyes/README.md: driverhelper). */
const SLEEPER = evalPhotos(["driverhelper/wawa_otw_bez_ok.jpg", "driverhelper/wawa_zam_bez_ok.jpg"] as const);
/** Real 640x480 webcam frames of one student with glasses: facing the screen, then looking down at the desk. */
const READER = evalPhotos([
  "proctoring/violation_20260107_182826_f000027.jpg",
  "proctoring/violation_20260107_182833_f000067.jpg",
  "proctoring/violation_20260107_182918_f000347.jpg",
  "proctoring/violation_20260107_182821_f000000.jpg",
  "proctoring/violation_20260107_182848_f000161.jpg",
  "proctoring/violation_20260107_182934_f000442.jpg",
  "proctoring/violation_20260107_183024_f000783.jpg",
  "proctoring/violation_20260107_183032_f000827.jpg",
  "proctoring/violation_20260107_183557_f000282.jpg",
  "proctoring/violation_20260107_183604_f000317.jpg",
] as const);
type ReadingFrame = Parameters<typeof READER.path>[0];
/** Whether the per-frame analysis says when eyes are lowered rather than closed (`face.gaze.down`). */
const REPORTS_GAZE_DOWN = "down" in measureFace(syntheticFace(), DEFAULT_THRESHOLDS).gaze;

/** Starts the demo page on `video`, and records every state and eye reading the page shows. */
async function startDemo(browser: Launched, url: string) {
  const page = await browser.context.newPage();
  await page.goto(`${url}/demo`);
  // Every change of the shown state and eyes, as the page renders them (no sampling gaps).
  await page.evaluate(() => {
    const seen: { state: string; eyes: string }[] = [];
    (window as any).__seen = seen;
    const record = () => {
      const state = document.getElementById("state")!.dataset.state!;
      const eyes = document.getElementById("eyes")!.textContent!;
      const last = seen.at(-1);
      if (!last || last.state !== state || last.eyes !== eyes) seen.push({ state, eyes });
    };
    new MutationObserver(record).observe(document.querySelector(".readout")!, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  await page.click("#toggle");
  return page;
}

const seenOn = (page: Page) => page.evaluate(() => (window as any).__seen as { state: string; eyes: string }[]);

describe("closed eyes", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Launched;
  const skip = SKIP_BROWSER_TESTS || SLEEPER.missing.length > 0;
  const [open, shut] = ["driverhelper/wawa_otw_bez_ok.jpg", "driverhelper/wawa_zam_bez_ok.jpg"] as const;

  beforeAll(async () => {
    if (skip) return;
    const video = join(out, "eyes-closing.y4m");
    // 12 s open, three 3 s closures 2 s apart (PERCLOS well over 0.15 once 20 s of face are in), then shut.
    const scenes: Scene[] = [{ photo: SLEEPER.path(open), seconds: 12 }];
    for (let i = 0; i < 3; i++) scenes.push({ photo: SLEEPER.path(shut), seconds: 3 }, { photo: SLEEPER.path(open), seconds: 2 });
    scenes.push({ photo: SLEEPER.path(shut), seconds: 16 });
    await writeFakeCameraVideo(video, scenes);
    server = await startTestServer();
    browser = await launchChromium({ video });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test.skipIf(skip)("real closures make the demo page say drowsy, then eyes kept shut make it say asleep", async () => {
    const page = await startDemo(browser, server.url);
    await page.waitForSelector('#state[data-state="focused"]', { timeout: 20_000 });
    await page.waitForSelector('#state[data-state="drowsy"]', { timeout: 40_000 });
    await page.screenshot({ path: join(out, "demo-drowsy.png") });
    await page.waitForSelector('#state[data-state="asleep"]', { timeout: 30_000 });
    expect(await page.textContent("#eyes")).toBe("closed");
    expect(Number(await page.textContent("#closures"))).toBeGreaterThanOrEqual(3);
    await page.screenshot({ path: join(out, "demo-asleep.png") });
    const states = (await seenOn(page)).map((s) => s.state).filter((s, i, all) => s !== all[i - 1]);
    // focused, then drowsy, then asleep, in that order (unknown only before the first answer).
    expect(states.filter((s) => s !== "idle" && s !== "unknown")).toEqual(["focused", "drowsy", "asleep"]);
    await page.click("#toggle");
    await page.close();
  }, 120_000);
});

describe("looking down at the desk", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Launched;
  // Without face.gaze.down the head-pitched reading frame counts as looking away (pitch past 25°) and the
  // page would rightly say distracted: the test needs the per-frame analysis's looking-down rule.
  const skip = SKIP_BROWSER_TESTS || READER.missing.length > 0 || !REPORTS_GAZE_DOWN;
  const facing = ["proctoring/violation_20260107_182826_f000027.jpg", "proctoring/violation_20260107_182833_f000067.jpg", "proctoring/violation_20260107_182918_f000347.jpg"] as const;
  // Labelled "looking down, eyes open". 182848 has the head pitched 27° down over the desk: it is held 8 s,
  // longer than asleepAfterMs (6 s) and distractedAfterMs (5 s), so the state shows whether the looking-down
  // rule held. Left out: 183552, lids lowered over irises lowered by the eyes alone with the head level,
  // which the per-frame rule does not tell from closed eyes (docs/thresholds.md).
  const down: [ReadingFrame, number][] = [
    ["proctoring/violation_20260107_182821_f000000.jpg", 4],
    ["proctoring/violation_20260107_182848_f000161.jpg", 8],
    ["proctoring/violation_20260107_182934_f000442.jpg", 4],
    ["proctoring/violation_20260107_183024_f000783.jpg", 4],
    ["proctoring/violation_20260107_183032_f000827.jpg", 4],
    ["proctoring/violation_20260107_183557_f000282.jpg", 4],
    ["proctoring/violation_20260107_183604_f000317.jpg", 4],
  ];

  beforeAll(async () => {
    if (skip) return;
    const video = join(out, "reading.y4m");
    await writeFakeCameraVideo(video, [...facing.map((f) => ({ photo: READER.path(f), seconds: 3 })), ...down.map(([f, seconds]) => ({ photo: READER.path(f), seconds }))]);
    server = await startTestServer();
    browser = await launchChromium({ video });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test.skipIf(skip)("a student reading at the desk stays focused, shown as reading, never closed, drowsy, asleep or distracted", async () => {
    const page = await startDemo(browser, server.url);
    await page.waitForSelector('#state[data-state="focused"]', { timeout: 20_000 });
    // One pass of the video (41 s) from the first answer.
    await page.waitForTimeout(41_000);
    await page.screenshot({ path: join(out, "demo-reading.png") });
    const seen = await seenOn(page);
    await page.click("#toggle");
    await page.close();
    const states = new Set(seen.map((s) => s.state));
    states.delete("idle");
    states.delete("unknown");
    expect([...states]).toEqual(["focused"]);
    expect(seen.some((s) => s.eyes === "reading")).toBe(true);
    expect(seen.filter((s) => s.eyes === "closed")).toEqual([]);
  }, 120_000);
});

if (!REPORTS_GAZE_DOWN) console.warn("skipped: the per-frame analysis does not report face.gaze.down, which the reading test needs");
