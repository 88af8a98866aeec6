/**
 * Face-crop frames over HTTP, on real photos and the real models: the server asks a tracked session for a crop
 * (next.crop), the crop is cut from the same photo with exactly that geometry (as the clients cut it) and
 * sent with X-Frame-Crop, and the answer must say what the full frame says, in frame pixels.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { cutFaceCrop } from "../../bench/lib/face-crop";
import { formatFrameCrop } from "../../src/frame/crop-frame";
import { fixtureBytes, fixtureFrame } from "../support/images";
import { startTestServer } from "../support/server";

let server: Awaited<ReturnType<typeof startTestServer>>;
// Without load-aware pacing: the time a session is slowed by load moves its next detection (frame-plan.ts), and
// what the tests here ask is when a detection falls due on its own (load-pacing.test.ts tests the load's part).
beforeAll(async () => {
  server = await startTestServer({ VIGIL_LOAD_PACING: "false" });
});
afterAll(() => server.stop());

const T0 = Date.now() - 60_000;
let sessionCounter = 0;
const newSession = () => `crop-test-${++sessionCounter}-${crypto.randomUUID()}`;

async function post(body: Uint8Array<ArrayBuffer>, headers: Record<string, string>, query = "?landmarks=1") {
  const response = await fetch(`${server.url}/v1/analyze${query}`, {
    method: "POST",
    body,
    headers: { "content-type": "image/jpeg", ...headers },
  });
  return { status: response.status, body: (await response.json()) as any };
}
const at = (second: number) => String(Math.round(T0 + second * 1000));

/** Largest distance between corresponding landmarks, in frame pixels. */
function landmarkDistance(a: number[][], b: number[][]): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.hypot(a[i][0] - b[i][0], a[i][1] - b[i][1]));
  return worst;
}

/** Gaps between two answers' main face: eye openness, head pose (degrees), landmarks (frame pixels). */
function gaps(a: any, b: any) {
  return {
    openness: Math.max(
      Math.abs(a.eyes.left.openness - b.eyes.left.openness),
      Math.abs(a.eyes.right.openness - b.eyes.right.openness),
    ),
    pose: Math.max(
      Math.abs(a.headPose.yaw - b.headPose.yaw),
      Math.abs(a.headPose.pitch - b.headPose.pitch),
      Math.abs(a.headPose.roll - b.headPose.roll),
    ),
    landmarks: landmarkDistance(a.landmarks, b.landmarks),
  };
}

for (const photo of ["grace_hopper.jpg", "astronaut.png"]) {
  test(`${photo}: the crop the server asks for gives the full frame's eyes, pose and landmarks, in frame pixels`, async () => {
    const bytes = await fixtureBytes(photo);
    const frame = await fixtureFrame(photo);
    const contentType = photo.endsWith(".png") ? "image/png" : "image/jpeg";
    const first = await post(bytes, {
      "content-type": contentType,
      "x-session-id": newSession(),
      "x-capture-time": at(0),
    });
    expect(first.status).toBe(200);
    expect(first.body.tracked).toBe(false);
    expect(first.body.next.frame).toBe("crop");
    const asked = first.body.next.crop;
    expect(asked.outputSize).toBe(192);

    // The reference: the same full frame again, tracked from the same position (what the crop replaces).
    const reference = newSession();
    await post(bytes, { "content-type": contentType, "x-session-id": reference, "x-capture-time": at(0) });
    const full = await post(bytes, { "content-type": contentType, "x-session-id": reference, "x-capture-time": at(1) });
    expect(full.body.tracked).toBe(true);
    const [b] = full.body.faces;
    const faceSize = b.box.width;

    // The size the server asks for (the landmark model's own input), and a larger one a client may send.
    for (const outputSize of [192, 256]) {
      const session = newSession();
      await post(bytes, { "content-type": contentType, "x-session-id": session, "x-capture-time": at(0) });
      const cut = await cutFaceCrop(frame, { ...asked, outputSize });
      const cropped = await post(cut.jpeg, {
        "x-session-id": session,
        "x-capture-time": at(1),
        "x-frame-crop": cut.header,
      });
      expect(cropped.status).toBe(200);
      expect(cropped.body.person).toEqual({ present: true, count: 1 });
      expect(cropped.body.tracked).toBe(true);
      expect(cropped.body.image).toMatchObject({
        width: frame.width,
        height: frame.height,
        analyzedWidth: outputSize,
        analyzedHeight: outputSize,
      });
      expect(cropped.body.image.crop).toMatchObject({ frameWidth: frame.width, frameHeight: frame.height });
      const [a] = cropped.body.faces;
      const gap = gaps(a, b);
      console.log(
        `${photo} at ${outputSize} px: crop ${cut.jpeg.byteLength} B vs full ${bytes.byteLength} B; openness gap ${gap.openness.toFixed(3)}, pose gap ${gap.pose.toFixed(2)} deg, landmarks ${gap.landmarks.toFixed(2)} px (face ${faceSize.toFixed(0)} px)`,
      );
      // Tolerances from the measured gaps (printed above): the crop is the same ROI, resampled once more and
      // JPEG-compressed at quality 80, so only that noise remains.
      expect(gap.openness).toBeLessThan(0.08);
      expect(gap.pose).toBeLessThan(3);
      expect(gap.landmarks).toBeLessThan(0.03 * faceSize);
      expect(a.eyes.left.closed).toBe(b.eyes.left.closed);
      expect(a.eyes.right.closed).toBe(b.eyes.right.closed);
      expect(a.lookingAway).toBe(b.lookingAway);
      // Image quality is judged over the face in either (sampled on a grid relative to the face box).
      const [qa, qb] = [cropped.body.image.quality, full.body.image.quality];
      console.log(
        `${photo} at ${outputSize} px: brightness ${qa.brightness.toFixed(1)} vs ${qb.brightness.toFixed(1)}, sharpness ${qa.sharpness.toFixed(0)} vs ${qb.sharpness.toFixed(0)}`,
      );
      expect({ tooDark: qa.tooDark, tooBright: qa.tooBright, tooBlurry: qa.tooBlurry }).toEqual({
        tooDark: qb.tooDark,
        tooBright: qb.tooBright,
        tooBlurry: qb.tooBlurry,
      });
      expect(Math.abs(qa.brightness - qb.brightness)).toBeLessThan(0.05 * qb.brightness);
      expect(Math.abs(a.box.x - b.box.x) + Math.abs(a.box.y - b.box.y)).toBeLessThan(0.05 * faceSize);
      // And the session goes on with crops: the next one is asked for from the crop's own landmarks.
      expect(cropped.body.next.frame).toBe("crop");
      expect(Math.abs(cropped.body.next.crop.centerX - asked.centerX)).toBeLessThan(0.05 * asked.size);
      expect(cropped.body.session).toMatchObject({ state: "focused", frames: 2 });
    }
  }, 30_000);
}

test("a detection falls due: the server asks for a full frame, and a full frame then runs the detector", async () => {
  const bytes = await fixtureBytes("grace_hopper.jpg");
  const frame = await fixtureFrame("grace_hopper.jpg");
  const session = newSession();
  let answer = await post(bytes, { "x-session-id": session, "x-capture-time": at(0) });
  const kinds: string[] = [];
  for (let second = 1; second <= 3; second++) {
    kinds.push(answer.body.next.frame);
    if (answer.body.next.frame === "crop") {
      const cut = await cutFaceCrop(frame, answer.body.next.crop);
      answer = await post(cut.jpeg, {
        "x-session-id": session,
        "x-capture-time": at(second),
        "x-frame-crop": cut.header,
      });
    } else {
      answer = await post(bytes, { "x-session-id": session, "x-capture-time": at(second) });
      expect(answer.body.tracked).toBe(false);
    }
    expect(answer.status).toBe(200);
  }
  // Detection at 0 s, due again 3 s later: crops at 1 s, and the answer at 2 s asks for the full frame at 3 s.
  expect(kinds).toEqual(["crop", "crop", "full"]);
}, 30_000);

test("a crop that no longer shows the face: no person in it, and the next frame must be a full one", async () => {
  const session = newSession();
  const first = await post(await fixtureBytes("grace_hopper.jpg"), {
    "x-session-id": session,
    "x-capture-time": at(0),
  });
  // The "camera" now shows the fruit bowl where the face was.
  const fruit = await fixtureFrame("fruits.jpg");
  const cut = await cutFaceCrop(fruit, { ...first.body.next.crop, centerX: 200, centerY: 200 });
  const lost = await post(cut.jpeg, { "x-session-id": session, "x-capture-time": at(1), "x-frame-crop": cut.header });
  expect(lost.status).toBe(200);
  expect(lost.body.person.present).toBe(false);
  expect(lost.body.next.frame).toBe("full");
  expect(lost.body.next.crop).toBeUndefined();
});

// Malformed X-Frame-Crop geometry and a crop without a session are refused by the HTTP layer alone
// (http-validation.test.ts); a crop image that is not square is known only once decoded.
test("a crop image that is not square is refused with 400 invalid_crop, and the session goes on", async () => {
  const frame = await fixtureFrame("grace_hopper.jpg");
  const good = await cutFaceCrop(frame, { centerX: 256, centerY: 250, size: 300, rotation: 0, outputSize: 256 });
  const session = newSession();
  const wide = await fixtureBytes("grace_hopper.jpg");
  const notSquare = await post(wide, {
    "x-session-id": session,
    "x-capture-time": at(1),
    "x-frame-crop": formatFrameCrop({
      centerX: 256,
      centerY: 250,
      size: 300,
      rotation: 0,
      frameWidth: 512,
      frameHeight: 600,
    }),
  });
  expect(notSquare.status).toBe(400);
  expect(notSquare.body.error.code).toBe("invalid_crop");
  expect(notSquare.body.error.message).toContain("square");
  expect(
    (await post(good.jpeg, { "x-session-id": session, "x-capture-time": at(2), "x-frame-crop": good.header })).status,
  ).toBe(200);
});

test("old clients: a full frame without a session has no `next`, and with one it is answered as before", async () => {
  const bytes = await fixtureBytes("grace_hopper.jpg");
  const plain = await post(bytes, {}, "");
  expect(plain.status).toBe(200);
  expect(plain.body.next).toBeUndefined();
  expect(plain.body.image.crop).toBeUndefined();
  expect(plain.body.faces).toHaveLength(1);
});

test("the OpenAPI document describes next, the crop geometry and X-Frame-Crop", async () => {
  const doc = await (await fetch(`${server.url}/openapi.json`)).json();
  expect(doc.paths["/v1/analyze"].post.parameters.map((p: { name: string }) => p.name)).toContain("X-Frame-Crop");
  expect(Object.keys(doc.components.schemas.NextFrame.properties)).toEqual(["nextFrameAfterMs", "frame", "crop"]);
  expect(doc.components.schemas.Analysis.properties.next).toBeDefined();
  expect(Object.keys(doc.components.schemas.FaceCrop.properties)).toEqual(["centerX", "centerY", "size", "rotation"]);
});
