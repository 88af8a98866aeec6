import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import {
  LOCK_FILE,
  OUTPUT_DIR,
  RECIPES,
  buildModel,
  checkAgainstLock,
  readInput,
  sha256,
  type Lock,
} from "../../wasm/build-models";
import { listTensors, readModelMetadata } from "../../wasm/tflite-metadata";

const lock: Lock = JSON.parse(readFileSync(LOCK_FILE, "utf8"));

describe("lock check", () => {
  const sample: Lock = { "m.tflite": { input: "aa", output: "bb" } };
  test("matching hashes pass", () => {
    expect(checkAgainstLock(sample, "m.tflite", "input", "aa")).toBeNull();
    expect(checkAgainstLock(sample, "m.tflite", "output", "bb")).toBeNull();
  });
  test("a changed input is refused, naming the file and both hashes", () => {
    expect(checkAgainstLock(sample, "m.tflite", "input", "cc")).toBe(
      "m.tflite: input sha256 is cc, but models.lock.json expects aa",
    );
  });
  test("a changed output is refused too", () => {
    expect(checkAgainstLock(sample, "m.tflite", "output", "dd")).toBe(
      "m.tflite: output sha256 is dd, but models.lock.json expects bb",
    );
  });
  test("a model missing from the lock is an error, not a pass", () => {
    expect(checkAgainstLock(sample, "x.tflite", "output", "bb")).toContain("no output hash");
  });
});

describe("the recipes, from the installed packages", () => {
  test("the lock covers exactly the recipes", () => {
    expect(Object.keys(lock).sort()).toEqual(RECIPES.map((r) => r.file).sort());
  });

  for (const recipe of RECIPES) {
    test(`${recipe.file}: the package input matches the lock and builds, reproducibly, the locked output`, () => {
      const { bytes, version } = readInput(recipe);
      expect(sha256(bytes)).toBe(lock[recipe.file].input);
      const first = buildModel(recipe, bytes, version);
      expect(sha256(first)).toBe(lock[recipe.file].output);
      expect(sha256(buildModel(recipe, bytes, version))).toBe(sha256(first));
      const metadata = readModelMetadata(first);
      expect(metadata).toMatchObject({ mean: [recipe.mean], std: [recipe.std], colorSpace: "RGB" });
      expect(metadata.version).toBe(`${recipe.packageName}@${version}/${recipe.path}`);
      expect(listTensors(first).inputs[0].shape).toEqual([1, recipe.inputSize, recipe.inputSize, 3]);
    });
  }

  test("a recipe whose declared input size is wrong does not build", () => {
    const recipe = { ...RECIPES[0], inputSize: 128 };
    const { bytes, version } = readInput(recipe);
    expect(() => buildModel(recipe, bytes, version)).toThrow(/input shape is \[1,192,192,3\], not 128x128/);
  });
});

test("the models on disk are the locked ones (the install step produced exactly the checked models)", () => {
  const manifest = JSON.parse(readFileSync(`${OUTPUT_DIR}/manifest.json`, "utf8"));
  for (const recipe of RECIPES) {
    expect(sha256(new Uint8Array(readFileSync(`${OUTPUT_DIR}/${recipe.file}`)))).toBe(lock[recipe.file].output);
    expect(manifest.models[recipe.role]).toMatchObject({
      file: recipe.file,
      source: { package: recipe.packageName, path: recipe.path },
      input: { sha256: lock[recipe.file].input },
      output: { sha256: lock[recipe.file].output },
      inputSize: recipe.inputSize,
      normalization: { mean: recipe.mean, std: recipe.std },
    });
  }
  expect(manifest.models.faceLandmarks.source.byteRange).toEqual([expect.any(Number), expect.any(Number)]);
});
