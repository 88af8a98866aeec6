/**
 * /demo: a page that shows what the service sees, from the browser's webcam, through the public API
 * (clients/demo). The files are imported as files so the single binary carries them; `VIGIL_DEMO=false`
 * leaves the routes out entirely.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Env } from "hono";
import { readAsset } from "../../wasm/read-asset";
import demoCssPath from "../../clients/demo/demo.css" with { type: "file" };
// Browser scripts, imported for their paths (Bun's file loader gives the path as the default export); TS sees
// the modules themselves, which have no default export, hence the expected errors.
// @ts-expect-error TS1192
import demoJsPath from "../../clients/demo/demo.js" with { type: "file" };
// @ts-expect-error TS1192
import timePlotJsPath from "../../clients/demo/time-plot.js" with { type: "file" };
// The extension's own capture module: the demo sends frames exactly as the extension does.
// @ts-expect-error TS1192
import captureJsPath from "../../clients/extension/lib/capture.js" with { type: "file" };
import demoHtmlPath from "../../clients/demo/index.html" with { type: "file" };

const FILES: Record<string, { path: string; type: string }> = {
  "/demo": { path: demoHtmlPath as unknown as string, type: "text/html; charset=utf-8" },
  "/demo/demo.js": { path: demoJsPath as unknown as string, type: "text/javascript; charset=utf-8" },
  "/demo/time-plot.js": { path: timePlotJsPath as unknown as string, type: "text/javascript; charset=utf-8" },
  "/demo/capture.js": { path: captureJsPath as unknown as string, type: "text/javascript; charset=utf-8" },
  "/demo/demo.css": { path: demoCssPath, type: "text/css; charset=utf-8" },
};

export function registerDemo<E extends Env>(app: OpenAPIHono<E>): void {
  for (const [route, file] of Object.entries(FILES)) {
    let bytes: Promise<Uint8Array<ArrayBuffer>> | undefined;
    app.get(route, async (c) => {
      bytes ??= readAsset(file.path);
      c.header("Content-Type", file.type);
      c.header("Cache-Control", "no-cache");
      return c.body(await bytes);
    });
  }
  app.get("/demo/", (c) => c.redirect("/demo"));
}
