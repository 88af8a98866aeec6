/** What a session keeps of one analysed frame (see session-history.ts). */
import type { FrameOutcome } from "../frame/frame-contract";

/** An eye aspect ratio for each of the subject's eyes. */
export interface EyeEars {
  left: number;
  right: number;
}

/** What one analysed frame says, reduced to what the session rules need. */
export interface Observation {
  /** Capture time, ms since the epoch (the client's when given, else arrival). */
  at: number;
  faces: number;
  /** The main face's eyes are both closed by the per-frame (absolute) rule (each at least 80% closed). */
  eyesClosed: boolean;
  /** The main face's mean eye openness, 0..1 (null without a face). */
  openness: number | null;
  /** The main face's eye aspect ratios (null without a face): what the personal baseline is made of. */
  ear: EyeEars | null;
  /** Each eye's probability of closed by its pixels (face.eyes.*.looksClosed); absent or null without them. */
  looksClosed?: EyeEars | null;
  /** The main face's eyes are lowered to a desk, a book or a keyboard (`face.gaze.down`): reading. */
  lookingDown: boolean;
  lookingAway: boolean;
  yawn: boolean;
  /** The frame is too dark or blurry to judge the eyes. */
  unusable: boolean;
}

export function observationOf(result: Pick<FrameOutcome, "faces" | "image">, capturedAt: number): Observation {
  // The main face: the detector's most confident one (faces come sorted by score).
  const face = result.faces[0];
  const quality = result.image.quality;
  return {
    at: capturedAt,
    faces: result.faces.length,
    eyesClosed: face ? face.eyes.left.closed && face.eyes.right.closed : false,
    openness: face ? (face.eyes.left.openness + face.eyes.right.openness) / 2 : null,
    ear: face ? { left: face.eyes.left.ear, right: face.eyes.right.ear } : null,
    looksClosed:
      face && face.eyes.left.looksClosed != null && face.eyes.right.looksClosed != null
        ? { left: face.eyes.left.looksClosed, right: face.eyes.right.looksClosed }
        : null,
    // Eyes lowered to a desk, a book or a keyboard, open rather than closed (src/analysis/downcast.ts).
    lookingDown: face ? face.gaze.down === true : false,
    lookingAway: face ? face.lookingAway : false,
    yawn: face ? face.mouth.yawn : false,
    unusable: quality.tooDark || quality.tooBlurry,
  };
}
