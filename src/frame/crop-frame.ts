/**
 * Face-crop frames: the client sends only the square, rotated region of its frame that the server asked for
 * (`next.crop` in the answer; src/session/frame-plan.ts), scaled to a small square image, with the region's
 * geometry in the `X-Frame-Crop` header:
 *
 *     X-Frame-Crop: centerX,centerY,size,rotation,frameWidth,frameHeight
 *
 * centre and size in the pixels of the client's full frame (frameWidth x frameHeight), rotation in radians
 * (positive turns the crop's x axis clockwise on screen). Crop pixel (u, v) of an S x S image shows the frame
 * point  centre + R(rotation) . ((u - S/2) * size/S, (v - S/2) * size/S),  the warp of src/engine/crop.ts.
 *
 * The server runs only the landmark model on it (the whole image is the face ROI; the engine falls back to its
 * detector inside the crop if the face is not where it was), then maps every landmark back into the frame, so
 * every measure, box and landmark of the answer is in frame pixels as for a full frame.
 */
import { imageQuality } from "../analysis/image-quality";
import { eyeAppearance } from "../analysis/eye-appearance";
import { measureFace } from "../analysis/face-measures";
import type { Thresholds } from "../analysis/thresholds";
import type { FaceEngine } from "../engine/face-engine";
import { boundingBox, projectFromCrop, roiFromLandmarks } from "../engine/roi";
import type { Landmark, Roi } from "../engine/types";
import { decodeImage } from "../image/decode";
import { probeImage, type ImageLimits } from "../image/probe";
import type { FrameCrop, FrameOutcome, FrameRequest } from "./frame-contract";
import { frameTimings } from "./frame-timings";
import { modelVersions } from "./model-versions";

/** Largest side of a crop image (the server asks for 192 px, the landmark model's input; clients may send more). */
export const MAX_CROP_IMAGE_SIDE = 1024;
const NUMBER = /^-?\d{1,6}(\.\d{1,8})?$/;

/** Thrown (in the worker) for a crop image that cannot be what was asked; 400 `invalid_crop`. */
export class CropError extends Error {
  readonly code = "invalid_crop";
  constructor(message: string) {
    super(message);
    this.name = "CropError";
  }
}

/**
 * The geometry of an `X-Frame-Crop` header, or why it is refused. Strict: six plain decimal numbers (no
 * exponent, no NaN or Infinity); a whole frame size within the image limits; a positive size no larger than
 * twice the frame's long side; the centre inside the frame; the rotation in radians, within one turn either way.
 */
export function parseFrameCrop(header: string, limits: Required<ImageLimits>): { crop: FrameCrop } | { error: string } {
  const fields = header.split(",").map((f) => f.trim());
  if (fields.length !== 6 || !fields.every((f) => NUMBER.test(f))) {
    return { error: "X-Frame-Crop must be six decimal numbers: centerX,centerY,size,rotation,frameWidth,frameHeight" };
  }
  const [centerX, centerY, size, rotation, frameWidth, frameHeight] = fields.map(Number);
  if (!Number.isInteger(frameWidth) || !Number.isInteger(frameHeight) || frameWidth < 1 || frameHeight < 1) {
    return { error: "X-Frame-Crop: frameWidth and frameHeight must be whole numbers of pixels, at least 1" };
  }
  if (frameWidth > limits.maxSide || frameHeight > limits.maxSide || frameWidth * frameHeight > limits.maxPixels) {
    return { error: `X-Frame-Crop: a ${frameWidth}x${frameHeight} frame is over the image limits` };
  }
  if (!(size >= 1 && size <= 2 * Math.max(frameWidth, frameHeight))) {
    return { error: "X-Frame-Crop: size must be at least 1 pixel and at most twice the frame's long side" };
  }
  if (centerX < 0 || centerX > frameWidth || centerY < 0 || centerY > frameHeight) {
    return { error: "X-Frame-Crop: the crop's centre must lie inside the frame" };
  }
  if (Math.abs(rotation) > 2 * Math.PI) return { error: "X-Frame-Crop: rotation is in radians, between -2π and 2π" };
  return { crop: { centerX, centerY, size, rotation, frameWidth, frameHeight } };
}

/** The header value for a crop (what clients send; the inverse of parseFrameCrop). */
export function formatFrameCrop(crop: FrameCrop): string {
  const n = (v: number, digits: number) => String(Number(v.toFixed(digits)));
  return [
    n(crop.centerX, 2),
    n(crop.centerY, 2),
    n(crop.size, 2),
    n(crop.rotation, 6),
    crop.frameWidth,
    crop.frameHeight,
  ].join(",");
}

const roiOf = (crop: FrameCrop): Roi => ({
  centerX: crop.centerX,
  centerY: crop.centerY,
  size: crop.size,
  rotation: crop.rotation,
});

/** A point of the S x S crop image, in frame pixels. */
export function cropPointToFrame(crop: FrameCrop, side: number, point: Landmark): Landmark {
  return projectFromCrop(roiOf(crop), side, point.x, point.y, point.z);
}

export interface CropAnalysisOptions {
  limits: ImageLimits;
  thresholds: Thresholds;
}

/** One crop frame, end to end in the worker: decode, landmarks on the whole image, back to frame pixels, measures. */
export async function analyzeCropFrame(
  engine: FaceEngine,
  bytes: Uint8Array,
  request: FrameRequest & { crop: FrameCrop },
  options: CropAnalysisOptions,
): Promise<FrameOutcome> {
  const { crop } = request;
  const t0 = performance.now();
  // The declared size first (the header alone): a small file declaring a large image is refused undecoded.
  const declared = await probeImage(bytes, options.limits);
  const { width, height } = declared;
  if (width !== height) throw new CropError(`a crop image must be square; this one is ${width}x${height}`);
  if (width > MAX_CROP_IMAGE_SIDE) {
    throw new CropError(`a crop image may be at most ${MAX_CROP_IMAGE_SIDE}x${MAX_CROP_IMAGE_SIDE}`);
  }
  const image = await decodeImage(bytes, options.limits);
  const side = image.width;
  const t1 = performance.now();
  // The crop is the face ROI: the landmark model takes the whole image, no detector unless the face left it.
  const engineResult = engine.analyze(image, {
    track: [{ centerX: side / 2, centerY: side / 2, size: side, rotation: 0 }],
  });
  const t2 = performance.now();
  const faces = engineResult.faces.slice(0, 1).map((face) => {
    const landmarks = face.landmarks.map((p) => cropPointToFrame(crop, side, p));
    return { face, landmarks, box: boundingBox(landmarks.slice(0, 468)) };
  });
  const answered = faces.map(({ face, landmarks, box }) => ({
    box,
    detectionScore: face.detectionScore,
    presenceScore: face.presenceScore,
    // The eyes' pixels are the crop's: sampled at the landmarks in crop coordinates.
    ...measureFace(landmarks, options.thresholds, eyeAppearance(image, face.landmarks)),
    ...(request.landmarks ? { landmarks: landmarks.map((p) => [p.x, p.y, p.z]) } : {}),
  }));
  // Brightness and sharpness over the face, in the crop (sampled on a fixed grid relative to the face box).
  const quality = imageQuality(image, engineResult.faces[0]?.box ?? null, options.thresholds.quality);
  const t3 = performance.now();
  return {
    person: { present: answered.length > 0, count: answered.length },
    faces: answered,
    image: {
      format: image.format,
      width: crop.frameWidth,
      height: crop.frameHeight,
      analyzedWidth: side,
      analyzedHeight: side,
      quality,
      crop,
    },
    models: modelVersions(),
    tracked: !engineResult.detectorRan,
    timings: frameTimings(t0, t1, t2, t3, engineResult),
    tracking: faces.map(({ landmarks }) => roiFromLandmarks(landmarks)),
  };
}
