import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import {
  attachModelMetadata,
  buildImageInputMetadata,
  extractModelMetadata,
  listTensors,
  readImageInputMetadata,
  readModelMetadata,
  readModelTables,
} from "../../wasm/tflite-metadata";

const require = createRequire(import.meta.url);
const packageFile = (pkg: string, file: string) => join(dirname(require.resolve(`${pkg}/package.json`)), file);
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
// A real legacy model straight from the npm package: no metadata, as MediaPipe shipped it.
const detector = new Uint8Array(
  readFileSync(packageFile("@mediapipe/face_detection", "face_detection_full_range.tflite")),
);
const meta = {
  name: "probe",
  description: "a test model",
  version: "pkg@1.2.3/model.tflite",
  mean: [127.5],
  std: [127.5],
};

describe("metadata flatbuffer", () => {
  test("reads back what it wrote, with the RGB colour space", () => {
    const written = buildImageInputMetadata(meta);
    expect(new TextDecoder().decode(written.subarray(4, 8))).toBe("M001");
    expect(readImageInputMetadata(written)).toEqual({ ...meta, colorSpace: "RGB" });
  });

  test("per-channel normalisation survives as given", () => {
    const perChannel = { ...meta, mean: [1, 2, 3], std: [4.5, 5.5, 6.5] };
    expect(readImageInputMetadata(buildImageInputMetadata(perChannel))).toMatchObject({
      mean: [1, 2, 3],
      std: [4.5, 5.5, 6.5],
    });
  });

  test("the same input builds the same bytes", () => {
    expect(sha256(buildImageInputMetadata(meta))).toBe(sha256(buildImageInputMetadata({ ...meta })));
  });
});

describe("splicing the metadata into a real model", () => {
  const model = attachModelMetadata(detector, buildImageInputMetadata(meta));

  test("the metadata reads back from the model", () => {
    expect(readModelMetadata(model)).toEqual({ ...meta, colorSpace: "RGB" });
  });

  test("the graph is untouched: every tensor (name, shape, type, buffer) is the original's", () => {
    const before = listTensors(detector);
    const after = listTensors(model);
    expect(after.all.length).toBe(before.all.length);
    expect(after.all.length).toBeGreaterThan(100);
    expect(after).toEqual(before);
  });

  test("every old buffer is byte-identical and one buffer (the metadata) is added", () => {
    const before = readModelTables(detector);
    const after = readModelTables(model);
    expect(after.buffers.length).toBe(before.buffers.length + 1);
    let weightBytes = 0;
    for (let i = 0; i < before.buffers.length; i++) {
      expect(sha256(after.bufferData(i))).toBe(sha256(before.bufferData(i)));
      weightBytes += before.bufferData(i).length;
    }
    expect(weightBytes).toBeGreaterThan(500_000); // the comparison really covered the weights
    expect(after.metadata).toEqual([{ name: "TFLITE_METADATA", buffer: before.buffers.length }]);
  });

  test("the old content only moved by a multiple of 16, so its alignment holds", () => {
    const shift = model.length - detector.length;
    expect(shift % 16).toBe(0);
    expect(sha256(model.subarray(8 + shift))).toBe(sha256(detector.subarray(8)));
    expect(new TextDecoder().decode(model.subarray(4, 8))).toBe("TFL3");
  });

  test("the original has no metadata, and metadata is not attached twice", () => {
    expect(extractModelMetadata(detector)).toBeNull();
    expect(() => readModelMetadata(detector)).toThrow(/no TFLITE_METADATA/);
    expect(() => attachModelMetadata(model, buildImageInputMetadata(meta))).toThrow(/already/);
  });

  test("garbage is refused", () => {
    expect(() => readModelTables(new Uint8Array(64))).toThrow(/TFL3/);
    expect(() => readImageInputMetadata(new Uint8Array(64))).toThrow(/M001/);
  });
});

describe("tensor listing of the source models", () => {
  test("the detector takes 192x192 RGB floats and outputs 2304 anchors", () => {
    const { inputs, outputs } = listTensors(detector);
    expect(inputs.map((t) => [t.name, t.shape, t.type])).toEqual([["input", [1, 192, 192, 3], "FLOAT32"]]);
    expect(outputs.map((t) => t.shape)).toEqual([
      [1, 2304, 16],
      [1, 2304, 1],
    ]);
  });
});
