/**
 * Redraws docs/images/demo-live.png: the demo page after 45 s of a fake camera that alternates two fixture
 * faces (so the plots have something to show), in the same headless Chromium the end-to-end tests use.
 *   npx bun docs/images/make-screenshots.ts
 */
import { join } from "node:path";
import { startTestServer } from "../../tests/support/server";
import { launchChromium, testOutputDir } from "../../tests/e2e/support/browser";
import { writeFakeCameraVideo } from "../../tests/e2e/support/fake-camera";

const video = join(testOutputDir(), "screenshot-camera.y4m");
await writeFakeCameraVideo(video, [
  { photo: "grace_hopper.jpg", seconds: 10 },
  { photo: "astronaut.png", seconds: 10 },
]);
const server = await startTestServer();
const browser = await launchChromium({ video });
try {
  const page = await browser.context.newPage();
  await page.goto(`${server.url}/demo`);
  await page.click("#toggle");
  await page.waitForTimeout(46_000); // 40-50 s: the first face again
  await page.screenshot({ path: new URL("./demo-live.png", import.meta.url).pathname });
} finally {
  await browser.close();
  await server.stop();
}
