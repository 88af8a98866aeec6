/**
 * Classifiers compared by bench/eyes/train-eye-classifier.ts --compare, on any feature vector: logistic
 * regression and a one-hidden-layer perceptron (tanh), both on standardised features with per-sample weights,
 * trained full batch and deterministically (the perceptron's initial weights come from a seeded sequence).
 * Also the landmark features one eye has beside its pixels (the lids' shape, the head's pitch, the other eye).
 */
import type { EyeShape } from "../../src/analysis/eye-shape";
import { seededRandom } from "./seeded-random";

export interface Row {
  x: ArrayLike<number>;
  y: number;
  weight: number;
}

/** What the landmarks say about one eye, appended to its pixel features by the "+lids" variants. */
export const LANDMARK_FEATURES = [
  "ear",
  "otherEar",
  "upperLid",
  "lowerLid",
  "gap",
  "irisCenter",
  "irisVisible",
  "gapOverIris",
  "pitch",
] as const;

export function landmarkFeatures(s: { ear: number; otherEar: number; shape: EyeShape | null; pitch: number }) {
  const shape = s.shape ?? { upperLid: 0, lowerLid: 0, gap: 0, irisCenter: 0, irisVisible: 0, gapOverIris: 0 };
  return [
    s.ear,
    s.otherEar,
    shape.upperLid,
    shape.lowerLid,
    shape.gap,
    shape.irisCenter,
    shape.irisVisible,
    shape.gapOverIris,
    s.pitch / 30,
  ];
}

/** Mean and spread of each feature over the rows (a constant feature gets spread 1). */
export function standardise(rows: readonly Row[]): { mean: number[]; scale: number[] } {
  const d = rows[0].x.length;
  const n = rows.length;
  const mean = new Array(d).fill(0);
  const scale = new Array(d).fill(0);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] += r.x[j] / n;
  for (const r of rows) for (let j = 0; j < d; j++) scale[j] += (r.x[j] - mean[j]) ** 2 / n;
  for (let j = 0; j < d; j++) scale[j] = Math.sqrt(scale[j]) || 1;
  return { mean, scale };
}

function matrix(rows: readonly Row[], mean: number[], scale: number[]): Float64Array {
  const d = mean.length;
  const xs = new Float64Array(rows.length * d);
  rows.forEach((r, i) => {
    for (let j = 0; j < d; j++) xs[i * d + j] = (r.x[j] - mean[j]) / scale[j];
  });
  return xs;
}

export interface Mlp {
  mean: number[];
  scale: number[];
  /** hidden x inputs, row-major. */
  hidden: Float64Array;
  hiddenBias: Float64Array;
  output: Float64Array;
  outputBias: number;
}

export interface MlpOptions {
  hidden: number;
  lambda: number;
  epochs: number;
  rate: number;
  seed: number;
}

/**
 * One hidden layer of tanh units and a sigmoid output, weighted cross-entropy plus lambda/2 times the squared
 * weights (not the biases), full-batch Adam.
 */
export function trainMlp(rows: readonly Row[], o: MlpOptions): Mlp {
  const { mean, scale } = standardise(rows);
  const d = mean.length;
  const n = rows.length;
  const H = o.hidden;
  const xs = matrix(rows, mean, scale);
  const total = rows.reduce((a, r) => a + r.weight, 0);
  const next = seededRandom(o.seed);
  const params = new Float64Array(H * d + H + H + 1);
  // Layout: hidden weights, hidden biases, output weights, output bias.
  const W = params.subarray(0, H * d);
  const B = params.subarray(H * d, H * d + H);
  const V = params.subarray(H * d + H, H * d + 2 * H);
  const init = Math.sqrt(3 / d);
  for (let k = 0; k < W.length; k++) W[k] = (2 * next() - 1) * init;
  for (let k = 0; k < H; k++) V[k] = (2 * next() - 1) * Math.sqrt(3 / H);
  const grad = new Float64Array(params.length);
  const gW = grad.subarray(0, H * d);
  const gB = grad.subarray(H * d, H * d + H);
  const gV = grad.subarray(H * d + H, H * d + 2 * H);
  const m1 = new Float64Array(params.length);
  const m2 = new Float64Array(params.length);
  const h = new Float64Array(H);
  const dh = new Float64Array(H);
  const b1 = 0.9;
  const b2 = 0.999;
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    grad.fill(0);
    let gc = 0;
    for (let i = 0; i < n; i++) {
      const off = i * d;
      let z = params[params.length - 1];
      for (let k = 0; k < H; k++) {
        let a = B[k];
        const wo = k * d;
        for (let j = 0; j < d; j++) a += W[wo + j] * xs[off + j];
        h[k] = Math.tanh(a);
        z += V[k] * h[k];
      }
      const err = ((1 / (1 + Math.exp(-z)) - rows[i].y) * rows[i].weight) / total;
      gc += err;
      for (let k = 0; k < H; k++) {
        gV[k] += err * h[k];
        dh[k] = err * V[k] * (1 - h[k] * h[k]);
      }
      for (let k = 0; k < H; k++) {
        const g = dh[k];
        gB[k] += g;
        const wo = k * d;
        for (let j = 0; j < d; j++) gW[wo + j] += g * xs[off + j];
      }
    }
    grad[grad.length - 1] = gc;
    for (let k = 0; k < W.length; k++) gW[k] += o.lambda * W[k];
    for (let k = 0; k < H; k++) gV[k] += o.lambda * V[k];
    const c1 = 1 - b1 ** epoch;
    const c2 = 1 - b2 ** epoch;
    for (let k = 0; k < params.length; k++) {
      m1[k] = b1 * m1[k] + (1 - b1) * grad[k];
      m2[k] = b2 * m2[k] + (1 - b2) * grad[k] * grad[k];
      params[k] -= (o.rate * (m1[k] / c1)) / (Math.sqrt(m2[k] / c2) + 1e-8);
    }
  }
  return {
    mean,
    scale,
    hidden: W.slice(),
    hiddenBias: B.slice(),
    output: V.slice(),
    outputBias: params[params.length - 1],
  };
}

export function predictMlp(x: ArrayLike<number>, m: Mlp): number {
  const d = m.mean.length;
  let z = m.outputBias;
  for (let k = 0; k < m.output.length; k++) {
    let a = m.hiddenBias[k];
    for (let j = 0; j < d; j++) a += m.hidden[k * d + j] * ((x[j] - m.mean[j]) / m.scale[j]);
    z += m.output[k] * Math.tanh(a);
  }
  return 1 / (1 + Math.exp(-z));
}

export interface Linear {
  mean: number[];
  scale: number[];
  weights: Float64Array;
  bias: number;
}

/**
 * L2-regularised logistic regression, full-batch gradient descent with momentum (the committed model's trainer);
 * src/analysis/eye-appearance.ts predictClosed reads the model it returns.
 */
export function trainLinear(rows: readonly Row[], lambda: number, iterations = 200, rate = 0.5): Linear {
  const { mean, scale } = standardise(rows);
  const d = mean.length;
  const n = rows.length;
  const xs = matrix(rows, mean, scale);
  // Weights normalised to mean 1, as the committed trainer's class weights are.
  const total = rows.reduce((a, r) => a + r.weight, 0);
  const w = new Float64Array(d);
  const v = new Float64Array(d);
  const grad = new Float64Array(d);
  let b = 0;
  let vb = 0;
  for (let it = 0; it < iterations; it++) {
    grad.fill(0);
    let gb = 0;
    for (let i = 0; i < n; i++) {
      const o = i * d;
      let z = b;
      for (let j = 0; j < d; j++) z += w[j] * xs[o + j];
      const err = ((1 / (1 + Math.exp(-z)) - rows[i].y) * rows[i].weight * n) / total;
      for (let j = 0; j < d; j++) grad[j] += err * xs[o + j];
      gb += err;
    }
    for (let j = 0; j < d; j++) {
      v[j] = 0.9 * v[j] - rate * (grad[j] / n + lambda * w[j]);
      w[j] += v[j];
    }
    vb = 0.9 * vb - rate * (gb / n);
    b += vb;
  }
  return { mean, scale, weights: w, bias: b };
}
