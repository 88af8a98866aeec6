/**
 * Where to crop the face for the landmark model, as MediaPipe's face mesh pipeline does it:
 * a square 1.5 times the face's extent, rotated so that the eyes are level
 * (face_detection_front_detection_to_roi.pbtxt and face_landmark_landmarks_to_roi.pbtxt:
 * rotation from the eye keypoints with target angle 0, RectTransformation scale 1.5, square_long).
 */
import type { Box, Landmark, Roi } from "./types";

const ROI_SCALE = 1.5;

/** Mesh indices of the outer eye corners, on the image's left and right for a frontal face. */
export const OUTER_EYE_CORNER_LEFT_IN_IMAGE = 33;
export const OUTER_EYE_CORNER_RIGHT_IN_IMAGE = 263;

interface Point {
  x: number;
  y: number;
}

/** Angle that levels the line from `start` to `end` (image y points down). */
function levellingRotation(start: Point, end: Point): number {
  return Math.atan2(end.y - start.y, end.x - start.x);
}

/**
 * From a face detection: the box in pixels and the two eye keypoints in pixels
 * (BlazeFace keypoint 0 is the eye on the image's left, keypoint 1 the one on its right).
 */
export function roiFromDetection(box: Box, eyeOnImageLeft: Point, eyeOnImageRight: Point): Roi {
  return {
    centerX: box.x + box.width / 2,
    centerY: box.y + box.height / 2,
    size: Math.max(box.width, box.height) * ROI_SCALE,
    rotation: levellingRotation(eyeOnImageLeft, eyeOnImageRight),
  };
}

/**
 * From the previous frame's landmarks (tracking, as in MediaPipe's video mode). The extent is measured
 * in the face's own rotated frame rather than as an axis-aligned box, so a tilted head does not get a
 * needlessly large crop.
 */
export function roiFromLandmarks(landmarks: readonly Landmark[]): Roi {
  const rotation = levellingRotation(
    landmarks[OUTER_EYE_CORNER_LEFT_IN_IMAGE],
    landmarks[OUTER_EYE_CORNER_RIGHT_IN_IMAGE],
  );
  const cos = Math.cos(rotation);
  const sin = Math.sin(rotation);
  let minU = Infinity;
  let maxU = -Infinity;
  let minV = Infinity;
  let maxV = -Infinity;
  for (const p of landmarks) {
    // Coordinates along the face's levelled axes.
    const u = p.x * cos + p.y * sin;
    const v = -p.x * sin + p.y * cos;
    if (u < minU) minU = u;
    if (u > maxU) maxU = u;
    if (v < minV) minV = v;
    if (v > maxV) maxV = v;
  }
  const midU = (minU + maxU) / 2;
  const midV = (minV + maxV) / 2;
  return {
    centerX: midU * cos - midV * sin,
    centerY: midU * sin + midV * cos,
    size: Math.max(maxU - minU, maxV - minV) * ROI_SCALE,
    rotation,
  };
}

/**
 * Maps a point of the crop (in crop pixels, 0..cropSize) back to the image: the inverse of the warp in
 * crop.ts. z scales with the crop like x (MediaPipe's LandmarkProjectionCalculator does the same).
 */
export function projectFromCrop(roi: Roi, cropSize: number, x: number, y: number, z: number): Landmark {
  const scale = roi.size / cropSize;
  const dx = (x - cropSize / 2) * scale;
  const dy = (y - cropSize / 2) * scale;
  const cos = Math.cos(roi.rotation);
  const sin = Math.sin(roi.rotation);
  return {
    x: roi.centerX + dx * cos - dy * sin,
    y: roi.centerY + dx * sin + dy * cos,
    z: z * scale,
  };
}

/** The axis-aligned box around a set of landmarks. */
export function boundingBox(points: readonly Landmark[]): Box {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const p of points) {
    if (p.x < minX) minX = p.x;
    if (p.x > maxX) maxX = p.x;
    if (p.y < minY) minY = p.y;
    if (p.y > maxY) maxY = p.y;
  }
  return { x: minX, y: minY, width: maxX - minX, height: maxY - minY };
}
