/**
 * Where the irises sit within the eyes, and whether the user looks away from the screen.
 *
 * Iris position: the iris centre (468 in the subject's right eye, 473 in the left; the engine tests check
 * each lies inside its eye's contour on real photos) projected on the line between the eye corners
 * (horizontal: 0 = the corner towards the subject's right, i.e. the image's left on an upright unmirrored
 * face; 1 = towards the subject's left) and on the line from the upper to the lower lid midpoint (vertical:
 * 0 = upper lid, 1 = lower lid). Projections on the face's own lines make the ratios independent of head
 * roll (an upside-down face reads the same) and of face size. Clamped to 0..1: the iris centre cannot leave
 * the eye, and when the lids nearly meet the lid line is too short to divide by meaningfully.
 *
 * Measured on the fixture portraits (subjects looking into the camera): horizontal 0.48-0.53, vertical
 * 0.55-0.59 (the upper lid covers the top of the iris, so a straight gaze sits below the lid midpoint).
 */
import { positionAlong, type Vec3 } from "./geometry";
import type { HeadPose } from "./head-pose";
import { LEFT_EYE, RIGHT_EYE } from "./landmark-indices";

export interface IrisPosition {
  horizontal: number;
  vertical: number;
}

export interface Gaze extends IrisPosition {
  /** Looking down (reading, writing) with the eyes open: see downcast.ts. Such a face's eyes are never closed. */
  down: boolean;
}

export interface GazeThresholds {
  /** |yaw| beyond this (degrees) is looking away. */
  maxYaw: number;
  /** |pitch| beyond this (degrees) is looking away. */
  maxPitch: number;
  /** Horizontal iris offset from the eye centre (0..0.5) beyond this is looking away. */
  maxIrisOffset: number;
}

type EyeIndices = typeof LEFT_EYE | typeof RIGHT_EYE;

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/** One eye's iris position (see the module comment for the axes). */
export function irisPosition(landmarks: readonly Vec3[], eye: EyeIndices): IrisPosition {
  const iris = landmarks[eye.irisCenter];
  return {
    horizontal: clamp01(positionAlong(iris, landmarks[eye.subjectRightCorner], landmarks[eye.subjectLeftCorner])),
    vertical: clamp01(positionAlong(iris, landmarks[eye.upperLid], landmarks[eye.lowerLid])),
  };
}

/** Both eyes averaged: the eyes move together, and the mean halves the landmark noise. */
export function gaze(landmarks: readonly Vec3[]): IrisPosition {
  const right = irisPosition(landmarks, RIGHT_EYE);
  const left = irisPosition(landmarks, LEFT_EYE);
  return { horizontal: (right.horizontal + left.horizontal) / 2, vertical: (right.vertical + left.vertical) / 2 };
}

/**
 * Away when the head is turned past the limits, or when the eyes are aimed far to one side while the head
 * faces the screen. The iris is judged only with both eyes open (a shut eye's iris is the model's guess),
 * and only sideways: the vertical iris position follows the lids as much as the gaze, so looking down is
 * left to the head's pitch.
 */
export function isLookingAway(pose: HeadPose, eyes: IrisPosition, eyesOpen: boolean, t: GazeThresholds): boolean {
  if (Math.abs(pose.yaw) > t.maxYaw || Math.abs(pose.pitch) > t.maxPitch) return true;
  return eyesOpen && Math.abs(eyes.horizontal - 0.5) > t.maxIrisOffset;
}
