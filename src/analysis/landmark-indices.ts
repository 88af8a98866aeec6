/**
 * MediaPipe face mesh indices used by the measures, named by the SUBJECT's side (the person in front of
 * the camera): the subject's right eye appears on the image's left in an unmirrored webcam frame.
 *
 * Checked, not assumed: on MediaPipe's canonical face model (geometry_pipeline_metadata_landmarks.binarypb
 * in @mediapipe/face_mesh, whose X axis points to the subject's left) 33/133 lie at X = -4.45/-1.86 cm and
 * 263/362 at +4.45/+1.86; each upper-lid point sits straight above its lower-lid partner (160/144 and
 * 158/153 at X = -3.67 and -2.72; 387/373 and 385/380 mirrored), tests/analysis/canonical-face.test.ts.
 * Iris 468 lies in the 33..133 eye and 473 in the 263..362 eye on real photos (tests/engine).
 */

/**
 * Six points per eye in Soukupová & Čech's order: p1 outer corner, p2/p3 upper lid, p4 inner corner,
 * p5/p6 lower lid, so that p2-p6 and p3-p5 are the vertical pairs.
 */
export const RIGHT_EYE_EAR = [33, 160, 158, 133, 153, 144] as const;
export const LEFT_EYE_EAR = [263, 387, 385, 362, 380, 373] as const;

/** Eye corners (the one towards the subject's right first), the lid midpoints and the iris centre. */
export const RIGHT_EYE = {
  subjectRightCorner: 33,
  subjectLeftCorner: 133,
  upperLid: 159,
  lowerLid: 145,
  irisCenter: 468,
} as const;
export const LEFT_EYE = {
  subjectRightCorner: 362,
  subjectLeftCorner: 263,
  upperLid: 386,
  lowerLid: 374,
  irisCenter: 473,
} as const;

/** Inner lips: upper and lower midpoints, and the mouth corners (subject's left 308, right 78). */
export const MOUTH = { upperInner: 13, lowerInner: 14, leftCorner: 308, rightCorner: 78 } as const;

/**
 * Each eye's full refined contour (MediaPipe's FACEMESH_LEFT_EYE / FACEMESH_RIGHT_EYE) as lid points listed
 * in pairs, each upper point above its lower partner (the pairs tests/analysis/canonical-face checks for EAR), its
 * iris ring (the four points around the iris centre: 469-472 and 474-477) and a brow
 * point above it (105 / 334) that says which side of the corner line is up.
 */
export interface EyeContour {
  corners: readonly [number, number];
  upperLid: readonly number[];
  lowerLid: readonly number[];
  irisCenter: number;
  irisRing: readonly [number, number, number, number];
  brow: number;
}
export const RIGHT_EYE_CONTOUR: EyeContour = {
  corners: [33, 133],
  upperLid: [246, 161, 160, 159, 158, 157, 173],
  lowerLid: [7, 163, 144, 145, 153, 154, 155],
  irisCenter: 468,
  irisRing: [469, 470, 471, 472],
  brow: 105,
};
export const LEFT_EYE_CONTOUR: EyeContour = {
  corners: [362, 263],
  upperLid: [398, 384, 385, 386, 387, 388, 466],
  lowerLid: [382, 381, 380, 374, 373, 390, 249],
  irisCenter: 473,
  irisRing: [474, 475, 476, 477],
  brow: 334,
};
export const EYE_CONTOURS = { right: RIGHT_EYE_CONTOUR, left: LEFT_EYE_CONTOUR } as const;
