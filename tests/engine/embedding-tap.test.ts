import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type { ImageEmbedder } from "@mediapipe/tasks-vision";
import { readFloatEmbeddings, tapEmbeddings } from "../../src/engine/embedding-tap";
import { FaceEngine } from "../../src/engine/face-engine";
import { fixtureFrame } from "../support/images";

/** EmbeddingResult wire bytes (embeddings.proto), written by the library's own writer. */
function embeddingResult(
  embeddings: Array<{ floats?: number[]; unpacked?: boolean; quantized?: Uint8Array; headName?: string }>,
  timestampMs = 7,
): Uint8Array {
  const result = new BinaryWriter();
  for (const e of embeddings) {
    const embedding = new BinaryWriter();
    if (e.floats) {
      const values = new BinaryWriter();
      if (e.unpacked) for (const v of e.floats) values.tag(1, WireType.Bit32).float(v);
      else {
        values.tag(1, WireType.LengthDelimited).fork();
        for (const v of e.floats) values.float(v);
        values.join();
      }
      embedding.tag(1, WireType.LengthDelimited).bytes(values.finish());
    }
    if (e.quantized)
      embedding
        .tag(2, WireType.LengthDelimited)
        .bytes(new BinaryWriter().tag(1, WireType.LengthDelimited).bytes(e.quantized).finish());
    embedding.tag(3, WireType.Varint).int32(embeddings.indexOf(e));
    if (e.headName) embedding.tag(4, WireType.LengthDelimited).string(e.headName);
    result.tag(1, WireType.LengthDelimited).bytes(embedding.finish());
  }
  result.tag(2, WireType.Varint).int64(timestampMs);
  return result.finish();
}

describe("readFloatEmbeddings", () => {
  test("reads each head's packed floats in order, skipping head index, name and the timestamp", () => {
    const tensors = readFloatEmbeddings(
      embeddingResult([{ floats: [1.5, -2.25, 3e-8], headName: "output_mesh_identity" }, { floats: [42] }]),
    );
    expect(tensors.map((t) => Array.from(t))).toEqual([[1.5, -2.25, Math.fround(3e-8)], [42]]);
  });

  test("accepts floats written one by one (unpacked), as protobuf parsers must", () => {
    expect(Array.from(readFloatEmbeddings(embeddingResult([{ floats: [0.5, 0.25], unpacked: true }]))[0])).toEqual([
      0.5, 0.25,
    ]);
  });

  test("a quantized head gives no floats, an empty result no heads", () => {
    expect(readFloatEmbeddings(embeddingResult([{ quantized: new Uint8Array([1, 2]) }])).map((t) => t.length)).toEqual([
      0,
    ]);
    expect(readFloatEmbeddings(new Uint8Array(0))).toEqual([]);
  });
});

describe("tapEmbeddings falls back to the bundle's own path", () => {
  const probe = { data: new Uint8ClampedArray(4), width: 1, height: 1 } as unknown as ImageData;
  /** A stand-in with the graph runner's shape whose listener gets `sent` while embed() answers `answered`. */
  function embedderSending(sent: Uint8Array, answered: number[][]) {
    const module = { simpleListeners: {} as Record<string, (bytes: Uint8Array, timestamp: number) => void> };
    module.simpleListeners.embeddings_out = () => {};
    const runner = { attachProtoListener() {}, module };
    return {
      runner,
      module,
      embed() {
        module.simpleListeners.embeddings_out(sent, 1);
        return { embeddings: answered.map((floatEmbedding) => ({ floatEmbedding })) };
      },
    } as unknown as ImageEmbedder & { module: typeof module };
  }

  test("when the bytes it reads disagree with the bundle's result, and the bundle's listener is put back", () => {
    const embedder = embedderSending(embeddingResult([{ floats: [1, 2] }]), [[1, 3]]);
    const listener = embedder.module.simpleListeners.embeddings_out;
    expect(tapEmbeddings(embedder, probe).tapped).toBe(false);
    expect(embedder.module.simpleListeners.embeddings_out).toBe(listener);
  });

  test("when they agree it taps", () => {
    expect(tapEmbeddings(embedderSending(embeddingResult([{ floats: [1, 2] }]), [[1, 2]]), probe).tapped).toBe(true);
  });

  test("when the embedder has no listener map to tap", () => {
    const plain = { embed: () => ({ embeddings: [{ floatEmbedding: [1] }] }) } as unknown as ImageEmbedder;
    const { embed, tapped } = tapEmbeddings(plain, probe);
    expect(tapped).toBe(false);
    expect(Array.from(embed(probe)[0])).toEqual([1]);
  });
});

describe("the engine's landmark model read through the tap (real models, real photo)", () => {
  let tapped: FaceEngine;
  let bundle: FaceEngine;
  beforeAll(async () => {
    [tapped, bundle] = await Promise.all([FaceEngine.create(), FaceEngine.create({ tapLandmarkTensors: false })]);
  });
  afterAll(() => {
    tapped.close();
    bundle.close();
  });

  test("the tap passes its start-up check on this bundle", () => {
    expect(tapped.landmarkTensorsTapped).toBe(true);
    expect(bundle.landmarkTensorsTapped).toBe(false);
  });

  test("gives the same faces as the bundle's own reading, to the last bit, frame after frame", async () => {
    const frame = await fixtureFrame("grace_hopper.jpg");
    for (let i = 0; i < 3; i++) {
      const [a, b] = [tapped.analyze(frame), bundle.analyze(frame)];
      expect(a.faces.length).toBe(1);
      expect(a.faces).toEqual(b.faces);
      // Tracked frames too: the next call's timestamps must still move on after the tap answered the bundle.
      const [ta, tb] = [
        tapped.analyze(frame, { track: [a.faces[0].roi] }),
        bundle.analyze(frame, { track: [b.faces[0].roi] }),
      ];
      expect(ta.faces).toEqual(tb.faces);
    }
  });
});
