/**
 * What each eye shows, from its pixels: iris, pupil and sclera (open) or lid skin (closed).
 *
 * The lids' landmarks cannot tell a shut eye from an eye lowered to a book (the upper lid follows the iris
 * down; docs/thresholds.md), and they read a shut eye behind glasses or in a small, blurred face as half
 * open. The eye region's pixels hold what the landmarks lose: an open eye has a dark iris between brighter
 * sclera and skin, a shut one a smooth band of skin crossed by the lash line. (Measured, the classifier below
 * catches shut eyes the lids miss; lowered eyes it has seen too few of, and reads as lid: docs/thresholds.md.)
 * So each eye's region is sampled into a small grey
 * patch aligned by the eye's corners (outer corner left, the brow up, the same for both eyes), normalised
 * for brightness and contrast, and a logistic regression (weights in eye-appearance-model.json, trained by
 * bench/eyes/train-eye-classifier.ts, which says on what) turns the patch and its gradients into the
 * probability that the eye is closed. It costs a few thousand multiply-adds per eye.
 */
import type { RgbaFrame } from "../engine/types";
import type { Vec3 } from "./geometry";
import { EYE_CONTOURS } from "./landmark-indices";
import model from "./eye-appearance-model.json";

/** The patch: PATCH_W x PATCH_H grey samples spanning SPAN_X x SPAN_Y eye widths around the eye's centre. */
export const PATCH_W = 24;
export const PATCH_H = 12;
const SPAN_X = 1.5;
const SPAN_Y = 0.75;

export interface EyeAppearanceModel {
  /** What the features are, by name; a model whose weight count is not FEATURE_COUNT is refused at load. */
  features: string[];
  mean: number[];
  scale: number[];
  weights: number[];
  bias: number;
}

/** Per eye, the probability (0..1) that it is closed by what it shows; null where it could not be sampled. */
export interface EyeAppearance {
  left: number | null;
  right: number | null;
}

const OUTER_TO_INNER: Record<"left" | "right", readonly [number, number]> = { right: [33, 133], left: [263, 362] };

/** Rec. 601 luma of the frame at a fractional pixel position (bilinear, clamped to the frame). */
function lumaAt(data: RgbaFrame["data"], width: number, height: number, x: number, y: number): number {
  const fx = Math.min(width - 1, Math.max(0, x - 0.5));
  const fy = Math.min(height - 1, Math.max(0, y - 0.5));
  const x0 = fx | 0;
  const y0 = fy | 0;
  const i00 = (y0 * width + x0) * 4;
  const dx = x0 + 1 < width ? 4 : 0;
  const dy = y0 + 1 < height ? width * 4 : 0;
  const tx = fx - x0;
  const ty = fy - y0;
  const l00 = 0.299 * data[i00] + 0.587 * data[i00 + 1] + 0.114 * data[i00 + 2];
  const l01 = 0.299 * data[i00 + dx] + 0.587 * data[i00 + dx + 1] + 0.114 * data[i00 + dx + 2];
  const l10 = 0.299 * data[i00 + dy] + 0.587 * data[i00 + dy + 1] + 0.114 * data[i00 + dy + 2];
  const l11 = 0.299 * data[i00 + dy + dx] + 0.587 * data[i00 + dy + dx + 1] + 0.114 * data[i00 + dy + dx + 2];
  return (l00 * (1 - tx) + l01 * tx) * (1 - ty) + (l10 * (1 - tx) + l11 * tx) * ty;
}

/**
 * The eye's grey patch, row 0 towards the brow, column 0 at the outer corner. Where a patch cell spans more
 * than 1.5 frame pixels it averages a 2x2 grid of samples over the cell, so a large face is not aliased.
 * Null if the corners coincide.
 */
export function eyePatch(frame: RgbaFrame, landmarks: readonly Vec3[], eye: "left" | "right"): Float32Array | null {
  const [outerIndex, innerIndex] = OUTER_TO_INNER[eye];
  const outer = landmarks[outerIndex];
  const inner = landmarks[innerIndex];
  const width = Math.hypot(inner.x - outer.x, inner.y - outer.y);
  if (!(width > 0)) return null;
  const uxx = (inner.x - outer.x) / width;
  const uxy = (inner.y - outer.y) / width;
  let uyx = -uxy;
  let uyy = uxx;
  const cx = (outer.x + inner.x) / 2;
  const cy = (outer.y + inner.y) / 2;
  const brow = landmarks[EYE_CONTOURS[eye].brow];
  // uy points away from the brow: rows grow downwards.
  if ((brow.x - cx) * uyx + (brow.y - cy) * uyy > 0) [uyx, uyy] = [-uyx, -uyy];
  const cellX = (SPAN_X * width) / PATCH_W;
  const cellY = (SPAN_Y * width) / PATCH_H;
  const { data, width: fw, height: fh } = frame;
  const patch = new Float32Array(PATCH_W * PATCH_H);
  const fine = cellX > 1.5;
  for (let r = 0; r < PATCH_H; r++) {
    for (let c = 0; c < PATCH_W; c++) {
      const u = (c + 0.5) * cellX - (SPAN_X * width) / 2;
      const v = (r + 0.5) * cellY - (SPAN_Y * width) / 2;
      const x = cx + u * uxx + v * uyx;
      const y = cy + u * uxy + v * uyy;
      if (!fine) {
        patch[r * PATCH_W + c] = lumaAt(data, fw, fh, x, y);
        continue;
      }
      // Quarter-cell offsets along both axes.
      const ax = (cellX / 4) * uxx;
      const ay = (cellX / 4) * uxy;
      const bx = (cellY / 4) * uyx;
      const by = (cellY / 4) * uyy;
      patch[r * PATCH_W + c] =
        (lumaAt(data, fw, fh, x - ax - bx, y - ay - by) +
          lumaAt(data, fw, fh, x + ax - bx, y + ay - by) +
          lumaAt(data, fw, fh, x - ax + bx, y - ay + by) +
          lumaAt(data, fw, fh, x + ax + bx, y + ay + by)) /
        4;
    }
  }
  return patch;
}

/**
 * The patch's mean and its standard deviation plus 4 grey levels (so a flat patch, all skin or all dark,
 * does not blow its noise up into features).
 */
function meanAndSpread(patch: Float32Array): { mean: number; spread: number } {
  let mean = 0;
  for (const v of patch) mean += v;
  mean /= patch.length;
  let variance = 0;
  for (const v of patch) variance += (v - mean) ** 2;
  return { mean, spread: Math.sqrt(variance / patch.length) + 4 };
}

/**
 * A measure made by hand: how much darker the darkest part of the eye's middle is than the patch around
 * it, in units of the patch's spread: an open eye's iris and pupil make a dark blob well under the skin. Alone
 * it barely tells shut eyes from open ones (leave-one-person-out AUC 0.58: the lash line is dark too); it is
 * one feature among the patch's.
 */
export function irisContrast(patch: Float32Array): number {
  const { mean, spread } = meanAndSpread(patch);
  const sd = spread - 4;
  let n = 0;
  for (let r = MIDDLE.rows[0]; r < MIDDLE.rows[1]; r++)
    for (let c = MIDDLE.cols[0]; c < MIDDLE.cols[1]; c++) MIDDLE.values[n++] = patch[r * PATCH_W + c];
  MIDDLE.values.sort();
  const k = Math.max(1, Math.round(n / 8));
  let dark = 0;
  for (let i = 0; i < k; i++) dark += MIDDLE.values[i];
  return (mean - dark / k) / (sd + 4);
}

/** The eye's middle: rows 25-85% down, columns 30-70% across (the iris's place in an open eye). */
const MIDDLE = (() => {
  const rows = [Math.floor(PATCH_H * 0.25), Math.ceil(PATCH_H * 0.85)] as const;
  const cols = [Math.floor(PATCH_W * 0.3), Math.ceil(PATCH_W * 0.7)] as const;
  return { rows, cols, values: new Float32Array((rows[1] - rows[0]) * (cols[1] - cols[0])) };
})();

/**
 * Three measures of what lies between the lids, from the patch's middle columns (30-70% across), in units of
 * the patch's spread: `glint`, how far the brightest cell of the middle rows stands over their 80th
 * percentile (a cornea's specular highlight is a small spot brighter than the skin around it; a lid's sheen is
 * broad); `darkBand`, the share of rows darker than the patch's mean by half a spread (an iris under a lowered
 * lid makes a thick dark band, a shut lid's lashes a thin line); `darkRow`, the darkest row's height (0 top,
 * towards the brow). Leave-one-person-out they add a little to the patch and its gradients
 * (bench/results/eyes-appearance.md); they do not tell an eye lowered to a desk from a shut one.
 */
export function lidBand(patch: Float32Array): [glint: number, darkBand: number, darkRow: number] {
  const { mean, spread: sd } = meanAndSpread(patch);
  let n = 0;
  let peak = -Infinity;
  for (let r = BAND.rows[0]; r < BAND.rows[1]; r++)
    for (let c = BAND.cols[0]; c < BAND.cols[1]; c++) {
      const v = patch[r * PATCH_W + c];
      BAND.values[n++] = v;
      if (v > peak) peak = v;
    }
  BAND.values.sort();
  const glint = (peak - BAND.values[Math.floor(n * 0.8)]) / sd;
  let dark = 0;
  let darkest = Infinity;
  let darkRow = 0;
  const width = BAND.cols[1] - BAND.cols[0];
  for (let r = 0; r < PATCH_H; r++) {
    let m = 0;
    for (let c = BAND.cols[0]; c < BAND.cols[1]; c++) m += patch[r * PATCH_W + c];
    m /= width;
    if (m < mean - 0.5 * sd) dark++;
    if (m < darkest) [darkest, darkRow] = [m, r];
  }
  return [glint, dark / PATCH_H, darkRow / PATCH_H];
}

/** lidBand's middle: columns 30-70% across, all rows but the two at each edge for the glint. */
const BAND = (() => {
  const rows = [2, PATCH_H - 2] as const;
  const cols = [Math.floor(PATCH_W * 0.3), Math.ceil(PATCH_W * 0.7)] as const;
  return { rows, cols, values: new Float32Array((rows[1] - rows[0]) * (cols[1] - cols[0])) };
})();

/** Orientation bins and cell side (patch pixels) of the gradient histograms. */
const HOG_BINS = 8;
const HOG_CELL = 4;
const HOG_FEATURES = (PATCH_W / HOG_CELL) * (PATCH_H / HOG_CELL) * HOG_BINS;

/**
 * Histograms of oriented gradients (Dalal & Triggs 2005) over 4x4-pixel cells, unsigned orientation in 8
 * bins, weighted by magnitude, the whole vector scaled to unit length: the iris's round edges against the
 * lid's one long horizontal line, whatever the light.
 */
export function gradientHistograms(patch: Float32Array, into: Float64Array, offset: number): void {
  const cellsX = PATCH_W / HOG_CELL;
  into.fill(0, offset, offset + HOG_FEATURES);
  for (let r = 0; r < PATCH_H; r++) {
    for (let c = 0; c < PATCH_W; c++) {
      const gx = patch[r * PATCH_W + Math.min(PATCH_W - 1, c + 1)] - patch[r * PATCH_W + Math.max(0, c - 1)];
      const gy = patch[Math.min(PATCH_H - 1, r + 1) * PATCH_W + c] - patch[Math.max(0, r - 1) * PATCH_W + c];
      const magnitude = Math.sqrt(gx * gx + gy * gy);
      if (magnitude === 0) continue;
      let angle = Math.atan2(gy, gx);
      if (angle < 0) angle += Math.PI;
      const bin = Math.min(HOG_BINS - 1, Math.floor((angle / Math.PI) * HOG_BINS));
      const cell = Math.floor(r / HOG_CELL) * cellsX + Math.floor(c / HOG_CELL);
      into[offset + cell * HOG_BINS + bin] += magnitude;
    }
  }
  let norm = 0;
  for (let i = offset; i < offset + HOG_FEATURES; i++) norm += into[i] ** 2;
  norm = Math.sqrt(norm) + 1e-6;
  for (let i = offset; i < offset + HOG_FEATURES; i++) into[i] /= norm;
}

/** The features after the patch's pixels and its gradient histograms. */
export const EXTRA_FEATURES = ["irisContrast", "glint", "darkBand", "darkRow"] as const;
export const FEATURE_COUNT = PATCH_W * PATCH_H + HOG_FEATURES + EXTRA_FEATURES.length;

/**
 * The classifier's input for one eye, from its pixels only (the lids' landmarks decide separately, and the
 * two are combined in face-measures.ts): the patch at zero mean and unit spread, its gradient histograms,
 * the hand-made iris contrast and lidBand's three measures.
 */
export function eyeFeatures(patch: Float32Array, into?: Float64Array): Float64Array {
  const x = into ?? new Float64Array(FEATURE_COUNT);
  const { mean, spread: sd } = meanAndSpread(patch);
  for (let i = 0; i < patch.length; i++) x[i] = (patch[i] - mean) / sd;
  gradientHistograms(patch, x, patch.length);
  x[patch.length + HOG_FEATURES] = irisContrast(patch);
  const [glint, darkBand, darkRow] = lidBand(patch);
  x[patch.length + HOG_FEATURES + 1] = glint;
  x[patch.length + HOG_FEATURES + 2] = darkBand;
  x[patch.length + HOG_FEATURES + 3] = darkRow;
  return x;
}

/** Logistic regression on standardised features: the probability of "closed". */
export function predictClosed(
  x: ArrayLike<number>,
  m: Pick<EyeAppearanceModel, "mean" | "scale" | "bias"> & { weights: ArrayLike<number> },
): number {
  let z = m.bias;
  for (let i = 0; i < m.weights.length; i++) z += m.weights[i] * ((x[i] - m.mean[i]) / m.scale[i]);
  return 1 / (1 + Math.exp(-z));
}

/** The same model folded into one weight per raw feature and a bias: w_i / scale_i, bias - sum w_i mean_i / scale_i. */
function folded(m: EyeAppearanceModel): { weights: Float64Array; bias: number } {
  const weights = Float64Array.from(m.weights, (w, i) => w / m.scale[i]);
  let bias = m.bias;
  for (let i = 0; i < weights.length; i++) bias -= weights[i] * m.mean[i];
  return { weights, bias };
}

let FOLDED: ReturnType<typeof folded> | null = null;
const FEATURES = new Float64Array(FEATURE_COUNT);

/**
 * The committed model, folded on first use (so the trainer, which imports this module to compute the
 * features, can run while the file on disk still matches an older feature set). Refuses a file whose weight
 * count does not match the features.
 */
function committed(): ReturnType<typeof folded> {
  if (FOLDED) return FOLDED;
  const m = model as EyeAppearanceModel;
  if (m.weights.length !== FEATURE_COUNT)
    throw new Error(`eye-appearance-model.json has ${m.weights.length} weights, expected ${FEATURE_COUNT}`);
  FOLDED = folded(m);
  return FOLDED;
}

/** Both eyes' probability of being closed by what they show (the committed model unless `m` is given). */
export function eyeAppearance(frame: RgbaFrame, landmarks: readonly Vec3[], m?: EyeAppearanceModel): EyeAppearance {
  const model = m ? folded(m) : committed();
  const one = (eye: "left" | "right") => {
    const patch = eyePatch(frame, landmarks, eye);
    if (!patch) return null;
    const x = eyeFeatures(patch, FEATURES);
    let z = model.bias;
    for (let i = 0; i < x.length; i++) z += model.weights[i] * x[i];
    return 1 / (1 + Math.exp(-z));
  };
  return { left: one("left"), right: one("right") };
}

/**
 * An eye's probability of closed weighed with the other eye's (`partner`, null where that one could not be
 * sampled): their log-odds mixed, the partner's at `weight` (thresholds.ts appearancePartnerWeight).
 */
export function withPartner(own: number, partner: number | null, weight: number): number {
  if (partner === null || weight === 0) return own;
  const z = (1 - weight) * logOdds(own) + weight * logOdds(partner);
  return 1 / (1 + Math.exp(-z));
}

/** log(p / (1 - p)), finite at 0 and 1. */
export const logOdds = (p: number) => Math.log(Math.max(1e-9, p) / Math.max(1e-9, 1 - p));
