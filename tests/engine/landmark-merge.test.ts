import { describe, expect, test } from "bun:test";
import { LANDMARK_MAPS, mergeAttentionMesh, MESH_POINTS, TOTAL_POINTS } from "../../src/engine/landmark-merge";

/** Tensors whose values tell where they came from: mesh point i = (i, 1000 + i, 2000 + i). */
function labelledTensors() {
  const mesh = new Float32Array(MESH_POINTS * 3);
  for (let i = 0; i < MESH_POINTS; i++) mesh.set([i, 1000 + i, 2000 + i], i * 3);
  const part = (n: number, base: number) => Float32Array.from({ length: n * 2 }, (_, k) => base + k);
  return {
    mesh,
    lips: part(80, 10_000),
    leftEye: part(71, 20_000),
    rightEye: part(71, 30_000),
    leftIris: part(5, 40_000),
    rightIris: part(5, 50_000),
  };
}

describe("mergeAttentionMesh", () => {
  test("the maps match MediaPipe's sizes and touch distinct mesh points", () => {
    expect(LANDMARK_MAPS.LIPS_TO_MESH).toHaveLength(80);
    expect(LANDMARK_MAPS.LEFT_EYE_TO_MESH).toHaveLength(71);
    expect(LANDMARK_MAPS.RIGHT_EYE_TO_MESH).toHaveLength(71);
    const all = [...LANDMARK_MAPS.LIPS_TO_MESH, ...LANDMARK_MAPS.LEFT_EYE_TO_MESH, ...LANDMARK_MAPS.RIGHT_EYE_TO_MESH];
    expect(new Set(all).size).toBe(all.length);
    expect(Math.max(...all)).toBeLessThan(MESH_POINTS);
  });

  test("refined parts replace x and y of their mesh points and keep the mesh's z", () => {
    const merged = mergeAttentionMesh(labelledTensors());
    expect(merged).toHaveLength(TOTAL_POINTS * 3);
    // Lips point 0 is mesh 61; left eye point 4 is mesh 145; right eye point 12 is mesh 386.
    expect([merged[61 * 3], merged[61 * 3 + 1], merged[61 * 3 + 2]]).toEqual([10_000, 10_001, 2061]);
    expect([merged[145 * 3], merged[145 * 3 + 1], merged[145 * 3 + 2]]).toEqual([20_008, 20_009, 2145]);
    expect([merged[386 * 3], merged[386 * 3 + 1], merged[386 * 3 + 2]]).toEqual([30_024, 30_025, 2386]);
    // A point no part refines (nose tip, 1) is the mesh's own.
    expect([merged[3], merged[4], merged[5]]).toEqual([1, 1001, 2001]);
  });

  test("irises are appended as 468-477 with z the mean of their eye contour", () => {
    const merged = mergeAttentionMesh(labelledTensors());
    const contourMeanZ = (indices: readonly number[]) => indices.slice(0, 16).reduce((s, i) => s + 2000 + i, 0) / 16;
    expect([merged[468 * 3], merged[468 * 3 + 1]]).toEqual([40_000, 40_001]);
    expect(merged[468 * 3 + 2]).toBeCloseTo(contourMeanZ(LANDMARK_MAPS.LEFT_EYE_TO_MESH), 3);
    expect([merged[477 * 3], merged[477 * 3 + 1]]).toEqual([50_008, 50_009]);
    expect(merged[477 * 3 + 2]).toBeCloseTo(contourMeanZ(LANDMARK_MAPS.RIGHT_EYE_TO_MESH), 3);
  });

  test("a tensor of the wrong size is refused with its name", () => {
    const tensors = labelledTensors();
    expect(() => mergeAttentionMesh({ ...tensors, lips: new Float32Array(10) })).toThrow(
      /"lips" has 10 values, expected 160/,
    );
  });
});
