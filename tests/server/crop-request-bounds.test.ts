/**
 * The crop a session's answer asks for (next.crop) is always one the server accepts back (X-Frame-Crop): on the
 * real server with the real models, for crops whose face fills the frame or lies at its edge, and for the plan
 * alone over many face positions.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cutFaceCrop } from "../../bench/lib/face-crop";
import { formatFrameCrop, parseFrameCrop } from "../../src/frame/crop-frame";
import { fitToFrame } from "../../src/session/frame-plan";
import { fixtureBytes, fixtureFrame } from "../support/images";
import { startTestServer } from "../support/server";

const LIMITS = { maxPixels: 16_000_000, maxSide: 10_000 };

describe("fitToFrame (the plan alone)", () => {
  test("over 20,000 seeded face positions, sizes and turns, the crop asked for parses back", () => {
    let seed = 19;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 20_000; i++) {
      const width = 1 + Math.floor(random() * 4000);
      const height = 1 + Math.floor(random() * 4000);
      const roi = {
        centerX: (random() * 3 - 1) * width,
        centerY: (random() * 3 - 1) * height,
        size: random() * 5 * Math.max(width, height),
        rotation: (random() - 0.5) * 20,
      };
      const crop = fitToFrame(roi, { width, height })!;
      const header = formatFrameCrop({ ...crop, frameWidth: width, frameHeight: height });
      expect({ header, parsed: "error" in parseFrameCrop(header, LIMITS) ? "refused" : "accepted" }).toEqual({
        header,
        parsed: "accepted",
      });
    }
  });

  test("a frame of no known size gets no crop", () => {
    expect(fitToFrame({ centerX: 1, centerY: 1, size: 10, rotation: 0 }, { width: Number.NaN, height: 10 })).toBeNull();
  });
});

describe("on the real server", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    server = await startTestServer({ VIGIL_WORKERS: "1" });
  });
  afterAll(() => server.stop());

  const T0 = Date.now() - 60_000;
  const post = async (body: Uint8Array<ArrayBuffer>, headers: Record<string, string>) => {
    const response = await fetch(`${server.url}/v1/analyze`, {
      method: "POST",
      body,
      headers: { "content-type": "image/jpeg", ...headers },
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  // The crop geometries of the outside probe: a face crop as large as the frame allows, turned half a turn.
  for (const header of ["512,600,1200,3.14,512,600", "5000,800,20000,6.28,10000,1600"]) {
    test(`a crop sent with X-Frame-Crop: ${header}; the crop the answer asks for is accepted`, async () => {
      const photo = "grace_hopper.jpg";
      const session = `crop-bounds-${crypto.randomUUID()}`;
      const first = await post(await fixtureBytes(photo), { "x-session-id": session, "x-capture-time": String(T0) });
      expect(first.body.next.frame).toBe("crop");
      // A real face crop (cut where the server asked), sent as the crop of the probe's frame.
      const face = await cutFaceCrop(await fixtureFrame(photo), first.body.next.crop);
      let sent = header;
      for (let second = 1; second <= 4; second++) {
        const answer = await post(face.jpeg, {
          "x-session-id": session,
          "x-capture-time": String(T0 + second * 1000),
          "x-frame-crop": sent,
        });
        expect({ sent, status: answer.status, error: answer.body.error }).toEqual({
          sent,
          status: 200,
          error: undefined,
        });
        const next = answer.body.next;
        if (next.frame !== "crop") break;
        const [, , , , frameWidth, frameHeight] = header.split(",").map(Number);
        sent = formatFrameCrop({ ...next.crop, frameWidth, frameHeight });
        expect(parseFrameCrop(sent, LIMITS)).toHaveProperty("crop");
      }
    }, 30_000);
  }
});
