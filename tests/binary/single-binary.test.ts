/**
 * The single executable carries everything: it is built, copied alone into an empty folder, started from
 * there with no node_modules or models around it, and must analyse a real photo over HTTP, then stop
 * cleanly on SIGTERM.
 */
import { afterAll, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixtureBytes } from "../support/images";

const repo = new URL("../../", import.meta.url).pathname;
const folder = mkdtempSync(join(tmpdir(), "vigil-binary-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

test("dist/vigil runs alone from an empty folder and analyses a photo", async () => {
  const build = Bun.spawnSync([process.execPath, "run", "build"], { cwd: repo, stdout: "pipe", stderr: "pipe" });
  expect(build.exitCode, build.stderr.toString()).toBe(0);
  copyFileSync(join(repo, "dist/vigil"), join(folder, "vigil"));
  Bun.spawnSync(["chmod", "+x", join(folder, "vigil")]);
  expect(readdirSync(folder)).toEqual(["vigil"]);

  const child = Bun.spawn([join(folder, "vigil"), "serve", "--auth", "none", "--port", "0", "--workers", "1"], {
    cwd: folder,
    env: { PATH: "/usr/bin:/bin", HOME: folder },
    stdout: "pipe",
    stderr: "pipe",
  });
  try {
    const reader = child.stdout.getReader();
    let output = "";
    let url: string | undefined;
    const deadline = Date.now() + 30_000;
    while (!output.includes("all workers ready") && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      output += new TextDecoder().decode(value);
      url ??= output.match(/listening on (http:\/\/\S+)/)?.[1];
    }
    expect(output).toContain("all workers ready");
    // The embedding tap passed its start-up check inside the minified binary too.
    expect(output).not.toContain("embedding tap");
    expect(url).toBeDefined();
    const response = await fetch(`${url}/v1/analyze`, {
      method: "POST",
      body: await fixtureBytes("grace_hopper.jpg"),
      headers: { "content-type": "image/jpeg" },
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.person).toEqual({ present: true, count: 1 });
    expect(body.faces[0].eyes.left.closed).toBe(false);
    expect(body.models.faceLandmarks.sha256).toMatch(/^[0-9a-f]{64}$/);
    // Started without it, the binary re-executed itself (same pid) with the allocator setting (allocator-env.ts).
    const environ = (await Bun.file(`/proc/${child.pid}/environ`).text()).split("\0");
    expect(environ).toContain("MIMALLOC_PURGE_DELAY=1000");
    expect((await Bun.file(`/proc/${child.pid}/cmdline`).text()).split("\0").slice(1, 3)).toEqual(["serve", "--auth"]);
    // The demo page's files travel inside the binary too.
    const demo = await fetch(`${url}/demo`);
    expect(demo.status).toBe(200);
    expect(await demo.text()).toContain('<script type="module" src="/demo/demo.js">');
    const script = await fetch(`${url}/demo/time-plot.js`);
    expect(script.headers.get("content-type")).toStartWith("text/javascript");
    expect(await script.text()).toContain("export class TimePlot");
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
  } finally {
    child.kill("SIGKILL");
  }
}, 120_000);
