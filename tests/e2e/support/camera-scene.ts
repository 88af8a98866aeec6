/**
 * What every browser test sets up: a real Vigil on loopback and a headless Chromium whose fake camera plays
 * `scenes` (fake-camera.ts), started before the tests of the describe block (or file) that calls it, and
 * closed after them. Nothing starts where Chromium is missing (SKIP_BROWSER_TESTS).
 */
import { afterAll, beforeAll } from "bun:test";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { startTestServer } from "../../support/server";
import { launchChromium, SKIP_BROWSER_TESTS, testOutputDir, type Launched } from "./browser";
import { writeFakeCameraVideo, type Scene } from "./fake-camera";

export interface CameraScene {
  server: Awaited<ReturnType<typeof startTestServer>>;
  browser: Launched;
  /** One pass of the camera's video, in seconds (it loops). */
  loopSeconds: number;
}

export interface CameraSceneOptions {
  /** Server settings over the tests' defaults (tests/support/server.ts). */
  server?: Record<string, string>;
  /** An unpacked extension to load into Chromium. */
  extension?: string;
}

export function useCameraScene(
  videoName: string,
  scenes: readonly Scene[],
  options: CameraSceneOptions = {},
): CameraScene {
  const scene = {} as CameraScene;
  beforeAll(async () => {
    if (SKIP_BROWSER_TESTS) return;
    const video = join(testOutputDir(), videoName);
    scene.loopSeconds = await writeFakeCameraVideo(video, scenes);
    scene.server = await startTestServer(options.server);
    scene.browser = await launchChromium({ video, extension: options.extension });
  }, 60_000);
  afterAll(async () => {
    await scene.browser?.close();
    await scene.server?.stop();
  });
  return scene;
}

/** Fixed by the public key in the manifest, so a server's CORS list can name it in advance. */
export const EXTENSION_ID = "jhgbnogcgdkgpjjmgiefchngepbnlggd";
export const EXTENSION_DIR = new URL("../../../clients/extension", import.meta.url).pathname;

/**
 * A server as the extension meets it in use: API keys (this one's digest), CORS for the extension's origin only,
 * and the real per-client defaults a client must live within.
 */
export function extensionServerSettings(apiKey: string): Record<string, string> {
  return {
    VIGIL_AUTH: "keys",
    VIGIL_API_KEY_HASHES: createHash("sha256").update(apiKey).digest("hex"),
    VIGIL_CORS_ORIGINS: `chrome-extension://${EXTENSION_ID}`,
    VIGIL_RATE_LIMIT_PER_SECOND: "4",
    VIGIL_MAX_IN_FLIGHT_PER_CLIENT: "4",
  };
}
