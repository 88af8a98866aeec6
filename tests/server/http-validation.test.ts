/**
 * Requests the HTTP layer refuses by itself, each a JSON error with the right status, before anything reaches the
 * analysis: the body, its type and size, multipart forms, the query, the session headers and the face-crop
 * geometry. The app runs with a fake analysis backend (tests/support/fake-backend.ts), so every test also checks
 * that the refused request never reached it. What only decoding can tell (a truncated or non-image file, a
 * declared size over the limits, a crop image that is not square) is tested on the real server: analyze-api and
 * crop-frames tests.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { formatFrameCrop } from "../../src/frame/crop-frame";
import { startFakeServer } from "../support/fake-backend";

let server: ReturnType<typeof startFakeServer>;
beforeAll(() => {
  server = startFakeServer({ VIGIL_MAX_BODY_BYTES: String(2 * 1024 * 1024) });
});
afterAll(() => server.stop());

const post = (body: BodyInit | null, headers: Record<string, string> = {}, query = "") =>
  fetch(`${server.url}/v1/analyze${query}`, { method: "POST", body, headers });
const jpeg = (extra: Record<string, string> = {}) => ({ "content-type": "image/jpeg", ...extra });
/** Any bytes: the fake backend does not decode them. */
const SOME_BYTES = new Uint8Array([0xff, 0xd8, 0xff, 0xe0]);

/** The refusal: status, JSON error with code and a message, and nothing handed to the analysis. */
async function expectRefused(request: Promise<Response>, status: number, code: string) {
  const handed = server.backend.frames.length;
  const response = await request;
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toContain("application/json");
  const body = await response.json();
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(5);
  expect(server.backend.frames.length).toBe(handed);
  return body;
}

describe("the body", () => {
  test("empty: 400", () => expectRefused(post(new Uint8Array(0), jpeg()), 400, "empty_body"));
  test("a content type that is not an image: 415", () =>
    expectRefused(post("hello", { "content-type": "text/plain" }), 415, "unsupported_media_type"));
  test("no content type: 415", () => expectRefused(post(SOME_BYTES), 415, "unsupported_media_type"));
  test("over the limit, enforced while reading a chunked upload: 413", async () => {
    const chunk = new Uint8Array(256 * 1024);
    let sent = 0;
    const stream = new ReadableStream({
      pull(controller) {
        if (sent >= 16) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    await expectRefused(post(stream, jpeg()), 413, "body_too_large");
  });
  test("over the limit with Content-Length, before reading: 413", () =>
    expectRefused(post(new Uint8Array(3 * 1024 * 1024), jpeg()), 413, "body_too_large"));
  test("multipart without an image field: 400", () => {
    const form = new FormData();
    form.append("picture", "nope");
    return expectRefused(post(form), 400, "missing_image");
  });
  test("multipart whose image field is not an image type: 415", () => {
    const form = new FormData();
    form.append("image", new Blob(["text"], { type: "text/plain" }), "note.txt");
    return expectRefused(post(form), 415, "unsupported_media_type");
  });
  test("malformed multipart: 400", () =>
    expectRefused(
      post('--x\r\nContent-Disposition: form-data; name="image"\r\n\r\nunterminated', {
        "content-type": "multipart/form-data; boundary=zzz",
      }),
      400,
      "malformed_multipart",
    ));
  test("a multipart image field is handed over as the image", async () => {
    const form = new FormData();
    form.append("image", new Blob([SOME_BYTES], { type: "image/jpeg" }), "frame.jpg");
    const response = await post(form, {}, "?landmarks=1");
    expect(response.status).toBe(200);
    expect(server.backend.frames.at(-1)).toMatchObject({ bytes: SOME_BYTES.byteLength, landmarks: true });
  });
});

test("a query other than landmarks=0|1: 400", () =>
  expectRefused(post(SOME_BYTES, jpeg(), "?landmarks=maybe"), 400, "invalid_query"));
test("an unknown route: 404", () => expectRefused(fetch(`${server.url}/v2/nothing`), 404, "not_found"));
test("a known route with another method: 405 with the methods it takes in Allow", async () => {
  const cases: [string, string, string][] = [
    ["GET", "/v1/analyze", "POST"],
    ["PUT", "/v1/analyze", "POST"],
    ["POST", "/v1/sessions/valid-session-9", "GET, HEAD, DELETE"],
    ["DELETE", "/healthz", "GET, HEAD"],
    ["POST", "/metrics", "GET, HEAD"],
  ];
  for (const [method, path, allow] of cases) {
    const response = await fetch(`${server.url}${path}`, { method });
    expect(response.headers.get("allow")).toBe(allow);
    await expectRefused(Promise.resolve(response), 405, "method_not_allowed");
  }
  await expectRefused(fetch(`${server.url}/v1/analyze/extra`, { method: "GET" }), 404, "not_found");
});

describe("session headers", () => {
  test("a session id must be 8-128 characters of a safe alphabet", async () => {
    await expectRefused(post(SOME_BYTES, jpeg({ "x-session-id": "short" })), 400, "invalid_session_id");
    await expectRefused(post(SOME_BYTES, jpeg({ "x-session-id": "has spaces in it" })), 400, "invalid_session_id");
    await expectRefused(fetch(`${server.url}/v1/sessions/bad id`), 400, "invalid_session_id");
  });

  test("a capture time must be ms since the epoch, within a day of the server's clock, and with a session", async () => {
    const session = { "x-session-id": "valid-session-1" };
    for (const time of ["yesterday", "1700", String(Date.now() + 3_600_000), String(Date.now() - 2 * 86_400_000)]) {
      await expectRefused(post(SOME_BYTES, jpeg({ ...session, "x-capture-time": time })), 400, "invalid_capture_time");
    }
    await expectRefused(post(SOME_BYTES, jpeg({ "x-capture-time": String(Date.now()) })), 400, "invalid_capture_time");
  });

  test("a valid session frame reaches the analysis with its id and capture time", async () => {
    const capturedAt = Date.now() - 5000;
    const headers = jpeg({ "x-session-id": "valid-session-2", "x-capture-time": String(capturedAt) });
    expect((await post(SOME_BYTES, headers)).status).toBe(200);
    expect(server.backend.frames.at(-1)?.session).toEqual({ owner: "local", id: "valid-session-2", capturedAt });
  });

  test("a capture time with a fraction of a ms (performance.timeOrigin + performance.now()) is rounded to the ms", async () => {
    const capturedAt = Date.now() - 5000;
    const headers = jpeg({ "x-session-id": "valid-session-3", "x-capture-time": `${capturedAt}.625` });
    expect((await post(SOME_BYTES, headers)).status).toBe(200);
    expect(server.backend.frames.at(-1)?.session).toEqual({
      owner: "local",
      id: "valid-session-3",
      capturedAt: capturedAt + 1,
    });
    for (const time of [`${capturedAt}.`, `${capturedAt}.1234567`, `${capturedAt}e0`, `-${capturedAt}`]) {
      await expectRefused(
        post(SOME_BYTES, jpeg({ "x-session-id": "valid-session-3", "x-capture-time": time })),
        400,
        "invalid_capture_time",
      );
    }
  });
});

describe("face-crop geometry (X-Frame-Crop)", () => {
  const session = () => ({ "x-session-id": "crop-session-1", "x-capture-time": String(Date.now()) });

  test("every malformed or impossible geometry: 400 invalid_crop naming the header", async () => {
    const bad = [
      "256,250,300,0,512", // five fields
      "256,250,300,0,512,600,1", // seven
      "256,250,300,0,512,abc",
      "256,250,NaN,0,512,600",
      "256,250,3e2,0,512,600", // no exponents
      "256,250,Infinity,0,512,600",
      "256,250,0,0,512,600", // empty square
      "256,250,-300,0,512,600",
      "256,250,5000,0,512,600", // far larger than the frame
      "900,250,300,0,512,600", // centre outside the frame
      "256,-1,300,0,512,600",
      "256,250,300,90,512,600", // degrees, not radians
      "256,250,300,0,512.5,600", // frame size not whole
      "256,250,300,0,0,600",
      "256,250,300,0,20000,600", // frame over the side limit
      "",
    ];
    for (const header of bad) {
      const body = await expectRefused(
        post(SOME_BYTES, jpeg({ ...session(), "x-frame-crop": header })),
        400,
        "invalid_crop",
      );
      expect(body.error.message, header).toContain("X-Frame-Crop");
    }
  });

  test("a crop without a session: 400 crop_needs_session", () =>
    expectRefused(post(SOME_BYTES, jpeg({ "x-frame-crop": "256,250,300,0,512,600" })), 400, "crop_needs_session"));

  test("a valid geometry reaches the analysis as parsed", async () => {
    const crop = { centerX: 256, centerY: 250.5, size: 300, rotation: -0.25, frameWidth: 512, frameHeight: 600 };
    expect((await post(SOME_BYTES, jpeg({ ...session(), "x-frame-crop": formatFrameCrop(crop) }))).status).toBe(200);
    expect(server.backend.frames.at(-1)?.crop).toEqual(crop);
  });
});
