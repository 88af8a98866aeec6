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
export const RIGHT_EYE = { subjectRightCorner: 33, subjectLeftCorner: 133, upperLid: 159, lowerLid: 145, irisCenter: 468 } as const;
export const LEFT_EYE = { subjectRightCorner: 362, subjectLeftCorner: 263, upperLid: 386, lowerLid: 374, irisCenter: 473 } as const;

/** Inner lips: upper and lower midpoints, and the mouth corners (subject's left 308, right 78). */
export const MOUTH = { upperInner: 13, lowerInner: 14, leftCorner: 308, rightCorner: 78 } as const;
