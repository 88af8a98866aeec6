/**
 * Limits per session and per principal (real server): one key shared by many users gives each user's
 * session its own allowance, and inventing session ids stops at the per-principal cap.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { hashApiKey } from "../../src/server/access";
import { fixtureBytes } from "../support/images";
import { startTestServer } from "../support/server";

const SHARED = "shared-school-key-0123456789"; // one key shipped inside an extension for a whole school
const BYSTANDER = "another-customer-key-987654";
const CONCURRENT = "concurrency-test-key-424242";
let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  server = await startTestServer({
    VIGIL_WORKERS: "1",
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
    headers: { authorization: `Bearer ${key}`, "content-type": "image/jpeg", ...(session ? { "x-session-id": session } : {}) },
  });
/** Refused fast (415) once past the limits, but counted as a frame: bursts stay well inside one second. */
const tiny = new Uint8Array([0xff]);
const outcome = async (response: Response) => (response.status === 429 ? `429 ${(await response.json()).error.message}` : response.status);

test("two sessions under one key each get their own rate; one session past its rate gets 429; the key's total is capped", async () => {
  const codes: Array<number | string> = [];
  // 3 frames for each of two users' sessions: 6 frames under one key, each session within its 3 a second.
  for (let i = 0; i < 3; i++) for (const session of ["pupil-0001", "pupil-0002"]) codes.push(await outcome(await post(SHARED, session, tiny)));
  expect(codes).toEqual([415, 415, 415, 415, 415, 415]);

  // A fourth frame in the same second for one session: refused for that session only.
  const fourth = await post(SHARED, "pupil-0001", tiny);
  expect(fourth.status).toBe(429);
  expect(fourth.headers.get("retry-after")).toBe("1");
  const refusal = (await fourth.json()).error;
  expect(refusal.code).toBe("rate_limited");
  expect(refusal.message).toContain("3 frames a second for this session");

  // Inventing session ids: the key's total (8 a second, 6 used) lets two more through, then refuses.
  const invented = [];
  for (const session of ["made-up-0001", "made-up-0002", "made-up-0003", "made-up-0004"]) invented.push(await outcome(await post(SHARED, session, tiny)));
  expect(invented.slice(0, 2)).toEqual([415, 415]);
  expect(invented.slice(2)).toEqual(Array(2).fill("429 more than 8 frames a second for this caller (all its sessions together)"));

  // Another key is untouched by all of this.
  expect((await post(BYSTANDER, "pupil-0001", tiny)).status).toBe(415);
});

test("frames without a session share one session's allowance", async () => {
  const codes = [];
  for (let i = 0; i < 4; i++) codes.push((await post(BYSTANDER, undefined, tiny)).status);
  expect(codes).toEqual([415, 415, 415, 429]);
});

test("requests in flight: capped per session, and per key over all its sessions", async () => {
  // A large real photo keeps the one worker busy long enough for the requests to overlap.
  const big = new Uint8Array(await new Bun.Image(await fixtureBytes("grace_hopper.jpg")).resize(2500, 2900, { fit: "fill" }).jpeg({ quality: 95 }).bytes());
  const together = async (sessions: string[]) => Promise.all(sessions.map(async (session) => outcome(await post(CONCURRENT, session, big))));

  // Two at once in one session (cap 1): one analysed, one refused.
  expect((await together(["desk-0001", "desk-0001"])).sort()).toEqual([200, "429 more than 1 requests in flight for this session"]);
  // Two at once in two sessions: both analysed (the key's cap is 2).
  expect(await together(["desk-0002", "desk-0003"])).toEqual([200, 200]);
  await Bun.sleep(1100); // a fresh second for the frame rate, so only the in-flight cap can refuse below
  // Three at once in three sessions: the key's third is refused.
  const three = await together(["desk-0004", "desk-0005", "desk-0006"]);
  expect(three.filter((c) => c === 200)).toHaveLength(2);
  expect(three).toContain("429 more than 2 requests in flight for this caller (all its sessions together)");
});
