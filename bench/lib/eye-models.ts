/**
 * Classifiers compared by bench/eyes/train-eye-classifier.ts --compare, on any feature vector: logistic
 * regression and a one-hidden-layer perceptron (tanh), both on standardised features with per-sample weights,
 * trained full batch and deterministically (the perceptron's initial weights come from a seeded sequence); and a
 * small convolutional network on the eye patch, trained on seeded mini-batches.
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

export interface CnnOptions {
  /** The patch's height and width (the first height x width features of a row, row-major). */
  height: number;
  width: number;
  /** Filters of the first and second 3x3 convolutions. */
  filters1: number;
  filters2: number;
  epochs: number;
  rate: number;
  /** L2 on the weights (not the biases). */
  lambda: number;
  batch: number;
  seed: number;
}

/** Two 3x3 convolutions (same padding, ReLU, 2x2 max-pooling each) and a logistic output on what they leave. */
export interface Cnn {
  options: CnnOptions;
  /** filters1 x 9, filters1; filters2 x filters1 x 9, filters2; (filters2 x height/4 x width/4), 1. */
  conv1: Float64Array;
  bias1: Float64Array;
  conv2: Float64Array;
  bias2: Float64Array;
  dense: Float64Array;
  denseBias: Float64Array;
}

/** One layer's activations for a sample, kept for the backward pass. */
interface CnnTrace {
  input: Float64Array;
  pre1: Float64Array;
  pooled1: Float64Array;
  argmax1: Int32Array;
  pre2: Float64Array;
  pooled2: Float64Array;
  argmax2: Int32Array;
}

function conv3x3(
  input: Float64Array,
  channels: number,
  h: number,
  w: number,
  weights: Float64Array,
  bias: Float64Array,
  out: Float64Array,
) {
  const filters = bias.length;
  for (let f = 0; f < filters; f++) {
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let a = bias[f];
        for (let c = 0; c < channels; c++) {
          const wo = (f * channels + c) * 9;
          const io = c * h * w;
          for (let ky = -1; ky <= 1; ky++) {
            const yy = y + ky;
            if (yy < 0 || yy >= h) continue;
            for (let kx = -1; kx <= 1; kx++) {
              const xx = x + kx;
              if (xx < 0 || xx >= w) continue;
              a += weights[wo + (ky + 1) * 3 + kx + 1] * input[io + yy * w + xx];
            }
          }
        }
        out[(f * h + y) * w + x] = a;
      }
  }
}

/** ReLU then 2x2 max-pooling; argmax holds each pooled cell's source index (-1 where every input was <= 0). */
function reluPool(pre: Float64Array, channels: number, h: number, w: number, out: Float64Array, argmax: Int32Array) {
  const ph = h >> 1;
  const pw = w >> 1;
  for (let c = 0; c < channels; c++)
    for (let y = 0; y < ph; y++)
      for (let x = 0; x < pw; x++) {
        let best = 0;
        let at = -1;
        for (let dy = 0; dy < 2; dy++)
          for (let dx = 0; dx < 2; dx++) {
            const i = (c * h + 2 * y + dy) * w + 2 * x + dx;
            if (pre[i] > best) [best, at] = [pre[i], i];
          }
        const o = (c * ph + y) * pw + x;
        out[o] = best;
        argmax[o] = at;
      }
}

function cnnForward(m: Cnn, input: Float64Array, t?: CnnTrace): number {
  const { height: h, width: w, filters1: f1, filters2: f2 } = m.options;
  const trace = t ?? newTrace(m.options);
  trace.input.set(input.subarray(0, h * w));
  conv3x3(trace.input, 1, h, w, m.conv1, m.bias1, trace.pre1);
  reluPool(trace.pre1, f1, h, w, trace.pooled1, trace.argmax1);
  conv3x3(trace.pooled1, f1, h >> 1, w >> 1, m.conv2, m.bias2, trace.pre2);
  reluPool(trace.pre2, f2, h >> 1, w >> 1, trace.pooled2, trace.argmax2);
  let z = m.denseBias[0];
  for (let i = 0; i < m.dense.length; i++) z += m.dense[i] * trace.pooled2[i];
  return z;
}

function newTrace(o: CnnOptions): CnnTrace {
  const { height: h, width: w, filters1: f1, filters2: f2 } = o;
  const n1 = f1 * (h >> 1) * (w >> 1);
  const n2 = f2 * (h >> 2) * (w >> 2);
  return {
    input: new Float64Array(h * w),
    pre1: new Float64Array(f1 * h * w),
    pooled1: new Float64Array(n1),
    argmax1: new Int32Array(n1),
    pre2: new Float64Array(f2 * (h >> 1) * (w >> 1)),
    pooled2: new Float64Array(n2),
    argmax2: new Int32Array(n2),
  };
}

/** Adds the gradient of a 3x3 convolution for `dOut` into `dWeights`, `dBias` and (if given) `dInput`. */
function conv3x3Backward(
  input: Float64Array,
  channels: number,
  h: number,
  w: number,
  weights: Float64Array,
  dOut: Float64Array,
  dWeights: Float64Array,
  dBias: Float64Array,
  dInput: Float64Array | null,
) {
  const filters = dBias.length;
  for (let f = 0; f < filters; f++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const g = dOut[(f * h + y) * w + x];
        if (g === 0) continue;
        dBias[f] += g;
        for (let c = 0; c < channels; c++) {
          const wo = (f * channels + c) * 9;
          const io = c * h * w;
          for (let ky = -1; ky <= 1; ky++) {
            const yy = y + ky;
            if (yy < 0 || yy >= h) continue;
            for (let kx = -1; kx <= 1; kx++) {
              const xx = x + kx;
              if (xx < 0 || xx >= w) continue;
              const k = wo + (ky + 1) * 3 + kx + 1;
              dWeights[k] += g * input[io + yy * w + xx];
              if (dInput) dInput[io + yy * w + xx] += g * weights[k];
            }
          }
        }
      }
}

/**
 * A small convolutional network on the patch, trained with Adam on mini-batches (seeded shuffles and initial
 * weights: the same rows and options give the same network), cross-entropy weighted by the rows' weights
 * (normalised within each batch) plus lambda/2 times the squared weights. The rows' first height x width
 * features are the patch, as eye-appearance.ts eyeFeatures normalises it.
 */
export function trainCnn(rows: readonly Row[], o: CnnOptions): Cnn {
  const { height: h, width: w, filters1: f1, filters2: f2 } = o;
  const next = seededRandom(o.seed);
  const uniform = (n: number, fanIn: number) =>
    Float64Array.from({ length: n }, () => (2 * next() - 1) * Math.sqrt(6 / fanIn));
  const denseSize = f2 * (h >> 2) * (w >> 2);
  const m: Cnn = {
    options: o,
    conv1: uniform(f1 * 9, 9),
    bias1: new Float64Array(f1),
    conv2: uniform(f2 * f1 * 9, f1 * 9),
    bias2: new Float64Array(f2),
    dense: uniform(denseSize, 2 * denseSize),
    denseBias: new Float64Array(1),
  };
  const params = [m.conv1, m.bias1, m.conv2, m.bias2, m.dense, m.denseBias];
  const decays = [true, false, true, false, true, false];
  const grads = params.map((p) => new Float64Array(p.length));
  const moment1 = params.map((p) => new Float64Array(p.length));
  const moment2 = params.map((p) => new Float64Array(p.length));
  const inputs = rows.map((r) => Float64Array.from({ length: h * w }, (_, i) => r.x[i]));
  const trace = newTrace(o);
  const dPooled2 = new Float64Array(denseSize);
  const dPre2 = new Float64Array(trace.pre2.length);
  const dPooled1 = new Float64Array(trace.pooled1.length);
  const dPre1 = new Float64Array(trace.pre1.length);
  const order = rows.map((_, i) => i);
  let step = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let start = 0; start < order.length; start += o.batch) {
      const batch = order.slice(start, start + o.batch);
      const batchWeight = batch.reduce((a, i) => a + rows[i].weight, 0);
      for (const g of grads) g.fill(0);
      for (const i of batch) {
        const z = cnnForward(m, inputs[i], trace);
        const err = ((1 / (1 + Math.exp(-z)) - rows[i].y) * rows[i].weight) / batchWeight;
        grads[5][0] += err;
        for (let k = 0; k < denseSize; k++) {
          grads[4][k] += err * trace.pooled2[k];
          dPooled2[k] = err * m.dense[k];
        }
        dPre2.fill(0);
        for (let k = 0; k < denseSize; k++) if (trace.argmax2[k] >= 0) dPre2[trace.argmax2[k]] = dPooled2[k];
        dPooled1.fill(0);
        conv3x3Backward(trace.pooled1, f1, h >> 1, w >> 1, m.conv2, dPre2, grads[2], grads[3], dPooled1);
        dPre1.fill(0);
        for (let k = 0; k < dPooled1.length; k++) if (trace.argmax1[k] >= 0) dPre1[trace.argmax1[k]] = dPooled1[k];
        conv3x3Backward(trace.input, 1, h, w, m.conv1, dPre1, grads[0], grads[1], null);
      }
      step++;
      const c1 = 1 - 0.9 ** step;
      const c2 = 1 - 0.999 ** step;
      params.forEach((p, k) => {
        const g = grads[k];
        for (let j = 0; j < p.length; j++) {
          const gj = g[j] + (decays[k] ? o.lambda * p[j] : 0);
          moment1[k][j] = 0.9 * moment1[k][j] + 0.1 * gj;
          moment2[k][j] = 0.999 * moment2[k][j] + 0.001 * gj * gj;
          p[j] -= (o.rate * (moment1[k][j] / c1)) / (Math.sqrt(moment2[k][j] / c2) + 1e-8);
        }
      });
    }
  }
  return m;
}

export function predictCnn(x: ArrayLike<number>, m: Cnn): number {
  const { height: h, width: w } = m.options;
  return (
    1 /
    (1 +
      Math.exp(
        -cnnForward(
          m,
          Float64Array.from({ length: h * w }, (_, i) => x[i]),
        ),
      ))
  );
}
