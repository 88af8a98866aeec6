/**
 * The classifiers bench/eyes/train-eye-classifier.ts --compare measures (bench/lib/eye-models.ts): the
 * perceptron fits what a linear model cannot (XOR), the regression fits a linear boundary, and the same seed
 * gives the same perceptron.
 */
import { describe, expect, test } from "bun:test";
import { predictMlp, type Row, trainLinear, trainMlp } from "../../bench/lib/eye-models";
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
});
