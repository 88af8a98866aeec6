/**
 * MediaPipe face mesh indices used by the measures, named by the SUBJECT's side (the person in front of
 * the camera): the subject's right eye appears on the image's left in an unmirrored webcam frame.
 * Source: MediaPipe face mesh topology (canonical_face_model_uv_visualization.png) and the refinement
 * maps in tensors_to_face_landmarks_with_attention.pbtxt.
 */

/** Six points per eye in Soukupová & Čech's order: p1 outer corner, p2/p3 upper lid, p4 inner corner, p5/p6 lower lid. */
export const RIGHT_EYE_EAR = [33, 160, 158, 133, 153, 144] as const;
export const LEFT_EYE_EAR = [263, 387, 385, 362, 380, 373] as const;

/** Eye corners in image order (image-left first) and the lid midpoints, for iris position. */
export const RIGHT_EYE = { imageLeftCorner: 33, imageRightCorner: 133, upperLid: 159, lowerLid: 145, irisCenter: 468 } as const;
export const LEFT_EYE = { imageLeftCorner: 362, imageRightCorner: 263, upperLid: 386, lowerLid: 374, irisCenter: 473 } as const;

/** Head axes: outer eye corners (subject's right -> left) and forehead/chin. */
export const HEAD = { rightEyeOuter: 33, leftEyeOuter: 263, forehead: 10, chin: 152 } as const;

/** Inner lips: upper and lower midpoints, and the mouth corners. */
export const MOUTH = { upperInner: 13, lowerInner: 14, leftCorner: 308, rightCorner: 78 } as const;
