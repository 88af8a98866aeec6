import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { extractPackedAsset, findPackedAsset, parsePackedAssetIndex } from "../../wasm/packed-assets";
import { listTensors } from "../../wasm/tflite-metadata";

const require = createRequire(import.meta.url);
const faceMeshFile = (file: string) => join(dirname(require.resolve("@mediapipe/face_mesh/package.json")), file);
const loader = readFileSync(faceMeshFile("face_mesh_solution_packed_assets_loader.js"), "utf8");
const data = new Uint8Array(readFileSync(faceMeshFile("face_mesh_solution_packed_assets.data")));

describe("the real face_mesh packed assets", () => {
  const index = parsePackedAssetIndex(loader);

  test("the loader's index covers the data file with adjacent, non-overlapping ranges", () => {
    expect(index.length).toBeGreaterThanOrEqual(3);
    const sorted = [...index].sort((a, b) => a.start - b.start);
    expect(sorted[0].start).toBe(0);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i].start).toBe(sorted[i - 1].end);
    expect(sorted.at(-1)!.end).toBe(data.length);
  });

  test("it lists both landmark models by file name", () => {
    const names = index.map((e) => e.filename.split("/").at(-1));
    expect(names).toContain("face_landmark.tflite");
    expect(names).toContain("face_landmark_with_attention.tflite");
  });

  test("the attention model comes out as a TFLite model whose outputs are mesh, lips, eyes, irises, face flag", () => {
    const model = extractPackedAsset(data, index, "face_landmark_with_attention.tflite");
    expect(new TextDecoder().decode(model.subarray(4, 8))).toBe("TFL3");
    const { inputs, outputs } = listTensors(model);
    expect(inputs.map((t) => t.shape)).toEqual([[1, 192, 192, 3]]);
    // The engine reads the embedder's tensors by position, so this order is a contract.
    expect(outputs.map((t) => [t.name, t.shape.reduce((a, b) => a * b, 1)])).toEqual([
      ["output_mesh_identity", 1404],
      ["output_lips", 160],
      ["output_left_eye", 142],
      ["output_right_eye", 142],
      ["output_left_iris", 10],
      ["output_right_iris", 10],
      ["conv_faceflag", 1],
    ]);
  });

  test("a name is matched as a whole file name, not a suffix of one", () => {
    expect(findPackedAsset(index, "face_landmark.tflite").filename).toMatch(/\/face_landmark\.tflite$/);
    expect(() => findPackedAsset(index, "landmark.tflite")).toThrow(/landmark.tflite is not in the index/);
  });
});

describe("errors", () => {
  const index = parsePackedAssetIndex('{"filename": "/a/one.tflite", "start": 0, "end": 10}');

  test("a name the index lacks is an error that says what it has", () => {
    expect(() => extractPackedAsset(new Uint8Array(10), index, "two.tflite")).toThrow(
      /two.tflite is not in the index.*\/a\/one.tflite/,
    );
  });

  test("a range beyond the data file is an error", () => {
    expect(() => extractPackedAsset(new Uint8Array(5), index, "one.tflite")).toThrow(
      /claims bytes 0..10 of a 5-byte file/,
    );
  });

  test("a loader without an index says the index is empty", () => {
    expect(parsePackedAssetIndex("var Module = {};")).toEqual([]);
    expect(() => extractPackedAsset(new Uint8Array(5), [], "one.tflite")).toThrow(/it lists: nothing/);
  });
});
