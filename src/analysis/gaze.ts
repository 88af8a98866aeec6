/**
 * Where the irises sit within the eyes, and whether the user looks away from the screen.
 * Iris position: the iris centre projected on the line between the eye corners (0 = image-left corner,
 * 1 = image-right corner) and on the line from upper to lower lid (0 = upper, 1 = lower). Projections keep
 * the measure independent of head roll and of face size.
 */
import { positionAlong, type Vec3 } from "./geometry";
import type { HeadPose } from "./head-pose";
import { LEFT_EYE, RIGHT_EYE } from "./landmark-indices";

export interface Gaze {
  horizontal: number;
  vertical: number;
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

function irisPosition(landmarks: readonly Vec3[], eye: EyeIndices): Gaze {
  const iris = landmarks[eye.irisCenter];
  return {
    horizontal: positionAlong(iris, landmarks[eye.imageLeftCorner], landmarks[eye.imageRightCorner]),
    vertical: positionAlong(iris, landmarks[eye.upperLid], landmarks[eye.lowerLid]),
  };
}

export function gaze(landmarks: readonly Vec3[]): Gaze {
  const right = irisPosition(landmarks, RIGHT_EYE);
  const left = irisPosition(landmarks, LEFT_EYE);
  return { horizontal: (right.horizontal + left.horizontal) / 2, vertical: (right.vertical + left.vertical) / 2 };
}

/**
 * Away when the head is turned past the limits, or when the eyes (if open: a shut eye's iris is a guess)
 * are aimed far to one side while the head faces the screen.
 */
export function isLookingAway(pose: HeadPose, eyes: Gaze, eyesOpen: boolean, t: GazeThresholds): boolean {
  if (Math.abs(pose.yaw) > t.maxYaw || Math.abs(pose.pitch) > t.maxPitch) return true;
  return eyesOpen && Math.abs(eyes.horizontal - 0.5) > t.maxIrisOffset;
}
