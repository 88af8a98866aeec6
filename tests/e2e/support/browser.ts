/**
 * Headless Chromium (Debian's `chromium`, installed by .ci/run) driven by playwright-core, with Chromium's
 * fake camera playing a video of the fixture photos. No browser is downloaded: playwright-core only drives
 * the system one.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

const CANDIDATES = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(
  (p): p is string => Boolean(p),
);

/**
 * CI (.ci/run installs chromium) must run the browser tests; a developer machine without Chromium skips
 * them, saying why, so `npm test` stays the one command of the quick start.
 */
export const SKIP_BROWSER_TESTS = !CANDIDATES.some((path) => existsSync(path)) && !process.env.CI;
if (SKIP_BROWSER_TESTS) console.warn("browser tests skipped: no Chromium (apt-get install chromium; .ci/run does)");

export function chromiumPath(): string {
  const found = CANDIDATES.find((path) => existsSync(path));
  if (!found)
    throw new Error(
      `no Chromium at ${CANDIDATES.join(", ")}: install Debian's package (apt-get install chromium), as .ci/run does, or set CHROMIUM_PATH`,
    );
  return found;
}

/** Flags that keep Chromium from calling the internet on its own (updates, sync, field trials, safe browsing). */
export const OFFLINE_FLAGS = [
  "--no-first-run",
  "--no-default-browser-check",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-default-apps",
  "--disable-domain-reliability",
  "--disable-client-side-phishing-detection",
  "--disable-quic",
  "--no-pings",
  "--metrics-recording-only",
  "--disable-features=OptimizationHints,MediaRouter,Translate,AutofillServerCommunication,CertificateTransparencyComponentUpdater",
];

/** The camera is Chromium's fake device playing `video`; its permission prompt is answered yes. */
export const FAKE_CAMERA_FLAGS = (video: string) => [
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
  `--use-file-for-fake-video-capture=${video}`,
];

export interface LaunchOptions {
  video: string;
  /** An unpacked extension directory to load. */
  extension?: string;
}

export interface Launched {
  context: BrowserContext;
  /** Every URL a page or the extension asked for: the tests check none leaves this machine. */
  requests: string[];
  /** Every frame posted to /v1/analyze, in order: its X-Frame-Crop header (null for a full frame). */
  frames: Array<{ crop: string | null }>;
  close(): Promise<void>;
}

export async function launchChromium(options: LaunchOptions): Promise<Launched> {
  const profile = mkdtempSync(join(tmpdir(), "vigil-chromium-"));
  const args = [...OFFLINE_FLAGS, ...FAKE_CAMERA_FLAGS(options.video), "--disable-gpu", "--no-sandbox"];
  if (options.extension)
    args.push(`--disable-extensions-except=${options.extension}`, `--load-extension=${options.extension}`);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args,
    // Playwright disables extensions by default; the extension test needs them.
    ignoreDefaultArgs: options.extension ? ["--disable-extensions"] : [],
    viewport: { width: 1200, height: 820 },
  });
  const requests: string[] = [];
  const frames: Launched["frames"] = [];
  context.on("request", (request) => {
    requests.push(request.url());
    if (request.method() === "POST" && new URL(request.url()).pathname === "/v1/analyze") {
      frames.push({ crop: request.headers()["x-frame-crop"] ?? null });
    }
  });
  return {
    context,
    requests,
    frames,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** True for URLs that stay on this machine or inside the browser. */
export function isLocal(url: string): boolean {
  if (/^(data|blob|chrome-extension|about|chrome):/.test(url)) return true;
  const { hostname } = new URL(url);
  return hostname === "127.0.0.1" || hostname === "localhost" || hostname === "[::1]";
}

/** Where the tests leave their screenshots (git-ignored). */
export function testOutputDir(): string {
  const dir = new URL("../../../test-output/e2e/", import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Polls until `read` returns something `accept` likes; fails with the last value seen. */
export async function waitFor<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (accept(last)) return last;
    await Bun.sleep(200);
  }
  throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)}`);
}
