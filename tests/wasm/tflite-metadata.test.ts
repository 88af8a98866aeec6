import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { checkAgainstLock, sha256 } from "../../wasm/build-models";
import { extractPackedAsset, parsePackedAssetIndex } from "../../wasm/packed-assets";
import { attachModelMetadata, buildImageInputMetadata, extractModelMetadata, readImageInputMetadata, readModelTables } from "../../wasm/tflite-metadata";

const require = createRequire(import.meta.url);
const packageFile = (pkg: string, file: string) => join(dirname(require.resolve(`${pkg}/package.json`)), file);
const detector = new Uint8Array(readFileSync(packageFile("@mediapipe/face_detection", "face_detection_full_range.tflite")));

describe("metadata writer", () => {
  const meta = { name: "probe", description: "a test model", version: "pkg@1.2.3/model.tflite", mean: [127.5], std: [127.5] };

  test("reads back what it wrote", () => {
    const written = buildImageInputMetadata(meta);
    expect(readImageInputMetadata(written)).toEqual({ ...meta, colorSpace: 1 });
  });

  test("attached to a real model: the metadata is found, and every old buffer is byte-identical", () => {
    const before = readModelTables(detector);
    const model = attachModelMetadata(detector, buildImageInputMetadata(meta));
    const after = readModelTables(model);
    expect(after.buffers.length).toBe(before.buffers.length + 1);
    for (let i = 0; i < before.buffers.length; i++) expect(sha256(after.bufferData(i))).toBe(sha256(before.bufferData(i)));
    expect(readImageInputMetadata(extractModelMetadata(model)!)).toMatchObject({ mean: [127.5], std: [127.5], colorSpace: 1 });
    // The weights did not move relative to their alignment: the insert is a multiple of 16 bytes.
    expect((model.length - detector.length - 0) % 16).toBe(0);
    expect(new TextDecoder().decode(model.subarray(4, 8))).toBe("TFL3");
  });

  test("the original has no metadata, and metadata is not attached twice", () => {
    expect(extractModelMetadata(detector)).toBeNull();
    const model = attachModelMetadata(detector, buildImageInputMetadata(meta));
    expect(() => attachModelMetadata(model, buildImageInputMetadata(meta))).toThrow(/already/);
  });

  test("garbage is refused", () => {
    expect(() => readModelTables(new Uint8Array(64))).toThrow(/TFL3/);
    expect(() => readImageInputMetadata(new Uint8Array(64))).toThrow(/M001/);
  });
});

describe("packed assets", () => {
  const loader = readFileSync(packageFile("@mediapipe/face_mesh", "face_mesh_solution_packed_assets_loader.js"), "utf8");

  test("the real loader's index lists the attention model with a byte range", () => {
    const index = parsePackedAssetIndex(loader);
    const entry = index.find((e) => e.filename.endsWith("/face_landmark_with_attention.tflite"));
    expect(entry).toBeDefined();
    expect(entry!.end).toBeGreaterThan(entry!.start);
    expect(index.length).toBeGreaterThanOrEqual(3);
  });

  test("the extracted bytes are a TFLite model", () => {
    const data = new Uint8Array(readFileSync(packageFile("@mediapipe/face_mesh", "face_mesh_solution_packed_assets.data")));
    const model = extractPackedAsset(data, parsePackedAssetIndex(loader), "face_landmark_with_attention.tflite");
    expect(new TextDecoder().decode(model.subarray(4, 8))).toBe("TFL3");
  });

  test("a name the index lacks is an error that says what it has", () => {
    const index = parsePackedAssetIndex('{"filename": "/a/one.tflite", "start": 0, "end": 10}');
    expect(() => extractPackedAsset(new Uint8Array(10), index, "two.tflite")).toThrow(/two.tflite is not in the index.*\/a\/one.tflite/);
    expect(() => extractPackedAsset(new Uint8Array(5), index, "one.tflite")).toThrow(/claims bytes 0..10 of a 5-byte file/);
  });
});

describe("lock check", () => {
  const lock = { "m.tflite": { input: "aa", output: "bb" } };
  test("matching hashes pass", () => expect(checkAgainstLock(lock, "m.tflite", "input", "aa")).toBeNull());
  test("a changed input is named with both hashes", () => {
    expect(checkAgainstLock(lock, "m.tflite", "input", "cc")).toBe("m.tflite: input sha256 is cc, but models.lock.json expects aa");
  });
  test("a model missing from the lock is an error too", () => expect(checkAgainstLock(lock, "x.tflite", "output", "bb")).toContain("no output hash"));
});

test("the built models match the lock (the install step produced exactly the checked models)", () => {
  const lockFile = JSON.parse(readFileSync(new URL("../../wasm/models.lock.json", import.meta.url), "utf8"));
  for (const [file, hashes] of Object.entries(lockFile as Record<string, { output: string }>)) {
    expect(sha256(new Uint8Array(readFileSync(new URL(`../../wasm/models/${file}`, import.meta.url))))).toBe(hashes.output);
  }
});
