/**
 * Turns the seven output tensors of MediaPipe's face landmark model "with attention" into the 478-point
 * face mesh, as MediaPipe's LandmarksRefinementCalculator does
 * (mediapipe/modules/face_landmark/tensors_to_face_landmarks_with_attention.pbtxt):
 *   - the 468-point mesh (x, y, z) is the base;
 *   - the refined lips (80 points) and eyes (71 points each) replace the x, y of the mesh points they
 *     correspond to, keeping the mesh's z;
 *   - the irises (5 points each) are appended as points 468-472 and 473-477, with z set to the average z
 *     of the eye contour around them.
 * All coordinates stay in crop pixels (0..192); projection to the frame happens afterwards.
 */

export const MESH_POINTS = 468;
export const TOTAL_POINTS = 478;

/** Mesh indices replaced by the lips sub-model's points, in its output order. */
const LIPS_TO_MESH = [
  // lower outer
  61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291,
  // upper outer (excluding corners)
  185, 40, 39, 37, 0, 267, 269, 270, 409,
  // lower inner
  78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308,
  // upper inner (excluding corners)
  191, 80, 81, 82, 13, 312, 311, 310, 415,
  // lower semi-outer
  76, 77, 90, 180, 85, 16, 315, 404, 320, 307, 306,
  // upper semi-outer (excluding corners)
  184, 74, 73, 72, 11, 302, 303, 304, 408,
  // lower semi-inner
  62, 96, 89, 179, 86, 15, 316, 403, 319, 325, 292,
  // upper semi-inner (excluding corners)
  183, 42, 41, 38, 12, 268, 271, 272, 407,
];

/** The eye on the image's left for a frontal face (MediaPipe calls it "left eye"). */
const LEFT_EYE_TO_MESH = [
  // contour: lower, then upper (excluding corners)
  33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173,
  // halos around it, lower then upper, moving outwards; the 4th is the eyebrow's inner contour,
  // the last upper one the eyebrow's outer contour
  130, 25, 110, 24, 23, 22, 26, 112, 243, 247, 30, 29, 27, 28, 56, 190, 226, 31, 228, 229, 230, 231, 232, 233, 244, 113,
  225, 224, 223, 222, 221, 189, 35, 124, 46, 53, 52, 65, 143, 111, 117, 118, 119, 120, 121, 128, 245, 156, 70, 63, 105,
  66, 107, 55, 193,
];

const RIGHT_EYE_TO_MESH = [
  263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398, 359, 255, 339, 254, 253, 252, 256,
  341, 463, 467, 260, 259, 257, 258, 286, 414, 446, 261, 448, 449, 450, 451, 452, 453, 464, 342, 445, 444, 443, 442,
  441, 413, 265, 353, 276, 283, 282, 295, 372, 340, 346, 347, 348, 349, 350, 357, 465, 383, 300, 293, 334, 296, 336,
  285, 417,
];

/** The eye contours (first 16 points of each eye map) whose mean z the iris points take. */
const LEFT_EYE_CONTOUR = LEFT_EYE_TO_MESH.slice(0, 16);
const RIGHT_EYE_CONTOUR = RIGHT_EYE_TO_MESH.slice(0, 16);

const LEFT_IRIS_FIRST = 468;
const RIGHT_IRIS_FIRST = 473;
const IRIS_POINTS = 5;

/** The model's outputs, by role. Mesh has 3 values a point, every other part 2 (x, y). */
export interface AttentionMeshTensors {
  mesh: Float32Array;
  lips: Float32Array;
  leftEye: Float32Array;
  rightEye: Float32Array;
  leftIris: Float32Array;
  rightIris: Float32Array;
}

const EXPECTED_LENGTHS: Record<keyof AttentionMeshTensors, number> = {
  mesh: MESH_POINTS * 3,
  lips: LIPS_TO_MESH.length * 2,
  leftEye: LEFT_EYE_TO_MESH.length * 2,
  rightEye: RIGHT_EYE_TO_MESH.length * 2,
  leftIris: IRIS_POINTS * 2,
  rightIris: IRIS_POINTS * 2,
};

/** Returns 478 x (x, y, z) in crop pixels. */
export function mergeAttentionMesh(tensors: AttentionMeshTensors): Float32Array {
  for (const [name, length] of Object.entries(EXPECTED_LENGTHS)) {
    const actual = tensors[name as keyof AttentionMeshTensors].length;
    if (actual !== length) throw new Error(`landmark model output "${name}" has ${actual} values, expected ${length}`);
  }
  const out = new Float32Array(TOTAL_POINTS * 3);
  out.set(tensors.mesh);
  replaceXY(out, tensors.lips, LIPS_TO_MESH);
  replaceXY(out, tensors.leftEye, LEFT_EYE_TO_MESH);
  replaceXY(out, tensors.rightEye, RIGHT_EYE_TO_MESH);
  appendIris(out, tensors.leftIris, LEFT_IRIS_FIRST, meanZ(out, LEFT_EYE_CONTOUR));
  appendIris(out, tensors.rightIris, RIGHT_IRIS_FIRST, meanZ(out, RIGHT_EYE_CONTOUR));
  return out;
}

function replaceXY(out: Float32Array, xy: Float32Array, meshIndices: readonly number[]): void {
  for (let k = 0; k < meshIndices.length; k++) {
    out[meshIndices[k] * 3] = xy[k * 2];
    out[meshIndices[k] * 3 + 1] = xy[k * 2 + 1];
  }
}

function meanZ(points: Float32Array, indices: readonly number[]): number {
  let sum = 0;
  for (const i of indices) sum += points[i * 3 + 2];
  return sum / indices.length;
}

function appendIris(out: Float32Array, xy: Float32Array, first: number, z: number): void {
  for (let k = 0; k < IRIS_POINTS; k++) {
    out[(first + k) * 3] = xy[k * 2];
    out[(first + k) * 3 + 1] = xy[k * 2 + 1];
    out[(first + k) * 3 + 2] = z;
  }
}

export const LANDMARK_MAPS = { LIPS_TO_MESH, LEFT_EYE_TO_MESH, RIGHT_EYE_TO_MESH } as const;
