/**
 * Is the frame good enough to judge? Brightness is the mean luma (Rec. 601: 0.299 R + 0.587 G + 0.114 B)
 * and sharpness the variance of the Laplacian of luma (Pech-Pacheco et al., "Diatom autofocusing in
 * brightfield microscopy", ICPR 2000; the usual focus measure). Both are taken over the face box (the whole
 * frame without a face), point-sampled onto a fixed 96x96 grid:
 * - the cost is constant whatever the frame or face size: ~0.12-0.16 ms on a 640x480 frame here (9,216
 *   samples instead of 307,200 pixels), where the landmark model itself takes milliseconds;
 * - sharpness is judged at a fixed resolution relative to the face (about half the 192x192 the landmark
 *   model sees it at), so a large face with blur finer than a grid cell still counts as sharp, which is
 *   what matters for the landmarks. A face smaller than 96 px is upsampled by repetition.
 * Thresholds and the calibration on the fixtures: thresholds.ts and docs/thresholds.md.
 */
export interface QualityThresholds {
  /** Mean luma under this is too dark to judge (0..255). */
  darkBelow: number;
  /** Mean luma over this is too bright (washed out). */
  brightAbove: number;
  /** Laplacian variance under this is too blurry. */
  blurryBelow: number;
}

export interface ImageQuality {
  brightness: number;
  sharpness: number;
  tooDark: boolean;
  tooBright: boolean;
  tooBlurry: boolean;
}

interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

const GRID = 96;

export function imageQuality(
  image: { data: Uint8Array | Uint8ClampedArray; width: number; height: number },
  region: Region | null,
  t: QualityThresholds,
): ImageQuality {
  const { data, width, height } = image;
  const x0 = Math.max(0, Math.floor(region?.x ?? 0));
  const y0 = Math.max(0, Math.floor(region?.y ?? 0));
  const x1 = Math.min(width, Math.ceil(region ? region.x + region.width : width));
  const y1 = Math.min(height, Math.ceil(region ? region.y + region.height : height));
  const w = Math.max(1, x1 - x0);
  const h = Math.max(1, y1 - y0);
  const luma = new Float32Array(GRID * GRID);
  let sum = 0;
  for (let gy = 0; gy < GRID; gy++) {
    const y = Math.min(height - 1, y0 + Math.floor(((gy + 0.5) * h) / GRID));
    for (let gx = 0; gx < GRID; gx++) {
      const x = Math.min(width - 1, x0 + Math.floor(((gx + 0.5) * w) / GRID));
      const i = (y * width + x) * 4;
      const l = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
      luma[gy * GRID + gx] = l;
      sum += l;
    }
  }
  const brightness = sum / (GRID * GRID);
  // 4-neighbour Laplacian on the inner grid, then its variance.
  let lapSum = 0;
  let lapSq = 0;
  let n = 0;
  for (let gy = 1; gy < GRID - 1; gy++) {
    for (let gx = 1; gx < GRID - 1; gx++) {
      const c = gy * GRID + gx;
      const lap = luma[c - 1] + luma[c + 1] + luma[c - GRID] + luma[c + GRID] - 4 * luma[c];
      lapSum += lap;
      lapSq += lap * lap;
      n++;
    }
  }
  const mean = lapSum / n;
  const sharpness = lapSq / n - mean * mean;
  return {
    brightness,
    sharpness,
    tooDark: brightness < t.darkBelow,
    tooBright: brightness > t.brightAbove,
    tooBlurry: sharpness < t.blurryBelow,
  };
}
