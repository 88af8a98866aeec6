/**
 * A face crop cut from a frame as the clients cut it (clients/extension/lib/capture.js): the square, rotated
 * region the server asked for (`next.crop`), scaled to outputSize x outputSize and encoded as JPEG, with the
 * X-Frame-Crop header that describes it. The warp is the engine's own (src/engine/crop.ts), which samples the
 * same points a canvas transform does. For tests and the load generator.
 */
import { cropRotatedSquare } from "../../src/engine/crop";
import type { RgbaFrame } from "../../src/engine/types";
import { formatFrameCrop } from "../../src/frame/crop-frame";
import type { CropRequest } from "../../src/session/frame-plan";
import { encodePng } from "./png";

export const CROP_JPEG_QUALITY = 80;

export async function cutFaceCrop(
  frame: RgbaFrame,
  crop: CropRequest,
  quality = CROP_JPEG_QUALITY,
): Promise<{ jpeg: Uint8Array<ArrayBuffer>; header: string }> {
  const side = crop.outputSize;
  const pixels = cropRotatedSquare(frame, crop, side);
  const jpeg = new Uint8Array(
    await new Bun.Image(encodePng({ data: pixels, width: side, height: side })).jpeg({ quality }).bytes(),
  );
  return { jpeg, header: formatFrameCrop({ ...crop, frameWidth: frame.width, frameHeight: frame.height }) };
}
