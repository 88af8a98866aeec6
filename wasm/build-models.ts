/**
 * Builds the three models Vigil runs from the pinned npm packages, reproducibly (runs on `npm install`):
 *
 *   face_detector.tflite             <- @mediapipe/face_detection/face_detection_full_range.tflite
 *   face_detector_short_range.tflite <- @mediapipe/face_detection/face_detection_short_range.tflite
 *   face_landmarks_attention.tflite <- face_landmark_with_attention.tflite, packed inside
 *                                      @mediapipe/face_mesh/face_mesh_solution_packed_assets.data
 *
 * Each gets TFLite Model Metadata (input normalisation, RGB) so MediaPipe Tasks accept it. The sha256 of
 * every input and output is checked against models.lock.json: a changed package fails the build loudly
 * instead of quietly shipping different weights. Outputs already present and matching are left alone.
 *
 *   bun wasm/build-models.ts                # build or verify
 *   bun wasm/build-models.ts --update-lock  # accept new inputs deliberately and rewrite the lock
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { extractPackedAsset, findPackedAsset, parsePackedAssetIndex } from "./packed-assets";
import {
  attachModelMetadata,
  buildImageInputMetadata,
  listTensors,
  readModelMetadata,
  readModelTables,
} from "./tflite-metadata";

const here = dirname(new URL(import.meta.url).pathname);
const require = createRequire(import.meta.url);
export const OUTPUT_DIR = join(here, "models");
export const LOCK_FILE = join(here, "models.lock.json");

export interface ModelRecipe {
  role: "faceDetector" | "faceDetectorShortRange" | "faceLandmarks";
  file: string;
  packageName: string;
  path: string;
  packedIn?: { data: string; loader: string };
  inputSize: number;
  mean: number;
  std: number;
  description: string;
}

export const RECIPES: readonly ModelRecipe[] = [
  {
    role: "faceDetector",
    file: "face_detector.tflite",
    packageName: "@mediapipe/face_detection",
    // Full range (faces up to about 5 m): it also finds small faces, such as a second person behind the
    // student, and upside-down ones. It costs about twice the short-range model, so it runs where that
    // earns its cost: photos (the CLI) and a session's periodic look for a second person
    // (bench/results/short-range-detector.md).
    path: "face_detection_full_range.tflite",
    inputSize: 192,
    // BlazeFace takes pixels in [-1, 1].
    mean: 127.5,
    std: 127.5,
    description: "BlazeFace full-range face detector (MediaPipe), 192x192 RGB input.",
  },
  {
    role: "faceDetectorShortRange",
    file: "face_detector_short_range.tflite",
    packageName: "@mediapipe/face_detection",
    // Short range (faces within about 2 m, a person at their own webcam): a 128 px input instead of 192 and
    // a smaller network, so about a third of the full-range model's time here; used for webcam frames.
    path: "face_detection_short_range.tflite",
    inputSize: 128,
    mean: 127.5,
    std: 127.5,
    description: "BlazeFace short-range face detector (MediaPipe), 128x128 RGB input.",
  },
  {
    role: "faceLandmarks",
    file: "face_landmarks_attention.tflite",
    packageName: "@mediapipe/face_mesh",
    path: "face_landmark_with_attention.tflite",
    packedIn: { data: "face_mesh_solution_packed_assets.data", loader: "face_mesh_solution_packed_assets_loader.js" },
    inputSize: 192,
    // The face mesh models take pixels in [0, 1].
    mean: 0,
    std: 255,
    description:
      "MediaPipe face landmark model with attention: 468-point mesh, refined lips and eyes, irises; 192x192 RGB input.",
  },
];

export interface LockEntry {
  input: string;
  output: string;
}
export type Lock = Record<string, LockEntry>;

export const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

/** The recipe's source bytes out of its npm package (unpacked when packed), and the package version. */
export function readInput(recipe: ModelRecipe): { bytes: Uint8Array; version: string; byteRange?: [number, number] } {
  const dir = packageDir(recipe.packageName);
  const version = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).version as string;
  if (!recipe.packedIn) return { bytes: new Uint8Array(readFileSync(join(dir, recipe.path))), version };
  const index = parsePackedAssetIndex(readFileSync(join(dir, recipe.packedIn.loader), "utf8"));
  const data = new Uint8Array(readFileSync(join(dir, recipe.packedIn.data)));
  const { start, end } = findPackedAsset(index, recipe.path);
  return { bytes: extractPackedAsset(data, index, recipe.path), version, byteRange: [start, end] };
}

/** Compares a hash with the lock; returns a message for a mismatch, or null. */
export function checkAgainstLock(lock: Lock, file: string, kind: keyof LockEntry, actual: string): string | null {
  const expected = lock[file]?.[kind];
  if (!expected) return `${file}: no ${kind} hash in models.lock.json (run with --update-lock to record one)`;
  if (expected !== actual) return `${file}: ${kind} sha256 is ${actual}, but models.lock.json expects ${expected}`;
  return null;
}

export function buildModel(recipe: ModelRecipe, input: Uint8Array, version: string): Uint8Array {
  const metadata = buildImageInputMetadata({
    name: recipe.file.replace(/\.tflite$/, ""),
    description: recipe.description,
    version: `${recipe.packageName}@${version}/${recipe.path}`,
    mean: [recipe.mean],
    std: [recipe.std],
  });
  const model = attachModelMetadata(input, metadata);
  assertSpliceKeptModel(recipe, input, model);
  return model;
}

/** The build's self-check: the metadata reads back, and the graph and weights are exactly the original's. */
function assertSpliceKeptModel(recipe: ModelRecipe, input: Uint8Array, model: Uint8Array): void {
  const fail = (what: string) => {
    throw new Error(`${recipe.file}: after adding metadata, ${what}`);
  };
  const readBack = readModelMetadata(model);
  if (readBack.mean[0] !== recipe.mean || readBack.std[0] !== recipe.std || readBack.colorSpace !== "RGB")
    fail("the metadata does not read back");
  const tensors = listTensors(model);
  if (JSON.stringify(tensors) !== JSON.stringify(listTensors(input))) fail("the tensors differ from the original's");
  const inputShape = JSON.stringify(tensors.inputs[0]?.shape);
  if (inputShape !== JSON.stringify([1, recipe.inputSize, recipe.inputSize, 3]))
    fail(`the input shape is ${inputShape}, not ${recipe.inputSize}x${recipe.inputSize} RGB`);
  const before = readModelTables(input);
  const after = readModelTables(model);
  for (let i = 0; i < before.buffers.length; i++) {
    if (sha256(before.bufferData(i)) !== sha256(after.bufferData(i))) fail(`buffer ${i} differs from the original's`);
  }
}

function main(): void {
  const updateLock = process.argv.includes("--update-lock");
  const lock: Lock = existsSync(LOCK_FILE) ? JSON.parse(readFileSync(LOCK_FILE, "utf8")) : {};
  const problems: string[] = [];
  const manifest: Record<string, unknown> = {};
  const newLock: Lock = {};
  mkdirSync(OUTPUT_DIR, { recursive: true });
  let built = 0;
  for (const recipe of RECIPES) {
    const { bytes: input, version, byteRange } = readInput(recipe);
    const inputHash = sha256(input);
    const inputProblem = updateLock ? null : checkAgainstLock(lock, recipe.file, "input", inputHash);
    if (inputProblem) {
      problems.push(inputProblem);
      continue;
    }
    const outputPath = join(OUTPUT_DIR, recipe.file);
    const existing = existsSync(outputPath) ? new Uint8Array(readFileSync(outputPath)) : null;
    let output: Uint8Array;
    if (existing && !updateLock && sha256(existing) === lock[recipe.file]?.output) {
      output = existing;
    } else {
      if (existing && !updateLock)
        console.log(`build-models: ${recipe.file} on disk does not match models.lock.json; rebuilding it`);
      output = buildModel(recipe, input, version);
      const outputProblem = updateLock ? null : checkAgainstLock(lock, recipe.file, "output", sha256(output));
      if (outputProblem) {
        problems.push(outputProblem);
        continue;
      }
      writeFileSync(outputPath, output);
      built++;
    }
    const outputHash = sha256(output);
    newLock[recipe.file] = { input: inputHash, output: outputHash };
    manifest[recipe.role] = {
      file: recipe.file,
      source: {
        package: recipe.packageName,
        version,
        path: recipe.path,
        ...(byteRange ? { packedIn: recipe.packedIn!.data, byteRange } : {}),
      },
      input: { sha256: inputHash, bytes: input.length },
      output: { sha256: outputHash, bytes: output.length },
      inputSize: recipe.inputSize,
      normalization: { mean: recipe.mean, std: recipe.std },
    };
  }
  if (problems.length) {
    console.error(
      "build-models: FAILED, the model inputs or outputs are not the ones this repository was checked with:",
    );
    for (const p of problems) console.error("  - " + p);
    console.error("If the package change is intended, review it and run: bun wasm/build-models.ts --update-lock");
    process.exit(1);
  }
  // Written only when it changes, so an up-to-date run touches nothing.
  const manifestPath = join(OUTPUT_DIR, "manifest.json");
  const manifestText = JSON.stringify({ models: manifest }, null, 2) + "\n";
  if (!existsSync(manifestPath) || readFileSync(manifestPath, "utf8") !== manifestText)
    writeFileSync(manifestPath, manifestText);
  if (updateLock) writeFileSync(LOCK_FILE, JSON.stringify(newLock, null, 2) + "\n");
  const checked = updateLock
    ? "models.lock.json rewritten with their sha256"
    : "sha256 checked against models.lock.json";
  console.log(`build-models: ${built ? `built ${built} model(s)` : "models up to date"} in ${OUTPUT_DIR} (${checked})`);
}

if (import.meta.main) main();
