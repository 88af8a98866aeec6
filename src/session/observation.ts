/** What a session keeps of one analysed frame (see session-history.ts). */
import type { AnalysisResult } from "../pool/analysis-job";
import type { Observation } from "./session-history";

export function observationOf(result: Pick<AnalysisResult, "faces" | "image">, capturedAt: number): Observation {
  // The main face: the detector's most confident one (faces come sorted by score).
  const face = result.faces[0];
  const quality = result.image.quality;
  return {
    at: capturedAt,
    faces: result.faces.length,
    eyesClosed: face ? face.eyes.left.closed && face.eyes.right.closed : false,
    openness: face ? (face.eyes.left.openness + face.eyes.right.openness) / 2 : null,
    ear: face ? { left: face.eyes.left.ear, right: face.eyes.right.ear } : null,
    // Eyes lowered to a desk, a book or a keyboard, open rather than closed (src/analysis/downcast.ts).
    lookingDown: face ? face.gaze.down === true : false,
    lookingAway: face ? face.lookingAway : false,
    yawn: face ? face.mouth.yawn : false,
    unusable: quality.tooDark || quality.tooBlurry,
  };
}
