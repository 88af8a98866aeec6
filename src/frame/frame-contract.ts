/**
 * A frame's contract: what is asked of an analysis (FrameRequest) and what comes back (FrameOutcome). The
 * server builds the request, the pool carries it to a worker, the worker hands it to the FrameAnalyzer, which
 * gives the engine its part; the outcome goes back the same way unchanged, and only the server maps it to the
 * API's answer (server/analysis-body.ts). The API schema (server/schemas.ts) is checked against these types.
 */
import type { FaceMeasures } from "../analysis/face-measures";
import type { ImageQuality } from "../analysis/image-quality";
import type { AnalyzeOptions } from "../engine/face-engine";
import type { Box, Roi } from "../engine/types";
import type { ImageFormat } from "../image/probe";

/**
 * The geometry of a face-crop frame (`X-Frame-Crop`, frame/crop-frame.ts): a square region of the client's
 * frame, centre and size in its pixels, rotation in radians.
 */
export interface FrameCrop {
  centerX: number;
  centerY: number;
  size: number;
  rotation: number;
  frameWidth: number;
  frameHeight: number;
}

/**
 * How a frame looks for its faces: follow the session's previous faces (`track`: no detector, see
 * FaceEngine.analyze), or run which detector (`detector`: "short" is the workers' default, for webcam
 * framings, about a third of the cost; "full" also finds small, distant faces: a session's first frame and
 * its periodic look for a second person).
 */
export interface FaceSearch extends AnalyzeOptions {
  /**
   * Nobody is expected (the session's previous frame found nobody): decode the frame only as large as the
   * short-range detector needs, and decode it whole only if the detector finds someone there (quick-look.ts).
   * Ignored for a tracked frame or one the full-range detector looks at.
   */
  expectEmpty?: boolean;
}

/** One frame's analysis request. */
export interface FrameRequest extends FaceSearch {
  /** Include each face's 478 landmarks. */
  landmarks: boolean;
  /** The image is a face crop of the client's frame, with this geometry: landmarks only, mapped back. */
  crop?: FrameCrop;
}

/** One face of a frame, in the frame's original pixels. */
export interface FaceAnalysis extends FaceMeasures {
  box: Box;
  /** BlazeFace score; null when the face was tracked from the previous frame. */
  detectionScore: number | null;
  presenceScore: number;
  /** With `landmarks`: 478 [x, y, z] points. */
  landmarks?: number[][];
}

export interface ImageAnalysis {
  format: ImageFormat;
  /** The frame's size (for a crop frame: the client's full frame). */
  width: number;
  height: number;
  /** The size the models looked at. */
  analyzedWidth: number;
  analyzedHeight: number;
  quality: ImageQuality;
  /** For a face-crop frame: its geometry. */
  crop?: FrameCrop;
}

/** Where an analysis's time went, in ms (the server adds the queue wait and the total). */
export interface FrameTimings {
  decodeMs: number;
  inferenceMs: number;
  analysisMs: number;
  /** Inference by stage: detect, crop, landmarks, merge, and the landmark model's passes. */
  stages: Record<string, number>;
}

/** What an analysis of one frame found. */
export interface FrameOutcome {
  person: { present: boolean; count: number };
  /** The faces were followed from the previous frame's positions; the detector did not run. */
  tracked: boolean;
  /** Largest detection score first. */
  faces: FaceAnalysis[];
  image: ImageAnalysis;
  models: Record<string, { name: string; source: string; sha256: string }>;
  timings: FrameTimings;
  /** Where each face was, in the frame's original pixels, for the session's next frame (not in the API's answer). */
  tracking: Roi[];
}
