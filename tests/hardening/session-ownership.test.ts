/**
 * A session belongs to the principal that made it (real server, real photos, two API keys): another key
 * cannot read, delete or join it, whatever id it sends.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { hashApiKey } from "../../src/server/access";
import { fixtureBytes } from "../support/images";
import { startTestServer } from "../support/server";

const OWNER = "owner-key-0123456789abcdef";
const OTHER = "other-key-fedcba9876543210";
const T0 = Date.now() - 60_000;
let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  server = await startTestServer({
    VIGIL_WORKERS: "1",
    VIGIL_AUTH: "keys",
    VIGIL_API_KEY_HASHES: `${hashApiKey(OWNER)},${hashApiKey(OTHER)}`,
  });
});
afterAll(() => server.stop());

async function frame(key: string, photo: string, session: string, second: number) {
  const response = await fetch(`${server.url}/v1/analyze`, {
    method: "POST",
    body: await fixtureBytes(photo),
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "image/jpeg",
      "x-session-id": session,
      "x-capture-time": String(T0 + second * 1000),
    },
  });
  expect(response.status).toBe(200);
  return (await response.json()).session;
}
const sessionRequest = (key: string, id: string, method = "GET") =>
  fetch(`${server.url}/v1/sessions/${id}`, { method, headers: { authorization: `Bearer ${key}` } });

test("another key gets 404 for a session on GET and DELETE, and the session is left as it was", async () => {
  const id = "owned-session-0001";
  for (let s = 0; s < 3; s++) await frame(OWNER, "grace_hopper.jpg", id, s);
  const before = await (await sessionRequest(OWNER, id)).json();
  expect(before).toMatchObject({ id, state: "focused", frames: 3 });

  for (const method of ["GET", "DELETE"]) {
    const response = await sessionRequest(OTHER, id, method);
    expect(response.status).toBe(404);
    // The same answer as for a session that never existed: the other key learns nothing.
    expect((await response.json()).error.code).toBe("session_not_found");
  }
  expect(await (await sessionRequest(OWNER, id)).json()).toEqual(before);
  expect((await sessionRequest(OWNER, id, "DELETE")).status).toBe(204);
  expect((await sessionRequest(OWNER, id)).status).toBe(404);
});

test("another key's frames with the same id start its own session and never join the owner's", async () => {
  const id = "owned-session-0002";
  // The owner's user is there for 3 s.
  for (let s = 0; s < 3; s++) await frame(OWNER, "grace_hopper.jpg", id, s);
  // The other key sends empty scenes under the same id: a fresh session of its own, with its own state.
  const first = await frame(OTHER, "fruits.jpg", id, 3);
  expect(first).toMatchObject({ id, frames: 1, fresh: true });
  let other = first;
  for (let s = 4; s <= 9; s++) other = await frame(OTHER, "fruits.jpg", id, s);
  expect(other).toMatchObject({ id, frames: 7, state: "away" });

  // The owner's session saw none of it: still 3 frames, still focused, and its next frame continues it.
  expect(await (await sessionRequest(OWNER, id)).json()).toMatchObject({ id, frames: 3, state: "focused" });
  expect(await frame(OWNER, "grace_hopper.jpg", id, 10)).toMatchObject({ id, frames: 4, fresh: false });
  // Each key forgets only its own.
  expect((await sessionRequest(OTHER, id, "DELETE")).status).toBe(204);
  expect((await sessionRequest(OWNER, id)).status).toBe(200);
});
