/** What a session keeps of an analysed frame: the main face's per-eye EARs and whether its eyes are lowered. */
import { describe, expect, test } from "bun:test";
import type { FrameOutcome } from "../../src/frame/frame-contract";
import { observationOf } from "../../src/session/observation";

type Result = Pick<FrameOutcome, "faces" | "image">;
type Face = Result["faces"][number];

const quality = { brightness: 120, sharpness: 900, tooDark: false, tooBright: false, tooBlurry: false };
const image = { format: "jpeg" as const, width: 640, height: 480, analyzedWidth: 640, analyzedHeight: 480, quality };
const face = (gaze: Face["gaze"], left = 0.31, right = 0.27): Face => ({
  box: { x: 200, y: 120, width: 220, height: 220 },
  detectionScore: 0.9,
  presenceScore: 0.99,
  eyes: { left: { openness: 1, ear: left, closed: false }, right: { openness: 0.94, ear: right, closed: false } },
  headPose: { yaw: 2, pitch: -30, roll: 1 },
  gaze,
  lookingAway: true,
  mouth: { opening: 0.05, yawn: false },
});

describe("observationOf", () => {
  test("keeps the main face's per-eye EARs, for the personal baseline", () => {
    const o = observationOf(
      {
        faces: [
          face({ horizontal: 0.5, vertical: 0.55, down: false }),
          face({ horizontal: 0.5, vertical: 0.5, down: false }, 0.2, 0.2),
        ],
        image,
      },
      1000,
    );
    expect(o).toMatchObject({
      at: 1000,
      faces: 2,
      ear: { left: 0.31, right: 0.27 },
      eyesClosed: false,
      lookingDown: false,
      lookingAway: true,
    });
  });

  test("reads face.gaze.down: true is looking down, false or absent is not", () => {
    expect(observationOf({ faces: [face({ horizontal: 0.5, vertical: 0.9, down: true })], image }, 0).lookingDown).toBe(
      true,
    );
    expect(
      observationOf({ faces: [face({ horizontal: 0.5, vertical: 0.9, down: false })], image }, 0).lookingDown,
    ).toBe(false);
    // An analysis that does not report it (older workers during a rolling update) is not looking down.
    expect(
      observationOf({ faces: [face({ horizontal: 0.5, vertical: 0.9 } as Face["gaze"])], image }, 0).lookingDown,
    ).toBe(false);
  });

  test("without a face: no EARs, not looking down", () => {
    expect(observationOf({ faces: [], image }, 0)).toMatchObject({
      faces: 0,
      ear: null,
      openness: null,
      lookingDown: false,
      eyesClosed: false,
    });
  });
});
