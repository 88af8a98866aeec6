/**
 * The demo page in a real headless Chromium against a real Vigil on loopback. The fake camera shows a face
 * for 20 s, then fruit on a table (no face) for 10 s: the page must show "focused" with landmarks drawn and
 * plots moving, then "away" once nobody has been there for the session's away time (5 s). The face stays
 * 20 s so that the page's start, its first answers and its face crops all fall inside it on a loaded machine.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { isLocal, SKIP_BROWSER_TESTS, testOutputDir } from "./support/browser";
import { useCameraScene } from "./support/camera-scene";

const out = testOutputDir();
// Without load-aware pacing: on a loaded machine it asks a new session for its next frame up to seconds later,
// and these tests follow the page's own rhythm (load-pacing.test.ts tests the load's part).
const scene = useCameraScene(
  "face-then-nobody.y4m",
  [
    { photo: "grace_hopper.jpg", seconds: 20 },
    { photo: "fruits.jpg", seconds: 10 },
  ],
  { server: { VIGIL_LOAD_PACING: "false" } },
);

/** Non-transparent pixels on a canvas: proof that something was drawn, not just that a canvas exists. */
const paintedPixels = (page: Page, selector: string) =>
  page.$eval(selector, (canvas) => {
    const c = canvas as HTMLCanvasElement;
    const data = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
    return painted;
  });

test.skipIf(SKIP_BROWSER_TESTS)(
  "the demo page shows a face as focused with landmarks and plots, then the empty room as away",
  async () => {
    const page = await scene.browser.context.newPage();
    // The size of every frame the page posts (a Blob body is invisible to the browser's request events).
    await page.addInitScript(() => {
      const sizes: number[] = [];
      (window as any).frameSizes = sizes;
      const original = window.fetch;
      window.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
        if (String(input).includes("/v1/analyze") && init?.body instanceof Blob) sizes.push(init.body.size);
        return original(input, init);
      }) as typeof fetch;
    });
    await page.goto(`${scene.server.url}/demo`);
    await page.click("#toggle");

    await page.waitForSelector('#state[data-state="focused"]', { timeout: 20_000 });
    expect(await page.textContent("#person")).toBe("yes");
    expect(await page.textContent("#faces")).toBe("1");
    // 478 landmark dots and a box over the face, and both plots drawing a line.
    expect(await paintedPixels(page, "#overlay")).toBeGreaterThan(800);
    await page.waitForTimeout(2500); // a few more frames, so the plots have lines rather than single points
    // While the face is tracked the page tells the user that only the face is sent (a full frame every few
    // seconds lets the server look for a second person).
    const faceOnly = await page.waitForFunction(
      () => {
        const text = document.getElementById("sent")?.textContent ?? "";
        return text.startsWith("face only") ? text : false;
      },
      undefined,
      { timeout: 10_000, polling: 50 },
    );
    expect(await faceOnly.jsonValue()).toMatch(/^face only, \d+\.\d KB$/);
    expect(await paintedPixels(page, "#eyes-plot")).toBeGreaterThan(50);
    expect(await paintedPixels(page, "#pose-plot")).toBeGreaterThan(50);
    await page.screenshot({ path: join(out, "demo-focused.png") });

    await page.waitForSelector('#state[data-state="away"]', { timeout: 40_000 });
    expect(await page.textContent("#person")).toBe("no");
    expect(await paintedPixels(page, "#overlay")).toBe(0); // nobody there, nothing drawn
    await page.screenshot({ path: join(out, "demo-away.png") });

    // Through the public API with landmarks, a session id and capture times, and nothing else left the machine.
    const analyses = scene.browser.requests.filter((url) =>
      url.startsWith(`${scene.server.url}/v1/analyze?landmarks=1`),
    );
    expect(analyses.length).toBeGreaterThanOrEqual(10);
    expect(scene.browser.requests.filter((url) => !isLocal(url))).toEqual([]);
    // The first frame was a full one; while the face was tracked the page sent only the face crop the server
    // asked for, much smaller; after the face went, full frames again (the empty room).
    const sizes: number[] = await page.evaluate(() => (window as any).frameSizes);
    const frames = scene.browser.frames.map((f, i) => ({ ...f, bytes: sizes[i] }));
    expect(sizes.length).toBe(frames.length);
    expect(frames[0].crop).toBeNull();
    const crops = frames.filter((f) => f.crop !== null);
    const full = frames.filter((f) => f.crop === null);
    expect(crops.length).toBeGreaterThanOrEqual(3);
    for (const crop of crops) expect(crop.crop).toMatch(/^[\d.-]+,[\d.-]+,[\d.]+,-?[\d.]+,640,480$/);
    const mean = (list: typeof frames) => list.reduce((sum, f) => sum + f.bytes, 0) / list.length;
    console.log(
      `demo page: ${frames.length} frames, ${crops.length} crops (mean ${Math.round(mean(crops))} B), ${full.length} full (mean ${Math.round(mean(full))} B)`,
    );
    expect(mean(crops)).toBeLessThan(mean(full) / 2);
    expect(frames.at(-1)!.crop).toBeNull();

    await page.click("#toggle");
    await page.waitForSelector('#state[data-state="idle"]');
    await page.close();
  },
  90_000,
);

test.skipIf(SKIP_BROWSER_TESTS)(
  "against a server that sends no `next` (an older Vigil), the page sends full frames at its own rate",
  async () => {
    const page = await scene.browser.context.newPage();
    // The answers as an older server gives them: the same analysis, without `next`.
    const asked: Array<{ crop: string | null; at: number }> = [];
    await page.route("**/v1/analyze*", async (route) => {
      asked.push({ crop: route.request().headers()["x-frame-crop"] ?? null, at: Date.now() });
      const response = await route.fetch();
      const body = await response.json();
      delete body.next;
      await route.fulfill({ response, json: body });
    });
    await page.goto(`${scene.server.url}/demo`);
    await page.click("#toggle");
    await page.waitForSelector('#state[data-state="focused"]', { timeout: 20_000 });
    await page.waitForTimeout(3000);
    await page.click("#toggle");
    await page.waitForSelector('#state[data-state="idle"]');
    expect(asked.length).toBeGreaterThanOrEqual(3);
    expect(asked.every((frame) => frame.crop === null)).toBe(true);
    // One a second, the page's default rate (with some slack for the machine).
    const gaps = asked.slice(1).map((frame, i) => frame.at - asked[i].at);
    expect(Math.min(...gaps)).toBeGreaterThan(800);
    await page.close();
  },
  60_000,
);

test.skipIf(SKIP_BROWSER_TESTS)(
  "turned away (503 with Retry-After), the page keeps sending the face crop, after the pause",
  async () => {
    const page = await scene.browser.context.newPage();
    // The server's own 503 for a full queue, given to the second face crop the page sends (what an
    // overloaded server answers; the others reach the real server).
    const asked: Array<{ crop: string | null; at: number; status: number }> = [];
    let crops = 0;
    await page.route("**/v1/analyze*", async (route) => {
      const crop = route.request().headers()["x-frame-crop"] ?? null;
      if (crop !== null && ++crops === 2) {
        asked.push({ crop, at: Date.now(), status: 503 });
        const body = { error: { code: "overloaded", message: "all 2 workers are busy and 8 frames are waiting" } };
        return route.fulfill({ status: 503, headers: { "retry-after": "1" }, json: body });
      }
      const response = await route.fetch();
      asked.push({ crop, at: Date.now(), status: response.status() });
      await route.fulfill({ response });
    });
    await page.goto(`${scene.server.url}/demo`);
    await page.click("#toggle");
    const deadline = Date.now() + 20_000;
    while (
      Date.now() < deadline &&
      !(asked.findIndex((a) => a.status === 503) >= 0 && asked.length > asked.findIndex((a) => a.status === 503) + 1)
    )
      await page.waitForTimeout(200);
    await page.click("#toggle");
    await page.waitForSelector('#state[data-state="idle"]');
    const turnedAway = asked.findIndex((a) => a.status === 503);
    expect(turnedAway).toBeGreaterThan(0);
    const after = asked[turnedAway + 1];
    // Still the face only (the plan of the last analysed frame stands), and not before Retry-After ran out.
    expect(after.crop).not.toBeNull();
    expect(after.status).toBe(200);
    expect(after.at - asked[turnedAway].at).toBeGreaterThanOrEqual(1000);
    await page.close();
  },
  60_000,
);
