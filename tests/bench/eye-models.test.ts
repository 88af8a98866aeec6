/**
 * The classifiers bench/eyes/train-eye-classifier.ts --compare measures (bench/lib/eye-models.ts): the
 * perceptron fits what a linear model cannot (XOR), the regression fits a linear boundary, the CNN tells a lid's
 * line from an iris's blob wherever they lie in the patch, and the same seed gives the same perceptron and network.
 */
import { describe, expect, test } from "bun:test";
import {
  type CnnOptions,
  predictCnn,
  predictMlp,
  type Row,
  trainCnn,
  trainLinear,
  trainMlp,
} from "../../bench/lib/eye-models";
import { seededRandom } from "../../bench/lib/seeded-random";
import { predictClosed } from "../../src/analysis/eye-appearance";

// Four clusters at the corners of a square, each with a little spread; XOR: closed where the signs differ.
const xor: Row[] = [];
for (let k = 0; k < 40; k++) {
  const jitter = ((k * 7919) % 101) / 1000;
  for (const [a, b] of [
    [-1, -1],
    [-1, 1],
    [1, -1],
    [1, 1],
  ])
    xor.push({ x: [a + jitter, b - jitter], y: a * b < 0 ? 1 : 0, weight: 1 });
}
const accuracy = (predict: (x: ArrayLike<number>) => number) =>
  xor.filter((r) => predict(r.x) >= 0.5 === (r.y === 1)).length / xor.length;

describe("eye-models", () => {
  test("a hidden layer fits XOR; a linear model cannot", () => {
    const mlp = trainMlp(xor, { hidden: 8, lambda: 0.001, epochs: 300, rate: 0.05, seed: 1 });
    expect(accuracy((x) => predictMlp(x, mlp))).toBe(1);
    const linear = trainLinear(xor, 0.001);
    expect(accuracy((x) => predictClosed(x, linear))).toBeLessThan(0.8);
  });

  test("the regression fits a linear boundary", () => {
    const rows = xor.map((r) => ({ ...r, y: r.x[0] > 0 ? 1 : 0 }));
    const m = trainLinear(rows, 0.001);
    expect(rows.every((r) => predictClosed(r.x, m) >= 0.5 === (r.y === 1))).toBe(true);
  });

  test("the same seed gives the same perceptron", () => {
    const options = { hidden: 4, lambda: 0.01, epochs: 20, rate: 0.05, seed: 3 };
    expect(Array.from(trainMlp(xor, options).hidden)).toEqual(Array.from(trainMlp(xor, options).hidden));
  });

  // 12x24 patches: a dark horizontal line across the middle columns (a lid, closed: 1) or a dark 4x4 blob
  // (an iris, open: 0), each at a random place, on a bright noisy background.
  const patches = (count: number, seed: number): Row[] => {
    const next = seededRandom(seed);
    return Array.from({ length: count }, (_, k) => {
      const closed = k % 2;
      const x = Array.from({ length: 12 * 24 }, () => 1 + 0.2 * next());
      const row = 3 + Math.floor(next() * 6);
      const column = 2 + Math.floor(next() * 18);
      if (closed) for (let c = 4; c < 20; c++) x[row * 24 + c] = -1;
      else for (let r = row - 1; r < row + 3; r++) for (let c = column; c < column + 4; c++) x[r * 24 + c] = -1;
      return { x, y: closed, weight: 1 };
    });
  };
  const network: CnnOptions = {
    height: 12,
    width: 24,
    filters1: 4,
    filters2: 8,
    epochs: 15,
    rate: 0.01,
    lambda: 1e-4,
    batch: 16,
    seed: 5,
  };

  test("the CNN tells a line from a blob wherever they lie, on patches it was not trained on", () => {
    const cnn = trainCnn(patches(200, 1), network);
    const test = patches(100, 2);
    const right = test.filter((r) => predictCnn(r.x, cnn) >= 0.5 === (r.y === 1)).length;
    expect(right / test.length).toBeGreaterThanOrEqual(0.95);
  });

  test("the same seed gives the same network", () => {
    const rows = patches(40, 3);
    const options = { ...network, epochs: 2 };
    expect(Array.from(trainCnn(rows, options).conv2)).toEqual(Array.from(trainCnn(rows, options).conv2));
  });
});
