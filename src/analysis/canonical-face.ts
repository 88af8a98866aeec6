/**
 * The rigid reference for head pose: the 33 landmarks (with weights) that MediaPipe's own face geometry
 * pipeline fits by weighted Procrustes, and where they sit on its canonical face model, in centimetres.
 *
 * Source: `geometry_pipeline_metadata_landmarks.binarypb` (fields procrustes_landmark_basis and
 * canonical_mesh) packed in @mediapipe/face_mesh's face_mesh_solution_packed_assets.data; this is
 * mediapipe/modules/face_geometry/data in the MediaPipe repository. MediaPipe chose these points because
 * they move little with expression: nose, forehead, eye corners, cheekbones, the jaw angle; no lids, no lips.
 * tests/analysis/canonical-face.test.ts reads the package file and checks every number here.
 *
 * Model frame: X towards the subject's left (the image's right on an unmirrored frontal face), Y up,
 * Z out of the face towards the camera.
 */

/** [landmark index, weight, X, Y, Z] */
export const PROCRUSTES_BASIS: readonly (readonly [number, number, number, number, number])[] = [
  [4, 0.07090994, 0, -0.46317, 7.58658],
  [6, 0.03210014, 0, 2.473255, 5.788627],
  [10, 0.008446551, 0, 8.261778, 4.481535],
  [33, 0.05872417, -4.445859, 2.663991, 3.173422],
  [54, 0.00766708, -6.279331, 6.615427, 1.42585],
  [67, 0.009078059, -3.523964, 8.005976, 3.729163],
  [117, 0.009791938, -5.258659, 0.945811, 2.974312],
  [119, 0.01456537, -3.300681, 0.861641, 3.872784],
  [121, 0.01859136, -1.820731, 1.467954, 4.224124],
  [127, 0.005197994, -7.743095, 2.364999, -2.005167],
  [129, 0.1206252, -1.785794, -0.978284, 4.85047],
  [132, 0.005560019, -7.270895, -2.890917, -2.252455],
  [133, 0.05328618, -1.856432, 2.585245, 3.757904],
  [136, 0.06689046, -5.085276, -7.17859, 0.714711],
  [143, 0.01481655, -6.407571, 2.236021, 1.560843],
  [147, 0.01426283, -6.234883, -1.94443, 1.663542],
  [198, 0.02546219, -1.246815, 0.230297, 5.681036],
  [205, 0.04725228, -3.832928, -1.537326, 4.137731],
  [263, 0.05872417, 4.445859, 2.663991, 3.173422],
  [284, 0.00766708, 6.279331, 6.615427, 1.42585],
  [297, 0.009078059, 3.523964, 8.005976, 3.729163],
  [346, 0.009791938, 5.258659, 0.945811, 2.974312],
  [348, 0.01456537, 3.300681, 0.861641, 3.872784],
  [350, 0.01859136, 1.820731, 1.467954, 4.224124],
  [356, 0.005197994, 7.743095, 2.364999, -2.005167],
  [358, 0.1206252, 1.785794, -0.978284, 4.85047],
  [361, 0.005560019, 7.270895, -2.890917, -2.252455],
  [362, 0.05328618, 1.856432, 2.585245, 3.757904],
  [365, 0.06689046, 5.085276, -7.17859, 0.714711],
  [372, 0.01481655, 6.407571, 2.236021, 1.560843],
  [376, 0.01426283, 6.234883, -1.94443, 1.663542],
  [420, 0.02546219, 1.246815, 0.230297, 5.681036],
  [425, 0.04725228, 3.832928, -1.537326, 4.137731],
];
