import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { fixtureBytes } from "../support/images";
import { startTestServer } from "../support/server";

let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  // Recycling after large frames is tested in resilience.test.ts; here a 4.3 MP frame tests downscaling only.
  server = await startTestServer({ VIGIL_MAX_BODY_BYTES: String(2 * 1024 * 1024), VIGIL_MAX_IMAGE_PIXELS: "5000000" });
});
afterAll(() => server.stop());

const post = (body: BodyInit | null, contentType?: string, query = "") =>
  fetch(`${server.url}/v1/analyze${query}`, {
    method: "POST",
    body,
    headers: contentType ? { "content-type": contentType } : {},
  });

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toContain("application/json");
  const body = await response.json();
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message.length).toBeGreaterThan(5);
  return body;
}

describe("analysis of real photos", () => {
  test("a JPEG portrait: one person, open eyes, facing the camera", async () => {
    const response = await post(await fixtureBytes("grace_hopper.jpg"), "image/jpeg");
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.person).toEqual({ present: true, count: 1 });
    const [face] = body.faces;
    expect(face.eyes.left.closed).toBe(false);
    expect(face.eyes.right.closed).toBe(false);
    expect(face.eyes.left.openness).toBeGreaterThan(0.5);
    expect(face.eyes.left.ear).toBeGreaterThan(0.2);
    expect(Math.abs(face.headPose.yaw)).toBeLessThan(15);
    expect(Math.abs(face.headPose.roll)).toBeLessThan(15);
    expect(face.lookingAway).toBe(false);
    expect(face.mouth.yawn).toBe(false);
    expect(face.landmarks).toBeUndefined();
    expect(body.image).toMatchObject({ format: "jpeg", width: 512, height: 600 });
    expect(body.image.quality).toMatchObject({ tooDark: false, tooBright: false, tooBlurry: false });
    expect(body.models.faceDetector.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(body.models.faceLandmarks.source).toContain("@mediapipe/face_mesh@");
    for (const key of ["decodeMs", "queueMs", "inferenceMs", "analysisMs", "totalMs"])
      expect(body.timings[key]).toBeGreaterThanOrEqual(0);
    expect(body.timings.totalMs).toBeGreaterThanOrEqual(body.timings.inferenceMs);
  });

  test("multipart with an image field, and ?landmarks=1 adds 478 points inside the frame", async () => {
    const form = new FormData();
    form.append("image", new Blob([await fixtureBytes("astronaut.png")], { type: "image/png" }), "frame.png");
    const response = await fetch(`${server.url}/v1/analyze?landmarks=1`, { method: "POST", body: form });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.faces[0].landmarks).toHaveLength(478);
    for (const [x, y] of body.faces[0].landmarks) {
      expect(x).toBeGreaterThan(0);
      expect(x).toBeLessThan(512);
      expect(y).toBeGreaterThan(0);
      expect(y).toBeLessThan(512);
    }
  });

  test("WebP is accepted", async () => {
    const webp = new Uint8Array(
      await new Bun.Image(await fixtureBytes("grace_hopper.jpg")).webp({ quality: 90 }).bytes(),
    );
    const body = await (await post(webp, "image/webp")).json();
    expect(body.image.format).toBe("webp");
    expect(body.person.present).toBe(true);
  });

  test("no person in fruit or in an animal's face", async () => {
    for (const photo of ["fruits.jpg", "baboon.jpg"]) {
      const body = await (await post(await fixtureBytes(photo), "image/jpeg")).json();
      expect(body.person).toEqual({ present: false, count: 0 });
      expect(body.faces).toEqual([]);
    }
  });

  test("a large frame is scaled down before inference and answered in original pixels", async () => {
    const big = new Uint8Array(
      await new Bun.Image(await fixtureBytes("grace_hopper.jpg"))
        .resize(1920, 2250, { fit: "fill" })
        .jpeg({ quality: 90 })
        .bytes(),
    );
    const body = await (await post(big, "image/jpeg")).json();
    expect(body.image).toMatchObject({ width: 1920, height: 2250 });
    expect(body.image.analyzedHeight).toBe(1280);
    // The face box is in the original's pixels: grace's face is about 200 of 512 px wide, so ~750 here.
    expect(body.faces[0].box.width).toBeGreaterThan(600);
    expect(body.faces[0].box.width).toBeLessThan(900);
  });
});

// What the HTTP layer refuses by itself (empty body, content types, body size, multipart, query, route) is
// tested with a fake backend in http-validation.test.ts; here, what only the workers' decoding can tell.
describe("every bad image is a JSON error with the right status, and the workers stay", () => {
  test("image type declared but the bytes are not an image: 415", async () =>
    expectError(
      await post(new TextEncoder().encode("this is not an image at all"), "image/jpeg"),
      415,
      "unsupported_media_type",
    ));
  test("truncated JPEG: 422", async () => {
    const jpeg = await fixtureBytes("grace_hopper.jpg");
    await expectError(await post(jpeg.slice(0, jpeg.length / 2), "image/jpeg"), 422, "corrupt_image");
  });
  test("truncated PNG: 422", async () => {
    const png = await fixtureBytes("astronaut.png");
    await expectError(await post(png.slice(0, 20_000), "image/png"), 422, "corrupt_image");
  });
  test("a PNG declaring 100 megapixels is refused from its header: 413", async () => {
    // A valid PNG signature and IHDR chunk declaring 10000x10000, and nothing else.
    const png = new Uint8Array([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0x27, 0x10, 0, 0, 0x27,
      0x10, 8, 6, 0, 0, 0, 0x1d, 0xa8, 0x4f, 0x3a,
    ]);
    const body = await expectError(await post(png, "image/png"), 413, "image_too_large");
    expect(body.error.message).toContain("5000000");
  });
  test("after all of that every worker is still up", async () => {
    const ready = await (await fetch(`${server.url}/readyz`)).json();
    expect(ready).toMatchObject({ status: "ready", workers: { ready: 2, restarts: 0, recycled: 0 } });
  });
});

describe("operations endpoints", () => {
  test("healthz and readyz", async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
  });

  test("metrics in Prometheus format with the pool's numbers", async () => {
    await post(await fixtureBytes("astronaut.png"), "image/png");
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/vigil_http_request_duration_seconds_bucket\{[^}]*route="\/v1\/analyze"[^}]*status="200"/);
    expect(text).toMatch(/^vigil_queue_depth \d+/m);
    expect(text).toMatch(/^vigil_workers_ready 2/m);
    expect(text).toMatch(/^vigil_worker_busy_seconds_total [0-9.e-]+/m);
    expect(text).toContain("vigil_frames_shed_total");
    expect(text).toContain("vigil_worker_restarts_total");
    expect(text).toContain("vigil_http_requests_in_flight");
  });

  test("OpenAPI 3.1 document generated from the schemas, and the docs page with its local assets", async () => {
    const doc = await (await fetch(`${server.url}/openapi.json`)).json();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/v1/analyze", "/v1/sessions/{id}", "/healthz", "/readyz", "/metrics"]),
    );
    expect(doc.paths["/v1/analyze"].post.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(["landmarks", "X-Session-Id", "X-Capture-Time"]),
    );
    expect(Object.keys(doc.paths["/v1/analyze"].post.requestBody.content)).toEqual([
      "image/jpeg",
      "image/png",
      "image/webp",
      "multipart/form-data",
    ]);
    expect(doc.components.schemas.Analysis.properties.faces).toBeDefined();
    const page = await (await fetch(`${server.url}/docs`)).text();
    expect(page).toContain("/docs/swagger-ui-bundle.js");
    expect(page).not.toMatch(/https?:\/\//);
    const script = await fetch(`${server.url}/docs/swagger-ui-bundle.js`);
    expect(script.status).toBe(200);
    expect((await script.text()).length).toBeGreaterThan(100_000);
  });
});
