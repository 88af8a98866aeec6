import { expect, test } from "bun:test";
import { ExpectedWait } from "../../src/pool/expected-wait";

test("expected wait: nothing known is no wait; then frames ahead (plus half the running one) times the mean cost, over the workers", () => {
  const wait = new ExpectedWait(0.5);
  expect(wait.forNewFrame(10, 2)).toBe(0);
  wait.observe(20);
  expect(wait.frameMs).toBe(20);
  expect(wait.forNewFrame(0, 1)).toBe(10);
  expect(wait.forNewFrame(3, 2)).toBe(35);
  // An exponentially weighted mean: a new cost moves it by the smoothing weight, and bad readings are ignored.
  wait.observe(40);
  expect(wait.frameMs).toBe(30);
  wait.observe(Number.NaN);
  wait.observe(-1);
  expect(wait.frameMs).toBe(30);
  expect(wait.forNewFrame(1, 0)).toBe(0);
});
