/**
 * Keeps the load generator's modes working (bench/load/generator.ts, open-loop.ts): a few users for a few
 * seconds in each, against a real server process. It checks what was sent and answered, never how fast.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchFrames } from "../../bench/lib/frames";
import { startBenchServer } from "../../bench/lib/server-process";
import type { LoadResult } from "../../bench/load/generator";

const repo = new URL("../../", import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), "vigil-load-modes-"));
let server: Awaited<ReturnType<typeof startBenchServer>>;
const frames = { person: join(scratch, "person.jpg"), empty: join(scratch, "empty.jpg") };

beforeAll(async () => {
  const made = await benchFrames();
  writeFileSync(frames.person, made.person);
  writeFileSync(frames.empty, made.empty);
  server = await startBenchServer(2);
}, 60_000);
afterAll(async () => {
  server?.child.kill("SIGTERM");
  await server?.child.exited;
  rmSync(scratch, { recursive: true, force: true });
});

async function generate(mode: string, users: number, seconds: number): Promise<LoadResult> {
  const scenario = { url: server.url, users, seconds, sessions: true, mode, frames };
  const child = Bun.spawn([process.execPath, "bench/load/generator.ts", JSON.stringify(scenario)], { cwd: repo, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  expect(code, err).toBe(0);
  return JSON.parse(out.trim().split("\n").at(-1)!);
}

test("mode full: every frame whole, once a second", async () => {
  const r = await generate("full", 5, 4);
  console.log("full", JSON.stringify(r));
  expect(r.sent).toBe(20);
  expect(r.ok).toBe(20);
  expect(r.cropFrames).toBe(0);
}, 60_000);

test("mode crop: after its first frame a user at the desk sends the crop it was asked for; the empty desk never does", async () => {
  const r = await generate("crop", 5, 6);
  console.log("crop", JSON.stringify(r));
  expect(r.sent).toBe(30);
  expect(r.ok).toBe(30);
  expect(r.errors).toBe(0);
  // 4 users at the desk, 6 frames each: the first is full, and detections due every few seconds are full too.
  expect(r.cropFrames!).toBeGreaterThanOrEqual(8);
  expect(r.cropFrames!).toBeLessThan(24);
}, 60_000);

test("mode paced: users follow nextFrameAfterMs (and crops), one frame in flight each", async () => {
  const r = await generate("paced", 5, 6);
  console.log("paced", JSON.stringify(r));
  expect(r.ok).toBe(r.sent);
  expect(r.errors).toBe(0);
  expect(r.cropFrames!).toBeGreaterThan(0);
  // The server paces steady users at 1 s for their first 10 s: about one frame a second each.
  expect(r.sent).toBeGreaterThanOrEqual(25);
  expect(r.sent).toBeLessThanOrEqual(35);
}, 60_000);
