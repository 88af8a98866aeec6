/**
 * A Gaussian blur as three passes of a (2r+1) box blur along each axis, close to a Gaussian of sigma
 * sqrt(r(r+1)) (Wells 1986): 1.41 px at r = 1, 2.45 px at r = 2. Red, green and blue each; alpha opaque.
 * Pixels past the frame's edge are left out of a box's mean.
 */
import type { RgbaFrame } from "../../src/engine/types";

export function boxBlurred(frame: RgbaFrame, radius: number): RgbaFrame {
  const { width: w, height: h } = frame;
  let from = Float32Array.from(frame.data);
  let to = new Float32Array(from.length);
  for (let pass = 0; pass < 3; pass++) {
    for (const [dx, dy] of [
      [1, 0],
      [0, 1],
    ]) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const i = (y * w + x) * 4;
          for (let c = 0; c < 3; c++) {
            let sum = 0;
            let n = 0;
            for (let k = -radius; k <= radius; k++) {
              const xx = x + k * dx;
              const yy = y + k * dy;
              if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
              sum += from[(yy * w + xx) * 4 + c];
              n++;
            }
            to[i + c] = sum / n;
          }
          to[i + 3] = 255;
        }
      }
      [from, to] = [to, from];
    }
  }
  return { data: Uint8Array.from(from, Math.round), width: w, height: h };
}
