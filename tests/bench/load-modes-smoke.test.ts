/**
 * Keeps the load generator's modes working (bench/load/generator.ts, open-loop.ts): a few users for a few
 * seconds in each, against a real server process. It checks what was sent and answered, never how fast.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchFrames } from "../../bench/lib/frames";
import { startBenchServer } from "../../bench/lib/server-process";
import type { LoadResult } from "../../bench/load/generator";
import { openLoop } from "../../bench/load/open-loop";
import { outputOf } from "../support/process-output";

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

async function generate(
  mode: string,
  users: number,
  seconds: number,
  settleSeconds?: number,
): Promise<LoadResult & { lines: string[] }> {
  const scenario = { url: server.url, users, seconds, sessions: true, mode, frames, settleSeconds };
  const child = Bun.spawn([process.execPath, "bench/load/generator.ts", JSON.stringify(scenario)], {
    cwd: repo,
    stdout: "pipe",
    stderr: "pipe",
  });
  const { stdout: out, stderr: err, code } = await outputOf(child);
  expect(code, err).toBe(0);
  const lines = out.trim().split("\n");
  // What the generator printed, beside its result (not part of it, so not in the logged JSON).
  return Object.defineProperty(JSON.parse(lines.at(-1)!), "lines", { value: lines, enumerable: false });
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

test("settling seconds run in the same process, uncounted, and 'measuring' marks where the counted ones begin", async () => {
  const r = await generate("crop", 5, 3, 3);
  expect(r.lines).toEqual(["measuring", expect.stringMatching(/^\{/)]);
  // Only the 3 counted seconds: 15 frames, and by then the desk users send crops (their first full frame was in
  // the settling seconds).
  expect(r.sent).toBe(15);
  expect(r.ok).toBe(15);
  expect(r.cropFrames!).toBeGreaterThanOrEqual(6);
}, 60_000);

test("a series: one generator process runs step after step, and the users of a step carry on into the next", async () => {
  const scenario = { url: server.url, sessions: true, mode: "crop", frames, series: true };
  const child = Bun.spawn([process.execPath, "bench/load/generator.ts", JSON.stringify(scenario)], {
    cwd: repo,
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  child.stdin.write(`${JSON.stringify({ users: 4, seconds: 4 })}\n${JSON.stringify({ users: 5, seconds: 1 })}\n`);
  child.stdin.end();
  const { stdout: out, stderr: err, code } = await outputOf(child);
  expect(code, err).toBe(0);
  const lines = out.trim().split("\n");
  expect(lines.map((l) => (l.startsWith("{") ? "result" : l))).toEqual(["measuring", "result", "measuring", "result"]);
  const [first, second] = lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as LoadResult);
  expect([first.sent, first.ok]).toEqual([16, 16]);
  expect([second.sent, second.ok, second.errors]).toEqual([5, 5, 0]);
  // In the second step's one second the four desk users of the first step send the crops their last answers asked
  // for (none has a detection due: the one after 3 s came in the first step, the next is 4-6 s after it); a client
  // started afresh would send a full frame first. The new user is the empty desk (user 5 of 5), never a crop.
  expect(second.cropFrames!).toBeGreaterThanOrEqual(3);
}, 60_000);

test("the timeline (bench/load/timeline.ts) bins the counted frames by when they were due", async () => {
  const person = new Uint8Array(readFileSync(frames.person));
  const empty = new Uint8Array(readFileSync(frames.empty));
  const r = await openLoop({
    url: server.url,
    users: 5,
    seconds: 3,
    sessions: true,
    frames: { person, empty },
    timelineBinMs: 1000,
  });
  expect(r.timeline!.map((b) => b.atMs)).toEqual([0, 1000, 2000]);
  expect(r.timeline!.map((b) => b.frames)).toEqual([5, 5, 5]);
  // New sessions: every user's first frame runs the detector; the empty desk (user 5 of 5) runs it every second.
  expect(r.timeline![0].detections).toBe(5);
  for (const bin of r.timeline!.slice(1)) expect(bin.detections).toBeGreaterThanOrEqual(1);
  expect(r.timeline!.every((b) => b.shed === 0 && b.errors === 0 && b.maxLatencyMs > 0)).toBe(true);
}, 60_000);

test("a series step can bring its new users' first frames within one second (a class start) and says when each had a state", async () => {
  const scenario = { url: server.url, sessions: true, mode: "paced", frames, series: true };
  const child = Bun.spawn([process.execPath, "bench/load/generator.ts", JSON.stringify(scenario)], {
    cwd: repo,
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  child.stdin.write(
    `${JSON.stringify({ users: 2, seconds: 2 })}\n${JSON.stringify({ users: 5, seconds: 3, arrivalWindowMs: 1000 })}\n`,
  );
  child.stdin.end();
  const { stdout: out, stderr: err, code } = await outputOf(child);
  expect(code, err).toBe(0);
  const [first, second] = out
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));
  expect(first.newUsers).toMatchObject({ users: 2, withoutState: 0 });
  expect(second.newUsers).toMatchObject({ users: 3, withoutState: 0 });
  expect(second.newUsers.secondsToState).toBeGreaterThan(0);
  // The three new users' first frames all fall in the step's first second, so all of them are counted: with the
  // two users already there, at least one frame each.
  expect(second.sent).toBeGreaterThanOrEqual(5);
  expect(second.errors).toBe(0);
}, 60_000);
