/**
 * Limits per session and per principal: one key shared by many users gives each user's session its own
 * allowance, and inventing session ids stops at the per-principal cap. The limits are the HTTP layer's alone, so
 * the app runs with a fake analysis backend (tests/support/fake-backend.ts), which holds frames in flight on
 * demand.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { hashApiKey } from "../../src/server/access";
import { startFakeServer } from "../support/fake-backend";

const SHARED = "shared-school-key-0123456789"; // one key shipped inside an extension for a whole school
const BYSTANDER = "another-customer-key-987654";
const CONCURRENT = "concurrency-test-key-424242";
let server: ReturnType<typeof startFakeServer>;

beforeAll(() => {
  server = startFakeServer({
    VIGIL_AUTH: "keys",
    VIGIL_API_KEY_HASHES: [SHARED, BYSTANDER, CONCURRENT].map(hashApiKey).join(","),
    VIGIL_RATE_LIMIT_PER_SECOND: "3",
    VIGIL_RATE_LIMIT_PER_PRINCIPAL_PER_SECOND: "8",
    VIGIL_MAX_IN_FLIGHT_PER_CLIENT: "1",
    VIGIL_MAX_IN_FLIGHT_PER_PRINCIPAL: "2",
  });
});
afterAll(() => server.stop());

const post = (key: string, session: string | undefined, body: Uint8Array<ArrayBuffer>) =>
  fetch(`${server.url}/v1/analyze`, {
    method: "POST",
    body,
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "image/jpeg",
      ...(session ? { "x-session-id": session } : {}),
    },
  });
/** Answered at once by the fake backend: bursts stay well inside one second. */
const tiny = new Uint8Array([0xff, 0xd8, 0xff]);
const outcome = async (response: Response) =>
  response.status === 429 ? `429 ${(await response.json()).error.message}` : response.status;

test("two sessions under one key each get their own rate; one session past its rate gets 429; the key's total is capped", async () => {
  const codes: Array<number | string> = [];
  // 3 frames for each of two users' sessions: 6 frames under one key, each session within its 3 a second.
  for (let i = 0; i < 3; i++)
    for (const session of ["pupil-0001", "pupil-0002"]) codes.push(await outcome(await post(SHARED, session, tiny)));
  expect(codes).toEqual([200, 200, 200, 200, 200, 200]);

  // A fourth frame in the same second for one session: refused for that session only.
  const fourth = await post(SHARED, "pupil-0001", tiny);
  expect(fourth.status).toBe(429);
  expect(fourth.headers.get("retry-after")).toBe("1");
  const refusal = (await fourth.json()).error;
  expect(refusal.code).toBe("rate_limited");
  expect(refusal.message).toContain("3 frames a second for this session");

  // Inventing session ids: the key's total (8 a second, 6 used) lets two more through, then refuses.
  const invented = [];
  for (const session of ["made-up-0001", "made-up-0002", "made-up-0003", "made-up-0004"])
    invented.push(await outcome(await post(SHARED, session, tiny)));
  expect(invented.slice(0, 2)).toEqual([200, 200]);
  expect(invented.slice(2)).toEqual(
    Array(2).fill("429 more than 8 frames a second for this caller (all its sessions together)"),
  );

  // Another key is untouched by all of this.
  expect((await post(BYSTANDER, "pupil-0001", tiny)).status).toBe(200);
});

test("frames without a session share one session's allowance", async () => {
  const codes = [];
  for (let i = 0; i < 4; i++) codes.push((await post(BYSTANDER, undefined, tiny)).status);
  expect(codes).toEqual([200, 200, 200, 429]);
});

/** Waits until `condition` holds (the backend has taken a frame); a wait, not a timed assertion. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await Bun.sleep(5);
}

/**
 * Frames sent one after another while the backend holds every frame it is given: each is either held (in
 * flight) or refused without reaching it. Then all are let go; what each got.
 */
async function inFlightTogether(sessions: string[]): Promise<Array<number | string>> {
  const { backend } = server;
  backend.hold();
  const answers: Promise<number | string>[] = [];
  for (const session of sessions) {
    const held = backend.waiting;
    const answer = post(CONCURRENT, session, tiny).then(outcome);
    await Promise.race([answer, until(() => backend.waiting > held)]);
    answers.push(answer);
  }
  backend.release();
  return Promise.all(answers);
}

test("requests in flight: capped per session, and per key over all its sessions", async () => {
  // Two at once in one session (cap 1): one analysed, one refused.
  expect(await inFlightTogether(["desk-0001", "desk-0001"])).toEqual([
    200,
    "429 more than 1 requests in flight for this session",
  ]);
  // Two at once in two sessions: both analysed (the key's cap is 2).
  expect(await inFlightTogether(["desk-0002", "desk-0003"])).toEqual([200, 200]);
  // Three at once in three sessions: the key's third is refused.
  expect(await inFlightTogether(["desk-0004", "desk-0005", "desk-0006"])).toEqual([
    200,
    200,
    "429 more than 2 requests in flight for this caller (all its sessions together)",
  ]);
});
