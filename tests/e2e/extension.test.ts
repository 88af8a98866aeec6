/**
 * The extension, loaded unpacked into a real headless Chromium, against a real Vigil on loopback that
 * requires an API key and allows only the extension's origin (CORS). It is set up through its own options
 * page, started from its popup, and must show the fake camera's face as "ok" on its badge, then "away" with
 * a notification, and turn the camera off and have the server forget the session when stopped.
 */
import { beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import type { Worker } from "playwright-core";
import { isLocal, SKIP_BROWSER_TESTS, testOutputDir, waitFor } from "./support/browser";
import { EXTENSION_DIR, EXTENSION_ID, extensionServerSettings, useCameraScene } from "./support/camera-scene";

const API_KEY = "vigil_e2e_test_key_0123456789abcdef";

let background: Worker;
const framesReceived: Array<"full" | "crop"> = [];
const out = testOutputDir();
const scene = useCameraScene(
  "extension-face-then-nobody.y4m",
  [
    // Long enough for the start, the first answers and three face crops on a loaded machine.
    { photo: "astronaut.png", seconds: 20 },
    { photo: "fruits.jpg", seconds: 10 },
  ],
  { server: extensionServerSettings(API_KEY), extension: EXTENSION_DIR },
);

beforeAll(async () => {
  if (SKIP_BROWSER_TESTS) return;
  // What reaches the workers, frame by frame: a full frame or a face crop.
  const run = scene.server.pool.run.bind(scene.server.pool);
  scene.server.pool.run = (job, transfer) => {
    framesReceived.push(job.crop ? "crop" : "full");
    return run(job, transfer);
  };
  background = scene.browser.context.serviceWorkers()[0] ?? (await scene.browser.context.waitForEvent("serviceworker"));
});

const badge = () => background.evaluate(() => chrome.action.getBadgeText({}));
const notifications = () => background.evaluate(() => chrome.notifications.getAll().then((all) => Object.keys(all)));

test.skipIf(SKIP_BROWSER_TESTS)("the extension loads with its pinned id", () => {
  expect(new URL(background.url()).host).toBe(EXTENSION_ID);
});

test.skipIf(SKIP_BROWSER_TESTS)(
  "configured on its options page and started from its popup, it shows focused, then away with a notification, then stops",
  async () => {
    const options = await scene.browser.context.newPage();
    await options.goto(`chrome-extension://${EXTENSION_ID}/options.html`);
    // A bad URL is refused with a message, not saved.
    await options.fill("#serverUrl", "ftp://example.org");
    await options.click('button[type="submit"]');
    await options.waitForSelector("#saved.error");
    await options.fill("#serverUrl", scene.server.url);
    await options.fill("#apiKey", API_KEY);
    await options.fill("#framesPerSecond", "2");
    await options.click('button[type="submit"]');
    await options.waitForFunction(() => document.getElementById("saved")?.textContent?.startsWith("Saved"));
    await options.click("#allow-camera");
    await options.waitForFunction(() => document.getElementById("camera-state")?.textContent === "Camera: granted");
    await options.screenshot({ path: join(out, "extension-options.png") });

    const popup = await scene.browser.context.newPage();
    await popup.setViewportSize({ width: 290, height: 260 });
    await popup.goto(`chrome-extension://${EXTENSION_ID}/popup.html`);
    await popup.click("#toggle");

    expect(await waitFor(badge, (text) => text === "ok", 'the badge to say "ok"')).toBe("ok");
    await popup.waitForSelector('#state[data-state="focused"]');
    await popup.screenshot({ path: join(out, "extension-popup-focused.png") });
    const { sessionId } = await background.evaluate(() => chrome.storage.session.get("sessionId"));
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);

    expect(await waitFor(badge, (text) => text === "away", 'the badge to say "away"', 40_000)).toBe("away");
    const shown = await waitFor(
      notifications,
      (ids) => ids.some((id) => id.startsWith("vigil-away-")),
      "the away notification",
    );
    // Entering away notifies once; focused never notifies.
    expect(shown.filter((id) => id.startsWith("vigil-away-")).length).toBe(1);
    expect(shown.filter((id) => id.startsWith("vigil-focused-"))).toEqual([]);
    // The chime plays in the capture page (a service worker has no audio); it answers once it has started.
    expect(await background.evaluate(() => chrome.runtime.sendMessage({ target: "offscreen", type: "chime" }))).toEqual(
      { ok: true },
    );
    await popup.waitForSelector('#state[data-state="away"]');
    await popup.screenshot({ path: join(out, "extension-popup-away.png") });
    // After its first, full frame the extension sent only face crops while the face was tracked (seen where
    // they reach the server: the offscreen document's requests are not visible to the browser's events).
    expect(framesReceived[0]).toBe("full");
    expect(framesReceived.filter((kind) => kind === "crop").length).toBeGreaterThanOrEqual(3);

    // The server knows the session under the extension's id, with the state the badge shows.
    const auth = { authorization: `Bearer ${API_KEY}` };
    const session = await (await fetch(`${scene.server.url}/v1/sessions/${sessionId}`, { headers: auth })).json();
    expect(session.state).toBe("away");

    await popup.click("#toggle");
    expect(await waitFor(badge, (text) => text === "", "the badge to clear")).toBe("");
    expect(await background.evaluate(() => chrome.offscreen.hasDocument())).toBe(false); // the camera is off
    await waitFor(
      async () => (await fetch(`${scene.server.url}/v1/sessions/${sessionId}`, { headers: auth })).status,
      (status) => status === 404,
      "the server to forget the session",
    );
    expect(scene.browser.requests.filter((url) => !isLocal(url))).toEqual([]);
  },
  120_000,
);

test.skipIf(SKIP_BROWSER_TESTS)(
  "a refused API key shows on the badge and in the popup instead of failing silently",
  async () => {
    const options = await scene.browser.context.newPage();
    await options.goto(`chrome-extension://${EXTENSION_ID}/options.html`);
    await options.fill("#serverUrl", scene.server.url);
    await options.fill("#apiKey", "not-the-key");
    await options.click('button[type="submit"]');
    await options.waitForFunction(() => document.getElementById("saved")?.textContent?.startsWith("Saved"));
    await options.close();

    const popup = await scene.browser.context.newPage();
    await popup.goto(`chrome-extension://${EXTENSION_ID}/popup.html`);
    await popup.click("#toggle");
    expect(await waitFor(badge, (text) => text === "!", 'the badge to say "!"')).toBe("!");
    await popup.waitForSelector('#state[data-state="error"]');
    expect(await popup.textContent("#detail")).toBe("the API key was refused");
    expect(await background.evaluate(() => chrome.action.getTitle({}))).toBe("Vigil: Error (the API key was refused)");
    await popup.click("#toggle");
    expect(await waitFor(badge, (text) => text === "", "the badge to clear")).toBe("");
    await popup.close();
  },
  60_000,
);
