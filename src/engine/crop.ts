/**
 * Cuts the rotated face ROI out of the frame into a square RGBA image for the landmark model.
 *
 * The Tasks embedder's own region-of-interest option can only rotate by multiples of 90 degrees, so the
 * rotated crop is warped here: each crop pixel centre is mapped into the frame and sampled bilinearly.
 * Outside the frame the crop is black, as MediaPipe's ImageToTensor border mode "zero" does.
 */
import type { RgbaFrame, Roi } from "./types";

/**
 * `into`: a buffer of cropSize x cropSize x 4 bytes to write (and return) instead of a new one; every byte is written.
 */
export function cropRotatedSquare(
  frame: RgbaFrame,
  roi: Roi,
  cropSize: number,
  into?: Uint8ClampedArray,
): Uint8ClampedArray {
  const bytes = cropSize * cropSize * 4;
  if (into && into.length !== bytes) throw new RangeError(`crop buffer holds ${into.length} bytes, expected ${bytes}`);
  const out = into ?? new Uint8ClampedArray(bytes);
  if (isWholeFrame(frame, roi, cropSize)) return copyOpaque(frame.data, out);
  const { data, width, height } = frame;
  const scale = roi.size / cropSize;
  const cos = Math.cos(roi.rotation) * scale;
  const sin = Math.sin(roi.rotation) * scale;
  const half = cropSize / 2;
  const row = width * 4;
  let o = 0;
  for (let v = 0; v < cropSize; v++) {
    const dy = v + 0.5 - half;
    for (let u = 0; u < cropSize; u++, o += 4) {
      const dx = u + 0.5 - half;
      // Frame coordinates of this crop pixel's centre, then shifted so that integer = pixel centre.
      const fx = roi.centerX + dx * cos - dy * sin - 0.5;
      const fy = roi.centerY + dx * sin + dy * cos - 0.5;
      const x0 = Math.floor(fx);
      const y0 = Math.floor(fy);
      out[o + 3] = 255;
      if (x0 < -1 || y0 < -1 || x0 >= width || y0 >= height) {
        out[o] = 0;
        out[o + 1] = 0;
        out[o + 2] = 0;
        continue;
      }
      const ax = fx - x0;
      const ay = fy - y0;
      const w00 = (1 - ax) * (1 - ay);
      const w10 = ax * (1 - ay);
      const w01 = (1 - ax) * ay;
      const w11 = ax * ay;
      const i00 = (y0 * width + x0) * 4;
      // A Uint8ClampedArray rounds what it is given (to nearest), so the weighted sums go in as they are.
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < width && y0 + 1 < height) {
        // All four neighbours inside the frame: nearly every pixel of a face crop.
        const i01 = i00 + row;
        out[o] = data[i00] * w00 + data[i00 + 4] * w10 + data[i01] * w01 + data[i01 + 4] * w11;
        out[o + 1] = data[i00 + 1] * w00 + data[i00 + 5] * w10 + data[i01 + 1] * w01 + data[i01 + 5] * w11;
        out[o + 2] = data[i00 + 2] * w00 + data[i00 + 6] * w10 + data[i01 + 2] * w01 + data[i01 + 6] * w11;
        continue;
      }
      // On the frame's edge: neighbours outside it count as black.
      const inX0 = x0 >= 0;
      const inX1 = x0 + 1 < width;
      const inY0 = y0 >= 0;
      const inY1 = y0 + 1 < height;
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        if (inY0 && inX0) sum += data[i00 + c] * w00;
        if (inY0 && inX1) sum += data[i00 + 4 + c] * w10;
        if (inY1 && inX0) sum += data[i00 + row + c] * w01;
        if (inY1 && inX1) sum += data[i00 + row + 4 + c] * w11;
        out[o + c] = sum;
      }
    }
  }
  return out;
}

/**
 * The ROI is the whole frame, upright, at the crop's size: every crop pixel centre lands on the same frame
 * pixel's centre, so the warp would copy. A face-crop frame sent at the model's input size is exactly this.
 */
function isWholeFrame(frame: RgbaFrame, roi: Roi, cropSize: number): boolean {
  const half = cropSize / 2;
  return (
    frame.width === cropSize &&
    frame.height === cropSize &&
    roi.size === cropSize &&
    roi.rotation === 0 &&
    roi.centerX === half &&
    roi.centerY === half
  );
}

/** The frame's pixels, opaque as the warp writes them. */
function copyOpaque(data: RgbaFrame["data"], out: Uint8ClampedArray): Uint8ClampedArray {
  out.set(data);
  for (let a = 3; a < out.length; a += 4) out[a] = 255;
  return out;
}
