/**
 * /demo is served (with the same strict headers as everything else) unless configuration turns it off. Static
 * pages of the HTTP layer: the app runs with a fake analysis backend (tests/support/fake-backend.ts).
 */
import { afterEach, expect, test } from "bun:test";
import { startFakeServer } from "../support/fake-backend";

let server: ReturnType<typeof startFakeServer> | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

test("the demo page and its scripts are served, under the strict CSP", async () => {
  server = startFakeServer();
  const page = await fetch(`${server.url}/demo`);
  expect(page.status).toBe(200);
  expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
  expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
  const html = await page.text();
  for (const id of ["preview", "overlay", "state", "eyes-plot", "pose-plot", "toggle"])
    expect(html).toContain(`id="${id}"`);
  for (const [path, type, marker] of [
    ["/demo/demo.js", "text/javascript", "landmarks: true"],
    ["/demo/capture.js", "text/javascript", "/v1/analyze"],
    ["/demo/time-plot.js", "text/javascript", "export class TimePlot"],
    ["/demo/demo.css", "text/css", ".stage"],
  ]) {
    const response = await fetch(`${server.url}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toStartWith(type);
    expect(await response.text()).toContain(marker);
  }
});

test("VIGIL_DEMO=false leaves the demo out: 404 in the API's JSON error form", async () => {
  server = startFakeServer({ VIGIL_DEMO: "false" });
  for (const path of ["/demo", "/demo/demo.js"]) {
    const response = await fetch(`${server.url}${path}`);
    expect(response.status).toBe(404);
    expect((await response.json()).error.code).toBe("not_found");
  }
});
